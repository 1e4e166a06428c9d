/**
 * Relative strength index (RSI), Wilder's, TA-Lib convention (`TA_COMPATIBILITY_DEFAULT`).
 *
 * - Changes `d = x[i] - x[i-1]`; a gain is `d` when `d >= 0`, a loss is `-d` when `d < 0`.
 * - The first average gain and loss are the simple means of the first `period` gains and losses (inputs 1..period).
 * - Then Wilder smoothing: `avg = (avg * (period - 1) + today) / period`, computed as TA-Lib does:
 *   multiply, add, divide.
 * - `RSI = 100 * avgGain / (avgGain + avgLoss)`; **0** when `avgGain + avgLoss` is exactly 0 (a flat series).
 * - First value at index `period` (it needs `period` changes): lookback `period`.
 *
 * On the zero test: TA-Lib uses an absolute dead band (`TA_IS_ZERO`, |v| < 1e-8 in 0.4/0.6, 1e-14 upstream since
 * 2026), which turns a genuine RSI into 0 for instruments quoted in tiny units. We test for exact zero instead: the
 * result is the same on flat series, and no different on any series whose average moves exceed the band.
 *
 * @module
 */
import { checkPeriod, outputArray, type StreamingIndicator } from "./contract.ts"

/** Number of inputs before the first RSI value: `period`. */
export const rsiLookback = (period: number): number => checkPeriod("RSI", period)

/** Streaming Wilder RSI. */
export class Rsi implements StreamingIndicator {
  /** The smoothing period. */
  declare readonly period: number
  private n = 0
  private last = 0
  private gain = 0
  private loss = 0
  /** `period + 1` and `period - 1`, hoisted. */
  private declare readonly p1: number
  private declare readonly pm1: number
  private prevLast = 0
  private prevGain = 0
  private prevLoss = 0

  /** @throws RangeError when `period` is not an integer from 1 to {@link MAX_PERIOD}. */
  constructor(period: number) {
    this.period = checkPeriod("RSI", period)
    this.p1 = period + 1
    this.pm1 = period - 1
  }

  /** The current RSI in [0, 100] (what the last update returned), `NaN` until `period + 1` inputs have been seen. */
  get value(): number {
    if (this.n <= this.period) return Number.NaN
    const gain = this.gain
    const total = gain + this.loss
    return total !== 0 ? 100 * (gain / total) : 0
  }

  /** `true` once `period + 1` inputs have been seen. */
  get isReady(): boolean {
    return this.n > this.period
  }

  /** Inputs seen since construction or reset. */
  get count(): number {
    return this.n
  }

  /** Average gain over the smoothing period (`NaN` during warm-up). */
  get averageGain(): number {
    return this.n > this.period ? this.gain : Number.NaN
  }

  /** Average loss over the smoothing period, as a positive number (`NaN` during warm-up). */
  get averageLoss(): number {
    return this.n > this.period ? this.loss : Number.NaN
  }

  /** Adds `x` and returns the new RSI, or `NaN` during warm-up. */
  update(x: number): number {
    const n = this.n + 1
    this.n = n
    const last = this.last
    this.prevLast = last
    this.last = x
    let gain = this.gain
    let loss = this.loss
    this.prevGain = gain
    this.prevLoss = loss
    if (n <= this.p1) return this.warmUp(x - last, n, gain, loss)
    // hot path: Wilder smoothing in TA-Lib's order (multiply, add, divide)
    const p = this.period
    const m = this.pm1
    const d = x - last
    loss *= m
    gain *= m
    if (d < 0) loss -= d
    else gain += d
    loss /= p
    gain /= p
    this.gain = gain
    this.loss = loss
    const total = gain + loss
    return total !== 0 ? 100 * (gain / total) : 0
  }

  private warmUp(d: number, n: number, gain: number, loss: number): number {
    if (n === 1) return Number.NaN
    if (d < 0) loss -= d
    else gain += d
    const p = this.period
    if (n <= p) {
      this.gain = gain
      this.loss = loss
      return Number.NaN
    }
    loss /= p
    gain /= p
    this.gain = gain
    this.loss = loss
    const total = gain + loss
    return total !== 0 ? 100 * (gain / total) : 0
  }

  /** Replaces the most recent input by `x`: the same result as if `update(x)` had been called instead of it. */
  replace(x: number): number {
    if (this.n === 0) return this.update(x)
    this.n--
    this.last = this.prevLast
    this.gain = this.prevGain
    this.loss = this.prevLoss
    return this.update(x)
  }

  /** Forgets every input. */
  reset(): void {
    this.n = 0
    this.last = 0
    this.gain = 0
    this.loss = 0
    this.prevLast = 0
    this.prevGain = 0
    this.prevLoss = 0
  }
}

/**
 * RSI of a whole series, `NaN` for `i < period`. Bit-identical to feeding the values one by one to {@link Rsi}.
 *
 * With `into`, writes into that array (its first `values.length` elements, every one of them) instead of
 * allocating one, and returns it; `into` must not overlap `values`.
 *
 * @throws RangeError when `period` is invalid or `into` is shorter than `values`.
 */
export const rsiBatch = (values: Float64Array, period: number, into?: Float64Array): Float64Array => {
  const p = checkPeriod("RSI", period)
  const len = values.length
  const out = outputArray("RSI", len, into)
  const warm = Math.min(p, len)
  for (let i = 0; i < warm; i++) out[i] = Number.NaN
  if (len <= p) return out
  let gain = 0
  let loss = 0
  let last = values[0]!
  for (let i = 1; i <= p; i++) {
    const x = values[i]!
    const d = x - last
    last = x
    if (d < 0) loss -= d
    else gain += d
  }
  loss /= p
  gain /= p
  let total = gain + loss
  out[p] = total !== 0 ? 100 * (gain / total) : 0
  const m = p - 1
  for (let i = p + 1; i < len; i++) {
    const x = values[i]!
    const d = x - last
    last = x
    loss *= m
    gain *= m
    if (d < 0) loss -= d
    else gain += d
    loss /= p
    gain /= p
    total = gain + loss
    out[i] = total !== 0 ? 100 * (gain / total) : 0
  }
  return out
}
