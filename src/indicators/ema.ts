/**
 * Exponential moving average (EMA), TA-Lib convention (`TA_COMPATIBILITY_DEFAULT`): seeded with the SMA of the first
 * `period` inputs (a plain left-to-right sum divided by `period`), then `ema = (x - ema) * k + ema` with
 * `k = 2 / (period + 1)`. First value at index `period - 1` (lookback `period - 1`); it equals the seed SMA.
 *
 * The operation order is TA-Lib's own (`TA_INT_EMA`), so results match TA-Lib to the last bit on the same inputs.
 *
 * @module
 */
import { checkPeriod, outputArray, type StreamingIndicator } from "./contract.ts"

/** Number of inputs before the first EMA value: `period - 1`. */
export const emaLookback = (period: number): number => checkPeriod("EMA", period) - 1

/** The smoothing factor `2 / (period + 1)`. */
export const emaAlpha = (period: number): number => 2 / (period + 1)

/** Streaming EMA, SMA-seeded. */
export class Ema implements StreamingIndicator {
  /** The period (`k = 2 / (period + 1)`). */
  declare readonly period: number
  /** The smoothing factor `k`. */
  declare readonly k: number
  private n = 0
  private sum = 0
  private ema = Number.NaN
  private prevSum = 0
  private prevEma = Number.NaN

  /** @throws RangeError when `period` is not an integer from 1 to {@link MAX_PERIOD}. */
  constructor(period: number) {
    this.period = checkPeriod("EMA", period)
    this.k = emaAlpha(period)
  }

  /** The current EMA, `NaN` until `period` inputs have been seen. */
  get value(): number {
    return this.ema
  }

  /** `true` once `period` inputs have been seen. */
  get isReady(): boolean {
    return this.n >= this.period
  }

  /** Inputs seen since construction or reset. */
  get count(): number {
    return this.n
  }

  /** Adds `x` and returns the new EMA, or `NaN` during warm-up. */
  update(x: number): number {
    const n = this.n + 1
    this.n = n
    if (n > this.period) {
      // hot path: only the previous EMA is kept for replace() (the seed sum no longer changes)
      const ema = this.ema
      this.prevEma = ema
      const next = (x - ema) * this.k + ema
      this.ema = next
      return next
    }
    return this.warmUp(x, n)
  }

  private warmUp(x: number, n: number): number {
    this.prevSum = this.sum
    this.prevEma = this.ema
    const sum = this.sum + x
    this.sum = sum
    if (n === this.period) {
      const seed = sum / n
      this.ema = seed
      return seed
    }
    return Number.NaN
  }

  /** Replaces the most recent input by `x`: the same result as if `update(x)` had been called instead of it. */
  replace(x: number): number {
    const n = this.n
    if (n === 0) return this.update(x)
    this.n = n - 1
    this.ema = this.prevEma
    if (n <= this.period) this.sum = this.prevSum
    return this.update(x)
  }

  /** Forgets every input. */
  reset(): void {
    this.n = 0
    this.sum = 0
    this.ema = Number.NaN
    this.prevSum = 0
    this.prevEma = Number.NaN
  }
}

/**
 * EMA of a whole series, `NaN` for `i < period - 1`. Bit-identical to feeding the values one by one to {@link Ema}.
 *
 * With `into`, writes into that array (its first `values.length` elements, every one of them) instead of
 * allocating one, and returns it; `into` must not overlap `values`.
 *
 * @throws RangeError when `period` is invalid or `into` is shorter than `values`.
 */
export const emaBatch = (values: Float64Array, period: number, into?: Float64Array): Float64Array => {
  const p = checkPeriod("EMA", period)
  const k = emaAlpha(p)
  const len = values.length
  const out = outputArray("EMA", len, into)
  let sum = 0
  const warm = Math.min(p, len)
  for (let i = 0; i < warm; i++) {
    sum += values[i]!
    out[i] = Number.NaN
  }
  if (len < p) return out
  let ema = sum / p
  out[p - 1] = ema
  for (let i = p; i < len; i++) {
    ema = (values[i]! - ema) * k + ema
    out[i] = ema
  }
  return out
}
