/**
 * Property tests of the indicators' mathematics on random bar series (trending, mean-reverting, flat stretches,
 * magnitudes from 1e-8 to 1e9): precision against naive recomputations, bounds, and exact relations between
 * indicators (BBANDS middle ≡ SMA, avg_volume ≡ SMA of volume, MACD ≡ its EMA composition).
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  atrBatch,
  avgVolumeBatch,
  bbandsBatch,
  emaBatch,
  highestBatch,
  lowestBatch,
  macdBatch,
  rangeBatch,
  smaBatch,
  stochBatch,
  vwapBatch,
  vwapRollingBatch,
  wmaBatch
} from "../../src/indicators/index.ts"
import { barSeries, fcParams, sameBits } from "./support.ts"

const period = fc.integer({ min: 1, max: 30 })
const u = 2 ** -53

describe("BBANDS precision: two-pass variance", () => {
  it("variance within 1e-12 relative of an independent naive two-pass computation", () => {
    fc.assert(
      fc.property(barSeries(200), period, (c, n) => {
        const xs = c.close
        const bb = bbandsBatch(xs, n, 1)
        for (let i = n - 1; i < xs.length; i++) {
          let sum = 0
          for (let j = i - n + 1; j <= i; j++) sum += xs[j]!
          const mean = sum / n
          let acc = 0
          for (let j = i - n + 1; j <= i; j++) acc += (xs[j]! - mean) ** 2
          const naive = acc / n
          const sd = bb.upper[i]! - bb.middle[i]!
          const ours = ((bb.upper[i]! - bb.lower[i]!) / 2) ** 2
          const m = bb.middle[i]!
          // the band width is k·sd added to the middle: rounding of m + w limits what we can read back
          const floor = (8 * u * Math.abs(m)) ** 2 + 4 * u * Math.abs(m) * Math.abs(sd)
          if (!(Math.abs(ours - naive) <= 1e-12 * naive + floor * 4)) return false
          if (!(bb.lower[i]! <= m && m <= bb.upper[i]!)) return false
        }
        return true
      }),
      fcParams
    )
  })

  it("middle band ≡ SMA (bit for bit); sd of a flat window is within a few ulps of the level", () => {
    fc.assert(
      fc.property(barSeries(200), period, fc.double({ min: 0.1, max: 4, noNaN: true }), (c, n, k) => {
        const bb = bbandsBatch(c.close, n, k)
        return sameBits(bb.middle, smaBatch(c.close, n))
      }),
      fcParams
    )
    const flat = new Float64Array(100).fill(0.1)
    const bb = bbandsBatch(flat, 20, 2)
    for (let i = 19; i < 100; i++) expect(bb.upper[i]! - bb.lower[i]!).toBeLessThan(1e-15)
  })

  it("a running sum of squares would lose digits where the two-pass form does not (prices ~1e5, sd ~1e-3)", () => {
    const xs = Float64Array.from({ length: 1000 }, (_, i) => 1e5 + 1e-3 * Math.sin(i))
    const bb = bbandsBatch(xs, 20, 1)
    for (let i = 19; i < xs.length; i++) {
      let sum = 0
      for (let j = i - 19; j <= i; j++) sum += xs[j]!
      const mean = sum / 20
      let acc = 0
      for (let j = i - 19; j <= i; j++) acc += (xs[j]! - mean) ** 2
      const sd = Math.sqrt(acc / 20)
      expect(Math.abs(bb.upper[i]! - bb.middle[i]! - sd)).toBeLessThan(1e-10) // ~ulp(1e5)
    }
  })
})

describe("WMA precision and resync", () => {
  it("within 1e-12 relative of a naive weighted sum over the window", () => {
    fc.assert(
      fc.property(barSeries(300), period, (c, n) => {
        const xs = c.close
        const w = wmaBatch(xs, n)
        const d = (n * (n + 1)) / 2
        for (let i = n - 1; i < xs.length; i++) {
          let s = 0
          let scale = 0
          for (let j = 0; j < n; j++) {
            s += xs[i - n + 1 + j]! * (j + 1)
            scale += Math.abs(xs[i - n + 1 + j]!) * (j + 1)
          }
          if (!(Math.abs(w[i]! - s / d) <= 1e-12 * (scale / d))) return false
        }
        return true
      }),
      fcParams
    )
  })

  it("does not drift over a long series (1e5 inputs around 1e4)", () => {
    const xs = Float64Array.from({ length: 100_000 }, (_, i) => 1e4 + 100 * Math.sin(i / 7) + (i % 13) * 0.37)
    const w = wmaBatch(xs, 30)
    for (const i of [29, 1000, 50_000, 99_999]) {
      let s = 0
      for (let j = 0; j < 30; j++) s += xs[i - 29 + j]! * (j + 1)
      expect(Math.abs(w[i]! / (s / 465) - 1)).toBeLessThan(1e-14)
    }
  })
})

describe("MACD is exactly its EMA composition", () => {
  it("fast EMA from index slow - fast, slow EMA, signal EMA of the line (Object.is)", () => {
    fc.assert(
      fc.property(
        barSeries(200),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 9 }),
        (c, f, d, g) => {
          const s = f + d
          const xs = c.close
          const m = macdBatch(xs, f, s, g)
          if (xs.length < s) return true
          const slow = emaBatch(xs, s)
          const fast = emaBatch(xs.subarray(s - f), f)
          const line = Float64Array.from({ length: xs.length - s + 1 }, (_, i) => fast[i + f - 1]! - slow[i + s - 1]!)
          const sig = emaBatch(line, g)
          for (let i = s + g - 2; i < xs.length; i++) {
            const j = i - s + 1
            if (!Object.is(m.macd[i], line[j]) || !Object.is(m.signal[i], sig[j])) return false
            if (!Object.is(m.histogram[i], line[j]! - sig[j]!)) return false
          }
          return true
        }
      ),
      fcParams
    )
  })
})

describe("window queries, ATR, STOCH, VWAP: bounds and exact relations", () => {
  it("highest/lowest/range are the exact window max/min; avg_volume ≡ SMA(volume)", () => {
    fc.assert(
      fc.property(barSeries(150), period, (c, n) => {
        const hi = highestBatch(c.high, n)
        const lo = lowestBatch(c.low, n)
        const r = rangeBatch(c.high, c.low, n)
        for (let i = n - 1; i < c.close.length; i++) {
          let h = -Infinity
          let l = Infinity
          for (let j = i - n + 1; j <= i; j++) {
            h = Math.max(h, c.high[j]!)
            l = Math.min(l, c.low[j]!)
          }
          if (hi[i] !== h || lo[i] !== l || !Object.is(r[i], h - l)) return false
        }
        return sameBits(avgVolumeBatch(c.volume, n), smaBatch(c.volume, n))
      }),
      fcParams
    )
  })

  it("ATR >= 0; STOCH k and d in [0, 100], k = 0 over a flat range", () => {
    fc.assert(
      fc.property(barSeries(150), period, fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), (c, n, ks, ds) => {
        const atr = atrBatch(c.high, c.low, c.close, n)
        for (let i = n; i < atr.length; i++) if (!(atr[i]! >= 0)) return false
        const st = stochBatch(c.high, c.low, c.close, n, ks, ds)
        const lb = n + ks + ds - 3
        for (let i = lb; i < c.close.length; i++) {
          if (!(st.k[i]! >= 0 && st.k[i]! <= 100 && st.d[i]! >= 0 && st.d[i]! <= 100)) return false
        }
        // a flat range over the k window and the smoothing windows gives exactly 0
        const flat = Float64Array.from({ length: n + ks + ds }, () => 42)
        const f = stochBatch(flat, flat, flat, n, ks, ds)
        return f.k[lb] === 0 && f.d[lb] === 0
      }),
      fcParams
    )
  })

  it("VWAP (session and rolling) lies within the lows/highs it averages", () => {
    fc.assert(
      fc.property(barSeries(150), period, fc.constantFrom(3_600_000, 86_400_000), (c, n, session) => {
        const tol = (x: number) => 1e-12 * Math.abs(x)
        const roll = vwapRollingBatch(c.high, c.low, c.close, c.volume, n)
        for (let i = n - 1; i < c.close.length; i++) {
          let h = -Infinity
          let l = Infinity
          for (let j = i - n + 1; j <= i; j++) {
            h = Math.max(h, c.high[j]!)
            l = Math.min(l, c.low[j]!)
          }
          if (!(roll[i]! >= l - tol(l) && roll[i]! <= h + tol(h))) return false
        }
        const ses = vwapBatch(c.high, c.low, c.close, c.volume, c.timestamp, session, 0)
        let h = -Infinity
        let l = Infinity
        let key = Number.NaN
        for (let i = 0; i < c.close.length; i++) {
          const k = Math.floor(c.timestamp[i]! / session)
          if (k !== key) {
            key = k
            h = -Infinity
            l = Infinity
          }
          h = Math.max(h, c.high[i]!)
          l = Math.min(l, c.low[i]!)
          if (!(ses[i]! >= l - tol(l) && ses[i]! <= h + tol(h))) return false
        }
        return true
      }),
      fcParams
    )
  })

  it("session VWAP restarts at the session boundary given by sessionMs and offsetMs", () => {
    const hour = 3_600_000
    const ts = Float64Array.of(0, hour, 2 * hour, 3 * hour, 4 * hour)
    const price = Float64Array.of(10, 20, 30, 40, 50)
    const vol = Float64Array.of(1, 1, 1, 1, 1)
    // 2-hour sessions starting at odd hours: [-1h, 1h), [1h, 3h), [3h, 5h)
    const out = vwapBatch(price, price, price, vol, ts, 2 * hour, hour)
    expect(Array.from(out)).toEqual([10, 20, 25, 40, 45])
    // zero volume at a session start: the typical price
    const z = vwapBatch(price, price, price, Float64Array.of(0, 0, 1, 0, 0), ts, 2 * hour, hour)
    expect(Array.from(z)).toEqual([10, 20, 30, 40, 50])
  })
})
