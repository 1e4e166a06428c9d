/**
 * The indicator registry: a description of every indicator (name, parameters with defaults and bounds, outputs,
 * lookback) plus factories, so that the CLI, the Lua bindings and documentation can list, validate and build
 * indicators by name without knowing each class.
 *
 * Every entry today is a *series* indicator (one input series, one output). Indicators over several bar fields
 * (ATR on high/low/close, …) will be added as another `kind` of {@link IndicatorSpec} that shares
 * {@link IndicatorInfo}; code that only describes indicators reads `IndicatorInfo` and keeps working.
 *
 * @module
 */
import { describeValue, MAX_PERIOD, type StreamingIndicator } from "./contract.ts"
import { Ema, emaBatch } from "./ema.ts"
import { Rsi, rsiBatch } from "./rsi.ts"
import { Sma, smaBatch } from "./sma.ts"

/** A numeric bar field an indicator reads. */
export type BarField = "open" | "high" | "low" | "close" | "volume"

/** One parameter of an indicator. Bounds are inclusive. */
export interface ParamSpec {
  readonly name: string
  readonly description: string
  readonly type: "integer" | "number"
  readonly default: number
  readonly min: number
  readonly max: number
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
}

/** A one-input, one-output indicator with a streaming form and a bit-identical batch form. */
export interface SeriesIndicatorSpec extends IndicatorInfo {
  readonly kind: "series"
  /** A new streaming instance. */
  readonly create: (params: IndicatorParams) => StreamingIndicator
  /** The whole output series (`NaN` during warm-up). */
  readonly batch: (values: Float64Array, params: IndicatorParams) => Float64Array
}

/** Any registry entry (a union: further kinds will be added with multi-input indicators). */
export type IndicatorSpec = SeriesIndicatorSpec

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

/** Every indicator, by name. */
export const indicatorRegistry: ReadonlyArray<IndicatorSpec> = [smaSpec, emaSpec, rsiSpec]

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
    const ok = typeof v === "number" && !Number.isNaN(v) && v >= p.min && v <= p.max &&
      (p.type === "number" || Number.isInteger(v))
    if (!ok) {
      const kind = p.type === "integer" ? "an integer" : "a number"
      throw new RangeError(`${spec.name}: ${p.name} must be ${kind} from ${p.min} to ${p.max}, got ${describeValue(v)}`)
    }
    out[p.name] = v
  }
  return out
}
