/**
 * Helpers for the indicator tests: reading the third-party reference files and generating price series.
 */
import * as fs from "node:fs"
import fc from "fast-check"
import { dataFile } from "../support/data.ts"

/** Rows of a small CSV file with a header line, as records of strings. */
export const readCsv = (...parts: ReadonlyArray<string>): Array<Record<string, string>> => {
  const text = fs.readFileSync(dataFile(...parts), "utf8")
  const lines = text.split(/\r?\n/).filter((l) => l.trim().length > 0)
  const header = lines[0]!.split(",").map((h) => h.trim())
  return lines.slice(1).map((line) => {
    const cells = line.split(",")
    const row: Record<string, string> = {}
    header.forEach((h, i) => (row[h] = (cells[i] ?? "").trim()))
    return row
  })
}

/** Feeds every value to a streaming indicator and collects the outputs. */
export const stream = (ind: { update(x: number): number }, values: ArrayLike<number>): Float64Array => {
  const out = new Float64Array(values.length)
  for (let i = 0; i < values.length; i++) out[i] = ind.update(values[i]!)
  return out
}

/** Index of the first non-NaN element, or `length` when all are NaN. */
export const firstValueIndex = (xs: ArrayLike<number>): number => {
  for (let i = 0; i < xs.length; i++) if (!Number.isNaN(xs[i]!)) return i
  return xs.length
}

/** A geometric random walk of positive prices (non-degenerate: steps are rarely exactly zero). */
export const priceSeries = (maxLength = 200): fc.Arbitrary<Float64Array> =>
  fc
    .tuple(
      fc.double({ min: 0.001, max: 1e6, noNaN: true, noDefaultInfinity: true }),
      fc.array(fc.double({ min: -0.1, max: 0.1, noNaN: true, noDefaultInfinity: true }), { maxLength, size: "max" })
    )
    .map(([start, steps]) => {
      const out = new Float64Array(steps.length + 1)
      let p = start
      out[0] = p
      steps.forEach((s, i) => {
        p = p * (1 + s)
        out[i + 1] = p
      })
      return out
    })

/** Any finite doubles, including negative, zero and repeated values (for bit-identity checks). */
export const anySeries = (maxLength = 200): fc.Arbitrary<Float64Array> =>
  fc
    .array(
      fc.oneof(
        fc.double({ min: -1e9, max: 1e9, noNaN: true, noDefaultInfinity: true }),
        fc.integer({ min: -5, max: 5 }).map((x) => x)
      ),
      { maxLength, size: "max" }
    )
    .map((xs) => Float64Array.from(xs))

/** fast-check settings shared by the indicator property tests (fixed seed: runs are reproducible). */
export const fcParams = { numRuns: 200, seed: 20261125 } as const

/** OHLCV(+timestamp) columns of a bar series. */
export interface Columns {
  readonly timestamp: Float64Array
  readonly open: Float64Array
  readonly high: Float64Array
  readonly low: Float64Array
  readonly close: Float64Array
  readonly volume: Float64Array
}

/** The bar at index `i` of some columns, as a plain object. */
export const barAt = (c: Columns, i: number) => ({
  timestamp: c.timestamp[i]!,
  open: c.open[i]!,
  high: c.high[i]!,
  low: c.low[i]!,
  close: c.close[i]!,
  volume: c.volume[i]!
})

/** Builds valid bar columns from closes: each bar opens at the previous close, with a wick and a volume. */
export const columnsFrom = (
  closes: ReadonlyArray<number>,
  wicks: ReadonlyArray<number>,
  volumes: ReadonlyArray<number>,
  startMs = 1_677_628_800_000,
  stepMs = 60_000
): Columns => {
  const n = closes.length
  const c: Columns = {
    timestamp: new Float64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n)
  }
  for (let i = 0; i < n; i++) {
    const close = closes[i]!
    const open = i === 0 ? close : closes[i - 1]!
    const w = wicks[i % wicks.length] ?? 0
    c.timestamp[i] = startMs + i * stepMs
    c.open[i] = open
    c.close[i] = close
    c.high[i] = Math.max(open, close) * (1 + w)
    c.low[i] = Math.min(open, close) * (1 - w)
    c.volume[i] = volumes[i % volumes.length] ?? 0
  }
  return c
}

/**
 * Random bar series in several regimes: trending, mean-reverting, flat stretches (high = low = close, zero volume),
 * at a magnitude from 1e-8 to 1e9.
 */
export const barSeries = (maxLength = 150): fc.Arbitrary<Columns> =>
  fc
    .record({
      scale: fc.constantFrom(1e-8, 1e-3, 1, 100, 3e4, 1e9),
      regime: fc.constantFrom("trend", "revert", "walk", "flat-stretches"),
      drift: fc.double({ min: -0.01, max: 0.01, noNaN: true }),
      noise: fc.array(fc.double({ min: -0.03, max: 0.03, noNaN: true }), { minLength: 0, maxLength, size: "max" }),
      wicks: fc.array(fc.double({ min: 0, max: 0.02, noNaN: true }), { minLength: 1, maxLength: 7 }),
      volumes: fc.array(
        fc.oneof(fc.constant(0), fc.double({ min: 1e-6, max: 1e6, noNaN: true }), fc.integer({ min: 1, max: 1000 })),
        { minLength: 1, maxLength: 11 }
      ),
      flatEvery: fc.integer({ min: 3, max: 40 }),
      stepMs: fc.constantFrom(60_000, 3_600_000, 7_200_000)
    })
    .map(({ scale, regime, drift, noise, wicks, volumes, flatEvery, stepMs }) => {
      const closes: Array<number> = []
      const w: Array<number> = []
      let p = scale
      for (let i = 0; i < noise.length; i++) {
        const e = noise[i]!
        const flat = regime === "flat-stretches" && Math.floor(i / flatEvery) % 2 === 1
        if (!flat) {
          if (regime === "trend") p = p * (1 + drift + e / 3)
          else if (regime === "revert") p = p + (scale - p) * 0.3 + scale * e
          else p = p * (1 + e)
          if (!(p > 0)) p = scale
        }
        closes.push(p)
        w.push(flat ? 0 : wicks[i % wicks.length]!)
      }
      const vols = regime === "flat-stretches"
        ? closes.map((_, i) => (Math.floor(i / flatEvery) % 2 === 1 ? 0 : volumes[i % volumes.length]!))
        : volumes
      return columnsFrom(closes, w, vols, 1_677_628_800_000, stepMs)
    })

/** `Object.is` on every element. */
export const sameBits = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false
  return true
}

/** The first index where two arrays differ (Object.is), or -1. */
export const firstDifference = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  const n = Math.max(a.length, b.length)
  for (let i = 0; i < n; i++) if (!Object.is(a[i], b[i])) return i
  return -1
}

/** One expected value of a TA-Lib regression row (`../shared/data/ta-lib/README.md` explains the fields). */
export interface TaLibCheck {
  readonly output: string
  readonly out_index: number
  readonly input_bar: number
  readonly value: number
}

/** One TA-Lib regression row: the call's arguments and what TA-Lib must return. */
export interface TaLibRow {
  readonly function: string
  readonly params: Record<string, number | string>
  readonly compatibility?: "DEFAULT" | "METASTOCK"
  readonly unstable_period: number
  readonly start_idx: number
  readonly end_idx: number
  readonly expected_ret_code: string
  readonly expected_beg_idx: number
  readonly expected_nb_element: number
  readonly checks: ReadonlyArray<TaLibCheck>
  readonly source_row: number
}

/** The TA-Lib regression tables (`ta-lib/talib_regtest_expected.json`). */
export const loadTaLib = (): { readonly tests: ReadonlyArray<TaLibRow>; readonly vwap_extension: { readonly tests: ReadonlyArray<TaLibRow> } } =>
  JSON.parse(fs.readFileSync(dataFile("ta-lib", "talib_regtest_expected.json"), "utf8"))

/** A numeric parameter of a TA-Lib row (the test fails loudly when it is missing or not a number). */
export const numParam = (t: TaLibRow, name: string): number => {
  const v = t.params[name]
  if (typeof v !== "number") throw new Error(`TA-Lib row ${t.source_row}: parameter ${name} is ${String(v)}`)
  return v
}
