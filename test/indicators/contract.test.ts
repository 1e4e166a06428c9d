/**
 * The shared contract every registered indicator must pass (warm-up, replace, reset, batch ≡ stream, invalid
 * parameters), run over random series with fast-check: series entries on value series, bar entries (and series
 * entries driven through createBarIndicator) on random bar series.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  type BarIndicator,
  batchIndicator,
  createBarIndicator,
  type IndicatorParams,
  type IndicatorSpec,
  indicatorRegistry,
  MAX_PERIOD,
  type ParamSpec,
  resolveParams,
  type SeriesIndicatorSpec
} from "../../src/indicators/index.ts"
import {
  anySeries,
  barAt,
  barSeries,
  type Columns,
  fcParams,
  firstValueIndex,
  priceSeries,
  sameBits,
  stream
} from "./support.ts"

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

    const windowed = ["wma", "highest", "lowest"].includes(spec.name)
    it.runIf(windowed)("a non-finite input is forgotten once it has left the window (documented NaN policy)", () => {
      const ind = make(3)
      for (const x of [1, 2, 3, 4]) ind.update(x)
      ind.update(Number.NaN)
      let last = Number.NaN
      for (const x of [5, 6, 7, 8, 9, 10]) last = ind.update(x)
      expect(Number.isFinite(last)).toBe(true)
    })

    it.skipIf(windowed)("a non-finite input poisons the output until reset (documented NaN policy)", () => {
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

for (const spec of indicatorRegistry) if (spec.kind === "series") contract(spec)

// ---------------------------------------------------------------------------------------------------------------
// Every entry (series and bar), driven by bars

/** Random valid parameters for an entry (small periods so that outputs appear on short series). */
const paramsArb = (spec: IndicatorSpec): fc.Arbitrary<IndicatorParams> => {
  if (spec.name === "macd") {
    return fc
      .tuple(fc.integer({ min: 1, max: 15 }), fc.integer({ min: 1, max: 15 }), fc.integer({ min: 1, max: 12 }))
      .map(([f, d, s]) => resolveParams(spec, { fastPeriod: f, slowPeriod: f + d, signalPeriod: s }))
  }
  if (spec.name === "vwap") {
    return fc
      .tuple(
        fc.constantFrom(60_000, 3_600_000, 14_400_000, 86_400_000, 1e15),
        fc.constantFrom(0, 30_000, -7_200_000, 48_600_000)
      )
      .map(([sessionMs, offsetMs]) => resolveParams(spec, { sessionMs, offsetMs }))
  }
  const entries = spec.params.map((p) =>
    p.type === "integer"
      ? fc.integer({ min: 1, max: 25 }).map((v) => [p.name, v] as const)
      : fc.double({ min: 0.1, max: 4, noNaN: true }).map((v) => [p.name, v] as const)
  )
  return fc.tuple(...entries).map((kv) => resolveParams(spec, Object.fromEntries(kv)))
}

const outputsOf = (ind: BarIndicator): Array<number> => ind.outputs.map((_, i) => ind.output(i))

/** Streams bars through a fresh instance; one array per output. */
const streamBars = (ind: BarIndicator, c: Columns): Array<Float64Array> => {
  const n = c.close.length
  const outs = ind.outputs.map(() => new Float64Array(n))
  for (let i = 0; i < n; i++) {
    const v = ind.updateBar(barAt(c, i))
    if (!Object.is(v, ind.value)) throw new Error(`updateBar returned ${v}, value is ${ind.value}`)
    ind.outputs.forEach((_, j) => (outs[j]![i] = ind.output(j)))
  }
  return outs
}

const invalidValues = (p: ParamSpec): Array<number> => {
  const out = [Number.NaN, p.max + 1, Number.POSITIVE_INFINITY]
  if (p.type === "integer") out.push(p.min - 1, p.min + 0.5)
  else out.push(p.exclusiveMin === true ? p.min : p.min - 1, -1)
  return out
}

const barContract = (spec: IndicatorSpec): void => {
  describe(`${spec.name}: bar contract`, () => {
    it("batch ≡ streaming for every output, bit for bit; warm-up = lookback; no NaN after it on valid bars", () => {
      fc.assert(
        fc.property(barSeries(), paramsArb(spec), (c, params) => {
          const ind = createBarIndicator(spec, params)
          const streamed = streamBars(ind, c)
          const batch = batchIndicator(spec, c, params)
          const lb = spec.lookback(params)
          expect(Object.keys(batch)).toEqual(spec.outputs.map((o) => o.name))
          spec.outputs.forEach((o, j) => {
            const b = batch[o.name]!
            expect(sameBits(b, streamed[j]!), `${o.name}`).toBe(true)
            expect(firstValueIndex(b)).toBe(Math.min(lb, b.length))
            for (let i = lb; i < b.length; i++) expect(Number.isFinite(b[i]!), `${o.name}[${i}]`).toBe(true)
            if (o.min !== undefined) for (let i = lb; i < b.length; i++) expect(b[i]!).toBeGreaterThanOrEqual(o.min)
            if (o.max !== undefined) for (let i = lb; i < b.length; i++) expect(b[i]!).toBeLessThanOrEqual(o.max)
          })
          expect(ind.count).toBe(c.close.length)
          expect(ind.isReady).toBe(c.close.length > lb)
        }),
        fcParams
      )
    })

    it("replaceBar(last) changes nothing; replaceBar(y) equals updating with y instead, however often called", () => {
      fc.assert(
        fc.property(barSeries(100), barSeries(4), paramsArb(spec), (c, r, params) => {
          const a = createBarIndicator(spec, params)
          const b = createBarIndicator(spec, params)
          const n = c.close.length
          for (let i = 0; i < n; i++) {
            const bar = barAt(c, i)
            a.updateBar(bar)
            b.updateBar(bar)
            b.replaceBar(bar)
            if (!sameBits(outputsOf(a), outputsOf(b)) || a.count !== b.count) return false
          }
          if (n === 0 || r.close.length === 0) return true
          // revise the last bar several times (keeping its timestamp: a forming candle)
          const live = createBarIndicator(spec, params)
          for (let i = 0; i < n; i++) live.updateBar(barAt(c, i))
          let last = { ...barAt(c, n - 1) }
          for (let j = 0; j < r.close.length; j++) {
            last = { ...barAt(r, j), timestamp: c.timestamp[n - 1]! }
            live.replaceBar(last)
          }
          const ref = createBarIndicator(spec, params)
          for (let i = 0; i < n - 1; i++) ref.updateBar(barAt(c, i))
          ref.updateBar(last)
          if (!sameBits(outputsOf(live), outputsOf(ref)) || live.count !== ref.count) return false
          const next = { ...barAt(r, 0), timestamp: c.timestamp[n - 1]! + 60_000 }
          live.updateBar(next)
          ref.updateBar(next)
          return sameBits(outputsOf(live), outputsOf(ref))
        }),
        fcParams
      )
    })

    it("replaceBar before any update behaves as updateBar; reset() restores the initial state", () => {
      fc.assert(
        fc.property(barSeries(80), barSeries(80), paramsArb(spec), (c, d, params) => {
          const ind = createBarIndicator(spec, params)
          streamBars(ind, c)
          ind.reset()
          expect(ind.count).toBe(0)
          expect(ind.isReady).toBe(false)
          expect(ind.value).toBeNaN()
          const again = streamBars(ind, d)
          const fresh = streamBars(createBarIndicator(spec, params), d)
          again.forEach((o, j) => expect(sameBits(o, fresh[j]!)).toBe(true))
          if (d.close.length > 0) {
            const x = createBarIndicator(spec, params)
            const y = createBarIndicator(spec, params)
            expect(Object.is(x.replaceBar(barAt(d, 0)), y.updateBar(barAt(d, 0)))).toBe(true)
            expect(x.count).toBe(1)
          }
        }),
        fcParams
      )
    })

    it("output(i) out of range is NaN; outputs match the registry", () => {
      const ind = createBarIndicator(spec, resolveParams(spec))
      expect(ind.outputs).toEqual(spec.outputs.map((o) => o.name))
      expect(ind.output(spec.outputs.length)).toBeNaN()
      expect(ind.output(-1)).toBeNaN()
    })

    it("rejects invalid parameters with a RangeError naming the indicator, the parameter and the value", () => {
      for (const p of spec.params) {
        for (const bad of invalidValues(p)) {
          const given = { ...resolveParams(spec), [p.name]: bad }
          expect(() => resolveParams(spec, given), `${p.name}=${bad}`).toThrow(
            new RegExp(`^${spec.name}: ${p.name} must be`)
          )
          const upper = spec.name.toUpperCase()
          expect(() => spec.create(given), `${p.name}=${bad}`).toThrow(RangeError)
          expect(() => spec.create(given)).toThrow(new RegExp(`^${upper}: ${p.name} must be .*${String(bad)}$`))
          expect(() => batchIndicator(spec, barSeriesFixed, given)).toThrow(RangeError)
        }
      }
    })
  })
}

const barSeriesFixed: Columns = {
  timestamp: Float64Array.of(0, 60_000, 120_000),
  open: Float64Array.of(1, 2, 3),
  high: Float64Array.of(2, 3, 4),
  low: Float64Array.of(0.5, 1.5, 2.5),
  close: Float64Array.of(2, 3, 4),
  volume: Float64Array.of(1, 0, 2)
}

for (const spec of indicatorRegistry) barContract(spec)

describe("MACD: fastPeriod >= slowPeriod is rejected", () => {
  it("throws a RangeError naming both periods", () => {
    const macd = indicatorRegistry.find((s) => s.name === "macd")!
    expect(() => resolveParams(macd, { fastPeriod: 26, slowPeriod: 12 })).toThrow(
      "MACD: fastPeriod must be less than slowPeriod, got fastPeriod 26 and slowPeriod 12"
    )
    expect(() => resolveParams(macd, { fastPeriod: 12, slowPeriod: 12 })).toThrow(RangeError)
    expect(() => macd.create({ fastPeriod: 5, slowPeriod: 3, signalPeriod: 2 })).toThrow(RangeError)
  })
})
