/**
 * MACD (moving average convergence/divergence), TA-Lib convention (`TA_MACD`): the fast and slow EMAs both start on
 * input index `slowPeriod - 1` (the fast EMA ignores the first `slowPeriod - fastPeriod` inputs), the MACD line is
 * `fast - slow`, the signal line an SMA-seeded EMA of the MACD line, the histogram `macd - signal`. All three outputs
 * start at index `slowPeriod + signalPeriod - 2` (33 for 12/26/9). Exact operation order: docs/indicators.md, "MACD".
 *
 * @module
 */
import { type BarIndicator, type BarInput, checkInteger, MAX_PERIOD, outputArray } from "./contract.ts"

/** MACD parameters checked: integers from 1 to {@link MAX_PERIOD}, `fastPeriod < slowPeriod`. */
export const checkMacdParams = (fastPeriod: number, slowPeriod: number, signalPeriod: number): void => {
  checkInteger("MACD", "fastPeriod", fastPeriod, 1, MAX_PERIOD)
  checkInteger("MACD", "slowPeriod", slowPeriod, 1, MAX_PERIOD)
  checkInteger("MACD", "signalPeriod", signalPeriod, 1, MAX_PERIOD)
  if (fastPeriod >= slowPeriod) {
    throw new RangeError(
      `MACD: fastPeriod must be less than slowPeriod, got fastPeriod ${fastPeriod} and slowPeriod ${slowPeriod}`
    )
  }
}

/** Number of inputs before the first MACD value: `slowPeriod + signalPeriod - 2`. */
export const macdLookback = (fastPeriod: number, slowPeriod: number, signalPeriod: number): number => {
  checkMacdParams(fastPeriod, slowPeriod, signalPeriod)
  return slowPeriod + signalPeriod - 2
}

const MACD_OUTPUTS: ReadonlyArray<string> = ["macd", "signal", "histogram"]

/** Streaming MACD. Outputs: {@link Macd.macd}, {@link Macd.signal}, {@link Macd.histogram} (`value` is `macd`). */
export class Macd implements BarIndicator {
  declare readonly fastPeriod: number
  declare readonly slowPeriod: number
  declare readonly signalPeriod: number
  readonly outputs = MACD_OUTPUTS
  private declare readonly kFast: number
  private declare readonly kSlow: number
  private declare readonly kSignal: number
  /** Index (count - 1) from which the fast EMA reads inputs: `slow - fast`. */
  private declare readonly fastStart: number
  private declare readonly lookback: number
  private n = 0
  private fastSum = 0
  private slowSum = 0
  private sigSum = 0
  private fast = Number.NaN
  private slow = Number.NaN
  private sig = Number.NaN
  private pFastSum = 0
  private pSlowSum = 0
  private pSigSum = 0
  private pFast = Number.NaN
  private pSlow = Number.NaN
  private pSig = Number.NaN

  /** @throws RangeError when a period is not an integer from 1 to 100000 or `fastPeriod >= slowPeriod`. */
  constructor(fastPeriod = 12, slowPeriod = 26, signalPeriod = 9) {
    checkMacdParams(fastPeriod, slowPeriod, signalPeriod)
    this.fastPeriod = fastPeriod
    this.slowPeriod = slowPeriod
    this.signalPeriod = signalPeriod
    this.kFast = 2 / (fastPeriod + 1)
    this.kSlow = 2 / (slowPeriod + 1)
    this.kSignal = 2 / (signalPeriod + 1)
    this.fastStart = slowPeriod - fastPeriod
    this.lookback = slowPeriod + signalPeriod - 2
  }

  /** The MACD line (fast EMA - slow EMA), `NaN` during warm-up. */
  get macd(): number {
    return this.n > this.lookback ? this.fast - this.slow : Number.NaN
  }
  /** The signal line (EMA of the MACD line), `NaN` during warm-up. */
  get signal(): number {
    return this.n > this.lookback ? this.sig : Number.NaN
  }
  /** `macd - signal`, `NaN` during warm-up. */
  get histogram(): number {
    return this.n > this.lookback ? (this.fast - this.slow) - this.sig : Number.NaN
  }
  /** Same as {@link Macd.macd}. */
  get value(): number {
    return this.macd
  }
  get count(): number {
    return this.n
  }
  get isReady(): boolean {
    return this.n > this.lookback
  }
  output(index: number): number {
    return index === 0 ? this.macd : index === 1 ? this.signal : index === 2 ? this.histogram : Number.NaN
  }

  /**
   * Adds a close; returns the MACD line (`NaN` during warm-up). Read `signal` and `histogram` after it (they are
   * computed from the three EMAs kept, with the same operations as the line returned).
   */
  update(x: number): number {
    const i = this.n
    this.n = i + 1
    const slow0 = this.slow
    const fast0 = this.fast
    const sig0 = this.sig
    this.pSlow = slow0
    this.pFast = fast0
    this.pSig = sig0
    if (i <= this.lookback) return this.warmUp(x, i)
    const slow = (x - slow0) * this.kSlow + slow0
    const fast = (x - fast0) * this.kFast + fast0
    this.slow = slow
    this.fast = fast
    const line = fast - slow
    this.sig = (line - sig0) * this.kSignal + sig0
    return line
  }

  /** `update` for input index `i <= lookback`: the seeds (the sums are saved for `replace` here only). */
  private warmUp(x: number, i: number): number {
    this.pFastSum = this.fastSum
    this.pSlowSum = this.slowSum
    this.pSigSum = this.sigSum
    const sp = this.slowPeriod
    let line: number
    if (i >= sp) {
      const slow = (x - this.slow) * this.kSlow + this.slow
      const fast = (x - this.fast) * this.kFast + this.fast
      this.slow = slow
      this.fast = fast
      line = fast - slow
    } else {
      this.slowSum = this.slowSum + x
      if (i >= this.fastStart) this.fastSum = this.fastSum + x
      if (i < sp - 1) return Number.NaN
      const slow = this.slowSum / sp
      const fast = this.fastSum / this.fastPeriod
      this.slow = slow
      this.fast = fast
      line = fast - slow
    }
    const sigSum = this.sigSum + line
    this.sigSum = sigSum
    if (i < this.lookback) return Number.NaN
    this.sig = sigSum / this.signalPeriod
    return line
  }

  /** Replaces the most recent close. */
  replace(x: number): number {
    if (this.n === 0) return this.update(x)
    const i = --this.n
    this.fast = this.pFast
    this.slow = this.pSlow
    this.sig = this.pSig
    if (i <= this.lookback) {
      this.fastSum = this.pFastSum
      this.slowSum = this.pSlowSum
      this.sigSum = this.pSigSum
    }
    return this.update(x)
  }

  updateBar(bar: BarInput): number {
    return this.update(bar.close)
  }
  replaceBar(bar: BarInput): number {
    return this.replace(bar.close)
  }

  reset(): void {
    this.n = 0
    this.fastSum = this.slowSum = this.sigSum = 0
    this.fast = this.slow = this.sig = Number.NaN
    this.pFastSum = this.pSlowSum = this.pSigSum = 0
    this.pFast = this.pSlow = this.pSig = Number.NaN
  }
}

/** The three output series of {@link macdBatch}. */
export type MacdSeries = {
  readonly macd: Float64Array
  readonly signal: Float64Array
  readonly histogram: Float64Array
}

/**
 * MACD of a whole series (`NaN` before index `slowPeriod + signalPeriod - 2`), bit-identical to {@link Macd}.
 * `into` (optional) provides the three output arrays.
 */
export const macdBatch = (
  values: Float64Array,
  fastPeriod = 12,
  slowPeriod = 26,
  signalPeriod = 9,
  into?: MacdSeries
): MacdSeries => {
  checkMacdParams(fastPeriod, slowPeriod, signalPeriod)
  const len = values.length
  const macd = outputArray("MACD", len, into?.macd)
  const signal = outputArray("MACD", len, into?.signal)
  const histogram = outputArray("MACD", len, into?.histogram)
  const lb = slowPeriod + signalPeriod - 2
  const warm = Math.min(lb, len)
  for (let i = 0; i < warm; i++) {
    macd[i] = Number.NaN
    signal[i] = Number.NaN
    histogram[i] = Number.NaN
  }
  if (len < slowPeriod) return { macd, signal, histogram }
  const kFast = 2 / (fastPeriod + 1)
  const kSlow = 2 / (slowPeriod + 1)
  const kSignal = 2 / (signalPeriod + 1)
  let slowSum = 0
  let fastSum = 0
  const fastStart = slowPeriod - fastPeriod
  for (let i = 0; i < slowPeriod; i++) {
    const x = values[i]!
    slowSum = slowSum + x
    if (i >= fastStart) fastSum = fastSum + x
  }
  let slow = slowSum / slowPeriod
  let fast = fastSum / fastPeriod
  let line = fast - slow
  let sigSum = 0 + line
  let i = slowPeriod
  for (; i <= lb && i < len; i++) {
    const x = values[i]!
    slow = (x - slow) * kSlow + slow
    fast = (x - fast) * kFast + fast
    line = fast - slow
    sigSum = sigSum + line
  }
  if (len <= lb) return { macd, signal, histogram }
  let sig = sigSum / signalPeriod
  macd[lb] = line
  signal[lb] = sig
  histogram[lb] = line - sig
  for (; i < len; i++) {
    const x = values[i]!
    slow = (x - slow) * kSlow + slow
    fast = (x - fast) * kFast + fast
    line = fast - slow
    sig = (line - sig) * kSignal + sig
    macd[i] = line
    signal[i] = sig
    histogram[i] = line - sig
  }
  return { macd, signal, histogram }
}
