/**
 * Indicator parity, as properties (issue 3, "Parity"): for every entry of the indicator registry, on random valid
 * parameters and random bar series (trending, mean-reverting, flat stretches, price and timestamp gaps, tiny ~1e-8 and
 * huge ~1e9 magnitudes, zero volumes: property-tests/support/bars.ts), five implementations agree bit for bit
 * (`Object.is` on every output of every bar):
 * TypeScript batch ≡ TypeScript streaming (`updateBar`/`replaceBar`, and the class's positional `update`/`replace`,
 * with forming bars revised by `replace`) ≡ OCaml batch ≡ OCaml streaming, the OCaml side through its js_of_ocaml
 * build in-process (property-tests/support/parity.ts). No tolerance is needed: the TypeScript kernels perform the
 * OCaml reference's floating-point operations in the same order (docs/indicators.md).
 * Then the native OCaml build (`ind_batch.exe`) computes a sample of the same cases (the first runs of the same
 * arbitraries and seed), all in one process, and must give the js_of_ocaml build's bits, so the JavaScript build
 * cannot drift from native OCaml.
 *
 * Reproducing a failure: fast-check prints `{ seed: S, path: "P", endOnFailure: true }` with the counterexample.
 *   FC_SEED=S FC_PATH=P npx vitest run property-tests/indicator-parity.test.ts -t "<indicator>: "
 * replays exactly that case. `FC_SEED=S` alone reruns every property from seed S (`FC_SEED=random` draws one, shown
 * in the describe titles); `FC_RUNS=10` runs ten times as many cases (property-tests/support/fast-check.ts).
 * The default seed is fixed, so CI runs are deterministic.
 *
 * Builds nothing: the native part needs `scripts/build-ocaml.sh` (the test command runs it first).
 */
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { checkBar } from "../src/domain/bar.ts"
import type { SymbolName } from "../src/domain/bar.ts"
import { indicatorRegistry } from "../src/indicators/registry.ts"
import { jsBatch, jsStreaming, ocamlCatalog } from "../test/ocaml/adapters.ts"
import { nativeExe, type NativeRequest, nativeRequestLine, type NativeResult, runNative } from "../test/ocaml/support.ts"
import { barAt, barSeries, describeSeries } from "./support/bars.ts"
import { describeRun, fcParams } from "./support/fast-check.ts"
import {
  byName,
  catalogInputs,
  catalogParams,
  caseOf,
  checkParity,
  describeParams,
  firstDifference,
  type ParityCase
} from "./support/parity.ts"

/** Cases per indicator, in-process (× FC_RUNS). */
const RUNS = 300
/** Cases per indicator sent to the native build (the first RUNS_NATIVE of the in-process cases, × FC_RUNS). */
const RUNS_NATIVE = 50

const registryNames = indicatorRegistry.map((s) => s.name)

const title = "indicator parity: TypeScript streaming ≡ TypeScript batch ≡ OCaml batch ≡ OCaml streaming"

describe(`${title} (${describeRun()})`, () => {
  const tested: Array<string> = []

  it("the OCaml side has every registry entry, with the registry's parameter, input and output names", () => {
    expect(Object.keys(ocamlCatalog).sort()).toEqual([...registryNames].sort())
    expect(Object.keys(jsBatch).sort()).toEqual([...registryNames].sort())
    expect(Object.keys(jsStreaming).sort()).toEqual([...registryNames].sort())
    for (const spec of indicatorRegistry) {
      const entry = ocamlCatalog[spec.name]!
      expect([...entry.params].sort(), `${spec.name} parameters`).toEqual(spec.params.map((p) => p.name).sort())
      expect([...entry.inputs].sort(), `${spec.name} inputs`).toEqual([...spec.inputs].sort())
      expect([...entry.outputs].sort(), `${spec.name} outputs`).toEqual(spec.outputs.map((o) => o.name).sort())
    }
  })

  it("the series generator gives valid bars and covers every regime, gap and magnitude it promises", () => {
    const seen = new Set<string>()
    for (const s of fc.sample(barSeries, { seed: 1, numRuns: 400 })) {
      for (let i = 0; i < s.close.length; i++) {
        const b = barAt(s, i)
        const problem = checkBar({ ...b, symbol: "X" as SymbolName })
        if (problem !== undefined) expect.fail(`${describeSeries(s)} bar ${i}: ${problem.reason}`)
        if (i > 0 && !(b.timestamp >= s.timestamp[i - 1]!)) expect.fail(`${describeSeries(s)} bar ${i}: time goes back`)
        if (!(b.close > 0)) expect.fail(`${describeSeries(s)} bar ${i}: close ${b.close}`)
        if (b.close < 1e-7) seen.add("tiny prices")
        if (b.close > 1e9) seen.add("huge prices")
        if (b.volume > 0 && b.volume < 1e-7) seen.add("tiny volumes")
        if (b.volume > 1e9) seen.add("huge volumes")
        if (b.volume === 0) seen.add("zero volumes")
        if (i > 0 && s.timestamp[i]! - s.timestamp[i - 1]! > 2 * s.spec.interval) seen.add("timestamp gaps")
        if (i > 0 && b.timestamp > 2 ** 32) seen.add("timestamps beyond 32 bits")
        if (i > 0 && (b.close > 1.5 * s.close[i - 1]! || b.close < s.close[i - 1]! / 1.5)) seen.add("price gaps")
        if (b.high === b.low) seen.add("bars with high = low")
        if (i >= 5 && s.close.subarray(i - 5, i + 1).every((x) => x === b.close)) seen.add("flat stretches")
      }
      if (s.close.length === 0) seen.add("empty series")
      if (s.close.length > 200) seen.add("series over 200 bars")
      for (const g of s.spec.segments) if (g.length >= 10) seen.add(`${g.regime} segments`)
      const n = s.close.length
      if (n >= 30 && s.spec.segments.length === 1) {
        const g = s.spec.segments[0]!
        if (g.regime === "trend" && Math.abs(g.drift) >= 0.01 && g.noise < Math.abs(g.drift) / 2) {
          // a trend moves the price steadily: most bar-to-bar moves go the drift's way
          let along = 0
          for (let i = 1; i < n; i++) if ((s.close[i]! - s.close[i - 1]!) * g.drift > 0) along++
          if (along >= 0.9 * (n - 1)) seen.add("trends that trend")
        }
      }
    }
    expect([...seen].sort()).toEqual([
      "bars with high = low",
      "empty series",
      "flat segments",
      "flat stretches",
      "huge prices",
      "huge volumes",
      "meanRevert segments",
      "price gaps",
      "series over 200 bars",
      "tiny prices",
      "tiny volumes",
      "timestamp gaps",
      "timestamps beyond 32 bits",
      "trend segments",
      "trends that trend",
      "walk segments",
      "zero volumes"
    ].sort())
  })

  for (const spec of indicatorRegistry) {
    tested.push(spec.name)
    it(`${spec.name}: five implementations bit-identical on random bars and parameters`, () => {
      fc.assert(fc.property(caseOf(spec), (c) => checkParity(spec, c)), fcParams(RUNS))
    })
  }

  it("no registry entry is left out", () => {
    expect(tested).toEqual(registryNames)
  })
})

/** The native request of a case (parameters and inputs in catalog order). */
const requestOf = (name: string, c: ParityCase): NativeRequest => {
  const spec = indicatorRegistry.find((s) => s.name === name)!
  return { name, params: catalogParams(spec, c.params), inputs: catalogInputs(spec, c.bars) }
}

const keyOf = (q: NativeRequest): string => createHash("sha256").update(nativeRequestLine(q)).digest("base64")

describe(`native OCaml ≡ js_of_ocaml build, on a sample of the same cases (${describeRun()})`, () => {
  const exists = fs.existsSync(nativeExe)

  it("the native runner exists (scripts/build-ocaml.sh ran)", () => {
    expect(exists, `${nativeExe} is missing: run scripts/build-ocaml.sh`).toBe(true)
  })

  /**
   * Native answers by request. The first lookup computes the first RUNS_NATIVE cases of every indicator (the values
   * `fc.assert` draws first for the same seed) in one process; a miss (shrinking, a replayed path) spawns one more.
   */
  const answers = new Map<string, NativeResult>()
  let misses = 0
  const native = (q: NativeRequest): NativeResult => {
    if (answers.size === 0) {
      const requests: Array<NativeRequest> = []
      for (const spec of indicatorRegistry) {
        for (const c of fc.sample(caseOf(spec), fcParams(RUNS_NATIVE))) requests.push(requestOf(spec.name, c))
      }
      const results = runNative(requests, requests.map((r) => ocamlCatalog[r.name]!.outputs.length))
      requests.forEach((r, i) => answers.set(keyOf(r), results[i]!))
    }
    const key = keyOf(q)
    let a = answers.get(key)
    if (a === undefined) {
      misses++
      a = runNative([q], [ocamlCatalog[q.name]!.outputs.length])[0]!
      answers.set(key, a)
    }
    return a
  }

  it.runIf(exists)("the text protocol carries every double exactly, both ways (highest over 1 bar echoes)", () => {
    fc.assert(
      fc.property(fc.array(fc.double(), { maxLength: 400 }), (xs) => {
        const input = Float64Array.from(xs)
        const [a] = runNative([{ name: "highest", params: [1], inputs: [input] }], [1])
        if (!a!.ok) throw new Error(a!.error)
        const diff = firstDifference(["value"], { value: input }, { value: a!.outputs[0]! })
        if (diff !== undefined) throw new Error(`native echo: ${diff}`)
        const js = jsBatch["highest"]!([1], [input])[0]!
        const jsDiff = firstDifference(["value"], { value: input }, { value: js })
        if (jsDiff !== undefined) throw new Error(`JS build echo: ${jsDiff}`)
      }),
      // a few batches of many values each: fc.double() draws subnormals, -0, ±MAX_VALUE, NaN, ±Infinity
      fcParams(5)
    )
  })

  for (const spec of indicatorRegistry) {
    it.runIf(exists)(`${spec.name}: native ≡ js_of_ocaml build, bit for bit`, () => {
      const before = misses
      fc.assert(
        fc.property(caseOf(spec), (c) => {
          const q = requestOf(spec.name, c)
          const a = native(q)
          const where = `${spec.name}(${describeParams(c.params)}) on ${describeSeries(c.bars)}`
          if (!a.ok) throw new Error(`${where}: the native build refused it: ${a.error}`)
          const names = ocamlCatalog[spec.name]!.outputs
          const js = byName(spec, jsBatch[spec.name]!(q.params, q.inputs))
          const diff = firstDifference(names, js, byName(spec, a.outputs), c.bars)
          if (diff !== undefined) throw new Error(`${where}: native differs from the js_of_ocaml build: ${diff}`)
        }),
        fcParams(RUNS_NATIVE)
      )
      // every case was in the one-process batch: these are the cases the in-process parity property checks first
      if (process.env["FC_PATH"] === undefined) expect(misses - before, "cases missing from the batch").toBe(0)
    })
  }
})
