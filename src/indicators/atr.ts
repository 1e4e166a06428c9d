/**
 * Average true range (ATR), Wilder's, TA-Lib convention (`TA_ATR`): the true range exists from the second bar on
 * (`max(h - l, |h - prevClose|, |l - prevClose|)`), the first ATR (index `period`, lookback `period`) is the plain
 * mean of the true ranges of bars 1..period, then `atr = ((atr * (period - 1)) + tr) / period`.
 * Bit-identical to TA-Lib. Exact operation order and the StockCharts mapping: docs/indicators.md, "ATR".
 *
 * @module
 */
import { type BarIndicator, type BarInput, checkColumn, checkPeriod, outputArray } from "./contract.ts"

/** Number of bars before the first ATR value: `period`. */
export const atrLookback = (period: number): number => checkPeriod("ATR", period)

/**
 * True range of a bar given the previous close, in TA-Lib's order: `h - l`, replaced by `|h - pc|` when greater, then
 * by `|l - pc|` when greater.
 */
export const trueRange = (high: number, low: number, prevClose: number): number => {
  let tr = high - low
  const a = Math.abs(high - prevClose)
  if (a > tr) tr = a
  const b = Math.abs(low - prevClose)
  if (b > tr) tr = b
  return tr
}

const ATR_OUTPUTS: ReadonlyArray<string> = ["value"]

/** Streaming Wilder ATR over high/low/close. */
export class Atr implements BarIndicator {
  declare readonly period: number
  readonly outputs = ATR_OUTPUTS
  private n = 0
  private pc = 0
  private sum = 0
  private atr = Number.NaN
  private tr = Number.NaN
  private pPc = 0
  private pSum = 0
  private pAtr = Number.NaN

  /** @throws RangeError when `period` is not an integer from 1 to 100000. */
  constructor(period = 14) {
    this.period = checkPeriod("ATR", period)
  }

  /** The current ATR, `NaN` until `period + 1` bars have been seen. */
  get value(): number {
    return this.atr
  }
  /** The latest true range (`NaN` on the first bar). */
  get trueRange(): number {
    return this.tr
  }
  get count(): number {
    return this.n
  }
  get isReady(): boolean {
    return this.n > this.period
  }
  output(index: number): number {
    return index === 0 ? this.atr : Number.NaN
  }

  /** Adds a bar; returns the ATR (`NaN` during warm-up). */
  update(high: number, low: number, close: number): number {
    const pc = this.pc
    this.pPc = pc
    this.pc = close
    const n = this.n + 1
    this.n = n
    if (n === 1) return Number.NaN
    let tr = high - low
    const a = Math.abs(high - pc)
    if (a > tr) tr = a
    const b = Math.abs(low - pc)
    if (b > tr) tr = b
    this.tr = tr
    const p = this.period
    const prev = this.atr
    this.pAtr = prev
    if (n > p + 1) {
      const atr = ((prev * (p - 1)) + tr) / p
      this.atr = atr
      return atr
    }
    // warm-up: the sum of the first true ranges (saved for replace here only)
    const sum0 = this.sum
    this.pSum = sum0
    const sum = sum0 + tr
    this.sum = sum
    if (n <= p) return Number.NaN
    const atr = sum / p
    this.atr = atr
    return atr
  }

  /** Replaces the most recent bar. */
  replace(high: number, low: number, close: number): number {
    if (this.n === 0) return this.update(high, low, close)
    const n = this.n
    this.n = n - 1
    this.pc = this.pPc
    if (n > 1) {
      // the replaced update saved the ATR before it (and the sum, during warm-up); the true range is set again
      this.atr = this.pAtr
      if (n <= this.period + 1) this.sum = this.pSum
    }
    return this.update(high, low, close)
  }

  updateBar(bar: BarInput): number {
    return this.update(bar.high, bar.low, bar.close)
  }
  replaceBar(bar: BarInput): number {
    return this.replace(bar.high, bar.low, bar.close)
  }

  reset(): void {
    this.n = 0
    this.pc = this.sum = this.pPc = this.pSum = 0
    this.atr = this.tr = this.pAtr = Number.NaN
  }
}

/** ATR of whole columns (`NaN` before index `period`), bit-identical to {@link Atr}. */
export const atrBatch = (
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
  period = 14,
  into?: Float64Array
): Float64Array => {
  const p = checkPeriod("ATR", period)
  const len = close.length
  checkColumn("ATR", "high", high, len)
  checkColumn("ATR", "low", low, len)
  const out = outputArray("ATR", len, into)
  const warm = Math.min(p, len)
  for (let i = 0; i < warm; i++) out[i] = Number.NaN
  if (len <= p) return out
  let sum = 0
  let pc = close[0]!
  for (let i = 1; i <= p; i++) {
    const h = high[i]!
    const l = low[i]!
    let tr = h - l
    const a = Math.abs(h - pc)
    if (a > tr) tr = a
    const b = Math.abs(l - pc)
    if (b > tr) tr = b
    sum = sum + tr
    pc = close[i]!
  }
  let atr = sum / p
  out[p] = atr
  const m = p - 1
  for (let i = p + 1; i < len; i++) {
    const h = high[i]!
    const l = low[i]!
    let tr = h - l
    const a = Math.abs(h - pc)
    if (a > tr) tr = a
    const b = Math.abs(l - pc)
    if (b > tr) tr = b
    atr = ((atr * m) + tr) / p
    out[i] = atr
    pc = close[i]!
  }
  return out
}
