/**
 * Acceptance (issue 5): an SMA(10/30) crossover on `shared/data/market/binance_btcusdt_1h_6col` (BTCUSDT 1h,
 * 62,482 bars, 2018-02-09 → 2025-03-31; see that folder's README) with next-open fills and a 0.1% commission gives
 * exactly the trades and the final equity of an independent, deliberately naive loop written here.
 *
 * The engine side is the library's front door, `backtest(...)`, with a TypeScript strategy reading the engine's
 * indicators and the venue chosen by config (`execution: { marketFill: "next_bar_open", commissionRate: 0.001 }`).
 * The naive side reads the CSV with `split(",")`, computes the averages itself and keeps the account in four
 * variables. Nothing is shared but the file.
 *
 * Shared semantics (what both sides do, and so what the test pins down):
 * - Signals on the close of bar t: fast = mean of the last 10 closes, slow = mean of the last 30. Flat and the cross
 *   happened on this bar (fast ≤ slow on bar t−1, fast > slow on bar t): buy. Long and fast < slow: sell. No
 *   signal before 30 closes (and one more bar for the cross). The naive loop compares the means exactly, on integer
 *   sums of the prices in cents (`30·Σ10 > 10·Σ30`); the engine compares its floating-point SMAs.
 * - A decision on bar t fills at the open of bar t+1 (the next row, whatever the time gap: the file has 25 gaps).
 *   The buy is a market order for 95% of equity at that open, `units = 0.95 × cash / open`, capped at what the cash
 *   pays with the fee, `cash / (open × 1.001)`; the sell closes all of it.
 * - Commission: 0.1% of `units × price` on every fill, entries and exits; no slippage, no spread.
 * - Cash: a buy pays `units × open + fee`, a sell receives `units × open − fee`. Equity after each bar is
 *   `cash + units × close`. A trade's P&L is `(exit − entry) × units − entry fee − exit fee`.
 * - A decision on the last bar never fills. A position still open at the end is sold at the last close, with the fee.
 * The arithmetic is written in the same order as the engine's, so the results agree to the last bit.
 */
import { Effect } from "effect"
import * as fs from "node:fs"
import { describe, expect, it } from "vitest"
import { backtest } from "../../src/backtest/run.ts"
import type { BacktestResult } from "../../src/backtest/result.ts"
import { defineStrategy } from "../../src/strategy/typescript.ts"
import { dataFile } from "../support/data.ts"

const FILE = dataFile("market", "binance_btcusdt_1h_6col", "BTCUSDT_1h_2018-02-09_2025-03-31.csv")
const CASH = 10_000
const RATE = 0.001
const FRACTION = 0.95

/** The crossover, through the engine's indicators and trade machine. */
const smaCrossover = () =>
  defineStrategy<{ fast?: number | undefined; slow?: number | undefined }>({
    name: "sma_crossover_10_30",
    init: () => ({}),
    detectOpportunity(_bar, ctx, ind) {
      const fast = ind.sma(10)
      const slow = ind.sma(30)
      const [pf, ps] = [ctx.fast, ctx.slow]
      ctx.fast = fast
      ctx.slow = slow
      if (fast === undefined || slow === undefined || pf === undefined || ps === undefined) return undefined
      return pf <= ps && fast > slow ? { action: "enter_long", quantity: FRACTION, reason: "SMA10 crossed above SMA30" } : undefined
    },
    filterCommitment: () => undefined,
    managePosition(_bar, ctx, ind) {
      const fast = ind.sma(10)!
      const slow = ind.sma(30)!
      ctx.fast = fast
      ctx.slow = slow
      return fast < slow ? { action: "exit", reason: "SMA10 crossed below SMA30" } : undefined
    }
  })

interface NaiveTrade {
  entryTime: number
  entryPrice: number
  exitTime: number
  exitPrice: number
  quantity: number
  fees: number
  pnl: number
}

/** The same rules as one loop over the rows of the file. */
const naive = (): { trades: Array<NaiveTrade>; equity: Array<number>; finalEquity: number } => {
  const rows = fs.readFileSync(FILE, "utf8").trim().split("\n").slice(1).map((line) => {
    const [datetime, open, , , close] = line.split(",")
    return { time: Date.parse(`${datetime!.replace(" ", "T")}Z`), open: Number(open), close: Number(close), cents: Math.round(Number(close) * 100) }
  })
  let cash = CASH
  let units = 0
  let entryPrice = 0
  let entryFee = 0
  let entryTime = 0
  let pending: "buy" | "sell" | undefined
  let wasAbove: boolean | undefined
  const trades: Array<NaiveTrade> = []
  const equity: Array<number> = []
  for (let i = 0; i < rows.length; i++) {
    const { time, open, close } = rows[i]!
    if (pending === "buy") {
      const wanted = (FRACTION * cash) / open
      const affordable = cash / (open * (1 + RATE))
      units = Math.min(wanted, affordable)
      entryFee = RATE * units * open
      cash += -(units * open) - entryFee
      entryPrice = open
      entryTime = time
    } else if (pending === "sell") {
      const fee = RATE * units * open
      cash += units * open - fee
      trades.push({ entryTime, entryPrice, exitTime: time, exitPrice: open, quantity: units, fees: entryFee + fee, pnl: (open - entryPrice) * units - entryFee - fee })
      units = 0
    }
    pending = undefined
    if (i >= 29) {
      let sum10 = 0
      let sum30 = 0
      for (let j = i - 29; j <= i; j++) sum30 += rows[j]!.cents
      for (let j = i - 9; j <= i; j++) sum10 += rows[j]!.cents
      const above = 30 * sum10 > 10 * sum30
      const below = 30 * sum10 < 10 * sum30
      if (units === 0 && wasAbove === false && above) pending = "buy"
      else if (units > 0 && below) pending = "sell"
      wasAbove = above
    }
    equity.push(cash + units * close)
  }
  if (units > 0) {
    const last = rows[rows.length - 1]!
    const fee = RATE * units * last.close
    cash += units * last.close - fee
    trades.push({ entryTime, entryPrice, exitTime: last.time, exitPrice: last.close, quantity: units, fees: entryFee + fee, pnl: (last.close - entryPrice) * units - entryFee - fee })
    equity[equity.length - 1] = cash
  }
  return { trades, equity, finalEquity: cash }
}

describe("acceptance: SMA(10/30) crossover on BTCUSDT 1h 2018–2025, next-open fills, 0.1% commission", () => {
  let engine: BacktestResult
  const reference = naive()

  it("the engine runs the whole file", async () => {
    engine = await Effect.runPromise(backtest({
      data: { files: [FILE] },
      strategy: smaCrossover(),
      initialCash: CASH,
      execution: { marketFill: "next_bar_open", commissionRate: RATE }
    }))
    expect(engine.metrics.bars).toBe(62_482)
    expect(engine.failures).toEqual([])
    expect(reference.trades.length).toBeGreaterThan(500)
  })

  it("gives exactly the naive loop's trades", () => {
    expect(engine.trades.map((t) => ({
      entryTime: t.entryTime,
      entryPrice: t.entryPrice,
      exitTime: t.exitTime,
      exitPrice: t.exitPrice,
      quantity: t.quantity,
      fees: t.fees,
      pnl: t.pnl
    }))).toEqual(reference.trades)
  })

  it("gives exactly the naive loop's final equity and equity curve", () => {
    expect(engine.metrics.finalEquity).toBe(reference.finalEquity)
    expect(engine.equity.equity).toEqual(reference.equity)
  })
})
