/**
 * The OCaml indicator backend: every registry entry computed by the OCaml reference library through its
 * js_of_ocaml build (`ocamlIndicators` streaming handles), behind the same {@link IndicatorBackend} interface as the
 * TypeScript classes. Values are bit-identical to the TypeScript backend (proven per entry by the parity property
 * tests), so a backtest makes the same trades with either; this one costs more per update (each OCaml `update`
 * allocates its new immutable state; see BENCHMARKS.md).
 *
 * Select it with `--indicators ocaml` on the CLI, `indicators: "ocaml"` in a backtest spec, or by providing
 * {@link ocamlIndicatorEngine}.
 *
 * @module
 */
import { Layer } from "effect"
import type { BarIndicator, BarInput, StreamingIndicator } from "../contract.ts"
import { type IndicatorBackend, IndicatorEngine } from "../IndicatorEngine.ts"
import type { BarIndicatorSpec, IndicatorParams, SeriesIndicatorSpec } from "../registry.ts"
import { ocamlIndicators as o } from "./index.ts"

// Handles are opaque to this module: each table entry below pairs a `make` with the `update`/`replace` of the same
// OCaml indicator, so the casts are local and safe.
type Handle = unknown
type SeriesStep = (handle: Handle, x: number) => number
type BarStep = (handle: Handle, bar: BarInput) => number | Float64Array

interface SeriesEntry {
  readonly make: (p: IndicatorParams) => Handle
  readonly update: SeriesStep
  readonly replace: SeriesStep
}

interface BarEntry {
  readonly make: (p: IndicatorParams) => Handle
  readonly update: BarStep
  readonly replace: BarStep
  /** For each registry output (in registry order), its index in the OCaml result array; absent for one output. */
  readonly order?: ReadonlyArray<number>
}

const p = (params: IndicatorParams, name: string): number => params[name] ?? Number.NaN

const series = (make: (p: IndicatorParams) => any, update: (h: any, x: number) => number, replace: (h: any, x: number) => number): SeriesEntry =>
  ({ make, update, replace })

const SERIES: Readonly<Record<string, SeriesEntry>> = {
  sma: series((q) => o.smaMake(p(q, "period")), o.smaUpdate, o.smaReplace),
  ema: series((q) => o.emaMake(p(q, "period")), o.emaUpdate, o.emaReplace),
  wma: series((q) => o.wmaMake(p(q, "period")), o.wmaUpdate, o.wmaReplace),
  rsi: series((q) => o.rsiMake(p(q, "period")), o.rsiUpdate, o.rsiReplace),
  highest: series((q) => o.highestMake(p(q, "period")), o.highestUpdate, o.highestReplace),
  lowest: series((q) => o.lowestMake(p(q, "period")), o.lowestUpdate, o.lowestReplace),
  avg_volume: series((q) => o.avgVolumeMake(p(q, "period")), o.avgVolumeUpdate, o.avgVolumeReplace)
}

const BARS: Readonly<Record<string, BarEntry>> = {
  macd: {
    make: (q) => o.macdMake(p(q, "fastPeriod"), p(q, "slowPeriod"), p(q, "signalPeriod")),
    update: (h: any, b) => o.macdUpdate(h, b.close),
    replace: (h: any, b) => o.macdReplace(h, b.close),
    order: [0, 1, 2] // [macd, signal, hist]
  },
  bbands: {
    make: (q) => o.bbandsMake(p(q, "period"), p(q, "k")),
    update: (h: any, b) => o.bbandsUpdate(h, b.close),
    replace: (h: any, b) => o.bbandsReplace(h, b.close),
    order: [1, 0, 2] // OCaml gives [upper, middle, lower]; the registry lists middle, upper, lower
  },
  atr: {
    make: (q) => o.atrMake(p(q, "period")),
    update: (h: any, b) => o.atrUpdate(h, b.high, b.low, b.close),
    replace: (h: any, b) => o.atrReplace(h, b.high, b.low, b.close)
  },
  stoch: {
    make: (q) => o.stochMake(p(q, "kPeriod"), p(q, "kSlowing"), p(q, "dPeriod")),
    update: (h: any, b) => o.stochUpdate(h, b.high, b.low, b.close),
    replace: (h: any, b) => o.stochReplace(h, b.high, b.low, b.close),
    order: [0, 1]
  },
  vwap: {
    make: (q) => o.vwapMake(p(q, "sessionMs"), p(q, "offsetMs")),
    update: (h: any, b) => o.vwapUpdate(h, b.high, b.low, b.close, b.volume, b.timestamp),
    replace: (h: any, b) => o.vwapReplace(h, b.high, b.low, b.close, b.volume, b.timestamp)
  },
  vwap_rolling: {
    make: (q) => o.vwapRollingMake(p(q, "period")),
    update: (h: any, b) => o.vwapRollingUpdate(h, b.high, b.low, b.close, b.volume),
    replace: (h: any, b) => o.vwapRollingReplace(h, b.high, b.low, b.close, b.volume)
  },
  range: {
    make: (q) => o.rangeMake(p(q, "period")),
    update: (h: any, b) => o.rangeUpdate(h, b.high, b.low),
    replace: (h: any, b) => o.rangeReplace(h, b.high, b.low)
  }
}

/** A one-input indicator backed by an OCaml streaming handle. */
class OcamlSeries implements StreamingIndicator {
  readonly period: number
  count = 0
  value = Number.NaN
  private handle: Handle
  private readonly entry: SeriesEntry
  private readonly params: IndicatorParams
  private readonly lookback: number

  constructor(entry: SeriesEntry, params: IndicatorParams, lookback: number) {
    this.entry = entry
    this.params = params
    this.lookback = lookback
    this.period = p(params, "period")
    this.handle = entry.make(params)
  }

  get isReady(): boolean {
    return this.count > this.lookback
  }

  update(x: number): number {
    this.count++
    return (this.value = this.entry.update(this.handle, x))
  }

  replace(x: number): number {
    if (this.count === 0) return this.update(x)
    return (this.value = this.entry.replace(this.handle, x))
  }

  reset(): void {
    this.handle = this.entry.make(this.params)
    this.count = 0
    this.value = Number.NaN
  }
}

/** A several-input or several-output indicator backed by an OCaml streaming handle. */
class OcamlBar implements BarIndicator {
  readonly outputs: ReadonlyArray<string>
  count = 0
  private handle: Handle
  private readonly entry: BarEntry
  private readonly params: IndicatorParams
  private readonly lookback: number
  /** Current outputs in registry order. */
  private readonly values: Float64Array

  constructor(entry: BarEntry, params: IndicatorParams, lookback: number, outputs: ReadonlyArray<string>) {
    this.entry = entry
    this.params = params
    this.lookback = lookback
    this.outputs = outputs
    this.values = new Float64Array(outputs.length).fill(Number.NaN)
    this.handle = entry.make(params)
  }

  get isReady(): boolean {
    return this.count > this.lookback
  }

  get value(): number {
    return this.values[0]!
  }

  output(index: number): number {
    return index >= 0 && index < this.values.length ? this.values[index]! : Number.NaN
  }

  private store(result: number | Float64Array): number {
    const values = this.values
    if (typeof result === "number") {
      values[0] = result
    } else {
      const order = this.entry.order!
      for (let i = 0; i < values.length; i++) values[i] = result[order[i]!]!
    }
    return values[0]!
  }

  updateBar(bar: BarInput): number {
    this.count++
    return this.store(this.entry.update(this.handle, bar))
  }

  replaceBar(bar: BarInput): number {
    if (this.count === 0) return this.updateBar(bar)
    return this.store(this.entry.replace(this.handle, bar))
  }

  reset(): void {
    this.handle = this.entry.make(this.params)
    this.count = 0
    this.values.fill(Number.NaN)
  }
}

const missing = (name: string): never => {
  throw new RangeError(`ocaml backend: no OCaml implementation of ${JSON.stringify(name)}`)
}

/** The OCaml (js_of_ocaml) backend. */
export const ocamlIndicatorBackend: IndicatorBackend = {
  name: "ocaml",
  series: (spec: SeriesIndicatorSpec, params) =>
    new OcamlSeries(SERIES[spec.name] ?? missing(spec.name), params, spec.lookback(params)),
  bar: (spec: BarIndicatorSpec, params) =>
    new OcamlBar(BARS[spec.name] ?? missing(spec.name), params, spec.lookback(params), spec.outputs.map((x) => x.name))
}

/** The names this backend implements (the tests check it covers the whole registry). */
export const ocamlBackendCoverage: ReadonlyArray<string> = [...Object.keys(SERIES), ...Object.keys(BARS)]

/** A Layer making the OCaml build compute the indicators of a run. */
export const ocamlIndicatorEngine: Layer.Layer<never> = Layer.succeed(IndicatorEngine, ocamlIndicatorBackend)
