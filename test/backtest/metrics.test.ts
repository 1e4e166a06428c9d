import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  annualReturn,
  computeMetrics,
  drawdownDurations,
  maxDrawdown,
  periodsPerYear,
  sharpeRatio,
  sortinoRatio,
  volatility,
  YEAR_MS
} from "../../src/backtest/metrics.ts"
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
  fees, pnl, returnPct: pnl / 100, barsHeld: 1, holdingMs: 1, mae: 0, mfe: 0, maePct: 0, mfePct: 0, entryReason: "",
  exitReason: "strategy", exitNote: ""
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

  it("annual return, volatility, Sortino and Calmar of a hand-computed curve", () => {
    // Two years, equity 100 → 121: CAGR exactly 10%.
    const curve = { timestamps: [0, YEAR_MS, 2 * YEAR_MS], equity: [100, 99, 121] }
    expect(annualReturn(100, curve)).toBeCloseTo(0.1, 14)
    // returns -1% and +22.2…%; sample sd × sqrt(1 per year)
    const r = [99 / 100 - 1, 121 / 99 - 1]
    const mean = (r[0]! + r[1]!) / 2
    const sd = Math.sqrt(((r[0]! - mean) ** 2 + (r[1]! - mean) ** 2) / 1)
    expect(volatility(curve.equity, 1)).toBeCloseTo(sd, 14)
    // downside deviation: sqrt((0.01²) / 2)
    expect(sortinoRatio(curve.equity, 1)).toBeCloseTo(mean / Math.sqrt(0.0001 / 2), 10)
    expect(sortinoRatio([100, 101, 102], 1)).toBe(Infinity)
    expect(sortinoRatio([100, 100, 100], 1)).toBe(0)
    const m = computeMetrics({ initialCash: 100, equity: curve, trades: [], bars: 3 })
    expect(m.calmar).toBeCloseTo(0.1 / 0.01, 10)
    expect(annualReturn(100, { timestamps: [0, YEAR_MS], equity: [100, 0] })).toBe(-1)
  })

  it("drawdown duration and recovery of a hand-checked curve", () => {
    const H = HOUR
    // peak 120 at 1h; falls to 90 at 2h (the deepest, 25%); back to 120 at 5h; peak 130 at 6h; 117 at 7h (end).
    const curve = { timestamps: [0, 1, 2, 3, 4, 5, 6, 7].map((i) => i * H), equity: [100, 120, 90, 100, 110, 120, 130, 117] }
    expect(drawdownDurations(curve)).toEqual({ longest: 4 * H, recovery: 3 * H })
    // Never recovered: duration runs to the end, recovery is undefined.
    expect(drawdownDurations({ timestamps: [0, H, 2 * H, 3 * H], equity: [100, 80, 90, 95] })).toEqual({ longest: 3 * H, recovery: undefined })
    expect(drawdownDurations({ timestamps: [0, H, 2 * H], equity: [100, 100, 101] })).toEqual({ longest: 0, recovery: undefined })
  })

  it("drawdown duration and recovery equal a brute-force scan", () => {
    const naive = (xs: ReadonlyArray<number>) => {
      // longest: for each peak i (x_i at or above everything before), the first j > i back at its level: j - i when
      // the equity was below it in between, to the end when it never comes back; recovery: for the deepest (peak,
      // trough) pair, the first later index back at the peak's level.
      let longest = 0
      for (let i = 0; i < xs.length; i++) {
        const peak = Math.max(...xs.slice(0, i + 1))
        if (xs[i]! < peak) continue
        let j = i + 1
        while (j < xs.length && xs[j]! < peak) j++
        longest = Math.max(longest, j < xs.length ? (j > i + 1 ? j - i : 0) : xs.length - 1 - i)
      }
      let worst = 0
      let recovery: number | undefined
      for (let t = 0; t < xs.length; t++) {
        const peak = Math.max(...xs.slice(0, t + 1))
        const dd = (peak - xs[t]!) / peak
        if (dd > worst) {
          worst = dd
          let j = t + 1
          while (j < xs.length && xs[j]! < peak) j++
          recovery = j < xs.length ? j - t : undefined
        }
      }
      return { longest, recovery }
    }
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 40 }), (xs) => {
      const curve = { timestamps: xs.map((_, i) => i), equity: xs }
      expect(drawdownDurations(curve)).toEqual(naive(xs))
    }))
  })

  it("average win and loss, expectancy, exposure", () => {
    const m = computeMetrics({
      initialCash: 1000,
      equity: { timestamps: [0, HOUR, 2 * HOUR, 3 * HOUR], equity: [1000, 1010, 1030, 1035] },
      trades: [trade(50), trade(-20), trade(10), trade(-5), trade(0)],
      bars: 4,
      exposed: 3
    })
    expect(m.avgWin).toBe(30)
    expect(m.avgLoss).toBe(-12.5)
    expect(m.expectancy).toBe(7)
    expect(m.exposure).toBe(0.75)
    const none = computeMetrics({ initialCash: 1000, equity: { timestamps: [0], equity: [1000] }, trades: [], bars: 1 })
    expect([none.avgWin, none.avgLoss, none.expectancy, none.exposure, none.annualReturn]).toEqual([0, 0, 0, 0, 0])
  })
})
