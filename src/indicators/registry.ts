/**
 * The indicator registry: a description of every indicator (name, parameters with defaults and bounds, outputs,
 * lookback) plus factories, so that the CLI, the Lua bindings and documentation can list, validate and build
 * indicators by name without knowing each class.
 *
 * Two kinds of entries share {@link IndicatorInfo}:
 * - `"series"`: one input series, one output (`sma`, `ema`, `wma`, `rsi`, `highest`, `lowest`, `avg_volume`); the
 *   input field is `inputs[0]`; `create` gives a {@link StreamingIndicator} (`update(x)`), `batch` a `Float64Array`;
 * - `"bar"`: several input fields or several outputs (`macd`, `bbands`, `atr`, `stoch`, `vwap`, `vwap_rolling`,
 *   `range`); `create` gives a {@link BarIndicator} (`updateBar(bar)`, `output(i)`), `batch` a record of
 *   `Float64Array`s by output name.
 * {@link createBarIndicator} and {@link batchIndicator} drive either kind from bars / columns.
 *
 * @module
 */
import { type BarIndicator, type BarInput, describeValue, MAX_PERIOD, type StreamingIndicator } from "./contract.ts"
import { Atr, atrBatch } from "./atr.ts"
import { Bbands, bbandsBatch, MAX_BBANDS_K } from "./bbands.ts"
import { Ema, emaBatch } from "./ema.ts"
import {
  AvgVolume,
  avgVolumeBatch,
  Highest,
  highestBatch,
  Lowest,
  lowestBatch,
  Range,
  rangeBatch
} from "./extremes.ts"
import { checkMacdParams, Macd, macdBatch } from "./macd.ts"
import { Rsi, rsiBatch } from "./rsi.ts"
import { Sma, smaBatch } from "./sma.ts"
import { Stoch, stochBatch } from "./stoch.ts"
import { DAY_MS, MAX_SESSION_MS, Vwap, vwapBatch, VwapRolling, vwapRollingBatch } from "./vwap.ts"
import { Wma, wmaBatch } from "./wma.ts"

/** A numeric bar field an indicator reads. */
export type BarField = "open" | "high" | "low" | "close" | "volume" | "timestamp"

/** One parameter of an indicator. Bounds are inclusive. */
export interface ParamSpec {
  readonly name: string
  readonly description: string
  readonly type: "integer" | "number"
  readonly default: number
  readonly min: number
  readonly max: number
  /** `true` when `min` itself is excluded (`k > 0`). */
  readonly exclusiveMin?: boolean
}

/** One output of an indicator, with its range when it is bounded. */
export interface OutputSpec {
  readonly name: string
  readonly description: string
  readonly min?: number
  readonly max?: number
}

/** Parameter values by name, as resolved by {@link resolveParams}. */
export type IndicatorParams = Readonly<Record<string, number>>

/** What every registry entry tells about itself. */
export interface IndicatorInfo {
  /** Lower-case identifier used by the CLI and Lua (`"sma"`). */
  readonly name: string
  /** Human name (`"Simple moving average"`). */
  readonly title: string
  readonly description: string
  /** Where the convention comes from (a link or a citation). */
  readonly reference: string
  /** The bar fields read, in argument order; the default for series indicators is `["close"]`. */
  readonly inputs: ReadonlyArray<BarField>
  readonly params: ReadonlyArray<ParamSpec>
  readonly outputs: ReadonlyArray<OutputSpec>
  /** Number of inputs consumed before the first value (the first value is at 0-based index `lookback`). */
  readonly lookback: (params: IndicatorParams) => number
  /** Checks between parameters (MACD: `fastPeriod < slowPeriod`); throws a `RangeError`. */
  readonly check?: (params: IndicatorParams) => void
}

/** A one-input, one-output indicator with a streaming form and a bit-identical batch form. */
export interface SeriesIndicatorSpec extends IndicatorInfo {
  readonly kind: "series"
  /** A new streaming instance. */
  readonly create: (params: IndicatorParams) => StreamingIndicator
  /** The whole output series (`NaN` during warm-up). */
  readonly batch: (values: Float64Array, params: IndicatorParams) => Float64Array
}

/** Input columns of a batch computation, by field (only the entry's `inputs` are read). */
export type BarColumns = Readonly<Partial<Record<BarField, Float64Array>>>

/** Output series of a batch computation, by output name. */
export type IndicatorOutputs = Readonly<Record<string, Float64Array>>

/** An indicator over several bar fields and/or with several outputs. */
export interface BarIndicatorSpec extends IndicatorInfo {
  readonly kind: "bar"
  /** A new streaming instance. */
  readonly create: (params: IndicatorParams) => BarIndicator
  /** Every output series (`NaN` during warm-up), by output name; columns must have equal lengths. */
  readonly batch: (columns: BarColumns, params: IndicatorParams) => IndicatorOutputs
}

/** Any registry entry. */
export type IndicatorSpec = SeriesIndicatorSpec | BarIndicatorSpec

const periodParam = (defaultPeriod: number, what: string): ParamSpec => ({
  name: "period",
  description: what,
  type: "integer",
  default: defaultPeriod,
  min: 1,
  max: MAX_PERIOD
})

const period = (params: IndicatorParams): number => params["period"] ?? Number.NaN

/** The SMA entry. */
export const smaSpec: SeriesIndicatorSpec = {
  kind: "series",
  name: "sma",
  title: "Simple moving average",
  description: "Mean of the last `period` values.",
  reference: "TA-Lib TA_SMA (ta_SMA.c)",
  inputs: ["close"],
  params: [periodParam(20, "Window length in bars.")],
  outputs: [{ name: "value", description: "The moving average, in price units." }],
  lookback: (p) => period(p) - 1,
  create: (p) => new Sma(period(p)),
  batch: (values, p) => smaBatch(values, period(p))
}

/** The EMA entry. */
export const emaSpec: SeriesIndicatorSpec = {
  kind: "series",
  name: "ema",
  title: "Exponential moving average",
  description: "Exponential average with k = 2/(period+1), seeded with the SMA of the first `period` values.",
  reference: "TA-Lib TA_EMA (ta_EMA.c), TA_COMPATIBILITY_DEFAULT",
  inputs: ["close"],
  params: [periodParam(20, "Period; the smoothing factor is 2/(period+1).")],
  outputs: [{ name: "value", description: "The moving average, in price units." }],
  lookback: (p) => period(p) - 1,
  create: (p) => new Ema(period(p)),
  batch: (values, p) => emaBatch(values, period(p))
}

/** The RSI entry. */
export const rsiSpec: SeriesIndicatorSpec = {
  kind: "series",
  name: "rsi",
  title: "Relative strength index (Wilder)",
  description: "100 × average gain / (average gain + average loss), Wilder-smoothed; 0 on a flat series.",
  reference: "TA-Lib TA_RSI (ta_RSI.c), TA_COMPATIBILITY_DEFAULT; J. Welles Wilder, New Concepts (1978)",
  inputs: ["close"],
  params: [periodParam(14, "Smoothing period in bars.")],
  outputs: [{ name: "value", description: "RSI from 0 to 100.", min: 0, max: 100 }],
  lookback: (p) => period(p),
  create: (p) => new Rsi(period(p)),
  batch: (values, p) => rsiBatch(values, period(p))
}

const intParam = (name: string, defaultValue: number, description: string, min = 1, max = MAX_PERIOD): ParamSpec => ({
  name,
  description,
  type: "integer",
  default: defaultValue,
  min,
  max
})

const num = (params: IndicatorParams, name: string): number => params[name] ?? Number.NaN

const column = (spec: string, columns: BarColumns, field: BarField): Float64Array => {
  const c = columns[field]
  if (c === undefined) throw new RangeError(`${spec}: input column ${JSON.stringify(field)} is missing`)
  return c
}

const valueOutput = (description: string): OutputSpec => ({ name: "value", description })

/** The WMA entry. */
export const wmaSpec: SeriesIndicatorSpec = {
  kind: "series",
  name: "wma",
  title: "Weighted moving average",
  description: "Linearly weighted mean of the last `period` values (weights 1..period, newest heaviest).",
  reference: "TA-Lib TA_WMA (ta_WMA.c)",
  inputs: ["close"],
  params: [periodParam(20, "Window length in bars.")],
  outputs: [valueOutput("The moving average, in price units.")],
  lookback: (p) => period(p) - 1,
  create: (p) => new Wma(period(p)),
  batch: (values, p) => wmaBatch(values, period(p))
}

/** The highest-high entry. */
export const highestSpec: SeriesIndicatorSpec = {
  kind: "series",
  name: "highest",
  title: "Highest high",
  description: "Highest high over the last `period` bars.",
  reference: "TA-Lib TA_MAX (on high)",
  inputs: ["high"],
  params: [periodParam(20, "Window length in bars.")],
  outputs: [valueOutput("The highest high, in price units.")],
  lookback: (p) => period(p) - 1,
  create: (p) => new Highest(period(p)),
  batch: (values, p) => highestBatch(values, period(p))
}

/** The lowest-low entry. */
export const lowestSpec: SeriesIndicatorSpec = {
  kind: "series",
  name: "lowest",
  title: "Lowest low",
  description: "Lowest low over the last `period` bars.",
  reference: "TA-Lib TA_MIN (on low)",
  inputs: ["low"],
  params: [periodParam(20, "Window length in bars.")],
  outputs: [valueOutput("The lowest low, in price units.")],
  lookback: (p) => period(p) - 1,
  create: (p) => new Lowest(period(p)),
  batch: (values, p) => lowestBatch(values, period(p))
}

/** The average-volume entry. */
export const avgVolumeSpec: SeriesIndicatorSpec = {
  kind: "series",
  name: "avg_volume",
  title: "Average volume",
  description: "Mean volume over the last `period` bars (the SMA of volume).",
  reference: "SMA of volume (TA-Lib TA_SMA)",
  inputs: ["volume"],
  params: [periodParam(20, "Window length in bars.")],
  outputs: [{ name: "value", description: "The mean volume.", min: 0 }],
  lookback: (p) => period(p) - 1,
  create: (p) => new AvgVolume(period(p)),
  batch: (values, p) => avgVolumeBatch(values, period(p))
}

/** The MACD entry. */
export const macdSpec: BarIndicatorSpec = {
  kind: "bar",
  name: "macd",
  title: "Moving average convergence/divergence",
  description: "Fast EMA - slow EMA (both starting on the same bar), its EMA signal line and the histogram.",
  reference: "TA-Lib TA_MACD (ta_MACD.c); Gerald Appel",
  inputs: ["close"],
  params: [
    intParam("fastPeriod", 12, "Fast EMA period (less than slowPeriod)."),
    intParam("slowPeriod", 26, "Slow EMA period."),
    intParam("signalPeriod", 9, "Signal EMA period.")
  ],
  outputs: [
    { name: "macd", description: "Fast EMA - slow EMA, in price units." },
    { name: "signal", description: "EMA of the MACD line." },
    { name: "histogram", description: "macd - signal." }
  ],
  lookback: (p) => num(p, "slowPeriod") + num(p, "signalPeriod") - 2,
  check: (p) => checkMacdParams(num(p, "fastPeriod"), num(p, "slowPeriod"), num(p, "signalPeriod")),
  create: (p) => new Macd(num(p, "fastPeriod"), num(p, "slowPeriod"), num(p, "signalPeriod")),
  batch: (c, p) =>
    macdBatch(column("macd", c, "close"), num(p, "fastPeriod"), num(p, "slowPeriod"), num(p, "signalPeriod"))
}

/** The Bollinger Bands entry. */
export const bbandsSpec: BarIndicatorSpec = {
  kind: "bar",
  name: "bbands",
  title: "Bollinger Bands",
  description: "SMA ± k population standard deviations over the last `period` closes.",
  reference: "TA-Lib TA_BBANDS (ta_BBANDS.c, SMA middle band); John Bollinger",
  inputs: ["close"],
  params: [
    periodParam(20, "Window length in bars."),
    { name: "k", description: "Width in standard deviations (> 0).", type: "number", default: 2, min: 0,
      max: MAX_BBANDS_K, exclusiveMin: true }
  ],
  outputs: [
    { name: "middle", description: "The SMA, in price units." },
    { name: "upper", description: "middle + k·sd." },
    { name: "lower", description: "middle - k·sd." }
  ],
  lookback: (p) => period(p) - 1,
  create: (p) => new Bbands(period(p), num(p, "k")),
  batch: (c, p) => bbandsBatch(column("bbands", c, "close"), period(p), num(p, "k"))
}

/** The ATR entry. */
export const atrSpec: BarIndicatorSpec = {
  kind: "bar",
  name: "atr",
  title: "Average true range (Wilder)",
  description: "Wilder-smoothed true range; first value = mean TR of bars 1..period.",
  reference: "TA-Lib TA_ATR (ta_ATR.c); J. Welles Wilder, New Concepts (1978)",
  inputs: ["high", "low", "close"],
  params: [periodParam(14, "Smoothing period in bars.")],
  outputs: [{ name: "value", description: "The ATR, in price units.", min: 0 }],
  lookback: (p) => period(p),
  create: (p) => new Atr(period(p)),
  batch: (c, p) => ({
    value: atrBatch(column("atr", c, "high"), column("atr", c, "low"), column("atr", c, "close"), period(p))
  })
}

/** The stochastic oscillator entry. */
export const stochSpec: BarIndicatorSpec = {
  kind: "bar",
  name: "stoch",
  title: "Stochastic oscillator (slow, SMA smoothing)",
  description: "%K = SMA(100·(close-LL)/(HH-LL), kSlowing), 0 on a flat range; %D = SMA(%K, dPeriod).",
  reference: "TA-Lib TA_STOCH (ta_STOCH.c, SMA smoothing); George Lane",
  inputs: ["high", "low", "close"],
  params: [
    intParam("kPeriod", 14, "Window of the highest high / lowest low."),
    intParam("kSlowing", 3, "SMA period of the raw %K (1 = fast stochastic)."),
    intParam("dPeriod", 3, "SMA period of %D.")
  ],
  outputs: [
    { name: "k", description: "Slow %K.", min: 0, max: 100 },
    { name: "d", description: "Slow %D.", min: 0, max: 100 }
  ],
  lookback: (p) => num(p, "kPeriod") + num(p, "kSlowing") + num(p, "dPeriod") - 3,
  create: (p) => new Stoch(num(p, "kPeriod"), num(p, "kSlowing"), num(p, "dPeriod")),
  batch: (c, p) =>
    stochBatch(
      column("stoch", c, "high"),
      column("stoch", c, "low"),
      column("stoch", c, "close"),
      num(p, "kPeriod"),
      num(p, "kSlowing"),
      num(p, "dPeriod")
    )
}

/** The session VWAP entry. */
export const vwapSpec: BarIndicatorSpec = {
  kind: "bar",
  name: "vwap",
  title: "Volume-weighted average price (per session)",
  description: "Σ typical price × volume / Σ volume since the session start; sessions by bar timestamp.",
  reference: "TA-Lib TA_VWAP (2026, test_vwap.c); typical price (h+l+c)/3",
  inputs: ["high", "low", "close", "volume", "timestamp"],
  params: [
    intParam("sessionMs", DAY_MS, "Session length in ms (86400000 = daily; 1e15 = never reset).", 1, MAX_SESSION_MS),
    intParam("offsetMs", 0, "Session start offset from the UTC epoch grid, in ms.", -MAX_SESSION_MS, MAX_SESSION_MS)
  ],
  outputs: [valueOutput("The VWAP, in price units.")],
  lookback: () => 0,
  create: (p) => new Vwap(num(p, "sessionMs"), num(p, "offsetMs")),
  batch: (c, p) => ({
    value: vwapBatch(
      column("vwap", c, "high"),
      column("vwap", c, "low"),
      column("vwap", c, "close"),
      column("vwap", c, "volume"),
      column("vwap", c, "timestamp"),
      num(p, "sessionMs"),
      num(p, "offsetMs")
    )
  })
}

/** The rolling VWAP entry. */
export const vwapRollingSpec: BarIndicatorSpec = {
  kind: "bar",
  name: "vwap_rolling",
  title: "Volume-weighted average price (rolling)",
  description: "Σ typical price × volume / Σ volume over the last `period` bars.",
  reference: "Rolling VWAP as in the Python `ta` library (StockCharts data, cs-vwap.csv)",
  inputs: ["high", "low", "close", "volume"],
  params: [periodParam(14, "Window length in bars.")],
  outputs: [valueOutput("The VWAP, in price units.")],
  lookback: (p) => period(p) - 1,
  create: (p) => new VwapRolling(period(p)),
  batch: (c, p) => ({
    value: vwapRollingBatch(
      column("vwap_rolling", c, "high"),
      column("vwap_rolling", c, "low"),
      column("vwap_rolling", c, "close"),
      column("vwap_rolling", c, "volume"),
      period(p)
    )
  })
}

/** The range entry. */
export const rangeSpec: BarIndicatorSpec = {
  kind: "bar",
  name: "range",
  title: "Range (highest high - lowest low)",
  description: "Highest high - lowest low over the last `period` bars.",
  reference: "TA-Lib TA_MAX(high) - TA_MIN(low)",
  inputs: ["high", "low"],
  params: [periodParam(20, "Window length in bars.")],
  outputs: [{ name: "value", description: "The range, in price units.", min: 0 }],
  lookback: (p) => period(p) - 1,
  create: (p) => new Range(period(p)),
  batch: (c, p) => ({ value: rangeBatch(column("range", c, "high"), column("range", c, "low"), period(p)) })
}

/** Every indicator, by name. */
export const indicatorRegistry: ReadonlyArray<IndicatorSpec> = [
  smaSpec,
  emaSpec,
  wmaSpec,
  rsiSpec,
  macdSpec,
  bbandsSpec,
  atrSpec,
  stochSpec,
  vwapSpec,
  vwapRollingSpec,
  highestSpec,
  lowestSpec,
  rangeSpec,
  avgVolumeSpec
]

/** The entry named `name` (case-insensitive), or `undefined`. */
export const findIndicator = (name: string): IndicatorSpec | undefined => {
  const key = name.toLowerCase()
  return indicatorRegistry.find((spec) => spec.name === key)
}

/** Default parameter values of an indicator. */
export const defaultParams = (spec: IndicatorInfo): IndicatorParams => {
  const out: Record<string, number> = {}
  for (const p of spec.params) out[p.name] = p.default
  return out
}

/**
 * Fills defaults and checks the given parameters against the spec. Throws a `RangeError` naming the indicator,
 * the parameter and the value for an unknown name, a non-integer integer parameter or a value out of bounds.
 */
export const resolveParams = (
  spec: IndicatorInfo,
  given: Readonly<Record<string, number | undefined>> = {}
): IndicatorParams => {
  const out: Record<string, number> = {}
  for (const key of Object.keys(given)) {
    if (!spec.params.some((p) => p.name === key)) {
      const known = spec.params.map((p) => p.name).join(", ")
      throw new RangeError(`${spec.name}: unknown parameter ${JSON.stringify(key)} (parameters: ${known})`)
    }
  }
  for (const p of spec.params) {
    const v = given[p.name] ?? p.default
    const ok = typeof v === "number" && !Number.isNaN(v) && (p.exclusiveMin === true ? v > p.min : v >= p.min) &&
      v <= p.max && (p.type === "number" || Number.isInteger(v))
    if (!ok) {
      const kind = p.type === "integer" ? "an integer" : "a number"
      const range = p.exclusiveMin === true ? `> ${p.min} and <= ${p.max}` : `from ${p.min} to ${p.max}`
      throw new RangeError(`${spec.name}: ${p.name} must be ${kind} ${range}, got ${describeValue(v)}`)
    }
    out[p.name] = v
  }
  spec.check?.(out)
  return out
}

/** Adapts a series indicator to {@link BarIndicator}, reading one bar field. */
class SeriesAsBar implements BarIndicator {
  readonly outputs: ReadonlyArray<string>
  private readonly ind: StreamingIndicator
  private readonly field: BarField
  constructor(ind: StreamingIndicator, field: BarField, outputs: ReadonlyArray<string>) {
    this.ind = ind
    this.field = field
    this.outputs = outputs
  }
  get count(): number {
    return this.ind.count
  }
  get isReady(): boolean {
    return this.ind.isReady
  }
  get value(): number {
    return this.ind.value
  }
  output(index: number): number {
    return index === 0 ? this.ind.value : Number.NaN
  }
  updateBar(bar: BarInput): number {
    return this.ind.update(bar[this.field])
  }
  replaceBar(bar: BarInput): number {
    return this.ind.replace(bar[this.field])
  }
  reset(): void {
    this.ind.reset()
  }
}

/**
 * A streaming instance of any registry entry driven by bars (`updateBar(bar)`, `output(i)`); `params` should come
 * from {@link resolveParams}. Series entries read their input field (`inputs[0]`) from the bar.
 */
export const createBarIndicator = (spec: IndicatorSpec, params: IndicatorParams): BarIndicator => {
  if (spec.kind === "bar") return spec.create(params)
  return new SeriesAsBar(spec.create(params), spec.inputs[0] ?? "close", spec.outputs.map((o) => o.name))
}

/** Batch computation of any registry entry over bar columns: every output series by name. */
export const batchIndicator = (
  spec: IndicatorSpec,
  columns: BarColumns,
  params: IndicatorParams
): IndicatorOutputs => {
  if (spec.kind === "bar") return spec.batch(columns, params)
  const field = spec.inputs[0] ?? "close"
  const values = columns[field]
  if (values === undefined) throw new RangeError(`${spec.name}: input column ${JSON.stringify(field)} is missing`)
  return { [spec.outputs[0]?.name ?? "value"]: spec.batch(values, params) }
}

const formatParam = (p: ParamSpec): string => `${p.name}=${p.default}`

/**
 * The registry as a plain-text table (for `trading-engine indicators --list`): name, inputs, parameters with
 * defaults, outputs, lookback at the defaults, and title.
 */
export const formatRegistry = (specs: ReadonlyArray<IndicatorSpec> = indicatorRegistry): string => {
  const header = ["name", "inputs", "parameters (defaults)", "outputs", "lookback", "title"]
  const rows = specs.map((s) => [
    s.name,
    s.inputs.join(","),
    s.params.map(formatParam).join(" "),
    s.outputs.map((o) => o.name).join(","),
    String(s.lookback(defaultParams(s))),
    s.title
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: ReadonlyArray<string>): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ")
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n") + "\n"
}
