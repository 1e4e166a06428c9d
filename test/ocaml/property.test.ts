/**
 * Property: for every indicator, on random valid bars and random parameters, the TypeScript kernel and the OCaml
 * reference (its js_of_ocaml build) give bit-identical outputs (`Object.is` on every element), and the OCaml
 * streaming handles (with `replace` of a forming bar) give the batch values. Indicators without a TypeScript kernel
 * yet are skipped visibly.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { type Batch, jsBatch, jsStreaming, tsBatch } from "./adapters.ts"

const period = fc.integer({ min: 1, max: 40 })

/** Parameter arbitraries per catalog entry, in catalog order. */
const params: Record<string, fc.Arbitrary<Array<number>>> = {
  sma: fc.tuple(period),
  ema: fc.tuple(period),
  rsi: fc.tuple(period),
  wma: fc.tuple(period),
  macd: fc
    .tuple(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 15 }))
    .map(([fast, extra, signal]) => [fast, fast + extra, signal]),
  bbands: fc.tuple(period, fc.oneof(fc.constantFrom(1, 2, 2.5), fc.double({ min: 0.01, max: 5, noNaN: true }))),
  atr: fc.tuple(period),
  stoch: fc.tuple(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 })),
  vwap: fc.tuple(
    fc.oneof(fc.constantFrom(3_600_000, 14_400_000, 86_400_000, 1e15), fc.integer({ min: 1, max: 1e9 })),
    fc.integer({ min: -100_000_000, max: 100_000_000 })
  ),
  vwap_rolling: fc.tuple(period),
  highest: fc.tuple(period),
  lowest: fc.tuple(period),
  range: fc.tuple(period),
  avg_volume: fc.tuple(period)
}

/** Inputs of each entry, by column name (catalog order). */
const inputs: Record<string, ReadonlyArray<string>> = {
  sma: ["close"], ema: ["close"], rsi: ["close"], wma: ["close"], macd: ["close"], bbands: ["close"],
  atr: ["high", "low", "close"], stoch: ["high", "low", "close"],
  vwap: ["high", "low", "close", "volume", "timestamp"], vwap_rolling: ["high", "low", "close", "volume"],
  highest: ["high"], lowest: ["low"], range: ["high", "low"], avg_volume: ["volume"]
}

interface Columns {
  readonly [name: string]: Float64Array
}

/** Valid bars (low <= close <= high, volume >= 0, non-decreasing ms timestamps beyond 32 bits), with flat runs. */
const bars: fc.Arbitrary<Columns> = fc
  .tuple(
    fc.double({ min: 0.001, max: 1e6, noNaN: true, noDefaultInfinity: true }),
    fc.array(
      fc.record({
        step: fc.oneof(fc.constant(0), fc.double({ min: -0.1, max: 0.1, noNaN: true, noDefaultInfinity: true })),
        up: fc.double({ min: 0, max: 0.05, noNaN: true }),
        down: fc.double({ min: 0, max: 0.05, noNaN: true }),
        volume: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e7, noNaN: true, noDefaultInfinity: true })),
        dt: fc.oneof(fc.constant(3_600_000), fc.integer({ min: 0, max: 7_200_000 }))
      }),
      { maxLength: 160, size: "max" }
    )
  )
  .map(([start, rows]) => {
    const n = rows.length
    const close = new Float64Array(n)
    const high = new Float64Array(n)
    const low = new Float64Array(n)
    const volume = new Float64Array(n)
    const timestamp = new Float64Array(n)
    let c = start
    let t = 1_767_225_600_000
    rows.forEach((r, i) => {
      c = c * (1 + r.step)
      t = t + r.dt
      close[i] = c
      high[i] = c * (1 + r.up)
      low[i] = c * (1 - r.down)
      volume[i] = r.volume
      timestamp[i] = t
    })
    return { close, high, low, volume, timestamp }
  })

const firstDifference = (a: ReadonlyArray<Float64Array>, b: ReadonlyArray<Float64Array>): string | undefined => {
  if (a.length !== b.length) return `${a.length} outputs vs ${b.length}`
  for (let j = 0; j < a.length; j++) {
    const x = a[j]!
    const y = b[j]!
    if (x.length !== y.length) return `output ${j}: length ${x.length} vs ${y.length}`
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return `output ${j} at ${i}: ${x[i]} vs ${y[i]}`
  }
  return undefined
}

const runs = { numRuns: 150, seed: 20261125 }

describe("TypeScript ≡ OCaml (js_of_ocaml build), property", () => {
  for (const name of Object.keys(params)) {
    const ts: Batch | undefined = tsBatch(name)
    const cols = inputs[name]!
    const moved = cols.includes("close") ? cols.indexOf("close") : 0
    it.runIf(ts !== undefined)(`${name}: bit-identical outputs on random bars and parameters`, () => {
      fc.assert(
        fc.property(bars, params[name]!, (b, ps) => {
          const xs = cols.map((c) => b[c]!)
          const diff = firstDifference(ts!(ps, xs), jsBatch[name]!(ps, xs))
          expect(diff, `${name}(${ps.join(", ")})`).toBeUndefined()
        }),
        runs
      )
    })

    it(`${name}: OCaml streaming with replace ≡ OCaml batch`, () => {
      fc.assert(
        fc.property(bars, params[name]!, (b, ps) => {
          const xs = cols.map((c) => b[c]!)
          const expected = jsBatch[name]!(ps, xs)
          const h = jsStreaming[name]!(ps)
          const len = xs[0]!.length
          for (let i = 0; i < len; i++) {
            const bar = xs.map((s) => s[i]!)
            // a forming bar first (one price or volume field scaled), then the final bar replaces it
            h.update(...bar.map((x, k) => (k === moved ? x * 1.001 : x)))
            const got = h.replace(...bar)
            got.forEach((y, j) => {
              if (!Object.is(y, expected[j]![i])) expect.fail(`${name}(${ps.join(", ")}) #${i} output ${j}: ${y} vs ${expected[j]![i]}`)
            })
          }
        }),
        runs
      )
    })
  }
})
