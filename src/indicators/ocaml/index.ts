/**
 * The OCaml reference indicators (`ocaml/`), compiled to JavaScript by js_of_ocaml and committed as
 * `indicators.bc.cjs` (CommonJS, hence `.cjs` inside this ESM package), with TypeScript types.
 *
 * The OCaml library writes every indicator as a pure fold (`init`, `step`); the batch functions here fold that
 * `step` over a `Float64Array`, and the streaming handles keep the state before the last update so `replace`
 * re-steps from it. They are a second implementation for property tests (bit-identical results where the
 * operation order matches, `Object.is`) and a possible runtime backend.
 *
 * Rebuild after changing `ocaml/`: `scripts/build-ocaml.sh` (it also refreshes `SOURCE_HASH`, which
 * `test/ocaml/staleness.test.ts` compares with the sources).
 *
 * Conventions: outputs are `NaN` during warm-up; invalid parameters (not an integer from 1 to 100 000, …) throw a
 * `RangeError` with the OCaml message (`"EMA: period must be an integer from 1 to 100000, got 0"`); multi-input
 * functions throw a `RangeError` when the input arrays differ in length. The batch functions read and write the
 * `Float64Array`s directly (no OCaml array in between), so long inputs (1e6 elements) take no slow path; they cost
 * roughly 5–10× the TypeScript kernels (EMA20 ≈ 43 ns, SMA20 ≈ 87 ns, BBANDS20 ≈ 260 ns per element, Node 24), and a
 * streaming `update` allocates its new immutable state (EMA ≈ 110 ns).
 *
 * @module
 */
import compiled from "./indicators.bc.cjs"

declare const handleBrand: unique symbol

/** An opaque streaming state owned by the OCaml build; `K` names the indicator it belongs to. */
export interface OcamlHandle<K extends string> {
  readonly [handleBrand]: K
}

/** Everything the JavaScript build exports (`require("./indicators.bc.cjs").indicators`). */
export interface OcamlIndicators {
  // ---- batch: one output element per input element, NaN during warm-up ----
  /** SMA (Neumaier-compensated running window sum), `NaN` for `i < period - 1`. */
  sma(values: Float64Array, period: number): Float64Array
  /** EMA seeded with the SMA of the first `period` values, `k = 2 / (period + 1)`. */
  ema(values: Float64Array, period: number): Float64Array
  /** Wilder RSI, TA-Lib convention; 0 on a flat series. Lookback `period`. */
  rsi(values: Float64Array, period: number): Float64Array
  /** WMA with weights 1..period (TA-Lib `TA_WMA`). */
  wma(values: Float64Array, period: number): Float64Array
  /** MACD (TA-Lib): `[macd, signal, hist]`, all from index `slow - 1 + signal - 1`; requires `fast < slow`. */
  macd(values: Float64Array, fast: number, slow: number, signal: number): [Float64Array, Float64Array, Float64Array]
  /** Bollinger Bands (SMA middle, population standard deviation over the window): `[upper, middle, lower]`. */
  bbands(values: Float64Array, period: number, k: number): [Float64Array, Float64Array, Float64Array]
  /** ATR (Wilder, TA-Lib), lookback `period`. */
  atr(high: Float64Array, low: Float64Array, close: Float64Array, period: number): Float64Array
  /** Slow stochastic (TA-Lib, SMA smoothing): `[k, d]`, both from index `kPeriod + kSlowing + dPeriod - 3`. */
  stoch(
    high: Float64Array,
    low: Float64Array,
    close: Float64Array,
    kPeriod: number,
    kSlowing: number,
    dPeriod: number
  ): [Float64Array, Float64Array]
  /** Session VWAP of the typical price; the sums restart when `floor((t - offsetMs) / sessionMs)` changes. */
  vwap(
    high: Float64Array,
    low: Float64Array,
    close: Float64Array,
    volume: Float64Array,
    timestamps: Float64Array,
    sessionMs: number,
    offsetMs: number
  ): Float64Array
  /** VWAP of the typical price over the last `period` bars. */
  vwapRolling(high: Float64Array, low: Float64Array, close: Float64Array, volume: Float64Array, period: number): Float64Array
  /** Highest value of the last `period` inputs. */
  highest(high: Float64Array, period: number): Float64Array
  /** Lowest value of the last `period` inputs. */
  lowest(low: Float64Array, period: number): Float64Array
  /** Highest high minus lowest low of the last `period` bars. */
  range(high: Float64Array, low: Float64Array, period: number): Float64Array
  /** Mean volume of the last `period` bars (the SMA of the volumes). */
  avgVolume(volume: Float64Array, period: number): Float64Array

  // ---- streaming: `make` validates the parameters; `update` adds a bar; `replace` revises the last bar ----
  // Multi-output `update`/`replace` return one Float64Array per handle, overwritten by the next call.
  smaMake(period: number): OcamlHandle<"sma">
  smaUpdate(handle: OcamlHandle<"sma">, x: number): number
  smaReplace(handle: OcamlHandle<"sma">, x: number): number
  emaMake(period: number): OcamlHandle<"ema">
  emaUpdate(handle: OcamlHandle<"ema">, x: number): number
  emaReplace(handle: OcamlHandle<"ema">, x: number): number
  rsiMake(period: number): OcamlHandle<"rsi">
  rsiUpdate(handle: OcamlHandle<"rsi">, x: number): number
  rsiReplace(handle: OcamlHandle<"rsi">, x: number): number
  wmaMake(period: number): OcamlHandle<"wma">
  wmaUpdate(handle: OcamlHandle<"wma">, x: number): number
  wmaReplace(handle: OcamlHandle<"wma">, x: number): number
  macdMake(fast: number, slow: number, signal: number): OcamlHandle<"macd">
  /** `[macd, signal, hist]` in a Float64Array reused by every call on this handle. */
  macdUpdate(handle: OcamlHandle<"macd">, x: number): Float64Array
  macdReplace(handle: OcamlHandle<"macd">, x: number): Float64Array
  bbandsMake(period: number, k: number): OcamlHandle<"bbands">
  /** `[upper, middle, lower]` in a Float64Array reused by every call on this handle. */
  bbandsUpdate(handle: OcamlHandle<"bbands">, x: number): Float64Array
  bbandsReplace(handle: OcamlHandle<"bbands">, x: number): Float64Array
  atrMake(period: number): OcamlHandle<"atr">
  atrUpdate(handle: OcamlHandle<"atr">, high: number, low: number, close: number): number
  atrReplace(handle: OcamlHandle<"atr">, high: number, low: number, close: number): number
  stochMake(kPeriod: number, kSlowing: number, dPeriod: number): OcamlHandle<"stoch">
  /** `[k, d]` in a Float64Array reused by every call on this handle. */
  stochUpdate(handle: OcamlHandle<"stoch">, high: number, low: number, close: number): Float64Array
  stochReplace(handle: OcamlHandle<"stoch">, high: number, low: number, close: number): Float64Array
  vwapMake(sessionMs: number, offsetMs: number): OcamlHandle<"vwap">
  vwapUpdate(handle: OcamlHandle<"vwap">, high: number, low: number, close: number, volume: number, timestamp: number): number
  vwapReplace(handle: OcamlHandle<"vwap">, high: number, low: number, close: number, volume: number, timestamp: number): number
  vwapRollingMake(period: number): OcamlHandle<"vwapRolling">
  vwapRollingUpdate(handle: OcamlHandle<"vwapRolling">, high: number, low: number, close: number, volume: number): number
  vwapRollingReplace(handle: OcamlHandle<"vwapRolling">, high: number, low: number, close: number, volume: number): number
  highestMake(period: number): OcamlHandle<"highest">
  highestUpdate(handle: OcamlHandle<"highest">, x: number): number
  highestReplace(handle: OcamlHandle<"highest">, x: number): number
  lowestMake(period: number): OcamlHandle<"lowest">
  lowestUpdate(handle: OcamlHandle<"lowest">, x: number): number
  lowestReplace(handle: OcamlHandle<"lowest">, x: number): number
  rangeMake(period: number): OcamlHandle<"range">
  rangeUpdate(handle: OcamlHandle<"range">, high: number, low: number): number
  rangeReplace(handle: OcamlHandle<"range">, high: number, low: number): number
  avgVolumeMake(period: number): OcamlHandle<"avgVolume">
  avgVolumeUpdate(handle: OcamlHandle<"avgVolume">, volume: number): number
  avgVolumeReplace(handle: OcamlHandle<"avgVolume">, volume: number): number
}

/** The OCaml reference indicators, as built into `indicators.bc.cjs`. */
export const ocamlIndicators: OcamlIndicators = compiled.indicators as OcamlIndicators

const streamingNames = (base: string): Array<string> => [`${base}Make`, `${base}Update`, `${base}Replace`]

/** The indicator names of the build, each with a batch function `name` and `nameMake` / `nameUpdate` / `nameReplace`. */
export const ocamlIndicatorNames = [
  "sma", "ema", "rsi", "wma", "macd", "bbands", "atr", "stoch", "vwap", "vwapRolling", "highest", "lowest", "range",
  "avgVolume"
] as const

/** The names of the functions {@link OcamlIndicators} declares (checked against the build by the tests). */
export const ocamlExportNames: ReadonlyArray<keyof OcamlIndicators> = ocamlIndicatorNames.flatMap(
  (n) => [n, ...streamingNames(n)] as Array<keyof OcamlIndicators>
)
