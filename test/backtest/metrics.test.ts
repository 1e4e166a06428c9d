import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { computeMetrics, maxDrawdown, periodsPerYear, sharpeRatio, YEAR_MS } from "../../src/backtest/metrics.ts"
import type { Trade } from "../../src/backtest/result.ts"

const HOUR = 3_600_000

// A deliberately plain reference: drawdown by brute force over every (peak, later trough) pair.
const bruteForceDrawdown = (xs: ReadonlyArray<number>): number => {
  let worst = 0
  for (let i = 0; i < xs.length; i++) for (let j = i; j < xs.length; j++) worst = Math.max(worst, (xs[i]! - xs[j]!) / xs[i]!)
  return worst
}

const trade = (pnl: number, fees = 1): Trade => ({
  id: 1, symbol: "X", side: "long", quantity: 1, entryTime: 0, entryPrice: 100, exitTime: 1, exitPrice: 100 + pnl,
  fees, pnl, returnPct: pnl / 100, barsHeld: 1, entryReason: "", exitReason: "strategy", exitNote: ""
})

describe("metrics", () => {
  it("max drawdown of a hand-checked curve", () => {
    // peak 120, trough 90: 25%; the later fall 130 → 117 is only 10%
    expect(maxDrawdown([100, 120, 90, 110, 130, 117])).toBeCloseTo(0.25, 15)
    expect(maxDrawdown([100, 101, 102])).toBe(0)
  })

  it("max drawdown equals a brute-force scan", () => {
    fc.assert(fc.property(fc.array(fc.double({ min: 1, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 60 }), (xs) => {
      expect(maxDrawdown(xs)).toBeCloseTo(bruteForceDrawdown(xs), 12)
    }))
  })

  it("periods per year from hourly timestamps over exactly one year is 8766", () => {
    const n = 8767
    const ts = Array.from({ length: n }, (_, i) => i * (YEAR_MS / (n - 1)))
    expect(periodsPerYear(ts)).toBeCloseTo(8766, 9)
    expect(periodsPerYear(Array.from({ length: 100 }, (_, i) => i * HOUR))).toBeCloseTo(8766, 9)
  })

  it("Sharpe of a hand-computed series", () => {
    // returns +10%, -5%, +2%: mean 0.0233…, sample std 0.07638…
    const equity = [100, 110, 104.5, 106.59]
    const r = [0.1, -0.05, 0.02]
    const mean = (r[0]! + r[1]! + r[2]!) / 3
    const sd = Math.sqrt(r.reduce((s, x) => s + (x - mean) ** 2, 0) / 2)
    expect(sharpeRatio(equity, 12)).toBeCloseTo((mean / sd) * Math.sqrt(12), 10)
    expect(sharpeRatio([100, 100, 100], 12)).toBe(0)
  })

  it("trade statistics", () => {
    const m = computeMetrics({
      initialCash: 1000,
      equity: { timestamps: [0, HOUR, 2 * HOUR], equity: [1000, 1010, 1030] },
      trades: [trade(50), trade(-20), trade(10), trade(-5)],
      bars: 3
    })
    expect(m.tradeCount).toBe(4)
    expect(m.winRate).toBe(0.5)
    expect(m.profitFactor).toBeCloseTo(60 / 25, 15)
    expect(m.totalFees).toBe(4)
    expect(m.totalReturn).toBeCloseTo(0.03, 15)
    expect(m.finalEquity).toBe(1030)
    expect(m.start).toBe(0)
    expect(m.end).toBe(2 * HOUR)
  })

  it("profit factor is Infinity with only wins and 0 with no trades", () => {
    const base = { initialCash: 1000, equity: { timestamps: [0], equity: [1000] }, bars: 1 }
    expect(computeMetrics({ ...base, trades: [trade(5)] }).profitFactor).toBe(Infinity)
    expect(computeMetrics({ ...base, trades: [] }).profitFactor).toBe(0)
    expect(computeMetrics({ ...base, trades: [] }).winRate).toBe(0)
  })
})
