/**
 * Bollinger Bands, TA-Lib convention with an SMA middle band and the **population** standard deviation:
 * `middle = SMA(n)`, `upper = middle + k·sd`, `lower = middle - k·sd`. Lookback `n - 1`.
 *
 * The middle band is the SMA kernel (Neumaier running sum, bit-identical to {@link Sma}); the variance is computed
 * two-pass over the window every bar (`Σ (x - middle)² / n`, O(n), no cancellation), not from running sums of
 * squares (which lose precision as `middle² / variance` grows). Exact operation order: docs/indicators.md, "BBANDS".
 *
 * @module
 */
import {
  type BarIndicator,
  type BarInput,
  checkPeriod,
  checkPositive,
  outputArray
} from "./contract.ts"

/** Largest band multiplier accepted. */
export const MAX_BBANDS_K = 1000

const checkBbands = (period: number, k: number): void => {
  checkPeriod("BBANDS", period)
  checkPositive("BBANDS", "k", k, MAX_BBANDS_K)
}

/** Number of inputs before the first value: `period - 1`. */
export const bbandsLookback = (period: number): number => checkPeriod("BBANDS", period) - 1

const BBANDS_OUTPUTS: ReadonlyArray<string> = ["middle", "upper", "lower"]

/**
 * `Σ (xs[start + q] - m)²` for `q = 0..n-1`, in four lanes by `q mod 4` (each a plain sum from 0 in increasing
 * `q`), combined as `(a0 + a1) + (a2 + a3)`: four independent addition chains instead of one (the documented order).
 */
export const sumSquaredDeviations = (xs: Float64Array, start: number, n: number, m: number): number => {
  let a0 = 0
  let a1 = 0
  let a2 = 0
  let a3 = 0
  const end4 = start + (n & ~3)
  let j = start
  for (; j < end4; j += 4) {
    const d0 = xs[j]! - m
    const d1 = xs[j + 1]! - m
    const d2 = xs[j + 2]! - m
    const d3 = xs[j + 3]! - m
    a0 = a0 + d0 * d0
    a1 = a1 + d1 * d1
    a2 = a2 + d2 * d2
    a3 = a3 + d3 * d3
  }
  const end = start + n
  if (j < end) {
    const d = xs[j]! - m
    a0 = a0 + d * d
    j++
  }
  if (j < end) {
    const d = xs[j]! - m
    a1 = a1 + d * d
    j++
  }
  if (j < end) {
    const d = xs[j]! - m
    a2 = a2 + d * d
  }
  return (a0 + a1) + (a2 + a3)
}

/** Streaming Bollinger Bands. Outputs {@link Bbands.upper}, {@link Bbands.middle}, {@link Bbands.lower}. */
export class Bbands implements BarIndicator {
  declare readonly period: number
  declare readonly k: number
  readonly outputs = BBANDS_OUTPUTS
  private declare readonly buffer: Float64Array
  private head = 0
  private n = 0
  private sum = 0
  private comp = 0
  private mid = Number.NaN
  private up = Number.NaN
  private lo = Number.NaN
  private sd = Number.NaN
  private pSum = 0
  private pComp = 0
  private pSlot = 0

  /** @throws RangeError when `period` is not an integer from 1 to 100000 or `k` is not in (0, 1000]. */
  constructor(period = 20, k = 2) {
    checkBbands(period, k)
    this.period = period
    this.k = k
    this.buffer = new Float64Array(2 * period)
  }

  /** Upper band, `NaN` during warm-up. */
  get upper(): number {
    return this.up
  }
  /** Middle band (the SMA), `NaN` during warm-up. */
  get middle(): number {
    return this.mid
  }
  /** Lower band, `NaN` during warm-up. */
  get lower(): number {
    return this.lo
  }
  /** Population standard deviation of the window, `NaN` during warm-up. */
  get stdDev(): number {
    return this.sd
  }
  /** Same as {@link Bbands.middle} (the first output). */
  get value(): number {
    return this.mid
  }
  get count(): number {
    return this.n
  }
  get isReady(): boolean {
    return this.n >= this.period
  }
  output(index: number): number {
    return index === 0 ? this.mid : index === 1 ? this.up : index === 2 ? this.lo : Number.NaN
  }

  /** Adds a close; returns the middle band (`NaN` during warm-up). Read `upper` / `lower` after it. */
  update(x: number): number {
    const buf = this.buffer
    const p = this.period
    const head = this.head
    let s = this.sum
    let c = this.comp
    this.pSum = s
    this.pComp = c
    const old = buf[head]!
    this.pSlot = old
    const n = this.n + 1
    this.n = n
    if (n > p) {
      const a = -old
      const t = s + a
      if (Math.abs(s) >= Math.abs(a)) c += (s - t) + a
      else c += (a - t) + s
      s = t
    }
    const t = s + x
    if (Math.abs(s) >= Math.abs(x)) c += (s - t) + x
    else c += (x - t) + s
    s = t
    // mirrored ring: slot j and j + p hold the same input, so the window is buf[head+1 .. head+p], oldest first
    buf[head] = x
    buf[head + p] = x
    this.head = head + 1 === p ? 0 : head + 1
    this.sum = s
    this.comp = c
    if (n < p) return Number.NaN
    const m = (s + c) / p
    const acc = sumSquaredDeviations(buf, head + 1, p, m)
    const sd = Math.sqrt(acc / p)
    const w = this.k * sd
    this.mid = m
    this.sd = sd
    this.up = m + w
    this.lo = m - w
    return m
  }

  /** Replaces the most recent close. */
  replace(x: number): number {
    if (this.n === 0) return this.update(x)
    const head = this.head === 0 ? this.period - 1 : this.head - 1
    this.head = head
    this.buffer[head] = this.pSlot
    this.buffer[head + this.period] = this.pSlot
    this.n--
    this.sum = this.pSum
    this.comp = this.pComp
    // the outputs: set again by update() once the window is full, NaN before
    return this.update(x)
  }

  updateBar(bar: BarInput): number {
    return this.update(bar.close)
  }
  replaceBar(bar: BarInput): number {
    return this.replace(bar.close)
  }

  reset(): void {
    this.buffer.fill(0)
    this.head = 0
    this.n = 0
    this.sum = this.comp = 0
    this.mid = this.up = this.lo = this.sd = Number.NaN
    this.pSum = this.pComp = this.pSlot = 0
  }
}

/** The output series of {@link bbandsBatch}. */
export type BbandsSeries = {
  readonly middle: Float64Array
  readonly upper: Float64Array
  readonly lower: Float64Array
}

/** Batch kernels run in blocks of this many inputs (see sma.ts: V8's on-stack compiled loops). */
const KERNEL_BLOCK = 2048

/** {@link bbandsBatch} over `[from, to)`, `from >= p`; `st` carries the window sum `[s, c]` between blocks. */
const bbandsBlock = (
  values: Float64Array,
  p: number,
  k: number,
  middle: Float64Array,
  upper: Float64Array,
  lower: Float64Array,
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
    const m = (s + c) / p
    const acc = sumSquaredDeviations(values, i - p + 1, p, m)
    const w = k * Math.sqrt(acc / p)
    middle[i] = m
    upper[i] = m + w
    lower[i] = m - w
  }
  st[0] = s
  st[1] = c
}

/** Bollinger Bands of a whole series (`NaN` before index `period - 1`), bit-identical to {@link Bbands}. */
export const bbandsBatch = (values: Float64Array, period = 20, k = 2, into?: BbandsSeries): BbandsSeries => {
  checkBbands(period, k)
  const p = period
  const len = values.length
  const upper = outputArray("BBANDS", len, into?.upper)
  const middle = outputArray("BBANDS", len, into?.middle)
  const lower = outputArray("BBANDS", len, into?.lower)
  let s = 0
  let c = 0
  const warm = Math.min(p, len)
  for (let i = 0; i < warm; i++) {
    const x = values[i]!
    const t = s + x
    if (Math.abs(s) >= Math.abs(x)) c += (s - t) + x
    else c += (x - t) + s
    s = t
    if (i < p - 1) {
      upper[i] = Number.NaN
      middle[i] = Number.NaN
      lower[i] = Number.NaN
    }
  }
  if (len < p) return { middle, upper, lower }
  const m = (s + c) / p
  const w = k * Math.sqrt(sumSquaredDeviations(values, 0, p, m) / p)
  middle[p - 1] = m
  upper[p - 1] = m + w
  lower[p - 1] = m - w
  const st = new Float64Array(2)
  st[0] = s
  st[1] = c
  for (let i = p; i < len; i += KERNEL_BLOCK) {
    bbandsBlock(values, p, k, middle, upper, lower, st, i, Math.min(len, i + KERNEL_BLOCK))
  }
  return { middle, upper, lower }
}
