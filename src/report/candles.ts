/**
 * Candles for the report's price chart: a symbol's bars aggregated into calendar-aligned time buckets (at most a
 * given number per symbol, so a million bars stay a few kilobytes), and the trade markers placed on those buckets.
 *
 * - A series of at most `maxCandles` bars is kept whole: one candle per bar, at the bar's time.
 * - A longer one is aggregated into buckets of the smallest "round" duration (1m, 5m, 1h, 4h, 1d, 1w, k weeks, …)
 *   that gives at most `maxCandles` buckets over its time span. Buckets are aligned to UTC (weeks start on Monday):
 *   bucket `k` covers `[anchor + k·d, anchor + (k+1)·d)` and its candle has the open of its first bar, the highest
 *   high, the lowest low and the close of its last bar. Buckets without bars are left out (a gap in the data stays a
 *   gap).
 * - A trade's entry and exit are marked on the candle whose time range holds the fill time (the last candle starting
 *   at or before it), at the fill price.
 *
 * Pure functions: the same bars give the same candles.
 *
 * @module
 */
import type { PriceSeries, Trade } from "../backtest/result.ts"

/** Default cap on the candles per symbol. */
export const DEFAULT_MAX_CANDLES = 400

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const WEEK = 7 * DAY
/** 1970-01-05T00:00:00Z, the first Monday of the Unix epoch: weekly buckets start on Mondays. */
const MONDAY = 4 * DAY

/** The round bucket durations tried, shortest first (beyond the last: whole numbers of weeks). */
export const BUCKET_DURATIONS: ReadonlyArray<number> = [
  SECOND,
  5 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  3 * MINUTE,
  5 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  4 * HOUR,
  6 * HOUR,
  8 * HOUR,
  12 * HOUR,
  DAY,
  3 * DAY,
  WEEK
]

/** One symbol's candles as columns (times in ms, UTC). */
export interface Candles {
  readonly symbol: string
  /** Number of bars before aggregation. */
  readonly bars: number
  /** The smallest step between two consecutive bars (ms); 0 with fewer than two bars. */
  readonly barInterval: number
  /** Whether bars were aggregated; `false`: one candle per bar. */
  readonly aggregated: boolean
  /** Time covered by one candle (ms): the bucket duration, or {@link Candles.barInterval} when not aggregated. */
  readonly interval: number
  /** Candle times: the bucket's start (aligned to `interval`), or the bar's time when not aggregated. */
  readonly t: ReadonlyArray<number>
  readonly o: ReadonlyArray<number>
  readonly h: ReadonlyArray<number>
  readonly l: ReadonlyArray<number>
  readonly c: ReadonlyArray<number>
}

/** Where buckets of duration `d` start: on Mondays for whole weeks, on the Unix epoch otherwise. */
export const bucketAnchor = (d: number): number => (d % WEEK === 0 ? MONDAY : 0)

/** The number of buckets of duration `d` between two times (both included), counting empty ones. */
const bucketSpan = (first: number, last: number, d: number): number => {
  const a = bucketAnchor(d)
  return Math.floor((last - a) / d) - Math.floor((first - a) / d) + 1
}

/**
 * The shortest round bucket duration (see {@link BUCKET_DURATIONS}, then whole weeks) such that the time range
 * `[first, last]` spans at most `maxBuckets` aligned buckets.
 */
export const chooseBucketDuration = (first: number, last: number, maxBuckets: number): number => {
  const cap = Math.max(1, Math.floor(maxBuckets))
  for (const d of BUCKET_DURATIONS) if (bucketSpan(first, last, d) <= cap) return d
  let weeks = Math.max(2, Math.floor((last - first) / WEEK / cap))
  while (bucketSpan(first, last, weeks * WEEK) > cap) weeks++
  return weeks * WEEK
}

/** The smallest positive step between consecutive times; 0 when there is none. */
const smallestStep = (t: ArrayLike<number>, n: number): number => {
  let step = Infinity
  for (let i = 1; i < n; i++) {
    const d = t[i]! - t[i - 1]!
    if (d > 0 && d < step) step = d
  }
  return step === Infinity ? 0 : step
}

/**
 * A symbol's bars as at most `maxCandles` candles (default {@link DEFAULT_MAX_CANDLES}, at least 1). Bars must be in
 * time order, as the engine records them.
 */
export const aggregateCandles = (series: PriceSeries, maxCandles: number = DEFAULT_MAX_CANDLES): Candles => {
  const { close, high, low, open, timestamps } = series
  const n = Math.min(timestamps.length, open.length, high.length, low.length, close.length)
  const cap = Math.max(1, Math.floor(maxCandles))
  const barInterval = smallestStep(timestamps, n)
  const t: Array<number> = []
  const o: Array<number> = []
  const h: Array<number> = []
  const l: Array<number> = []
  const c: Array<number> = []
  if (n <= cap) {
    for (let i = 0; i < n; i++) {
      t.push(timestamps[i]!)
      o.push(open[i]!)
      h.push(high[i]!)
      l.push(low[i]!)
      c.push(close[i]!)
    }
    return { symbol: series.symbol, bars: n, barInterval, aggregated: false, interval: barInterval, t, o, h, l, c }
  }
  const d = chooseBucketDuration(timestamps[0]!, timestamps[n - 1]!, cap)
  const anchor = bucketAnchor(d)
  let key = NaN
  let last = -1
  for (let i = 0; i < n; i++) {
    const k = Math.floor((timestamps[i]! - anchor) / d)
    if (k !== key) {
      key = k
      last++
      t.push(anchor + k * d)
      o.push(open[i]!)
      h.push(high[i]!)
      l.push(low[i]!)
      c.push(close[i]!)
    } else {
      if (high[i]! > h[last]!) h[last] = high[i]!
      if (low[i]! < l[last]!) l[last] = low[i]!
      c[last] = close[i]!
    }
  }
  return { symbol: series.symbol, bars: n, barInterval, aggregated: true, interval: d, t, o, h, l, c }
}

/**
 * The candle holding time `time`: the index of the last candle starting at or before it (0 for a time before the
 * first candle; -1 when there are no candles). `t` must be ascending.
 */
export const candleIndex = (t: ReadonlyArray<number>, time: number): number => {
  if (t.length === 0) return -1
  let lo = 0
  let hi = t.length - 1
  if (!(time >= t[0]!)) return 0
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (t[mid]! <= time) lo = mid
    else hi = mid - 1
  }
  return lo
}

/** What a marker stands for. */
export const MarkerKind = {
  /** A long entry (▲). */
  longEntry: 0,
  /** A short entry (▼). */
  shortEntry: 1,
  /** An exit (✕). */
  exit: 2
} as const

/** The trade markers of one symbol as columns: for each marker its candle, price, kind and trade. */
export interface Markers {
  /** Index of the candle holding the fill time (see {@link candleIndex}). */
  readonly candle: ReadonlyArray<number>
  /** The fill price. */
  readonly price: ReadonlyArray<number>
  /** A {@link MarkerKind} value. */
  readonly kind: ReadonlyArray<number>
  /** Index of the trade in the list given to {@link tradeMarkers}. */
  readonly trade: ReadonlyArray<number>
}

/**
 * An entry and an exit marker for every trade of the candles' symbol, in trade order (entry first), each on the
 * candle holding its fill time, at its fill price.
 */
export const tradeMarkers = (candles: Candles, trades: ReadonlyArray<Trade>): Markers => {
  const candle: Array<number> = []
  const price: Array<number> = []
  const kind: Array<number> = []
  const trade: Array<number> = []
  if (candles.t.length === 0) return { candle, price, kind, trade }
  for (let i = 0; i < trades.length; i++) {
    const tr = trades[i]!
    if (tr.symbol !== candles.symbol) continue
    candle.push(candleIndex(candles.t, tr.entryTime))
    price.push(tr.entryPrice)
    kind.push(tr.side === "long" ? MarkerKind.longEntry : MarkerKind.shortEntry)
    trade.push(i)
    candle.push(candleIndex(candles.t, tr.exitTime))
    price.push(tr.exitPrice)
    kind.push(MarkerKind.exit)
    trade.push(i)
  }
  return { candle, price, kind, trade }
}
