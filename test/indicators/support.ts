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
