/**
 * The parity cases and the five implementations they are run through, for every registry entry:
 *
 * 1. TypeScript batch: `batchIndicator(spec, columns, params)` (the reference of the comparisons);
 * 2. TypeScript streaming, generic: `createBarIndicator(spec, params)`, `updateBar` / `replaceBar`, `output(i)`;
 * 3. TypeScript streaming, the class's own positional `update(...inputs)` / `replace(...inputs)` (the fast path);
 * 4. OCaml batch, through the js_of_ocaml build (`jsBatch` in test/ocaml/adapters.ts);
 * 5. OCaml streaming handles of the js_of_ocaml build (`jsStreaming`).
 *
 * Every streaming implementation sees the same schedule of calls: per bar, a plain `update`, or a forming bar
 * (`update` with a provisional bar, maybe revised again, then `replace` with the final bar), or an `update` followed
 * by a `replace` with the same bar; the very first bar is sometimes given by `replace` alone (which must act as
 * `update`). Provisional bars are valid bars at the same timestamp, inside the final bar's range (a candle still
 * forming) or anywhere (a revision that must be forgotten).
 */
import fc from "fast-check"
import type { BarIndicator, BarInput, StreamingIndicator } from "../../src/indicators/contract.ts"
import {
  type BarColumns,
  batchIndicator,
  createBarIndicator,
  type IndicatorParams,
  type IndicatorSpec,
  type ParamSpec,
  resolveParams
} from "../../src/indicators/registry.ts"
import { jsBatch, jsStreaming, ocamlCatalog } from "../../test/ocaml/adapters.ts"
import { seeded } from "../../test/ocaml/support.ts"
import { barAt, type BarSeries, barSeries, describeSeries } from "./bars.ts"

/** One generated case: parameters (by name, valid), bars, and the seed of the streaming call schedule. */
export interface ParityCase {
  readonly params: IndicatorParams
  readonly bars: BarSeries
  readonly schedule: number
}

const bigInteger = (min: number, max: number): fc.Arbitrary<number> =>
  fc.bigInt({ min: BigInt(min), max: BigInt(max) }).map(Number)

/**
 * Values of a parameter, from its registry bounds: mostly small periods (windows that fill and slide over the
 * series), some up to 600 (about the longest series), the default, and anything in range (mostly longer than the
 * series: all warm-up). Numbers: the default, round values, anything in range.
 */
const genericParam = (p: ParamSpec): fc.Arbitrary<number> => {
  if (p.type === "integer") {
    return fc.oneof(
      { weight: 10, arbitrary: fc.integer({ min: p.min, max: Math.min(p.max, p.min + 40) }) },
      { weight: 2, arbitrary: fc.integer({ min: p.min, max: Math.min(p.max, Math.max(p.min, 600)) }) },
      { weight: 1, arbitrary: fc.constant(p.default) },
      { weight: 1, arbitrary: bigInteger(p.min, p.max) }
    )
  }
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(p.default) },
    { weight: 1, arbitrary: fc.constantFrom(0.5, 1, 1.5, 2, 2.5, 3).filter((x) => x > p.min && x <= p.max) },
    {
      weight: 3,
      arbitrary: fc.double({ min: p.min, max: Math.min(p.max, 10), minExcluded: p.exclusiveMin === true, noNaN: true })
    },
    { weight: 1, arbitrary: fc.double({ min: p.min, max: p.max, minExcluded: p.exclusiveMin === true, noNaN: true }) }
  )
}

const HOUR = 3_600_000
const DAY = 24 * HOUR

/** Parameters whose interesting values are not near their minimum (by `indicator.param`). */
const specialParams: Readonly<Record<string, (p: ParamSpec) => fc.Arbitrary<number>>> = {
  "vwap.sessionMs": (p) =>
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(60_000, HOUR, 4 * HOUR, DAY, 7 * DAY, p.max) },
      { weight: 2, arbitrary: fc.integer({ min: 1, max: 2 ** 31 - 1 }) },
      { weight: 1, arbitrary: bigInteger(p.min, p.max) }
    ),
  "vwap.offsetMs": (p) =>
    fc.oneof(
      { weight: 3, arbitrary: fc.constant(0) },
      { weight: 2, arbitrary: fc.constantFrom(HOUR, -HOUR, 90 * 60_000, 13.5 * HOUR) },
      { weight: 2, arbitrary: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) },
      { weight: 1, arbitrary: bigInteger(p.min, p.max) }
    )
}

const isValid = (spec: IndicatorSpec, params: IndicatorParams): boolean => {
  try {
    resolveParams(spec, params)
    return true
  } catch {
    return false
  }
}

/** Random valid parameters of a registry entry, by name (cross-parameter checks such as MACD's fast < slow hold). */
export const paramsOf = (spec: IndicatorSpec): fc.Arbitrary<IndicatorParams> => {
  const fields: Record<string, fc.Arbitrary<number>> = {}
  for (const p of spec.params) fields[p.name] = (specialParams[`${spec.name}.${p.name}`] ?? genericParam)(p)
  return fc.record(fields).filter((ps) => isValid(spec, ps))
}

/** The cases of a registry entry. fast-check draws the same cases from it for the same seed. */
export const caseOf = (spec: IndicatorSpec): fc.Arbitrary<ParityCase> =>
  fc.record({ params: paramsOf(spec), bars: barSeries, schedule: fc.integer() })

/** Parameters as `name=value, …` */
export const describeParams = (params: IndicatorParams): string =>
  Object.entries(params).map(([k, v]) => `${k}=${v}`).join(", ")

/** Outputs by name, one series each. */
export type Outputs = Readonly<Record<string, Float64Array>>

/** The entry's input columns of a case, in the OCaml catalog's order. */
export const catalogInputs = (spec: IndicatorSpec, bars: BarSeries): Array<Float64Array> =>
  ocamlCatalog[spec.name]!.inputs.map((f) => bars[f])

/** The case's parameters in the OCaml catalog's order. */
export const catalogParams = (spec: IndicatorSpec, params: IndicatorParams): Array<number> =>
  ocamlCatalog[spec.name]!.params.map((p) => params[p]!)

/** Catalog-ordered outputs as outputs by name. */
export const byName = (spec: IndicatorSpec, outputs: ReadonlyArray<Float64Array>): Outputs =>
  Object.fromEntries(ocamlCatalog[spec.name]!.outputs.map((o, j) => [o, outputs[j]!]))

/** One streaming step. */
type Step =
  | { readonly kind: "update" }
  | { readonly kind: "replaceOnly" }
  | { readonly kind: "forming"; readonly provisional: ReadonlyArray<BarInput> }
  | { readonly kind: "updateThenReplace" }

/** A provisional version of a final bar: same timestamp and open, a valid bar. */
const provisional = (b: BarInput, rnd: () => number): BarInput => {
  let close: number
  let high: number
  let low: number
  let volume: number
  if (rnd() < 0.7) {
    // a candle still forming: inside the final bar's range, part of its volume
    close = b.low + rnd() * (b.high - b.low)
    high = Math.max(b.open, close) + rnd() * (b.high - Math.max(b.open, close))
    low = Math.min(b.open, close) - rnd() * (Math.min(b.open, close) - b.low)
    volume = b.volume * rnd()
  } else {
    // anything: a new extreme, another volume, that the final bar must erase
    close = b.close * (0.25 + 2 * rnd())
    high = Math.max(b.open, close) * (1 + 0.1 * rnd())
    low = Math.min(b.open, close) * (1 - 0.1 * rnd())
    volume = rnd() < 0.2 ? 0 : (b.volume === 0 ? 1 : b.volume) * 3 * rnd()
  }
  return {
    timestamp: b.timestamp,
    open: b.open,
    high: Math.max(high, b.open, close),
    low: Math.min(low, b.open, close),
    close,
    volume
  }
}

/** The streaming schedule of a case (the same for every streaming implementation). */
export const scheduleOf = (c: ParityCase): Array<Step> => {
  const rnd = seeded(c.schedule)
  const n = c.bars.close.length
  const steps: Array<Step> = []
  for (let i = 0; i < n; i++) {
    const r = rnd()
    if (i === 0 && r < 0.2) steps.push({ kind: "replaceOnly" })
    else if (r < 0.4) steps.push({ kind: "update" })
    else if (r < 0.85) {
      const b = barAt(c.bars, i)
      const revisions = rnd() < 0.7 ? 1 : 2 + Math.floor(rnd() * 3)
      steps.push({ kind: "forming", provisional: Array.from({ length: revisions }, () => provisional(b, rnd)) })
    } else steps.push({ kind: "updateThenReplace" })
  }
  return steps
}

/** How a streaming implementation is driven: bars in, all outputs after the call out (catalog-independent). */
interface Driver {
  update(bar: BarInput): ReadonlyArray<number>
  replace(bar: BarInput): ReadonlyArray<number>
}

const drive = (driver: Driver, c: ParityCase, steps: ReadonlyArray<Step>, outputs: ReadonlyArray<string>): Outputs => {
  const n = c.bars.close.length
  const out = outputs.map(() => new Float64Array(n))
  for (let i = 0; i < n; i++) {
    const bar = barAt(c.bars, i)
    const step = steps[i]!
    let got: ReadonlyArray<number>
    switch (step.kind) {
      case "update":
        got = driver.update(bar)
        break
      case "replaceOnly":
        got = driver.replace(bar)
        break
      case "forming":
        step.provisional.forEach((p, k) => (k === 0 ? driver.update(p) : driver.replace(p)))
        got = driver.replace(bar)
        break
      case "updateThenReplace":
        driver.update(bar)
        got = driver.replace(bar)
        break
    }
    got.forEach((y, j) => (out[j]![i] = y))
  }
  return Object.fromEntries(outputs.map((o, j) => [o, out[j]!]))
}

/** Reads every output of a `BarIndicator`, checking that the call's return value is output 0. */
const allOutputs = (ind: BarIndicator, returned: number, count: number): Array<number> => {
  const values = Array.from({ length: count }, (_, j) => ind.output(j))
  if (!Object.is(returned, values[0])) throw new Error(`returned ${returned} but output(0) is ${values[0]}`)
  return values
}

/** The positional fast path every indicator class has: `update(...inputs)`, `replace(...inputs)`. */
interface Positional {
  update(...xs: Array<number>): number
  replace(...xs: Array<number>): number
}

const positional = (ind: StreamingIndicator | BarIndicator, name: string): Positional => {
  const p = ind as unknown as Partial<Positional>
  if (typeof p.update !== "function" || typeof p.replace !== "function") {
    throw new Error(`${name}: the class has no positional update/replace`)
  }
  return p as Positional
}

/** Every implementation's outputs for a case, by implementation then output name. */
export interface Results {
  readonly "TypeScript batch": Outputs
  readonly "TypeScript streaming (updateBar/replaceBar)": Outputs
  readonly "TypeScript streaming (class update/replace)": Outputs
  readonly "OCaml batch (js_of_ocaml)": Outputs
  readonly "OCaml streaming (js_of_ocaml)": Outputs
}

/** Runs a case through the five implementations. */
export const runAll = (spec: IndicatorSpec, c: ParityCase): Results => {
  const names = spec.outputs.map((o) => o.name)
  const catalog = ocamlCatalog[spec.name]!
  const columns: BarColumns = c.bars
  const steps = scheduleOf(c)

  const tsBatch = batchIndicator(spec, columns, c.params)

  const generic = createBarIndicator(spec, c.params)
  const tsGeneric = drive(
    {
      update: (b) => allOutputs(generic, generic.updateBar(b), names.length),
      replace: (b) => allOutputs(generic, generic.replaceBar(b), names.length)
    },
    c,
    steps,
    names
  )

  const instance = spec.create(c.params)
  const fast = positional(instance, spec.name)
  const args = (b: BarInput): Array<number> => spec.inputs.map((f) => b[f])
  const read = (returned: number): Array<number> => {
    if (spec.kind === "bar") return allOutputs(instance as BarIndicator, returned, names.length)
    const value = (instance as StreamingIndicator).value
    if (!Object.is(returned, value)) throw new Error(`returned ${returned} but value is ${value}`)
    return [returned]
  }
  const tsClass = drive(
    { update: (b) => read(fast.update(...args(b))), replace: (b) => read(fast.replace(...args(b))) },
    c,
    steps,
    names
  )

  const ps = catalogParams(spec, c.params)
  const ocBatch = byName(spec, jsBatch[spec.name]!(ps, catalogInputs(spec, c.bars)))

  const handle = jsStreaming[spec.name]!(ps)
  const ocArgs = (b: BarInput): Array<number> => catalog.inputs.map((f) => b[f])
  const ocStreaming = drive(
    { update: (b) => handle.update(...ocArgs(b)), replace: (b) => handle.replace(...ocArgs(b)) },
    c,
    steps,
    catalog.outputs
  )

  return {
    "TypeScript batch": tsBatch,
    "TypeScript streaming (updateBar/replaceBar)": tsGeneric,
    "TypeScript streaming (class update/replace)": tsClass,
    "OCaml batch (js_of_ocaml)": ocBatch,
    "OCaml streaming (js_of_ocaml)": ocStreaming
  }
}

/** The first element where two output sets differ (`Object.is`), described; `undefined` when bit-identical. */
export const firstDifference = (
  names: ReadonlyArray<string>,
  expected: Outputs,
  got: Outputs,
  bars?: BarSeries
): string | undefined => {
  for (const o of names) {
    const x = expected[o]
    const y = got[o]
    if (x === undefined || y === undefined) return `output ${o} is missing`
    if (x.length !== y.length) return `output ${o}: ${y.length} values instead of ${x.length}`
    for (let i = 0; i < x.length; i++) {
      if (!Object.is(x[i], y[i])) {
        const where = bars === undefined ? "" : ` (close ${bars.close[i]}, t ${bars.timestamp[i]})`
        return `output ${o} at bar ${i}${where}: ${y[i]} instead of ${x[i]}`
      }
    }
  }
  return undefined
}

/** Checks a case: every implementation equals the TypeScript batch bit for bit; throws a description otherwise. */
export const checkParity = (spec: IndicatorSpec, c: ParityCase): void => {
  const results = runAll(spec, c)
  const reference = results["TypeScript batch"]
  const names = spec.outputs.map((o) => o.name)
  for (const [impl, outputs] of Object.entries(results)) {
    const diff = firstDifference(names, reference, outputs, c.bars)
    if (diff !== undefined) {
      throw new Error(
        `${spec.name}(${describeParams(c.params)}) on ${describeSeries(c.bars)}: ${impl} differs from the ` +
          `TypeScript batch: ${diff}`
      )
    }
  }
}
