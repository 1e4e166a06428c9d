/**
 * Window queries as indicators over the last `period` bars: highest high ({@link Highest}), lowest low
 * ({@link Lowest}), their difference ({@link Range}) and the average volume ({@link avgVolumeBatch}, the SMA kernel
 * on volumes). Lookback `period - 1`. Max/min are exact; they are kept with monotonic deques (O(1) amortised per
 * input, O(1) `replace` through an undo record).
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
 * The maximum of `sign * x` over the last `period` inputs, by a monotonic deque (values strictly decreasing from the
 * front; ties keep the newest). `sign = -1` gives the minimum (negation is exact). Internal building block of
 * highest/lowest/range/STOCH; `undo()` reverts the last `push` in O(1).
 */
export class ExtremeWindow {
  readonly period: number
  private readonly sign: number
  private readonly qv: Float64Array
  private readonly qs: Float64Array
  private head = 0
  private len = 0
  private seq = 0
  private uHead = 0
  private uLen = 0
  private uAt = 0
  private uV = 0
  private uS = 0

  constructor(period: number, sign: 1 | -1) {
    this.period = period
    this.sign = sign
    this.qv = new Float64Array(period)
    this.qs = new Float64Array(period)
  }

  /** Adds an input. */
  push(x: number): void {
    const cap = this.period
    const qv = this.qv
    const qs = this.qs
    const v = this.sign * x
    const seq = this.seq
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
    this.seq = seq + 1
  }

  /** Reverts the last {@link ExtremeWindow.push} (once). */
  undo(): void {
    this.head = this.uHead
    this.len = this.uLen
    this.qv[this.uAt] = this.uV
    this.qs[this.uAt] = this.uS
    this.seq--
  }

  /** The extreme over the window (after at least one push). */
  get(): number {
    return this.sign * this.qv[this.head]!
  }

  reset(): void {
    this.qv.fill(0)
    this.qs.fill(0)
    this.head = this.len = this.seq = 0
    this.uHead = this.uLen = this.uAt = this.uV = this.uS = 0
  }
}

/** Number of inputs before the first value of highest/lowest/range/avg_volume: `period - 1`. */
export const extremeLookback = (period: number): number => checkPeriod("HIGHEST", period) - 1

class ExtremeIndicator implements StreamingIndicator {
  readonly period: number
  private readonly w: ExtremeWindow
  private n = 0
  private out = Number.NaN
  private pOut = Number.NaN

  constructor(name: string, period: number, sign: 1 | -1) {
    this.period = checkPeriod(name, period)
    this.w = new ExtremeWindow(period, sign)
  }
  get value(): number {
    return this.out
  }
  get isReady(): boolean {
    return this.n >= this.period
  }
  get count(): number {
    return this.n
  }
  update(x: number): number {
    this.pOut = this.out
    const w = this.w
    w.push(x)
    const n = this.n + 1
    this.n = n
    if (n < this.period) return Number.NaN
    const out = w.get()
    this.out = out
    return out
  }
  replace(x: number): number {
    if (this.n === 0) return this.update(x)
    this.w.undo()
    this.n--
    this.out = this.pOut
    return this.update(x)
  }
  reset(): void {
    this.w.reset()
    this.n = 0
    this.out = this.pOut = Number.NaN
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
  const w = new ExtremeWindow(p, sign)
  for (let i = 0; i < len; i++) {
    w.push(values[i]!)
    out[i] = i >= p - 1 ? w.get() : Number.NaN
  }
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
  readonly period: number
  readonly outputs = RANGE_OUTPUTS
  private readonly hi: ExtremeWindow
  private readonly lo: ExtremeWindow
  private n = 0
  private out = Number.NaN
  private pOut = Number.NaN

  /** @throws RangeError when `period` is not an integer from 1 to 100000. */
  constructor(period = 20) {
    this.period = checkPeriod("RANGE", period)
    this.hi = new ExtremeWindow(period, 1)
    this.lo = new ExtremeWindow(period, -1)
  }
  get value(): number {
    return this.out
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
    return index === 0 ? this.out : Number.NaN
  }
  update(high: number, low: number): number {
    this.pOut = this.out
    this.hi.push(high)
    this.lo.push(low)
    const n = this.n + 1
    this.n = n
    if (n < this.period) return Number.NaN
    const out = this.hi.get() - this.lo.get()
    this.out = out
    return out
  }
  replace(high: number, low: number): number {
    if (this.n === 0) return this.update(high, low)
    this.hi.undo()
    this.lo.undo()
    this.n--
    this.out = this.pOut
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
    this.out = this.pOut = Number.NaN
  }
}

/** `highest(high) - lowest(low)` over the last `period` bars, `NaN` before index `period - 1`. */
export const rangeBatch = (high: Float64Array, low: Float64Array, period = 20, into?: Float64Array): Float64Array => {
  const p = checkPeriod("RANGE", period)
  const len = high.length
  checkColumn("RANGE", "low", low, len)
  const out = outputArray("RANGE", len, into)
  const hi = new ExtremeWindow(p, 1)
  const lo = new ExtremeWindow(p, -1)
  for (let i = 0; i < len; i++) {
    hi.push(high[i]!)
    lo.push(low[i]!)
    out[i] = i >= p - 1 ? hi.get() - lo.get() : Number.NaN
  }
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
