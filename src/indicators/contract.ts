/**
 * The contract every streaming indicator follows, and the shared parameter checks.
 *
 * One file per indicator (`sma.ts`, `ema.ts`, `rsi.ts`, …) implements {@link StreamingIndicator} with a class for
 * bar-by-bar use and a batch function over a `Float64Array` that performs the same floating-point operations in the
 * same order, so the two agree bit for bit (`Object.is`). The shared contract test in `test/indicators` checks every
 * indicator of the registry against this interface.
 *
 * Conventions (TA-Lib's, see docs/indicators.md):
 * - warm-up outputs are `NaN`, never `undefined` or an `Option` (the hot path allocates nothing);
 * - the first value appears at input index `lookback` (0-based), and `count > lookback` ⇔ `isReady`;
 * - inputs are expected to be finite; a non-finite input poisons the state (outputs `NaN`) until {@link
 *   StreamingIndicator.reset}.
 *
 * @module
 */

/** Largest period accepted by the indicators (TA-Lib's bound for its moving averages and RSI). */
export const MAX_PERIOD = 100_000

/**
 * A single-input indicator updated one value at a time in O(1).
 *
 * `replace(x)` revises the most recent input (a live candle that is still forming): it returns exactly what
 * `update(x)` would have returned had the last input been `x`, and may be called any number of times before the
 * next `update`. Called before any `update`, it behaves as `update`.
 */
export interface StreamingIndicator {
  /** The period the indicator was built with. */
  readonly period: number
  /** Number of inputs seen since construction or the last {@link StreamingIndicator.reset}. */
  readonly count: number
  /** `true` once the indicator produces values (`count > lookback`). */
  readonly isReady: boolean
  /** The current value, `NaN` during warm-up. */
  readonly value: number
  /** Adds a new input and returns the new value (`NaN` during warm-up). */
  update(x: number): number
  /** Replaces the most recent input by `x` and returns the revised value. */
  replace(x: number): number
  /** Forgets every input, as if newly constructed. */
  reset(): void
}

/**
 * Checks a period: an integer from 1 to {@link MAX_PERIOD}. Throws a `RangeError` naming the indicator and the value
 * otherwise, and returns the period when valid.
 */
export const checkPeriod = (indicator: string, period: number): number => {
  if (!Number.isInteger(period) || period < 1 || period > MAX_PERIOD) {
    throw new RangeError(
      `${indicator}: period must be an integer from 1 to ${MAX_PERIOD}, got ${describeValue(period)}`
    )
  }
  return period
}

/**
 * The output array of a batch kernel: `into` when given (it must hold at least `length` elements), else a new
 * `Float64Array(length)`.
 */
export const outputArray = (indicator: string, length: number, into: Float64Array | undefined): Float64Array => {
  if (into === undefined) return new Float64Array(length)
  if (into.length < length) {
    throw new RangeError(`${indicator}: output array has ${into.length} elements, ${length} needed`)
  }
  return into
}

/** Renders a value for an error message: numbers as written (`-1`, `2.5`, `NaN`), anything else as JSON. */
export const describeValue = (value: unknown): string => {
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value)
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

/**
 * Checks an integer parameter from `min` to `max` (inclusive). Throws a `RangeError` naming the indicator, the
 * parameter and the value otherwise (`MACD: fastPeriod must be an integer from 1 to 100000, got 0`).
 */
export const checkInteger = (indicator: string, param: string, value: number, min: number, max: number): number => {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${indicator}: ${param} must be an integer from ${min} to ${max}, got ${describeValue(value)}`)
  }
  return value
}

/** Checks a number parameter `0 < value <= max`; `RangeError` naming the indicator, the parameter and the value. */
export const checkPositive = (indicator: string, param: string, value: number, max: number): number => {
  if (typeof value !== "number" || !(value > 0) || !(value <= max)) {
    throw new RangeError(`${indicator}: ${param} must be a number > 0 and <= ${max}, got ${describeValue(value)}`)
  }
  return value
}

/** Checks that an input column holds at least `length` values (batch functions over several columns). */
export const checkColumn = (indicator: string, name: string, column: Float64Array, length: number): void => {
  if (column.length < length) {
    throw new RangeError(`${indicator}: ${name} has ${column.length} elements, ${length} needed`)
  }
}

/** The numeric fields of a bar, as read by {@link BarIndicator.updateBar} (a `Bar` qualifies). */
export interface BarInput {
  readonly timestamp: number
  readonly open: number
  readonly high: number
  readonly low: number
  readonly close: number
  readonly volume: number
}

/**
 * The uniform interface of indicators that read several bar fields or give several outputs (MACD, BBANDS, ATR,
 * STOCH, VWAP, …). Each class also has its own positional `update(...)` (the fast path) and named output getters;
 * this interface lets generic code (the registry, Lua bindings) drive any of them from a bar.
 *
 * Inputs are expected to be valid bars (`checkBar`): finite, `low <= open, close <= high`, `volume >= 0`.
 */
export interface BarIndicator {
  /** Bars seen since construction or the last {@link BarIndicator.reset}. */
  readonly count: number
  /** `true` once the indicator produces values (`count > lookback`). */
  readonly isReady: boolean
  /** The current value of the first output, `NaN` during warm-up. */
  readonly value: number
  /** Output names in order (as in the registry entry's `outputs`). */
  readonly outputs: ReadonlyArray<string>
  /** The current value of output `index`, `NaN` during warm-up or for an unknown index. */
  output(index: number): number
  /** Adds a bar; returns the first output. */
  updateBar(bar: BarInput): number
  /** Replaces the most recent bar (same rules as {@link StreamingIndicator.replace}); returns the first output. */
  replaceBar(bar: BarInput): number
  /** Forgets every input. */
  reset(): void
}
