/**
 * Weighted moving average (WMA), TA-Lib convention: weights `1..period`, the newest input weighing `period`, divided
 * by `period * (period + 1) / 2`. First value at index `period - 1` (lookback `period - 1`).
 *
 * O(1) per input with TA-Lib's recurrence on a running sum and a running weighted sum, plus an exact recomputation of
 * both sums from the window every `period` inputs (at input indexes `period-1, 2·period-1, …`) so that rounding cannot
 * build up over long series. Exact operation order: docs/indicators.md, "WMA".
 *
 * @module
 */
import { checkPeriod, outputArray, type StreamingIndicator } from "./contract.ts"

/** Number of inputs before the first WMA value: `period - 1`. */
export const wmaLookback = (period: number): number => checkPeriod("WMA", period) - 1

/**
 * Streaming WMA over a ring buffer of the last `period` inputs.
 *
 * A resync bar's window is exactly the `period` inputs since the previous resync (one block of the ring: slots
 * `0 .. period-1`, the resync bar being the one written to the last slot). So the resync sums are accumulated as those
 * inputs arrive (`blockSub`, `blockSum`), with the very operations, in the very order, of the recomputation loop of
 * docs/indicators.md, instead of by a loop over the window on the resync bar: O(1) on every bar.
 */
export class Wma implements StreamingIndicator {
  /** The window length. */
  declare readonly period: number
  /** The divisor `period * (period + 1) / 2`. */
  declare readonly divisor: number
  private declare readonly buffer: Float64Array
  /** Slot of the next input: its position in the current block. */
  private head = 0
  private n = 0
  private sub = 0
  private sum = 0
  /** Plain sums from 0 of `w_j` and of `w_j * (j + 1)` over the current block's inputs so far. */
  private blockSub = 0
  private blockSum = 0
  private out = Number.NaN
  private prevSub = 0
  private prevSum = 0
  private prevBlockSub = 0
  private prevBlockSum = 0
  private prevSlot = 0

  /** @throws RangeError when `period` is not an integer from 1 to {@link MAX_PERIOD}. */
  constructor(period: number) {
    this.period = checkPeriod("WMA", period)
    this.divisor = (period * (period + 1)) / 2
    this.buffer = new Float64Array(period)
  }

  /** The current WMA, `NaN` until `period` inputs have been seen. */
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

  /** Adds `x` and returns the new WMA, or `NaN` during warm-up. */
  update(x: number): number {
    const buf = this.buffer
    const p = this.period
    const j = this.head
    const old = buf[j]!
    const sub0 = this.sub
    const sum0 = this.sum
    const blockSub0 = this.blockSub
    const blockSum0 = this.blockSum
    this.prevSlot = old
    this.prevSub = sub0
    this.prevSum = sum0
    this.prevBlockSub = blockSub0
    this.prevBlockSum = blockSum0
    buf[j] = x
    // the resync sums of this block, one input further (a block starts from 0: `0 + x`, as the loop would)
    const blockSub = (j === 0 ? 0 : blockSub0) + x
    const blockSum = (j === 0 ? 0 : blockSum0) + x * (j + 1)
    this.blockSub = blockSub
    this.blockSum = blockSum
    const next = j + 1 === p ? 0 : j + 1
    this.head = next
    const n = this.n + 1
    this.n = n
    if (n < p) return Number.NaN
    let sub: number
    let sum: number
    if (next === 0) {
      // resync bar: the window is this block, buf[0..p-1], oldest first
      sub = blockSub
      sum = blockSum
    } else {
      sub = (sub0 + x) - old
      sum = sum0 + x * p
    }
    const out = sum / this.divisor
    this.sub = sub
    this.sum = sum - sub
    this.out = out
    return out
  }

  /** Replaces the most recent input by `x`: the same result as if `update(x)` had been called instead of it. */
  replace(x: number): number {
    if (this.n === 0) return this.update(x)
    const p = this.period
    const head = this.head === 0 ? p - 1 : this.head - 1
    this.head = head
    this.buffer[head] = this.prevSlot
    this.n--
    this.sub = this.prevSub
    this.sum = this.prevSum
    this.blockSub = this.prevBlockSub
    this.blockSum = this.prevBlockSum
    // the value: set again by update() once the window is full, NaN before
    return this.update(x)
  }

  /** Forgets every input. */
  reset(): void {
    this.buffer.fill(0)
    this.head = 0
    this.n = 0
    this.sub = 0
    this.sum = 0
    this.blockSub = 0
    this.blockSum = 0
    this.out = Number.NaN
    this.prevSub = 0
    this.prevSum = 0
    this.prevBlockSub = 0
    this.prevBlockSum = 0
    this.prevSlot = 0
  }
}

/**
 * The steady state of {@link wmaBatch} over `[from, to)` (`from >= p - 1`); `phase` is the number of inputs since the
 * last resync at `from` (0: `from` is a resync index); `st` carries `[sub, sum]` between blocks.
 */
const wmaBlock = (
  values: Float64Array,
  p: number,
  divisor: number,
  out: Float64Array,
  st: Float64Array,
  from: number,
  to: number,
  phase: number
): void => {
  let sub = st[0]!
  let sum = st[1]!
  for (let i = from; i < to; i++) {
    const x = values[i]!
    if (phase === 0) {
      sub = 0
      sum = 0
      const start = i - p + 1
      for (let j = 0; j < p; j++) {
        const w = values[start + j]!
        sub = sub + w
        sum = sum + w * (j + 1)
      }
    } else {
      sub = (sub + x) - values[i - p]!
      sum = sum + x * p
    }
    out[i] = sum / divisor
    sum = sum - sub
    phase = phase + 1 === p ? 0 : phase + 1
  }
  st[0] = sub
  st[1] = sum
}

/** Batch kernels run in blocks of this many inputs (see sma.ts: V8's on-stack compiled loops). */
const KERNEL_BLOCK = 2048

/**
 * WMA of a whole series, `NaN` for `i < period - 1`. Bit-identical to feeding the values one by one to {@link Wma}.
 * With `into`, writes into that array (which must not overlap `values`) and returns it.
 *
 * @throws RangeError when `period` is invalid or `into` is shorter than `values`.
 */
export const wmaBatch = (values: Float64Array, period: number, into?: Float64Array): Float64Array => {
  const p = checkPeriod("WMA", period)
  const len = values.length
  const out = outputArray("WMA", len, into)
  const divisor = (p * (p + 1)) / 2
  const warm = Math.min(p - 1, len)
  for (let i = 0; i < warm; i++) out[i] = Number.NaN
  const st = new Float64Array(2)
  for (let i = p - 1; i < len; i += KERNEL_BLOCK) {
    wmaBlock(values, p, divisor, out, st, i, Math.min(len, i + KERNEL_BLOCK), (i - (p - 1)) % p)
  }
  return out
}
