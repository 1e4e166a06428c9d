/**
 * The OCaml reference indicators three ways: the native build (`ocaml/_build/default/bin/ind_batch.exe`), the
 * committed js_of_ocaml build (`src/indicators/ocaml/indicators.bc.cjs`) and, where the indicator exists in
 * TypeScript, `src/indicators`. All must agree bit for bit (`Object.is` on every element) on a sample of cases.
 * Also runs the OCaml expected-output tests (`dune test --root ocaml`).
 *
 * Builds nothing: `scripts/build-ocaml.sh` must have run (the test command runs it first). The TypeScript side is the
 * registry's batch form (`tsBatch` in adapters.ts). The random-case parity properties (TypeScript streaming and batch,
 * OCaml JS build, and a native sample) are in property-tests/indicator-parity.test.ts.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import { describe, expect, it } from "vitest"
import { repoFile } from "../support/data.ts"
import { jsBatch, jsStreaming, ocamlCatalog, tsBatch } from "./adapters.ts"
import { nativeCatalog, nativeExe, type NativeRequest, runNative, seeded } from "./support.ts"

/** Parameter sets per entry (sampled). */
const paramSets: Record<string, ReadonlyArray<ReadonlyArray<number>>> = {
  sma: [[1], [2], [3], [14], [20], [50]],
  ema: [[1], [2], [3], [10], [20], [50]],
  rsi: [[1], [2], [3], [14], [30]],
  wma: [[1], [2], [3], [10], [30]],
  macd: [[12, 26, 9], [1, 2, 1], [3, 10, 4], [5, 35, 5]],
  bbands: [[20, 2], [1, 2], [2, 1.5], [14, 0.5], [30, 2.5]],
  atr: [[1], [2], [14], [30]],
  stoch: [[14, 3, 3], [5, 3, 4], [1, 1, 1], [3, 1, 2]],
  // session length and offset in ms: daily sessions of hourly bars, and 4-hour sessions offset by 90 minutes
  vwap: [[86_400_000, 0], [14_400_000, 5_400_000], [3_600_000, 0]],
  vwap_rolling: [[1], [2], [14], [30]],
  highest: [[1], [2], [5], [14], [50]],
  lowest: [[1], [2], [5], [14], [50]],
  range: [[1], [2], [5], [14], [50]],
  avg_volume: [[1], [2], [20], [50]]
}

const rnd = seeded(20261125)

/** A geometric random walk of positive prices. */
const walk = (n: number, start: number, vol: number): Float64Array => {
  const out = new Float64Array(n)
  let x = start
  for (let i = 0; i < n; i++) {
    x *= 1 + (rnd() - 0.5) * vol
    out[i] = x
  }
  return out
}

/** Values of any sign and wide magnitude, with repeats (flat stretches). */
const wild = (n: number): Float64Array => {
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const r = rnd()
    out[i] = r < 0.1 && i > 0 ? out[i - 1]! : (rnd() - 0.5) * 10 ** Math.floor(rnd() * 12 - 4)
  }
  return out
}

const series = (): Array<Float64Array> => [
  new Float64Array(0),
  Float64Array.of(42),
  new Float64Array(40).fill(7.25),
  walk(300, 100, 0.04),
  walk(120, 0.0012, 0.1),
  walk(200, 65000, 0.01),
  wild(150)
]

/** Input columns for a close-like series: high/low around it, volumes, hourly timestamps from 2026-01-01. */
const barInputs = (names: ReadonlyArray<string>, s: Float64Array): Array<Float64Array> => {
  const n = s.length
  const spread = Float64Array.from(s, (x) => Math.abs(x) * rnd() * 0.02)
  const col: Record<string, Float64Array> = {
    close: s,
    high: Float64Array.from(s, (x, i) => x + spread[i]! * rnd()),
    low: Float64Array.from(s, (x, i) => x - spread[i]! * rnd()),
    volume: Float64Array.from({ length: n }, () => (rnd() < 0.05 ? 0 : Math.round(rnd() * 1e6) / 10)),
    timestamp: Float64Array.from({ length: n }, (_, i) => 1_767_225_600_000 + i * 3_600_000 + (i % 7 === 3 ? 7 : 0))
  }
  // single-input indicators over a named field read the series itself
  return names.length === 1 ? [s] : names.map((k) => col[k]!)
}

const sameBits = (a: Float64Array, b: Float64Array): string | undefined => {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return `index ${i}: ${a[i]} vs ${b[i]}`
  return undefined
}

describe("OCaml reference indicators", () => {
  it("the native build exists (scripts/build-ocaml.sh ran)", () => {
    expect(fs.existsSync(nativeExe), `${nativeExe} is missing: run scripts/build-ocaml.sh`).toBe(true)
  })

  it("dune test --root ocaml --profile release passes (expected-output tests: StockCharts, TA-Lib, edge cases)", () => {
    const r = spawnSync("dune", ["test", "--root", "ocaml", "--profile", "release"], { cwd: repoFile(), encoding: "utf8" })
    expect(r.error, "dune not found: run scripts/ensure-ocaml.sh").toBeUndefined()
    expect(r.status, r.stdout + r.stderr).toBe(0)
  })

  const catalog = nativeCatalog()

  it("the adapters' catalog (names and order of parameters, inputs, outputs) is the native one", () => {
    expect(Object.fromEntries(catalog)).toEqual(ocamlCatalog)
    expect([...catalog.keys()]).toEqual(Object.keys(ocamlCatalog))
  })

  it("every native entry has a JavaScript batch function, streaming handle and parameter sets", () => {
    expect(Object.keys(jsBatch).sort()).toEqual([...catalog.keys()].sort())
    expect(Object.keys(jsStreaming).sort()).toEqual([...catalog.keys()].sort())
    expect(Object.keys(paramSets).sort()).toEqual([...catalog.keys()].sort())
  })

  it("long series (120 000 inputs, beyond js_of_ocaml's 1e5-element threshold): native ≡ JS build ≡ TypeScript", () => {
    const xs = walk(120_000, 100, 0.02)
    const cases: Array<NativeRequest> = [
      { name: "sma", params: [20], inputs: [xs] },
      { name: "ema", params: [20], inputs: [xs] },
      { name: "rsi", params: [14], inputs: [xs] },
      { name: "wma", params: [20], inputs: [xs] },
      { name: "bbands", params: [20, 2], inputs: [xs] },
      { name: "macd", params: [12, 26, 9], inputs: [xs] }
    ]
    const counts = cases.map((q) => catalog.get(q.name)!.outputs.length)
    const answers = runNative(cases, counts)
    cases.forEach((q, i) => {
      const a = answers[i]!
      expect(a.ok).toBe(true)
      if (!a.ok) return
      const js = jsBatch[q.name]!(q.params, q.inputs)
      const ts = tsBatch(q.name)?.(q.params, q.inputs)
      a.outputs.forEach((out, j) => {
        expect(sameBits(out, js[j]!), `${q.name} output ${j}: native vs JS`).toBeUndefined()
        if (ts !== undefined) expect(sameBits(ts[j]!, js[j]!), `${q.name} output ${j}: TS vs OCaml`).toBeUndefined()
      })
    })
  })

  for (const [name, info] of catalog) {
    describe(name, () => {
      const cases: Array<NativeRequest> = []
      for (const params of paramSets[name] ?? []) {
        for (const s of series()) {
          cases.push({ name, params, inputs: barInputs(info.inputs, s) })
        }
      }

      it("native ≡ JavaScript build (Object.is), batch", () => {
        const answers = runNative(cases, cases.map(() => info.outputs.length))
        cases.forEach((q, i) => {
          const a = answers[i]!
          const where = `${name}(${q.params.join(",")}) on ${q.inputs[0]!.length} inputs`
          expect(a.ok, `${where}: ${a.ok ? "" : a.error}`).toBe(true)
          if (!a.ok) return
          const js = jsBatch[name]!(q.params, q.inputs)
          expect(js.length).toBe(info.outputs.length)
          info.outputs.forEach((out, j) => {
            expect(sameBits(a.outputs[j]!, js[j]!), `${where}: native vs JS, output ${out}`).toBeUndefined()
          })
        })
      })

      const ts = tsBatch(name)
      it("TypeScript ≡ OCaml (Object.is), batch", () => {
        expect(ts, `${name}: no registry entry`).toBeDefined()
        for (const q of cases) {
          const where = `${name}(${q.params.join(",")}) on ${q.inputs[0]!.length} inputs`
          const js = jsBatch[name]!(q.params, q.inputs)
          const t = ts!(q.params, q.inputs)
          info.outputs.forEach((out, j) => {
            expect(sameBits(t[j]!, js[j]!), `${where}: TypeScript vs OCaml, output ${out}`).toBeUndefined()
          })
        }
      })

      it("JavaScript streaming (update, replace) ≡ batch", () => {
        for (const q of cases) {
          const expected = jsBatch[name]!(q.params, q.inputs)
          const h = jsStreaming[name]!(q.params)
          const len = q.inputs[0]!.length
          for (let i = 0; i < len; i++) {
            const xs = q.inputs.map((s) => s[i]!)
            if (i % 3 === 0) h.update(...xs.map((x) => x * 1.01))
            if (i % 3 === 1) {
              h.update(...xs)
              h.replace(...xs.map((x) => x * 0.97))
            }
            const got = i % 3 === 2 ? h.update(...xs) : h.replace(...xs)
            got.forEach((y, j) => {
              expect(Object.is(y, expected[j]![i]), `${name}(${q.params.join(",")}) #${i} output ${j}: ${y} vs ${expected[j]![i]}`).toBe(true)
            })
          }
        }
      })

      it("invalid parameters: the same message natively and as a JavaScript RangeError", () => {
        const bad = info.params.map(() => 0)
        const inputs = info.inputs.map(() => Float64Array.of(1, 2, 3))
        const [a] = runNative([{ name, params: bad, inputs }], [info.outputs.length])
        expect(a!.ok).toBe(false)
        const message = a!.ok ? "" : a!.error
        expect(message).toMatch(/must be/)
        expect(() => jsBatch[name]!(bad, inputs)).toThrow(new RangeError(message))
        expect(() => jsStreaming[name]!(bad)).toThrow(new RangeError(message))
        const ts = tsBatch(name)
        if (ts !== undefined) expect(() => ts(bad, inputs), "TypeScript message").toThrow(new RangeError(message))
      })
    })
  }
})
