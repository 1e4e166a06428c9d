/**
 * The bundled strategies on real market data, through the library's front door `backtest(...)`.
 *
 * Data: the 15 monthly Binance dump files `ETHUSDT-1h-2022-01.csv` … `ETHUSDT-1h-2023-03.csv` (10,919 bars; see
 * `shared/data/market/binance_spot_klines_dump/README.md`). `backtest` takes whole files (its data spec has no
 * `from` / `to`), so the long BTCUSDT 6-column file is not cut to the same period here.
 *
 * - Every `strategies/*.lua` except `template.lua` runs without a strategy failure, trades at least once, and its
 *   result is internally consistent (trades ↔ equity ↔ metrics ↔ orders).
 * - `ema_crossover.lua` and its TypeScript twin `emaCrossover()` (`strategies/ema_crossover.ts`) make identical
 *   trades, orders, transitions and equity: the same rules give the same run whichever language hosts them.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fs from "node:fs"
import { backtest, type BacktestResult } from "../../src/index.ts"
import { emaCrossover } from "../../strategies/ema_crossover.ts"
import { dataFile, repoFile } from "../support/data.ts"

const dumpDir = dataFile("market", "binance_spot_klines_dump")
const ethFiles = fs.readdirSync(dumpDir).filter((f) => /^ETHUSDT-1h-\d{4}-\d{2}\.csv$/.test(f)).sort().map((f) => `${dumpDir}/${f}`)
const strategies = fs.readdirSync(repoFile("strategies")).filter((f) => f.endsWith(".lua") && f !== "template.lua").sort()

const ETH_BARS = 10_919
const account = { initialCash: 10_000, commissionRate: 0.001 }

const run = (strategy: Parameters<typeof backtest>[0]["strategy"]) =>
  backtest({ data: { files: ethFiles, format: "binance" }, strategy, ...account })

/** Trades, equity curve, orders and metrics of a result agree with each other. */
const assertConsistent = (r: BacktestResult): void => {
  const m = r.metrics
  const { timestamps, equity } = r.equity
  assert.strictEqual(m.bars, ETH_BARS)
  assert.strictEqual(equity.length, timestamps.length)
  assert.strictEqual(equity.length, ETH_BARS, "one equity point per timestamp (one symbol)")
  assert.strictEqual(equity[equity.length - 1], m.finalEquity)
  assert.strictEqual(m.start, timestamps[0])
  assert.strictEqual(m.end, timestamps[timestamps.length - 1])
  assert.closeTo(m.totalReturn, m.finalEquity / m.initialCash - 1, 1e-12)
  assert.strictEqual(m.tradeCount, r.trades.length)
  // Positions are closed at the end of the data, so the trades account for the whole profit or loss.
  assert.closeTo(r.trades.reduce((s, t) => s + t.pnl, 0), m.finalEquity - m.initialCash, 1e-6)
  assert.closeTo(r.trades.reduce((s, t) => s + t.fees, 0), m.totalFees, 1e-6)
  const wins = r.trades.filter((t) => t.pnl > 0).length
  assert.closeTo(m.winRate, wins / r.trades.length, 1e-12)
  const grossProfit = r.trades.reduce((s, t) => s + Math.max(t.pnl, 0), 0)
  const grossLoss = r.trades.reduce((s, t) => s + Math.max(-t.pnl, 0), 0)
  if (grossLoss > 0) assert.closeTo(m.profitFactor, grossProfit / grossLoss, 1e-9)
  let peak = -Infinity
  let worst = 0
  for (const e of equity) {
    peak = Math.max(peak, e)
    worst = Math.max(worst, (peak - e) / peak)
  }
  assert.closeTo(m.maxDrawdown, worst, 1e-12)
  assert.isTrue(m.maxDrawdown >= 0 && m.maxDrawdown < 1)
  assert.isTrue(Number.isFinite(m.sharpe))

  let lastExit = -Infinity
  for (const t of r.trades) {
    assert.strictEqual(t.symbol, "ETHUSDT")
    assert.isAbove(t.quantity, 0)
    assert.isAtLeast(t.fees, 0)
    assert.isAtLeast(t.exitTime, t.entryTime)
    assert.isAtLeast(t.entryTime, m.start!)
    assert.isAtMost(t.exitTime, m.end!)
    // One symbol, one position at a time: trades do not overlap.
    assert.isAtLeast(t.entryTime, lastExit)
    lastExit = t.exitTime
    const sign = t.side === "long" ? 1 : -1
    assert.closeTo(t.pnl, sign * (t.exitPrice - t.entryPrice) * t.quantity - t.fees, 1e-6 * Math.max(1, Math.abs(t.pnl)))
    assert.closeTo(t.fees, account.commissionRate * t.quantity * (t.entryPrice + t.exitPrice), 1e-9 * Math.max(1, t.fees))
  }
  // Each trade was opened by one filled entry order, on a later bar than the one it was decided on (no look-ahead).
  const entries = r.orders.filter((o) => o.status === "filled" && o.action.startsWith("enter_"))
  assert.strictEqual(entries.length, r.trades.length)
  for (const o of r.orders) if (o.status === "filled") assert.isAbove(o.fillTime!, o.decidedAt)
  assert.deepStrictEqual(
    entries.map((o) => [o.fillTime, o.fillPrice]),
    r.trades.map((t) => [t.entryTime, t.entryPrice])
  )
}

describe("bundled strategies on real data (ETHUSDT 1h, 2022-01 → 2023-03)", () => {
  it("the data and the strategies are there", () => {
    assert.strictEqual(ethFiles.length, 15)
    assert.deepStrictEqual(strategies, ["bollinger_reversion.lua", "ema_crossover.lua", "macd_trend.lua", "range_breakout.lua", "rsi_mean_reversion.lua"])
  })

  it.effect.each(strategies)("%s runs without failures, trades, and its result is consistent", (file) =>
    Effect.gen(function*() {
      const r = yield* run(repoFile("strategies", file))
      assert.strictEqual(r.strategy, file.replace(/\.lua$/, ""))
      assert.deepStrictEqual(r.symbols, ["ETHUSDT"])
      assert.deepStrictEqual(r.failures, [])
      assert.isAtLeast(r.trades.length, 1)
      assertConsistent(r)
    }))

  it.effect("ema_crossover.lua and emaCrossover() (TypeScript) make identical trades", () =>
    Effect.gen(function*() {
      const lua = yield* run(repoFile("strategies", "ema_crossover.lua"))
      const ts = yield* run(emaCrossover())
      assert.strictEqual(lua.strategy, "ema_crossover")
      assert.strictEqual(ts.strategy, "ema_crossover.ts")
      assert.isAbove(lua.trades.length, 10)
      assert.deepStrictEqual(ts.trades, lua.trades)
      assert.deepStrictEqual(ts.orders, lua.orders)
      assert.deepStrictEqual(ts.transitions, lua.transitions)
      assert.deepStrictEqual(ts.rejections, lua.rejections)
      assert.deepStrictEqual(ts.equity, lua.equity)
      assert.deepStrictEqual(ts.metrics, lua.metrics)
      assert.deepStrictEqual(ts.failures, [])
    }))
})
