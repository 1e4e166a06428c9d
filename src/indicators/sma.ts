/**
 * Simple moving average (SMA), TA-Lib convention: the mean of the last `period` inputs, first value at index
 * `period - 1` (lookback `period - 1`).
 *
 * The window sum is kept as a running sum in O(1) per input: the new input is added and the input leaving the window
 * is subtracted, both with Neumaier's compensated summation. The sum is carried as an unevaluated pair `(sum, comp)`
 * whose total `sum + comp` is the exact window sum up to about `2u·|S| + O(N·u²)·Σ|x|` (u = 2⁻⁵³, N inputs so far):
 * no drift in practice, the value is within an ulp or two of the exactly rounded mean however long the series (a
 * naive re-sum over the window is itself only accurate to about `period·u·Σ|x|`).
 *
 * @module
 */
import { checkPeriod, outputArray, type StreamingIndicator } from "./contract.ts"

/** Number of inputs before the first SMA value: `period - 1`. */
export const smaLookback = (period: number): number => checkPeriod("SMA", period) - 1

/** Streaming SMA over a ring buffer of the last `period` inputs. See the module doc for precision. */
export class Sma implements StreamingIndicator {
  /** The window length. */
  readonly period: number
  private readonly buffer: Float64Array
  /** Next slot to write, which is also the oldest input once the window is full. */
  private head = 0
  private n = 0
  private sum = 0
  private comp = 0
  private out = Number.NaN
  // State before the last update, for replace().
  private prevHead = 0
  private prevN = 0
  private prevSum = 0
  private prevComp = 0
  private prevOut = Number.NaN
  private prevSlot = 0

  /**
   * @param name the indicator name used in error messages (`"SMA"`; `"AVG_VOLUME"` when used on volumes).
   * @throws RangeError when `period` is not an integer from 1 to {@link MAX_PERIOD}.
   */
  constructor(period: number, name = "SMA") {
    this.period = checkPeriod(name, period)
    this.buffer = new Float64Array(period)
  }

  /** The current mean, `NaN` until `period` inputs have been seen. */
  get value(): number {
    return this.out
  }

  /** `true` once `period` inputs have been seen. */
  get isReady(): boolean {
    return this.n >= this.period
  }

  /** Inputs seen since construction or reset. */
  get count(): number {
    return this.n
  }

  /** Adds `x` and returns the mean of the last `period` inputs, or `NaN` during warm-up. */
  update(x: number): number {
    const buffer = this.buffer
    const p = this.period
    const head = this.head
    let s = this.sum
    let c = this.comp
    this.prevHead = head
    this.prevN = this.n
    this.prevSum = s
    this.prevComp = c
    this.prevOut = this.out
    const old = buffer[head]!
    this.prevSlot = old
    const n = this.n + 1
    if (n > p) {
      // remove the oldest input (Neumaier step with -old)
      const a = -old
      const t = s + a
      if (Math.abs(s) >= Math.abs(a)) c += (s - t) + a
      else c += (a - t) + s
      s = t
    }
    // add the new input
    const t = s + x
    if (Math.abs(s) >= Math.abs(x)) c += (s - t) + x
    else c += (x - t) + s
    s = t
    buffer[head] = x
    this.head = head + 1 === p ? 0 : head + 1
    this.n = n
    this.sum = s
    this.comp = c
    const out = n >= p ? (s + c) / p : Number.NaN
    this.out = out
    return out
  }

  /** Replaces the most recent input by `x`: the same result as if `update(x)` had been called instead of it. */
  replace(x: number): number {
    if (this.n === 0) return this.update(x)
    this.head = this.prevHead
    this.n = this.prevN
    this.sum = this.prevSum
    this.comp = this.prevComp
    this.out = this.prevOut
    this.buffer[this.prevHead] = this.prevSlot
    return this.update(x)
  }

  /** Forgets every input. */
  reset(): void {
    this.buffer.fill(0)
    this.head = 0
    this.n = 0
    this.sum = 0
    this.comp = 0
    this.out = Number.NaN
    this.prevHead = 0
    this.prevN = 0
    this.prevSum = 0
    this.prevComp = 0
    this.prevOut = Number.NaN
    this.prevSlot = 0
  }
}

/**
 * SMA of a whole series: `out[i]` is the mean of `values[i-period+1..i]`, `NaN` for `i < period - 1`.
 * Bit-identical to feeding the values one by one to {@link Sma}.
 *
 * With `into`, writes into that array (its first `values.length` elements, every one of them) instead of
 * allocating one, and returns it; `into` must not overlap `values`.
 *
 * @throws RangeError when `period` is invalid or `into` is shorter than `values`.
 */
export const smaBatch = (
  values: Float64Array,
  period: number,
  into?: Float64Array,
  name = "SMA"
): Float64Array => {
  const p = checkPeriod(name, period)
  const len = values.length
  const out = outputArray(name, len, into)
  let s = 0
  let c = 0
  const warm = Math.min(p, len)
  for (let i = 0; i < warm; i++) {
    const x = values[i]!
    const t = s + x
    if (Math.abs(s) >= Math.abs(x)) c += (s - t) + x
    else c += (x - t) + s
    s = t
    out[i] = Number.NaN
  }
  if (len >= p) out[p - 1] = (s + c) / p
  for (let i = p; i < len; i++) {
    const a = -values[i - p]!
    let t = s + a
    if (Math.abs(s) >= Math.abs(a)) c += (s - t) + a
    else c += (a - t) + s
    s = t
    const x = values[i]!
    t = s + x
    if (Math.abs(s) >= Math.abs(x)) c += (s - t) + x
    else c += (x - t) + s
    s = t
    out[i] = (s + c) / p
  }
  return out
}
