/**
 * Stochastic oscillator, TA-Lib's `TA_STOCH` with SMA smoothing (its default): raw
 * `fastK = 100 * ((close - LL) / (HH - LL))` over the last `kPeriod` bars (**0 when `HH == LL`**, TA-Lib's rule for a
 * flat range), slow `k = SMA(fastK, kSlowing)`, slow `d = SMA(k, dPeriod)`. Both outputs start at index
 * `(kPeriod - 1) + (kSlowing - 1) + (dPeriod - 1)`. Exact operation order: docs/indicators.md, "STOCH".
 *
 * @module
 */
import {
  type BarIndicator,
  type BarInput,
  checkColumn,
  checkInteger,
  MAX_PERIOD,
  outputArray
} from "./contract.ts"
import { ExtremeWindow } from "./extremes.ts"
import { Sma, smaBatch } from "./sma.ts"

const checkStoch = (kPeriod: number, kSlowing: number, dPeriod: number): void => {
  checkInteger("STOCH", "kPeriod", kPeriod, 1, MAX_PERIOD)
  checkInteger("STOCH", "kSlowing", kSlowing, 1, MAX_PERIOD)
  checkInteger("STOCH", "dPeriod", dPeriod, 1, MAX_PERIOD)
}

/** Number of bars before the first value: `kPeriod + kSlowing + dPeriod - 3`. */
export const stochLookback = (kPeriod: number, kSlowing: number, dPeriod: number): number => {
  checkStoch(kPeriod, kSlowing, dPeriod)
  return kPeriod + kSlowing + dPeriod - 3
}

const STOCH_OUTPUTS: ReadonlyArray<string> = ["k", "d"]

/** Streaming slow stochastic. Outputs {@link Stoch.k} and {@link Stoch.d}; the raw %K is {@link Stoch.fastK}. */
export class Stoch implements BarIndicator {
  declare readonly kPeriod: number
  declare readonly kSlowing: number
  declare readonly dPeriod: number
  readonly outputs = STOCH_OUTPUTS
  private declare readonly lookback: number
  private declare readonly hi: ExtremeWindow
  private declare readonly lo: ExtremeWindow
  private declare readonly kSma: Sma
  private declare readonly dSma: Sma
  private n = 0
  private fk = Number.NaN

  /** @throws RangeError when a period is not an integer from 1 to 100000. */
  constructor(kPeriod = 14, kSlowing = 3, dPeriod = 3) {
    checkStoch(kPeriod, kSlowing, dPeriod)
    this.kPeriod = kPeriod
    this.kSlowing = kSlowing
    this.dPeriod = dPeriod
    this.lookback = kPeriod + kSlowing + dPeriod - 3
    this.hi = new ExtremeWindow(kPeriod, 1)
    this.lo = new ExtremeWindow(kPeriod, -1)
    this.kSma = new Sma(kSlowing)
    this.dSma = new Sma(dPeriod)
  }

  /** Slow %K (the SMA of the raw %K over `kSlowing` bars), `NaN` during warm-up. */
  get k(): number {
    return this.n > this.lookback ? this.kSma.value : Number.NaN
  }
  /** Slow %D (the SMA of slow %K over `dPeriod` bars), `NaN` during warm-up. */
  get d(): number {
    return this.n > this.lookback ? this.dSma.value : Number.NaN
  }
  /** Raw %K of the latest bar (available from bar `kPeriod - 1`, before the outputs). */
  get fastK(): number {
    return this.fk
  }
  /** Same as {@link Stoch.k}. */
  get value(): number {
    return this.k
  }
  get count(): number {
    return this.n
  }
  get isReady(): boolean {
    return this.n > this.lookback
  }
  output(index: number): number {
    return index === 0 ? this.k : index === 1 ? this.d : Number.NaN
  }

  private step(high: number, low: number, close: number, revise: boolean): number {
    const hi = this.hi
    const lo = this.lo
    hi.push(high)
    lo.push(low)
    const i = this.n
    this.n = i + 1
    const kp = this.kPeriod
    if (i < kp - 1) return Number.NaN
    const ll = lo.get()
    const r = hi.get() - ll
    const fk = r !== 0 ? 100 * ((close - ll) / r) : 0
    this.fk = fk
    const slowK = revise ? this.kSma.replace(fk) : this.kSma.update(fk)
    if (i < kp + this.kSlowing - 2) return Number.NaN
    if (revise) this.dSma.replace(slowK)
    else this.dSma.update(slowK)
    // k and d are read back from the two SMAs (their values are what update returned)
    return i < this.lookback ? Number.NaN : slowK
  }

  /** Adds a bar; returns slow %K (`NaN` during warm-up). Read `d` after it. */
  update(high: number, low: number, close: number): number {
    return this.step(high, low, close, false)
  }

  /** Replaces the most recent bar. */
  replace(high: number, low: number, close: number): number {
    if (this.n === 0) return this.step(high, low, close, false)
    this.hi.undo()
    this.lo.undo()
    this.n--
    // fk: NaN before bar kPeriod - 1 either way, else set again by step
    return this.step(high, low, close, true)
  }

  updateBar(bar: BarInput): number {
    return this.step(bar.high, bar.low, bar.close, false)
  }
  replaceBar(bar: BarInput): number {
    return this.replace(bar.high, bar.low, bar.close)
  }

  reset(): void {
    this.hi.reset()
    this.lo.reset()
    this.kSma.reset()
    this.dSma.reset()
    this.n = 0
    this.fk = Number.NaN
  }
}

/** The output series of {@link stochBatch}. */
export type StochSeries = {
  readonly k: Float64Array
  readonly d: Float64Array
}

/** `true` when `xs[0 .. len)` holds a `NaN`. */
const hasNaN = (xs: Float64Array, len: number): boolean => {
  for (let i = 0; i < len; i++) if (xs[i] !== xs[i]) return true
  return false
}

/**
 * Raw %K over `[from, to)` (`from` a multiple of `p`) by {@link ExtremeWindow}'s block algorithm, for columns without
 * `NaN` in `high` and `low`; `sufHi` / `sufLo` (length `p + 1`, `-Infinity` / `+Infinity` initially) are scratch.
 */
const fastKChunk = (
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
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
      const ll = preLo <= sl ? preLo : sl
      const range = (preHi >= sh ? preHi : sh) - ll
      out[i] = range !== 0 ? 100 * ((close[i]! - ll) / range) : 0
    }
  }
}

/** Batch kernels work in chunks of whole blocks of about this many bars (see sma.ts: V8's on-stack compiled loops). */
const KERNEL_BLOCK = 2048

/** Raw %K of whole columns (`NaN` before index `kPeriod - 1`), as computed inside {@link Stoch}. */
export const fastKBatch = (
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
  kPeriod = 14,
  into?: Float64Array
): Float64Array => {
  checkInteger("STOCH", "kPeriod", kPeriod, 1, MAX_PERIOD)
  const len = close.length
  checkColumn("STOCH", "high", high, len)
  checkColumn("STOCH", "low", low, len)
  const out = outputArray("STOCH", len, into)
  const p = kPeriod
  if (hasNaN(high, len) || hasNaN(low, len)) {
    // the windows' NaN rules (see ExtremeWindow)
    const hi = new ExtremeWindow(p, 1)
    const lo = new ExtremeWindow(p, -1)
    for (let i = 0; i < len; i++) {
      hi.push(high[i]!)
      lo.push(low[i]!)
      if (i < p - 1) {
        out[i] = Number.NaN
        continue
      }
      const ll = lo.get()
      const r = hi.get() - ll
      out[i] = r !== 0 ? 100 * ((close[i]! - ll) / r) : 0
    }
    return out
  }
  const sufHi = new Float64Array(p + 1).fill(Number.NEGATIVE_INFINITY)
  const sufLo = new Float64Array(p + 1).fill(Number.POSITIVE_INFINITY)
  const step = p * Math.max(1, Math.floor(KERNEL_BLOCK / p))
  for (let i = 0; i < len; i += step) fastKChunk(high, low, close, p, out, sufHi, sufLo, i, Math.min(len, i + step))
  out.fill(Number.NaN, 0, Math.min(p - 1, len))
  return out
}

/**
 * Slow stochastic of whole columns (`NaN` before the lookback), bit-identical to {@link Stoch}. The raw %K goes to
 * the `d` output first (as scratch), slow %K is the SMA kernel over it into `k`, then slow %D the SMA kernel over `k`
 * into `d`: no other array of the series' length is allocated.
 */
export const stochBatch = (
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
  kPeriod = 14,
  kSlowing = 3,
  dPeriod = 3,
  into?: StochSeries
): StochSeries => {
  checkStoch(kPeriod, kSlowing, dPeriod)
  const len = close.length
  const k = outputArray("STOCH", len, into?.k)
  const d = outputArray("STOCH", len, into?.d)
  const kStart = kPeriod - 1
  const dStart = kStart + kSlowing - 1
  const lb = dStart + dPeriod - 1
  fastKBatch(high, low, close, kPeriod, d)
  if (len > kStart) smaBatch(d.subarray(kStart, len), kSlowing, k.subarray(kStart, len))
  if (len > dStart) smaBatch(k.subarray(dStart, len), dPeriod, d.subarray(dStart, len))
  const warm = Math.min(lb, len)
  k.fill(Number.NaN, 0, warm)
  d.fill(Number.NaN, 0, warm)
  return { k, d }
}
