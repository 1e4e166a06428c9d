/**
 * Volume-weighted average price on the typical price `((h + l) + c) / 3`:
 * - {@link Vwap}: cumulative within sessions (`sessionMs`, `offsetMs`; the bar timestamp decides the session), plain
 *   running sums, lookback 0; bit-identical to TA-Lib's 2026 `TA_VWAP` and trading-signals 8.3.0 within a session;
 * - {@link VwapRolling}: over the last `period` bars (Neumaier window sums), lookback `period - 1` (no partial
 *   windows).
 * With no volume (a session or window of zero-volume bars) the value is the bar's typical price.
 * Exact operation order: docs/indicators.md, "VWAP" and "vwap_rolling".
 *
 * @module
 */
import {
  type BarIndicator,
  type BarInput,
  checkColumn,
  checkInteger,
  checkPeriod,
  outputArray
} from "./contract.ts"

/** Largest `sessionMs` / `|offsetMs|` accepted (1e15 ms, about 31 700 years: "never reset"). */
export const MAX_SESSION_MS = 1e15

/** One day in milliseconds, the default session. */
export const DAY_MS = 86_400_000

const checkVwap = (sessionMs: number, offsetMs: number): void => {
  checkInteger("VWAP", "sessionMs", sessionMs, 1, MAX_SESSION_MS)
  checkInteger("VWAP", "offsetMs", offsetMs, -MAX_SESSION_MS, MAX_SESSION_MS)
}

/** The session number of a timestamp: `floor((timestamp - offsetMs) / sessionMs)`. */
export const sessionKey = (timestamp: number, sessionMs: number, offsetMs: number): number =>
  Math.floor((timestamp - offsetMs) / sessionMs)

const VWAP_OUTPUTS: ReadonlyArray<string> = ["value"]

/** Session VWAP, `update(high, low, close, volume, timestamp)`. */
export class Vwap implements BarIndicator {
  readonly sessionMs: number
  readonly offsetMs: number
  readonly outputs = VWAP_OUTPUTS
  private n = 0
  private key = Number.NaN
  private sumPV = 0
  private sumV = 0
  private out = Number.NaN
  private pKey = Number.NaN
  private pSumPV = 0
  private pSumV = 0
  private pOut = Number.NaN

  /** @throws RangeError when `sessionMs` is not an integer from 1 to 1e15 or `offsetMs` not an integer within ±1e15. */
  constructor(sessionMs = DAY_MS, offsetMs = 0) {
    checkVwap(sessionMs, offsetMs)
    this.sessionMs = sessionMs
    this.offsetMs = offsetMs
  }

  get value(): number {
    return this.out
  }
  get count(): number {
    return this.n
  }
  get isReady(): boolean {
    return this.n > 0
  }
  /** Volume summed over the current session. */
  get sessionVolume(): number {
    return this.sumV
  }
  output(index: number): number {
    return index === 0 ? this.out : Number.NaN
  }

  /** Adds a bar; returns the session VWAP. */
  update(high: number, low: number, close: number, volume: number, timestamp: number): number {
    this.pKey = this.key
    this.pSumPV = this.sumPV
    this.pSumV = this.sumV
    this.pOut = this.out
    this.n++
    const key = Math.floor((timestamp - this.offsetMs) / this.sessionMs)
    let sumPV = this.sumPV
    let sumV = this.sumV
    if (key !== this.key) {
      this.key = key
      sumPV = 0
      sumV = 0
    }
    const tp = ((high + low) + close) / 3
    sumPV = sumPV + tp * volume
    sumV = sumV + volume
    this.sumPV = sumPV
    this.sumV = sumV
    const out = sumV !== 0 ? sumPV / sumV : tp
    this.out = out
    return out
  }

  /** Replaces the most recent bar. */
  replace(high: number, low: number, close: number, volume: number, timestamp: number): number {
    if (this.n === 0) return this.update(high, low, close, volume, timestamp)
    this.n--
    this.key = this.pKey
    this.sumPV = this.pSumPV
    this.sumV = this.pSumV
    this.out = this.pOut
    return this.update(high, low, close, volume, timestamp)
  }

  updateBar(bar: BarInput): number {
    return this.update(bar.high, bar.low, bar.close, bar.volume, bar.timestamp)
  }
  replaceBar(bar: BarInput): number {
    return this.replace(bar.high, bar.low, bar.close, bar.volume, bar.timestamp)
  }

  reset(): void {
    this.n = 0
    this.key = this.pKey = this.out = this.pOut = Number.NaN
    this.sumPV = this.sumV = this.pSumPV = this.pSumV = 0
  }
}

/** Session VWAP of whole columns, bit-identical to {@link Vwap}. */
export const vwapBatch = (
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
  volume: Float64Array,
  timestamp: Float64Array,
  sessionMs = DAY_MS,
  offsetMs = 0,
  into?: Float64Array
): Float64Array => {
  checkVwap(sessionMs, offsetMs)
  const len = close.length
  checkColumn("VWAP", "high", high, len)
  checkColumn("VWAP", "low", low, len)
  checkColumn("VWAP", "volume", volume, len)
  checkColumn("VWAP", "timestamp", timestamp, len)
  const out = outputArray("VWAP", len, into)
  let current = Number.NaN
  let sumPV = 0
  let sumV = 0
  for (let i = 0; i < len; i++) {
    const key = Math.floor((timestamp[i]! - offsetMs) / sessionMs)
    if (key !== current) {
      current = key
      sumPV = 0
      sumV = 0
    }
    const tp = ((high[i]! + low[i]!) + close[i]!) / 3
    const v = volume[i]!
    sumPV = sumPV + tp * v
    sumV = sumV + v
    out[i] = sumV !== 0 ? sumPV / sumV : tp
  }
  return out
}

/** Number of bars before the first rolling VWAP: `period - 1`. */
export const vwapRollingLookback = (period: number): number => checkPeriod("VWAP_ROLLING", period) - 1

/** VWAP over the last `period` bars, `update(high, low, close, volume)`. */
export class VwapRolling implements BarIndicator {
  readonly period: number
  readonly outputs = VWAP_OUTPUTS
  private readonly pvs: Float64Array
  private readonly vs: Float64Array
  private head = 0
  private n = 0
  private nz = 0
  private sPV = 0
  private cPV = 0
  private sV = 0
  private cV = 0
  private out = Number.NaN
  private pNz = 0
  private pSPV = 0
  private pCPV = 0
  private pSV = 0
  private pCV = 0
  private pOut = Number.NaN
  private pSlotPV = 0
  private pSlotV = 0

  /** @throws RangeError when `period` is not an integer from 1 to 100000. */
  constructor(period = 14) {
    this.period = checkPeriod("VWAP_ROLLING", period)
    this.pvs = new Float64Array(period)
    this.vs = new Float64Array(period)
  }

  get value(): number {
    return this.out
  }
  get count(): number {
    return this.n
  }
  get isReady(): boolean {
    return this.n >= this.period
  }
  output(index: number): number {
    return index === 0 ? this.out : Number.NaN
  }

  /** Adds a bar; returns the VWAP of the last `period` bars (`NaN` during warm-up). */
  update(high: number, low: number, close: number, volume: number): number {
    const p = this.period
    const head = this.head
    const pvs = this.pvs
    const vs = this.vs
    let sPV = this.sPV
    let cPV = this.cPV
    let sV = this.sV
    let cV = this.cV
    let nz = this.nz
    this.pSPV = sPV
    this.pCPV = cPV
    this.pSV = sV
    this.pCV = cV
    this.pNz = nz
    this.pOut = this.out
    const oldPV = pvs[head]!
    const oldV = vs[head]!
    this.pSlotPV = oldPV
    this.pSlotV = oldV
    const n = this.n + 1
    this.n = n
    const tp = ((high + low) + close) / 3
    const pv = tp * volume
    if (n > p) {
      const a = -oldPV
      const t = sPV + a
      if (Math.abs(sPV) >= Math.abs(a)) cPV += (sPV - t) + a
      else cPV += (a - t) + sPV
      sPV = t
    }
    {
      const t = sPV + pv
      if (Math.abs(sPV) >= Math.abs(pv)) cPV += (sPV - t) + pv
      else cPV += (pv - t) + sPV
      sPV = t
    }
    if (n > p) {
      const a = -oldV
      const t = sV + a
      if (Math.abs(sV) >= Math.abs(a)) cV += (sV - t) + a
      else cV += (a - t) + sV
      sV = t
      if (oldV !== 0) nz--
    }
    {
      const t = sV + volume
      if (Math.abs(sV) >= Math.abs(volume)) cV += (sV - t) + volume
      else cV += (volume - t) + sV
      sV = t
      if (volume !== 0) nz++
    }
    pvs[head] = pv
    vs[head] = volume
    this.head = head + 1 === p ? 0 : head + 1
    this.sPV = sPV
    this.cPV = cPV
    this.sV = sV
    this.cV = cV
    this.nz = nz
    if (n < p) return Number.NaN
    const out = nz > 0 ? (sPV + cPV) / (sV + cV) : tp
    this.out = out
    return out
  }

  /** Replaces the most recent bar. */
  replace(high: number, low: number, close: number, volume: number): number {
    if (this.n === 0) return this.update(high, low, close, volume)
    const head = this.head === 0 ? this.period - 1 : this.head - 1
    this.head = head
    this.pvs[head] = this.pSlotPV
    this.vs[head] = this.pSlotV
    this.n--
    this.nz = this.pNz
    this.sPV = this.pSPV
    this.cPV = this.pCPV
    this.sV = this.pSV
    this.cV = this.pCV
    this.out = this.pOut
    return this.update(high, low, close, volume)
  }

  updateBar(bar: BarInput): number {
    return this.update(bar.high, bar.low, bar.close, bar.volume)
  }
  replaceBar(bar: BarInput): number {
    return this.replace(bar.high, bar.low, bar.close, bar.volume)
  }

  reset(): void {
    this.pvs.fill(0)
    this.vs.fill(0)
    this.head = this.n = this.nz = 0
    this.sPV = this.cPV = this.sV = this.cV = 0
    this.pNz = this.pSPV = this.pCPV = this.pSV = this.pCV = this.pSlotPV = this.pSlotV = 0
    this.out = this.pOut = Number.NaN
  }
}

/** Rolling VWAP of whole columns (`NaN` before index `period - 1`), bit-identical to {@link VwapRolling}. */
export const vwapRollingBatch = (
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
  volume: Float64Array,
  period = 14,
  into?: Float64Array
): Float64Array => {
  const p = checkPeriod("VWAP_ROLLING", period)
  const len = close.length
  checkColumn("VWAP_ROLLING", "high", high, len)
  checkColumn("VWAP_ROLLING", "low", low, len)
  checkColumn("VWAP_ROLLING", "volume", volume, len)
  const out = outputArray("VWAP_ROLLING", len, into)
  const pvs = new Float64Array(p)
  let sPV = 0
  let cPV = 0
  let sV = 0
  let cV = 0
  let nz = 0
  for (let i = 0; i < len; i++) {
    const slot = i % p
    const tp = ((high[i]! + low[i]!) + close[i]!) / 3
    const v = volume[i]!
    const pv = tp * v
    if (i >= p) {
      const a = -pvs[slot]!
      const t = sPV + a
      if (Math.abs(sPV) >= Math.abs(a)) cPV += (sPV - t) + a
      else cPV += (a - t) + sPV
      sPV = t
    }
    {
      const t = sPV + pv
      if (Math.abs(sPV) >= Math.abs(pv)) cPV += (sPV - t) + pv
      else cPV += (pv - t) + sPV
      sPV = t
    }
    if (i >= p) {
      const oldV = volume[i - p]!
      const a = -oldV
      const t = sV + a
      if (Math.abs(sV) >= Math.abs(a)) cV += (sV - t) + a
      else cV += (a - t) + sV
      sV = t
      if (oldV !== 0) nz--
    }
    {
      const t = sV + v
      if (Math.abs(sV) >= Math.abs(v)) cV += (sV - t) + v
      else cV += (v - t) + sV
      sV = t
      if (v !== 0) nz++
    }
    pvs[slot] = pv
    out[i] = i < p - 1 ? Number.NaN : nz > 0 ? (sPV + cPV) / (sV + cV) : tp
  }
  return out
}
