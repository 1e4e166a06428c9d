import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { computeMetrics, periodsPerYear, sharpeRatio, sortinoRatio, volatility } from "../../src/backtest/metrics.ts"

const HOUR = 3_600_000

describe("computeMetrics (the ratios computed together at the end of a run)", () => {
  it("gives the standalone volatility, Sharpe and Sortino to the last bit", () => {
    const curve = fc.array(fc.double({ min: 1, max: 1e6, noNaN: true }), { minLength: 0, maxLength: 60 })
    fc.assert(fc.property(curve, fc.boolean(), (values, flat) => {
      const equity = flat ? values.map(() => 100) : values
      const timestamps = equity.map((_, i) => i * HOUR)
      const m = computeMetrics({ initialCash: 100, equity: { timestamps, equity }, trades: [], bars: equity.length })
      const perYear = periodsPerYear(timestamps)
      expect(Object.is(m.volatility, volatility(equity, perYear))).toBe(true)
      expect(Object.is(m.sharpe, sharpeRatio(equity, perYear))).toBe(true)
      expect(Object.is(m.sortino, sortinoRatio(equity, perYear))).toBe(true)
    }), { numRuns: 2000, seed: 20261126 })
  })
})
