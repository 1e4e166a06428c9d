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
  declare readonly sessionMs: number
  declare readonly offsetMs: number
  readonly outputs = VWAP_OUTPUTS
  private n = 0
  private key = Number.NaN
  private sumPV = 0
  private sumV = 0
  private out = Number.NaN
  private pKey = Number.NaN
  private pSumPV = 0
  private pSumV = 0

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
    const prevKey = this.key
    let sumPV = this.sumPV
    let sumV = this.sumV
    this.pKey = prevKey
    this.pSumPV = sumPV
    this.pSumV = sumV
    this.n++
    const key = Math.floor((timestamp - this.offsetMs) / this.sessionMs)
    if (key !== prevKey) {
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
    // update() sets the value again
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
    this.key = this.pKey = this.out = Number.NaN
    this.sumPV = this.sumV = this.pSumPV = this.pSumV = 0
  }
}

/**
 * Batch kernels run their loop in blocks of this many bars, each block a call of a small kernel function: V8 compiles
 * a loop entered once and run long "on stack" (OSR), keeping floating-point loop variables boxed there (see sma.ts).
 */
const KERNEL_BLOCK = 2048

/** {@link vwapBatch} over `[from, to)`; `st` carries `[key, sumPV, sumV]` between blocks. */
const vwapBlock = (
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
  volume: Float64Array,
  timestamp: Float64Array,
  sessionMs: number,
  offsetMs: number,
  out: Float64Array,
  st: Float64Array,
  from: number,
  to: number
): void => {
  let current = st[0]!
  let sumPV = st[1]!
  let sumV = st[2]!
  for (let i = from; i < to; i++) {
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
  st[0] = current
  st[1] = sumPV
  st[2] = sumV
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
  const st = new Float64Array(3)
  st[0] = Number.NaN
  for (let i = 0; i < len; i += KERNEL_BLOCK) {
    vwapBlock(high, low, close, volume, timestamp, sessionMs, offsetMs, out, st, i, Math.min(len, i + KERNEL_BLOCK))
  }
  return out
}

/** Number of bars before the first rolling VWAP: `period - 1`. */
export const vwapRollingLookback = (period: number): number => checkPeriod("VWAP_ROLLING", period) - 1

/** VWAP over the last `period` bars, `update(high, low, close, volume)`. */
export class VwapRolling implements BarIndicator {
  declare readonly period: number
  readonly outputs = VWAP_OUTPUTS
  /**
   * `pv` and `v` of the last bars, `period + 1` slots: bar number `j` is in slot `j mod (period + 1)`, so the bar
   * leaving the window is still in the slot after the newest one, and `replace` has no slot to restore.
   */
  private declare readonly pvs: Float64Array
  private declare readonly vs: Float64Array
  private declare readonly slots: number
  /** Slot of the next bar. */
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

  /** @throws RangeError when `period` is not an integer from 1 to 100000. */
  constructor(period = 14) {
    this.period = checkPeriod("VWAP_ROLLING", period)
    this.slots = period + 1
    this.pvs = new Float64Array(period + 1)
    this.vs = new Float64Array(period + 1)
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
    const n = this.n + 1
    this.n = n
    if (n <= this.period) return this.warmUp(high, low, close, volume, n)
    const nz = this.nz
    this.pSPV = this.sPV
    this.pCPV = this.cPV
    this.pSV = this.sV
    this.pCV = this.cV
    this.pNz = nz
    const tp = ((high + low) + close) / 3
    const pv = tp * volume
    const head = this.head
    let next = head + 1
    if (next === this.slots) next = 0
    const pvs = this.pvs
    const vs = this.vs
    pvs[head] = pv
    vs[head] = volume
    this.head = next
    // the bar leaving the window is in the slot after the newest one: remove it, add the new one
    const oldV = vs[next]!
    this.shiftPV(-pvs[next]!, pv)
    this.shiftV(-oldV, volume)
    const nz1 = nz - (oldV !== 0 ? 1 : 0) + (volume !== 0 ? 1 : 0)
    this.nz = nz1
    const out = nz1 > 0 ? (this.sPV + this.cPV) / (this.sV + this.cV) : tp
    this.out = out
    return out
  }

  /** `update` for the first `period` bars (`n`, the new count, is at most `period`): add only. */
  private warmUp(high: number, low: number, close: number, volume: number, n: number): number {
    const nz = this.nz
    this.pSPV = this.sPV
    this.pCPV = this.cPV
    this.pSV = this.sV
    this.pCV = this.cV
    this.pNz = nz
    const tp = ((high + low) + close) / 3
    const pv = tp * volume
    const head = this.head
    this.pvs[head] = pv
    this.vs[head] = volume
    this.head = head + 1 === this.slots ? 0 : head + 1
    let s = this.sPV
    let c = this.cPV
    let t = s + pv
    if (Math.abs(s) >= Math.abs(pv)) c += (s - t) + pv
    else c += (pv - t) + s
    this.sPV = t
    this.cPV = c
    s = this.sV
    c = this.cV
    t = s + volume
    if (Math.abs(s) >= Math.abs(volume)) c += (s - t) + volume
    else c += (volume - t) + s
    this.sV = t
    this.cV = c
    const nz1 = volume !== 0 ? nz + 1 : nz
    this.nz = nz1
    if (n < this.period) return Number.NaN
    const out = nz1 > 0 ? (this.sPV + this.cPV) / (this.sV + this.cV) : tp
    this.out = out
    return out
  }

  /** Two Neumaier steps on the `pv` window sum `(sPV, cPV)`: add `a` (the leaving bar, negated), then `x`. */
  private shiftPV(a: number, x: number): void {
    let s = this.sPV
    let c = this.cPV
    let t = s + a
    if (Math.abs(s) >= Math.abs(a)) c += (s - t) + a
    else c += (a - t) + s
    s = t
    t = s + x
    if (Math.abs(s) >= Math.abs(x)) c += (s - t) + x
    else c += (x - t) + s
    this.sPV = t
    this.cPV = c
  }

  /** Two Neumaier steps on the volume window sum `(sV, cV)`: add `a` (the leaving bar, negated), then `x`. */
  private shiftV(a: number, x: number): void {
    let s = this.sV
    let c = this.cV
    let t = s + a
    if (Math.abs(s) >= Math.abs(a)) c += (s - t) + a
    else c += (a - t) + s
    s = t
    t = s + x
    if (Math.abs(s) >= Math.abs(x)) c += (s - t) + x
    else c += (x - t) + s
    this.sV = t
    this.cV = c
  }

  /** Replaces the most recent bar. */
  replace(high: number, low: number, close: number, volume: number): number {
    if (this.n === 0) return this.update(high, low, close, volume)
    const head = this.head
    this.head = (head === 0 ? this.slots : head) - 1
    this.n--
    this.nz = this.pNz
    this.sPV = this.pSPV
    this.cPV = this.pCPV
    this.sV = this.pSV
    this.cV = this.pCV
    // the value: set again by update() once the window is full, NaN before
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
    this.pNz = this.pSPV = this.pCPV = this.pSV = this.pCV = 0
    this.out = Number.NaN
  }
}

/**
 * {@link vwapRollingBatch} over `[from, to)`, `from >= p`; `pvs` is the ring of the last `p` values of `pv` (slot
 * `i mod p`, the slot of bar `i` being `slot` at `from`), `st` carries `[sPV, cPV, sV, cV, nz]` between blocks.
 */
const vwapRollingBlock = (
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
  volume: Float64Array,
  p: number,
  out: Float64Array,
  pvs: Float64Array,
  st: Float64Array,
  from: number,
  to: number,
  slot: number
): void => {
  let sPV = st[0]!
  let cPV = st[1]!
  let sV = st[2]!
  let cV = st[3]!
  let nz = st[4]!
  for (let i = from; i < to; i++) {
    const tp = ((high[i]! + low[i]!) + close[i]!) / 3
    const v = volume[i]!
    const pv = tp * v
    let a = -pvs[slot]!
    let t = sPV + a
    if (Math.abs(sPV) >= Math.abs(a)) cPV += (sPV - t) + a
    else cPV += (a - t) + sPV
    sPV = t
    t = sPV + pv
    if (Math.abs(sPV) >= Math.abs(pv)) cPV += (sPV - t) + pv
    else cPV += (pv - t) + sPV
    sPV = t
    const oldV = volume[i - p]!
    a = -oldV
    t = sV + a
    if (Math.abs(sV) >= Math.abs(a)) cV += (sV - t) + a
    else cV += (a - t) + sV
    sV = t
    if (oldV !== 0) nz--
    t = sV + v
    if (Math.abs(sV) >= Math.abs(v)) cV += (sV - t) + v
    else cV += (v - t) + sV
    sV = t
    if (v !== 0) nz++
    pvs[slot] = pv
    slot = slot + 1 === p ? 0 : slot + 1
    out[i] = nz > 0 ? (sPV + cPV) / (sV + cV) : tp
  }
  st[0] = sPV
  st[1] = cPV
  st[2] = sV
  st[3] = cV
  st[4] = nz
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
  const warm = Math.min(p, len)
  for (let i = 0; i < warm; i++) {
    const tp = ((high[i]! + low[i]!) + close[i]!) / 3
    const v = volume[i]!
    const pv = tp * v
    let t = sPV + pv
    if (Math.abs(sPV) >= Math.abs(pv)) cPV += (sPV - t) + pv
    else cPV += (pv - t) + sPV
    sPV = t
    t = sV + v
    if (Math.abs(sV) >= Math.abs(v)) cV += (sV - t) + v
    else cV += (v - t) + sV
    sV = t
    if (v !== 0) nz++
    pvs[i] = pv
    out[i] = i < p - 1 ? Number.NaN : nz > 0 ? (sPV + cPV) / (sV + cV) : tp
  }
  if (len <= p) return out
  const st = new Float64Array(5)
  st[0] = sPV
  st[1] = cPV
  st[2] = sV
  st[3] = cV
  st[4] = nz
  // bar i is in ring slot i mod p
  for (let i = p, slot = 0; i < len; i += KERNEL_BLOCK) {
    const to = Math.min(len, i + KERNEL_BLOCK)
    vwapRollingBlock(high, low, close, volume, p, out, pvs, st, i, to, slot)
    slot = (slot + (to - i)) % p
  }
  return out
}
