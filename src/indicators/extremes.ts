/**
 * Window queries as indicators over the last `period` bars: highest high ({@link Highest}), lowest low
 * ({@link Lowest}), their difference ({@link Range}) and the average volume ({@link avgVolumeBatch}, the SMA kernel
 * on volumes). Lookback `period - 1`. Max/min are exact, with ties resolved to the newest input (which matters only
 * for `0` and `-0`); they are kept by {@link ExtremeWindow} (van Herk / Gil-Werman blocks, a monotonic deque while a
 * `NaN` is in the window): O(1) amortised per input, O(1) `replace` through an undo record.
 *
 * @module
 */
import {
  type BarIndicator,
  type BarInput,
  checkColumn,
  checkPeriod,
  outputArray,
  type StreamingIndicator
} from "./contract.ts"
import { Sma, smaBatch } from "./sma.ts"

/**
 * A monotonic deque over `(value, seq)` pairs, values strictly decreasing from the front (a new value pops every value
 * `<=` it from the back, so ties keep the newest): the front is the maximum of the last `period` values pushed. O(1)
 * amortised per push, `undo()` reverts the last push in O(1). {@link ExtremeWindow} uses it only while a `NaN` is in
 * the window: with a `NaN` the deque is no longer monotonic, and its front is what the window's value has always been.
 */
class MonotonicDeque {
  declare readonly period: number
  private declare readonly qv: Float64Array
  private declare readonly qs: Float64Array
  private head = 0
  private len = 0
  private uHead = 0
  private uLen = 0
  private uAt = 0
  private uV = 0
  private uS = 0

  constructor(period: number) {
    this.period = period
    this.qv = new Float64Array(period)
    this.qs = new Float64Array(period)
  }

  /** Empties the deque. */
  clear(): void {
    this.head = this.len = 0
  }

  /** Pushes value `v` with sequence number `seq` (one more than the previous push's). */
  push(v: number, seq: number): void {
    const cap = this.period
    const qv = this.qv
    const qs = this.qs
    let head = this.head
    let len = this.len
    this.uHead = head
    this.uLen = len
    if (len > 0 && qs[head]! <= seq - cap) {
      head = head + 1 === cap ? 0 : head + 1
      len--
    }
    while (len > 0) {
      let back = head + len - 1
      if (back >= cap) back -= cap
      if (qv[back]! <= v) len--
      else break
    }
    let at = head + len
    if (at >= cap) at -= cap
    this.uAt = at
    this.uV = qv[at]!
    this.uS = qs[at]!
    qv[at] = v
    qs[at] = seq
    this.head = head
    this.len = len + 1
  }

  /** Reverts the last push (once). */
  undo(): void {
    this.head = this.uHead
    this.len = this.uLen
    this.qv[this.uAt] = this.uV
    this.qs[this.uAt] = this.uS
  }

  /** The front value. */
  front(): number {
    return this.qv[this.head]!
  }
}

/**
 * The maximum of `v = sign * x` over the last `period` inputs (all inputs so far while fewer; `sign = -1` gives the
 * minimum, negation being exact), where among equal values (`0` and `-0` are equal) the newest one is the result.
 * Internal building block of highest/lowest/range/STOCH and `MarketDataWindow`; `undo()` reverts the last `push` in
 * O(1).
 *
 * Algorithm (van Herk / Gil-Werman): the inputs are cut into blocks of `period` (input `seq` is at position
 * `seq mod period` of its block). The window of the latest input, at position `r`, is the previous block's positions
 * `r+1 .. period-1` followed by the current block's positions `0 .. r`, so its maximum combines `suf[r+1]`, the
 * maximum of the previous block from position `r+1` on (computed once per block, when the block is complete), with
 * `pre`, the running maximum of the current block. Every "maximum of a, then b" keeps the newer value on ties
 * (`newer >= older ? newer : older`), which makes it associative, so the result is exactly the newest maximal input:
 * what a monotonic deque gives. About three comparisons per input instead of the deque's data-dependent loop.
 *
 * While a `NaN` is in the window the comparisons above are no longer associative; the window then also runs the
 * monotonic deque (built from the window when the `NaN` arrives, allocated on first use) and reports its front, which
 * is what this class reported before it used this algorithm.
 */
export class ExtremeWindow {
  declare readonly period: number
  private declare readonly sign: number
  /** `vals[j]`: the signed input at position `j`, of the current block for `j <= r`, else of the previous block. */
  private declare readonly vals: Float64Array
  /** `suf[j]`, `j < period`: maximum of the previous block's positions `j .. period-1`; `suf[period] = -Infinity`. */
  private declare readonly suf: Float64Array
  /** `r + 1` where `r` is the position of the latest input (`period` before the first input: next position 0). */
  private k = 0
  /** Inputs pushed. */
  private seq = 0
  /** Maximum of the current block's positions `0 .. r`. */
  private pre = Number.NEGATIVE_INFINITY
  /**
   * `(sequence number of the latest NaN input) + period`, -1 before any: a NaN is in the window of input `s` iff
   * `s < nanEnd`.
   */
  private nanEnd = -1
  private deque: MonotonicDeque | undefined = undefined
  // undo record: the overwritten slot, the previous running maximum and `nanEnd`
  private uVal = 0
  private uPre = 0
  private uNanEnd = 0

  constructor(period: number, sign: 1 | -1) {
    this.period = period
    this.sign = sign
    this.vals = new Float64Array(period).fill(Number.NEGATIVE_INFINITY)
    this.suf = new Float64Array(period + 1).fill(Number.NEGATIVE_INFINITY)
    this.k = period
  }

  /** Adds an input. */
  push(x: number): void {
    const p = this.period
    const v = this.sign * x
    const vals = this.vals
    const k = this.k
    const seq = this.seq
    let r = k
    let pre = this.pre
    this.uPre = pre
    if (k === p) {
      // a new block: the suffix maxima of the block just completed
      r = 0
      const suf = this.suf
      let m = Number.NEGATIVE_INFINITY
      for (let j = p - 1; j >= 0; j--) {
        const w = vals[j]!
        if (!(m >= w)) m = w
        suf[j] = m
      }
      pre = v
    } else if (v >= pre) {
      pre = v
    }
    this.uVal = vals[r]!
    vals[r] = v
    this.pre = pre
    this.k = r + 1
    this.seq = seq + 1
    if (v !== v || seq < this.nanEnd) this.pushNaNMode(v, seq)
  }

  /** The rest of `push` when a `NaN` is (or comes) in the window: the monotonic deque. */
  private pushNaNMode(v: number, seq: number): void {
    const p = this.period
    let deque = this.deque
    if (deque === undefined) deque = this.deque = new MonotonicDeque(p)
    const nanEnd = this.nanEnd
    if (v !== v) {
      this.uNanEnd = nanEnd
      this.nanEnd = seq + p
    }
    if (seq <= nanEnd) {
      // the previous window had a NaN: the deque is up to date
      deque.push(v, seq)
    } else {
      // a NaN arrives in a window without one: the deque of the window, by replaying it
      deque.clear()
      const vals = this.vals
      for (let j = seq - p + 1 < 0 ? 0 : seq - p + 1; j <= seq; j++) deque.push(vals[j % p]!, j)
    }
  }

  /** Reverts the last {@link ExtremeWindow.push} (once). */
  undo(): void {
    const r = this.k - 1
    const vals = this.vals
    const v = vals[r]!
    const seq = this.seq - 1
    this.seq = seq
    if (v !== v) this.nanEnd = this.uNanEnd
    // the deque was pushed (not rebuilt) iff the window before that push had a NaN
    if (seq < this.nanEnd + 1 && (v !== v || seq < this.nanEnd)) this.deque!.undo()
    vals[r] = this.uVal
    this.pre = this.uPre
    this.k = r === 0 ? this.period : r
  }

  /** The extreme over the window (after at least one push). */
  get(): number {
    if (this.seq <= this.nanEnd) return this.sign * this.deque!.front()
    const pre = this.pre
    const s = this.suf[this.k]!
    return this.sign * (pre >= s ? pre : s)
  }

  reset(): void {
    this.vals.fill(Number.NEGATIVE_INFINITY)
    this.k = this.period
    this.seq = 0
    this.pre = Number.NEGATIVE_INFINITY
    this.nanEnd = -1
    this.uVal = this.uPre = this.uNanEnd = 0
  }
}

/** Number of inputs before the first value of highest/lowest/range/avg_volume: `period - 1`. */
export const extremeLookback = (period: number): number => checkPeriod("HIGHEST", period) - 1

class ExtremeIndicator implements StreamingIndicator {
  declare readonly period: number
  private declare readonly w: ExtremeWindow
  private n = 0

  constructor(name: string, period: number, sign: 1 | -1) {
    this.period = checkPeriod(name, period)
    this.w = new ExtremeWindow(period, sign)
  }
  get value(): number {
    return this.n >= this.period ? this.w.get() : Number.NaN
  }
  get isReady(): boolean {
    return this.n >= this.period
  }
  get count(): number {
    return this.n
  }
  update(x: number): number {
    const w = this.w
    w.push(x)
    const n = this.n + 1
    this.n = n
    return n < this.period ? Number.NaN : w.get()
  }
  replace(x: number): number {
    if (this.n === 0) return this.update(x)
    this.w.undo()
    this.n--
    return this.update(x)
  }
  reset(): void {
    this.w.reset()
    this.n = 0
  }
}

/** Highest value (of the highs) over the last `period` inputs. `update(high)`. */
export class Highest extends ExtremeIndicator {
  /** @throws RangeError when `period` is not an integer from 1 to 100000. */
  constructor(period = 20) {
    super("HIGHEST", period, 1)
  }
}

/** Lowest value (of the lows) over the last `period` inputs. `update(low)`. */
export class Lowest extends ExtremeIndicator {
  /** @throws RangeError when `period` is not an integer from 1 to 100000. */
  constructor(period = 20) {
    super("LOWEST", period, -1)
  }
}

/** `true` when `xs[0 .. len)` holds a `NaN`. */
const hasNaN = (xs: Float64Array, len: number): boolean => {
  for (let i = 0; i < len; i++) if (xs[i] !== xs[i]) return true
  return false
}

/**
 * Batch kernels work in chunks of whole blocks of about this many inputs, each chunk a call of a small kernel
 * function: V8 compiles a loop entered once and run long "on stack" (OSR), keeping floating-point loop variables
 * boxed there (see sma.ts).
 */
const KERNEL_BLOCK = 2048

/** Chunk length for period `p`: a multiple of `p` (blocks never straddle chunks). */
const chunkLength = (p: number): number => p * Math.max(1, Math.floor(KERNEL_BLOCK / p))

/**
 * {@link ExtremeWindow}'s algorithm over an array without `NaN`, maximum: `out[i]` for `i` in `[from, to)`, `from` a
 * multiple of `p`; `suf` (length `p + 1`, all `-Infinity` initially) is the suffix scratch.
 */
const maxChunk = (
  values: Float64Array,
  p: number,
  out: Float64Array,
  suf: Float64Array,
  from: number,
  to: number
): void => {
  for (let b = from; b < to; b += p) {
    if (b > 0) {
      let m = Number.NEGATIVE_INFINITY
      for (let j = p - 1; j >= 0; j--) {
        const w = values[b - p + j]!
        if (!(m >= w)) m = w
        suf[j] = m
      }
    }
    const end = b + p < to ? b + p : to
    let pre = Number.NEGATIVE_INFINITY
    for (let i = b, r = 1; i < end; i++, r++) {
      const v = values[i]!
      if (v >= pre) pre = v
      const s = suf[r]!
      out[i] = pre >= s ? pre : s
    }
  }
}

/** {@link maxChunk} for the minimum (`suf` all `+Infinity` initially). */
const minChunk = (
  values: Float64Array,
  p: number,
  out: Float64Array,
  suf: Float64Array,
  from: number,
  to: number
): void => {
  for (let b = from; b < to; b += p) {
    if (b > 0) {
      let m = Number.POSITIVE_INFINITY
      for (let j = p - 1; j >= 0; j--) {
        const w = values[b - p + j]!
        if (!(m <= w)) m = w
        suf[j] = m
      }
    }
    const end = b + p < to ? b + p : to
    let pre = Number.POSITIVE_INFINITY
    for (let i = b, r = 1; i < end; i++, r++) {
      const v = values[i]!
      if (v <= pre) pre = v
      const s = suf[r]!
      out[i] = pre <= s ? pre : s
    }
  }
}

const extremeBatch = (
  name: string,
  sign: 1 | -1,
  values: Float64Array,
  period: number,
  into: Float64Array | undefined
): Float64Array => {
  const p = checkPeriod(name, period)
  const len = values.length
  const out = outputArray(name, len, into)
  if (hasNaN(values, len)) {
    // the window's NaN rules (see ExtremeWindow)
    const w = new ExtremeWindow(p, sign)
    for (let i = 0; i < len; i++) {
      w.push(values[i]!)
      out[i] = i >= p - 1 ? w.get() : Number.NaN
    }
    return out
  }
  const suf = new Float64Array(p + 1).fill(sign === 1 ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY)
  const step = chunkLength(p)
  for (let i = 0; i < len; i += step) {
    if (sign === 1) maxChunk(values, p, out, suf, i, Math.min(len, i + step))
    else minChunk(values, p, out, suf, i, Math.min(len, i + step))
  }
  out.fill(Number.NaN, 0, Math.min(p - 1, len))
  return out
}

/** Highest of `values` over the last `period` inputs, `NaN` before index `period - 1`. */
export const highestBatch = (values: Float64Array, period = 20, into?: Float64Array): Float64Array =>
  extremeBatch("HIGHEST", 1, values, period, into)

/** Lowest of `values` over the last `period` inputs, `NaN` before index `period - 1`. */
export const lowestBatch = (values: Float64Array, period = 20, into?: Float64Array): Float64Array =>
  extremeBatch("LOWEST", -1, values, period, into)

const RANGE_OUTPUTS: ReadonlyArray<string> = ["value"]

/** `highest(high) - lowest(low)` over the last `period` bars. `update(high, low)`. */
export class Range implements BarIndicator {
  declare readonly period: number
  readonly outputs = RANGE_OUTPUTS
  private declare readonly hi: ExtremeWindow
  private declare readonly lo: ExtremeWindow
  private n = 0

  /** @throws RangeError when `period` is not an integer from 1 to 100000. */
  constructor(period = 20) {
    this.period = checkPeriod("RANGE", period)
    this.hi = new ExtremeWindow(period, 1)
    this.lo = new ExtremeWindow(period, -1)
  }
  get value(): number {
    return this.n >= this.period ? this.hi.get() - this.lo.get() : Number.NaN
  }
  /** Highest high over the window (`NaN` during warm-up). */
  get highest(): number {
    return this.n >= this.period ? this.hi.get() : Number.NaN
  }
  /** Lowest low over the window (`NaN` during warm-up). */
  get lowest(): number {
    return this.n >= this.period ? this.lo.get() : Number.NaN
  }
  get isReady(): boolean {
    return this.n >= this.period
  }
  get count(): number {
    return this.n
  }
  output(index: number): number {
    return index === 0 ? this.value : Number.NaN
  }
  update(high: number, low: number): number {
    const hi = this.hi
    const lo = this.lo
    hi.push(high)
    lo.push(low)
    const n = this.n + 1
    this.n = n
    return n < this.period ? Number.NaN : hi.get() - lo.get()
  }
  replace(high: number, low: number): number {
    if (this.n === 0) return this.update(high, low)
    this.hi.undo()
    this.lo.undo()
    this.n--
    return this.update(high, low)
  }
  updateBar(bar: BarInput): number {
    return this.update(bar.high, bar.low)
  }
  replaceBar(bar: BarInput): number {
    return this.replace(bar.high, bar.low)
  }
  reset(): void {
    this.hi.reset()
    this.lo.reset()
    this.n = 0
  }
}

/** {@link maxChunk} of `high` minus {@link minChunk} of `low`, in one pass. */
const rangeChunk = (
  high: Float64Array,
  low: Float64Array,
  p: number,
  out: Float64Array,
  sufHi: Float64Array,
  sufLo: Float64Array,
  from: number,
  to: number
): void => {
  for (let b = from; b < to; b += p) {
    if (b > 0) {
      let mh = Number.NEGATIVE_INFINITY
      let ml = Number.POSITIVE_INFINITY
      for (let j = p - 1; j >= 0; j--) {
        const h = high[b - p + j]!
        if (!(mh >= h)) mh = h
        sufHi[j] = mh
        const l = low[b - p + j]!
        if (!(ml <= l)) ml = l
        sufLo[j] = ml
      }
    }
    const end = b + p < to ? b + p : to
    let preHi = Number.NEGATIVE_INFINITY
    let preLo = Number.POSITIVE_INFINITY
    for (let i = b, r = 1; i < end; i++, r++) {
      const h = high[i]!
      if (h >= preHi) preHi = h
      const l = low[i]!
      if (l <= preLo) preLo = l
      const sh = sufHi[r]!
      const sl = sufLo[r]!
      out[i] = (preHi >= sh ? preHi : sh) - (preLo <= sl ? preLo : sl)
    }
  }
}

/** `highest(high) - lowest(low)` over the last `period` bars, `NaN` before index `period - 1`. */
export const rangeBatch = (high: Float64Array, low: Float64Array, period = 20, into?: Float64Array): Float64Array => {
  const p = checkPeriod("RANGE", period)
  const len = high.length
  checkColumn("RANGE", "low", low, len)
  const out = outputArray("RANGE", len, into)
  if (hasNaN(high, len) || hasNaN(low, len)) {
    const hi = new ExtremeWindow(p, 1)
    const lo = new ExtremeWindow(p, -1)
    for (let i = 0; i < len; i++) {
      hi.push(high[i]!)
      lo.push(low[i]!)
      out[i] = i >= p - 1 ? hi.get() - lo.get() : Number.NaN
    }
    return out
  }
  const sufHi = new Float64Array(p + 1).fill(Number.NEGATIVE_INFINITY)
  const sufLo = new Float64Array(p + 1).fill(Number.POSITIVE_INFINITY)
  const step = chunkLength(p)
  for (let i = 0; i < len; i += step) rangeChunk(high, low, p, out, sufHi, sufLo, i, Math.min(len, i + step))
  out.fill(Number.NaN, 0, Math.min(p - 1, len))
  return out
}

/** Average volume over the last `period` bars: the SMA kernel on volumes (`update(volume)`). */
export class AvgVolume extends Sma {
  /** @throws RangeError when `period` is not an integer from 1 to 100000. */
  constructor(period = 20) {
    super(period, "AVG_VOLUME")
  }
}

/** Average volume over the last `period` bars, bit-identical to `smaBatch(volume, period)`. */
export const avgVolumeBatch = (volume: Float64Array, period = 20, into?: Float64Array): Float64Array =>
  smaBatch(volume, period, into, "AVG_VOLUME")
