/**
 * Indicator-specific facts: SMA against a naive re-sum, flat and monotonic series, small hand-checked values.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Ema, emaBatch, Rsi, rsiBatch, Sma, smaBatch } from "../../src/indicators/index.ts"
import { anySeries, fcParams, priceSeries, stream } from "./support.ts"

const naiveMean = (xs: ArrayLike<number>, end: number, period: number): number => {
  let s = 0
  for (let j = end - period + 1; j <= end; j++) s += xs[j]!
  return s / period
}

describe("SMA", () => {
  it("equals a naive mean over the window within 1e-9 relative", () => {
    fc.assert(
      fc.property(priceSeries(300), fc.integer({ min: 1, max: 50 }), (xs, period) => {
        const out = smaBatch(xs, period)
        for (let i = period - 1; i < xs.length; i++) {
          const ref = naiveMean(xs, i, period)
          if (Math.abs(out[i]! - ref) > 1e-9 * Math.abs(ref)) return false
        }
        return true
      }),
      fcParams
    )
  })

  it("mixed-sign inputs: within 1e-12 of the naive mean relative to the window's mean |x|, plus u² × max |x| so far", () => {
    // Neumaier's bound: the carried sum is off by at most ~2u|S| + O(N u²) Σ|x| (N inputs seen so far)
    fc.assert(
      fc.property(anySeries(300), fc.integer({ min: 1, max: 50 }), (xs, period) => {
        const out = smaBatch(xs, period)
        let maxAbs = 0
        for (let i = 0; i < xs.length; i++) {
          maxAbs = Math.max(maxAbs, Math.abs(xs[i]!))
          if (i < period - 1) continue
          let abs = 0
          for (let j = i - period + 1; j <= i; j++) abs += Math.abs(xs[j]!)
          const tol = 1e-12 * (abs / period) + 1e-28 * maxAbs
          if (Math.abs(out[i]! - naiveMean(xs, i, period)) > tol) return false
        }
        return true
      }),
      fcParams
    )
  })

  it("does not drift over 1e6 inputs of very different magnitudes", () => {
    let seed = 12345
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648)
    const n = 1_000_000
    const xs = new Float64Array(n)
    for (let i = 0; i < n; i++) xs[i] = i % 1000 < 500 ? 1e8 * (1 + rand()) : 1e-3 * rand()
    const period = 50
    const sma = new Sma(period)
    let worst = 0
    for (let i = 0; i < n; i++) {
      const v = sma.update(xs[i]!)
      if (i >= period - 1 && i % 997 === 0) {
        // exact reference: sort-free compensated re-sum of the window
        let s = 0
        let c = 0
        for (let j = i - period + 1; j <= i; j++) {
          const x = xs[j]!
          const t = s + x
          c += Math.abs(s) >= Math.abs(x) ? (s - t) + x : (x - t) + s
          s = t
        }
        const ref = (s + c) / period
        worst = Math.max(worst, Math.abs(v - ref) / Math.abs(ref))
      }
    }
    expect(worst).toBeLessThan(1e-15)
  })

  it("returns to small values exactly after huge ones leave the window", () => {
    const sma = new Sma(2)
    stream(sma, Float64Array.of(1e20, 1, 3))
    expect(sma.value).toBe(2)
  })

  it("period 1 is the identity; flat series give the level", () => {
    const xs = Float64Array.of(3, -1, 7.5, 0)
    expect(Array.from(smaBatch(xs, 1))).toEqual([3, -1, 7.5, 0])
    expect(Array.from(smaBatch(new Float64Array(10).fill(42.5), 4).subarray(3))).toEqual(new Array(7).fill(42.5))
  })
})

describe("EMA", () => {
  it("first value is the SMA of the first period inputs; then (x - ema) * k + ema", () => {
    const xs = Float64Array.of(1, 2, 3, 4, 5)
    const out = emaBatch(xs, 3)
    expect(out[0]).toBeNaN()
    expect(out[1]).toBeNaN()
    expect(out[2]).toBe(2)
    expect(out[3]).toBe((4 - 2) * 0.5 + 2)
    expect(out[4]).toBe((5 - 3) * 0.5 + 3)
    expect(new Ema(3).k).toBe(0.5)
  })

  it("period 1 is the identity; a flat series stays at the level", () => {
    expect(Array.from(emaBatch(Float64Array.of(3, -1, 7.5), 1))).toEqual([3, -1, 7.5])
    expect(Array.from(emaBatch(new Float64Array(20).fill(7), 5).subarray(4))).toEqual(new Array(16).fill(7))
  })

  it("stays within the range of its inputs", () => {
    fc.assert(
      fc.property(priceSeries(200), fc.integer({ min: 1, max: 30 }), (xs, period) => {
        const out = emaBatch(xs, period)
        let lo = Infinity
        let hi = -Infinity
        for (let i = 0; i < xs.length; i++) {
          lo = Math.min(lo, xs[i]!)
          hi = Math.max(hi, xs[i]!)
          const v = out[i]!
          if (!Number.isNaN(v) && (v < lo * (1 - 1e-12) || v > hi * (1 + 1e-12))) return false
        }
        return true
      }),
      fcParams
    )
  })
})

describe("RSI", () => {
  it("is 0 on a flat series (TA-Lib: avg gain + avg loss = 0 gives 0)", () => {
    const out = rsiBatch(new Float64Array(30).fill(10), 14)
    expect(out[13]).toBeNaN()
    expect(Array.from(out.subarray(14))).toEqual(new Array(16).fill(0))
  })

  it("is 100 on a rising series and 0 on a falling one", () => {
    const up = Float64Array.from({ length: 30 }, (_, i) => 100 + i)
    const down = Float64Array.from({ length: 30 }, (_, i) => 100 - i)
    expect(Array.from(rsiBatch(up, 14).subarray(14))).toEqual(new Array(16).fill(100))
    expect(Array.from(rsiBatch(down, 14).subarray(14))).toEqual(new Array(16).fill(0))
  })

  it("keeps its last level through a flat stretch after movement (gain and loss decay together)", () => {
    const xs = Float64Array.of(1, 2, 1, 2, 2, 2, 2, 2, 2, 2)
    const out = rsiBatch(xs, 3)
    const level = out[3]!
    expect(level).toBeCloseTo(100 * (2 / 3), 12)
    for (let i = 4; i < xs.length; i++) expect(out[i]).toBeCloseTo(out[4]!, 12)
  })

  it("hand-computed values for period 2", () => {
    // changes: +1, -2, +3
    const out = rsiBatch(Float64Array.of(10, 11, 9, 12), 2)
    // seed: gain 1/2, loss 2/2 → 100 * 0.5 / 1.5
    expect(out[2]).toBe(100 * (0.5 / 1.5))
    // Wilder: gain (0.5*1 + 3)/2 = 1.75, loss (1*1)/2 = 0.5
    expect(out[3]).toBe(100 * (1.75 / 2.25))
  })

  it("stays within [0, 100] and exposes the averages", () => {
    fc.assert(
      fc.property(priceSeries(200), fc.integer({ min: 1, max: 30 }), (xs, period) => {
        const rsi = new Rsi(period)
        for (const x of xs) {
          const v = rsi.update(x)
          if (!Number.isNaN(v) && (v < 0 || v > 100)) return false
        }
        if (rsi.isReady) {
          expect(rsi.averageGain).toBeGreaterThanOrEqual(0)
          expect(rsi.averageLoss).toBeGreaterThanOrEqual(0)
        } else {
          expect(rsi.averageGain).toBeNaN()
        }
        return true
      }),
      fcParams
    )
  })

  it("period 1: 100 after a rise, 0 after a fall or no change", () => {
    expect(Array.from(rsiBatch(Float64Array.of(1, 2, 1, 1), 1))).toEqual([Number.NaN, 100, 0, 0])
  })
})

describe("batch kernels writing into a given array", () => {
  it("give the same bits as the allocating form and overwrite every element", () => {
    fc.assert(
      fc.property(priceSeries(100), fc.integer({ min: 1, max: 30 }), (xs, period) => {
        for (const kernel of [smaBatch, emaBatch, rsiBatch]) {
          const into = new Float64Array(xs.length + 3).fill(-7)
          const got = kernel(xs, period, into)
          expect(got).toBe(into)
          const ref = kernel(xs, period)
          for (let i = 0; i < xs.length; i++) expect(Object.is(into[i], ref[i])).toBe(true)
          expect(Array.from(into.subarray(xs.length))).toEqual([-7, -7, -7])
        }
      }),
      { ...fcParams, numRuns: 50 }
    )
  })

  it("reject an output array shorter than the input", () => {
    expect(() => smaBatch(new Float64Array(5), 2, new Float64Array(4))).toThrow("SMA: output array has 4 elements, 5 needed")
    expect(() => emaBatch(new Float64Array(5), 2, new Float64Array(4))).toThrow(RangeError)
    expect(() => rsiBatch(new Float64Array(5), 2, new Float64Array(4))).toThrow(RangeError)
  })
})
