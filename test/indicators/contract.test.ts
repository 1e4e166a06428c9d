/**
 * The shared contract every registered series indicator must pass (warm-up, replace, reset, batch ≡ stream,
 * invalid parameters), run over random series with fast-check.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  indicatorRegistry,
  MAX_PERIOD,
  resolveParams,
  type SeriesIndicatorSpec
} from "../../src/indicators/index.ts"
import { anySeries, fcParams, firstValueIndex, priceSeries, stream } from "./support.ts"

const sameBits = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false
  return true
}

const periodArb = fc.integer({ min: 1, max: 40 })

const contract = (spec: SeriesIndicatorSpec): void => {
  const make = (period: number) => spec.create(resolveParams(spec, { period }))
  const batch = (xs: Float64Array, period: number) => spec.batch(xs, resolveParams(spec, { period }))
  const lookback = (period: number) => spec.lookback(resolveParams(spec, { period }))

  describe(`${spec.name}: shared contract`, () => {
    it("batch ≡ streaming, bit for bit (Object.is), on any finite series", () => {
      fc.assert(
        fc.property(fc.oneof(priceSeries(), anySeries()), periodArb, (xs, period) =>
          sameBits(batch(xs, period), stream(make(period), xs))
        ),
        fcParams
      )
    })

    it("the warm-up length equals the lookback; value/isReady/count follow", () => {
      fc.assert(
        fc.property(priceSeries(120), periodArb, (xs, period) => {
          const ind = make(period)
          const out = stream(ind, xs)
          const lb = lookback(period)
          expect(firstValueIndex(out)).toBe(Math.min(lb, xs.length))
          for (let i = lb; i < out.length; i++) expect(out[i]).not.toBeNaN()
          expect(ind.count).toBe(xs.length)
          expect(ind.isReady).toBe(xs.length > lb)
          expect(Object.is(ind.value, xs.length > 0 ? out[xs.length - 1]! : Number.NaN)).toBe(true)
          expect(ind.period).toBe(period)
        }),
        fcParams
      )
    })

    it("replace(last) changes nothing, and the next update is the same", () => {
      fc.assert(
        fc.property(priceSeries(120), periodArb, fc.double({ min: 0.001, max: 1e6, noNaN: true }), (xs, period, y) => {
          const a = make(period)
          const b = make(period)
          for (let i = 0; i < xs.length; i++) {
            const x = xs[i]!
            const va = a.update(x)
            b.update(x)
            const vb = b.replace(x)
            if (!Object.is(va, vb) || !Object.is(a.value, b.value) || a.count !== b.count) return false
          }
          return Object.is(a.update(y), b.update(y))
        }),
        fcParams
      )
    })

    it("replace(x) gives what update(x) would have given instead of the last input, however often called", () => {
      fc.assert(
        fc.property(
          priceSeries(120),
          periodArb,
          fc.array(fc.double({ min: 0.001, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 4 }),
          (xs, period, revisions) => {
            if (xs.length === 0) return true
            const live = make(period)
            for (let i = 0; i < xs.length; i++) live.update(xs[i]!)
            let last = Number.NaN
            for (const r of revisions) last = live.replace(r)
            const final = revisions[revisions.length - 1]!
            const ref = make(period)
            for (let i = 0; i < xs.length - 1; i++) ref.update(xs[i]!)
            const expected = ref.update(final)
            const next = 123.456
            return Object.is(last, expected) && Object.is(live.value, ref.value) && live.count === ref.count &&
              Object.is(live.update(next), ref.update(next))
          }
        ),
        fcParams
      )
    })

    it("replace before any update behaves as update", () => {
      const a = make(3)
      const b = make(3)
      expect(Object.is(a.replace(5), b.update(5))).toBe(true)
      expect(a.count).toBe(1)
    })

    it("reset() restores the initial state", () => {
      fc.assert(
        fc.property(priceSeries(80), priceSeries(80), periodArb, (xs, ys, period) => {
          const ind = make(period)
          stream(ind, xs)
          ind.reset()
          expect(ind.count).toBe(0)
          expect(ind.isReady).toBe(false)
          expect(ind.value).toBeNaN()
          return sameBits(stream(ind, ys), stream(make(period), ys))
        }),
        fcParams
      )
    })

    it("rejects invalid periods with a RangeError naming the indicator and the value", () => {
      const bad = fc.oneof(
        fc.integer({ max: 0 }),
        fc.integer({ min: MAX_PERIOD + 1 }),
        fc.double({ noInteger: true }),
        fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0.5, 2.5)
      )
      fc.assert(
        fc.property(bad, (period) => {
          const name = spec.name.toUpperCase()
          expect(() => spec.create({ period })).toThrow(RangeError)
          expect(() => spec.create({ period })).toThrow(new RegExp(`^${name}: period must be an integer`))
          expect(() => spec.create({ period })).toThrow(String(period))
          expect(() => spec.batch(new Float64Array(3), { period })).toThrow(RangeError)
          expect(() => resolveParams(spec, { period })).toThrow(RangeError)
        }),
        fcParams
      )
    })

    it("a non-finite input poisons the output until reset (documented NaN policy)", () => {
      const ind = make(3)
      for (const x of [1, 2, 3, 4]) ind.update(x)
      ind.update(Number.NaN)
      for (const x of [5, 6, 7, 8, 9, 10]) expect(ind.update(x)).toBeNaN()
      ind.reset()
      expect(stream(ind, Float64Array.of(1, 2, 3, 4, 5)).at(-1)).not.toBeNaN()
    })

    it("an empty batch gives an empty array; a short one is all NaN", () => {
      expect(batch(new Float64Array(0), 5).length).toBe(0)
      const out = batch(Float64Array.of(1, 2), 5)
      expect(out.length).toBe(2)
      expect(Array.from(out).every(Number.isNaN)).toBe(true)
    })
  })
}

for (const spec of indicatorRegistry) contract(spec)
