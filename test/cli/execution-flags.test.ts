/**
 * The execution and risk flags of `trading-engine backtest`, end to end (the real command, spawned like in
 * `e2e.test.ts`): BTCUSDT and ETHUSDT 1h of January 2022 (Binance dumps) with the real Binance exchangeInfo filters
 * of both symbols (`shared/data/exchange/binance`), slippage in ticks (each symbol's tick from the filters), a volume
 * cap, a maker/taker commission and risk limits; and the configuration errors that exit 2.
 */
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { BacktestResult } from "../../src/backtest/result.ts"
import { dataFile, repoFile } from "../support/data.ts"

const dump = (f: string) => dataFile("market", "binance_spot_klines_dump", f)
const EXCHANGE_INFO = dataFile("exchange", "binance", "exchange_info_real_2021-10-22_btcusdt_ethusdt.json")

interface Run {
  readonly status: number
  readonly stdout: string
  readonly stderr: string
}

const cli = (...args: ReadonlyArray<string>): Promise<Run> =>
  new Promise((resolve, reject) => {
    execFile(process.execPath, [repoFile("bin", "trading-engine.mjs"), ...args], { cwd: repoFile(), encoding: "utf8", timeout: 60_000 }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== "number") reject(error)
      else resolve({ status: error === null ? 0 : (error.code as number), stdout, stderr })
    })
  })

let tmp = ""
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "trading-engine-exec-"))
})
afterAll(() => {
  if (tmp !== "") fs.rmSync(tmp, { recursive: true, force: true })
})

describe("trading-engine backtest: execution and risk flags", () => {
  it("runs two symbols with exchange filters, slippage in ticks, a volume cap, maker/taker commission and risk limits", async () => {
    const out = path.join(tmp, "full")
    const run = await cli(
      "backtest", "--data", dump("BTCUSDT-1h-2022-01.csv"), dump("ETHUSDT-1h-2022-01.csv"), "--strategy", "strategies/ema_crossover.lua",
      "--exchange-info", EXCHANGE_INFO, "--slippage", "2ticks", "--max-participation", "0.1%", "--commission", "0.1%",
      "--maker-commission", "0.08%", "--risk-per-trade", "1%", "--max-drawdown", "5%", "--flatten-on-kill", "--quiet", "--out", out
    )
    expect(run.status, run.stderr).toBe(0)
    const r = JSON.parse(fs.readFileSync(path.join(out, "result.json"), "utf8")) as BacktestResult
    expect(r.symbols).toEqual(["BTCUSDT", "ETHUSDT"])
    expect(r.trades.length).toBeGreaterThan(5)
    // Quantities on the lot grid of each symbol (BTCUSDT 0.00001, ETHUSDT 0.0001).
    for (const t of r.trades) {
      const step = t.symbol === "BTCUSDT" ? 1e5 : 1e4
      expect(Math.abs(t.quantity * step - Math.round(t.quantity * step))).toBeLessThan(1e-6)
    }
    // Risk per trade sized the entries (the note says so), and the kill switch tripped and flattened.
    expect(r.orders.some((o) => o.note?.includes("risk per trade: 1% of equity"))).toBe(true)
    expect(r.riskEvents!.map((e) => [e.rule, e.flatten])).toEqual([["kill_switch", true]])
    expect(run.stdout).toContain("Risk halt at ")
    // The books balance: per-symbol P&L adds up to the equity curve.
    const last = r.equity.equity.length - 1
    expect(r.symbolEquity!.reduce((s, c) => s + c.pnl[last]!, 10_000)).toBeCloseTo(r.metrics.finalEquity, 6)
    expect(r.account!.cash).toBeCloseTo(r.metrics.finalEquity, 6)
  })

  it("configuration errors exit 2 naming the field", async () => {
    const noSpec = await cli("backtest", "--data", "fixtures/sim/SIM-A_1h.csv", "--strategy", "strategies/ema_crossover.lua", "--exchange-info", EXCHANGE_INFO, "--quiet", "--out", path.join(tmp, "x"))
    expect(noSpec.status).toBe(2)
    expect(noSpec.stderr).toContain("instruments: no instrument spec for SIM-A (specs are given for BTCUSDT, ETHUSDT)")
    const badInfo = await cli("backtest", "--data", "fixtures/sim/SIM-A_1h.csv", "--strategy", "strategies/ema_crossover.lua", "--exchange-info", "package.json", "--quiet", "--out", path.join(tmp, "y"))
    expect(badInfo.status).toBe(2)
    expect(badInfo.stderr).toContain("--exchange-info: package.json: symbols")
    const ticks = await cli("backtest", "--data", "fixtures/sim/SIM-A_1h.csv", "--strategy", "strategies/ema_crossover.lua", "--slippage", "2ticks")
    expect(ticks.status).toBe(2)
    expect(ticks.stderr).toContain("--slippage in ticks needs --tick-size, or --exchange-info for each symbol's tick size")
  })
})
