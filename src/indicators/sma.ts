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

/**
 * Batch kernels run their steady-state loop in blocks of this many elements, each block a call of a small kernel
 * function. V8 compiles a loop that is entered once and runs long "on stack" (OSR), and in that code it keeps
 * floating-point loop variables boxed (a heap number per iteration, about 2× slower); a kernel function called once
 * per block is compiled as a regular function, with the loop state in registers.
 */
const KERNEL_BLOCK = 2048

/** Streaming SMA over a ring buffer of the last `period` inputs. See the module doc for precision. */
export class Sma implements StreamingIndicator {
  /** The window length. */
  declare readonly period: number
  /**
   * `period + 1` slots: input number `j` lives in slot `j mod (period + 1)`, so when input `j` arrives the input
   * leaving the window (`j - period`) is still in the slot after it, and `replace` has no slot to restore.
   */
  private declare readonly ring: Float64Array
  private declare readonly slots: number
  /** Slot of the next input. */
  private head = 0
  private n = 0
  private sum = 0
  private comp = 0
  // The window sum before the last update, for replace().
  private prevSum = 0
  private prevComp = 0

  /**
   * @param name the indicator name used in error messages (`"SMA"`; `"AVG_VOLUME"` when used on volumes).
   * @throws RangeError when `period` is not an integer from 1 to {@link MAX_PERIOD}.
   */
  constructor(period: number, name = "SMA") {
    this.period = checkPeriod(name, period)
    this.slots = period + 1
    this.ring = new Float64Array(period + 1)
  }

  /** The current mean, `NaN` until `period` inputs have been seen (the value the last update returned). */
  get value(): number {
    const p = this.period
    return this.n >= p ? (this.sum + this.comp) / p : Number.NaN
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
    const n = this.n + 1
    this.n = n
    const ring = this.ring
    const head = this.head
    let next = head + 1
    if (next === this.slots) next = 0
    ring[head] = x
    this.head = next
    let s = this.sum
    let c = this.comp
    this.prevSum = s
    this.prevComp = c
    const p = this.period
    if (n > p) {
      // remove the oldest input (Neumaier step with -old); it sits in the slot after the newest
      const a = -ring[next]!
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
    this.sum = s
    this.comp = c
    return n >= p ? (s + c) / p : Number.NaN
  }

  /** Replaces the most recent input by `x`: the same result as if `update(x)` had been called instead of it. */
  replace(x: number): number {
    if (this.n === 0) return this.update(x)
    const head = this.head
    this.head = (head === 0 ? this.slots : head) - 1
    this.n--
    this.sum = this.prevSum
    this.comp = this.prevComp
    return this.update(x)
  }

  /** Forgets every input. */
  reset(): void {
    this.ring.fill(0)
    this.head = 0
    this.n = 0
    this.sum = 0
    this.comp = 0
    this.prevSum = 0
    this.prevComp = 0
  }
}

/** The steady state of {@link smaBatch} over `[from, to)` (`from >= p`); the window sum `(s, c)` is `st[0], st[1]`. */
const smaBlock = (
  values: Float64Array,
  p: number,
  out: Float64Array,
  st: Float64Array,
  from: number,
  to: number
): void => {
  let s = st[0]!
  let c = st[1]!
  for (let i = from; i < to; i++) {
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
  st[0] = s
  st[1] = c
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
  if (len < p) return out
  out[p - 1] = (s + c) / p
  const st = new Float64Array(2)
  st[0] = s
  st[1] = c
  for (let i = p; i < len; i += KERNEL_BLOCK) smaBlock(values, p, out, st, i, Math.min(len, i + KERNEL_BLOCK))
  return out
}
