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
  readonly kPeriod: number
  readonly kSlowing: number
  readonly dPeriod: number
  readonly outputs = STOCH_OUTPUTS
  private readonly lookback: number
  private readonly hi: ExtremeWindow
  private readonly lo: ExtremeWindow
  private readonly kSma: Sma
  private readonly dSma: Sma
  private n = 0
  private fk = Number.NaN
  private k_ = Number.NaN
  private d_ = Number.NaN
  private pFk = Number.NaN
  private pK = Number.NaN
  private pD = Number.NaN

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
    return this.k_
  }
  /** Slow %D (the SMA of slow %K over `dPeriod` bars), `NaN` during warm-up. */
  get d(): number {
    return this.d_
  }
  /** Raw %K of the latest bar (available from bar `kPeriod - 1`, before the outputs). */
  get fastK(): number {
    return this.fk
  }
  /** Same as {@link Stoch.k}. */
  get value(): number {
    return this.k_
  }
  get count(): number {
    return this.n
  }
  get isReady(): boolean {
    return this.n > this.lookback
  }
  output(index: number): number {
    return index === 0 ? this.k_ : index === 1 ? this.d_ : Number.NaN
  }

  private step(high: number, low: number, close: number, revise: boolean): number {
    this.pFk = this.fk
    this.pK = this.k_
    this.pD = this.d_
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
    const slowD = revise ? this.dSma.replace(slowK) : this.dSma.update(slowK)
    if (i < this.lookback) return Number.NaN
    this.k_ = slowK
    this.d_ = slowD
    return slowK
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
    this.fk = this.pFk
    this.k_ = this.pK
    this.d_ = this.pD
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
    this.fk = this.k_ = this.d_ = this.pFk = this.pK = this.pD = Number.NaN
  }
}

/** The output series of {@link stochBatch}. */
export type StochSeries = {
  readonly k: Float64Array
  readonly d: Float64Array
}

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
  const hi = new ExtremeWindow(kPeriod, 1)
  const lo = new ExtremeWindow(kPeriod, -1)
  for (let i = 0; i < len; i++) {
    hi.push(high[i]!)
    lo.push(low[i]!)
    if (i < kPeriod - 1) {
      out[i] = Number.NaN
      continue
    }
    const ll = lo.get()
    const r = hi.get() - ll
    out[i] = r !== 0 ? 100 * ((close[i]! - ll) / r) : 0
  }
  return out
}

/** Slow stochastic of whole columns (`NaN` before the lookback), bit-identical to {@link Stoch}. */
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
  const fast = fastKBatch(high, low, close, kPeriod)
  const kStart = kPeriod - 1
  const dStart = kStart + kSlowing - 1
  const lb = dStart + dPeriod - 1
  const slowK = len > kStart ? smaBatch(fast.subarray(kStart), kSlowing) : new Float64Array(0)
  const slowD = len > dStart ? smaBatch(slowK.subarray(kSlowing - 1), dPeriod) : new Float64Array(0)
  for (let i = 0; i < len; i++) {
    if (i < lb) {
      k[i] = Number.NaN
      d[i] = Number.NaN
    } else {
      k[i] = slowK[i - kStart]!
      d[i] = slowD[i - dStart]!
    }
  }
  return { k, d }
}
