/**
 * Candle aggregation and trade-marker placement for the report's price chart: exact OHLC per bucket on hand-made
 * bars, calendar alignment, gaps, markers on the bucket holding the fill time, and a property test against a naive
 * group-by.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { PriceSeries, Trade } from "../../src/backtest/result.ts"
import {
  aggregateCandles,
  BUCKET_DURATIONS,
  bucketAnchor,
  candleIndex,
  chooseBucketDuration,
  MarkerKind,
  tradeMarkers
} from "../../src/report/candles.ts"
import { sampleResult } from "./fixture.ts"

const MIN = 60_000
const HOUR = 3_600_000
const DAY = 24 * HOUR
const WEEK = 7 * DAY
const T0 = Date.UTC(2024, 0, 1) // a Monday

const series = (
  timestamps: ReadonlyArray<number>,
  open: ReadonlyArray<number>,
  high: ReadonlyArray<number>,
  low: ReadonlyArray<number>,
  close: ReadonlyArray<number>,
  symbol = "X"
): PriceSeries => ({ symbol, timestamps, open, high, low, close })

/** Ten hourly bars from T0 with hand-picked values. */
const TEN: PriceSeries = series(
  Array.from({ length: 10 }, (_, i) => T0 + i * HOUR),
  [10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
  [12, 15, 13, 14, 16, 20, 17, 18, 19, 22],
  [9, 10, 8, 12, 13, 14, 11, 16, 17, 18],
  [11, 12, 13, 14, 15, 16, 17, 18, 19, 20]
)

const baseTrade = sampleResult().trades[0]!
const trade = (over: Partial<Trade>): Trade => ({ ...baseTrade, symbol: "X", ...over })

describe("aggregateCandles", () => {
  it("keeps a series of at most maxCandles bars whole, one candle per bar", () => {
    const c = aggregateCandles(TEN, 10)
    expect(c).toEqual({
      symbol: "X",
      bars: 10,
      barInterval: HOUR,
      aggregated: false,
      interval: HOUR,
      t: TEN.timestamps,
      o: TEN.open,
      h: TEN.high,
      l: TEN.low,
      c: TEN.close
    })
  })

  it("aggregates into aligned buckets: first open, highest high, lowest low, last close (hand-checked)", () => {
    // 10 hourly bars over 9 h, at most 3 candles: 1h gives 10 buckets, 2h gives 5, 4h gives 3 (00-04, 04-08, 08-12).
    const c = aggregateCandles(TEN, 3)
    expect(c.aggregated).toBe(true)
    expect(c.interval).toBe(4 * HOUR)
    expect(c.t).toEqual([T0, T0 + 4 * HOUR, T0 + 8 * HOUR])
    expect(c.o).toEqual([10, 14, 18])
    expect(c.h).toEqual([15, 20, 22])
    expect(c.l).toEqual([8, 11, 17])
    expect(c.c).toEqual([14, 18, 20])
    expect(c.bars).toBe(10)
    expect(c.barInterval).toBe(HOUR)
  })

  it("aligns buckets to the clock, not to the first bar, and leaves gaps out", () => {
    // Bars at 02:00, 03:00, then (after a gap) 13:00 and 14:00, at most 3 candles: 4h would need 4 buckets (00, 04,
    // 08, 12), 6h needs 3 (00, 06, 12), of which 06-12 has no bar.
    const ts = [2, 3, 13, 14].map((h) => T0 + h * HOUR)
    const c = aggregateCandles(series(ts, [1, 2, 3, 4], [5, 6, 7, 8], [0, 1, 2, 3], [2, 3, 4, 5]), 3)
    expect(c.interval).toBe(6 * HOUR)
    expect(c.t).toEqual([T0, T0 + 12 * HOUR])
    expect(c.o).toEqual([1, 3])
    expect(c.h).toEqual([6, 8])
    expect(c.l).toEqual([0, 2])
    expect(c.c).toEqual([3, 5])
  })

  it("weekly candles start on Mondays 00:00 UTC; longer ones are whole numbers of weeks", () => {
    const n = 700
    const ts = Array.from({ length: n }, (_, i) => T0 + 3 * DAY + i * DAY) // from a Thursday
    const v = ts.map((_, i) => 100 + Math.sin(i / 9) * 10)
    const weekly = aggregateCandles(series(ts, v, v, v, v), 120)
    expect(weekly.interval).toBe(WEEK)
    expect(weekly.t.every((t) => new Date(t).getUTCDay() === 1 && t % DAY === 0)).toBe(true)
    expect(weekly.t[0]).toBe(T0) // the Thursday's week began on Monday T0
    expect(weekly.t.length).toBe(101)
    const coarse = aggregateCandles(series(ts, v, v, v, v), 10)
    expect(coarse.interval % WEEK).toBe(0)
    expect(coarse.interval).toBeGreaterThan(WEEK)
    expect(coarse.t.length).toBeLessThanOrEqual(10)
    expect(coarse.t.every((t) => new Date(t).getUTCDay() === 1)).toBe(true)
  })

  it("chooses the shortest round duration that fits", () => {
    expect(chooseBucketDuration(T0, T0 + 59 * MIN, 60)).toBe(MIN)
    expect(chooseBucketDuration(T0, T0 + 60 * MIN, 60)).toBe(3 * MIN)
    expect(chooseBucketDuration(T0, T0 + 399 * DAY, 400)).toBe(DAY)
    expect(chooseBucketDuration(T0, T0 + 400 * DAY, 400)).toBe(3 * DAY)
    expect(chooseBucketDuration(T0, T0 + 3 * 365 * DAY, 400)).toBe(3 * DAY)
    expect(chooseBucketDuration(T0, T0 + 4 * 365 * DAY, 400)).toBe(WEEK)
    expect(chooseBucketDuration(T0, T0 + 10 * 365 * DAY, 400)).toBe(2 * WEEK)
    expect(chooseBucketDuration(T0, T0 + 10 * 365 * DAY, 1)).toBeGreaterThan(10 * 365 * DAY - WEEK)
  })

  it("matches a naive group-by on random bars, and never exceeds maxCandles", () => {
    const bar = fc.record({
      step: fc.constantFrom(MIN, 5 * MIN, HOUR, DAY, 3 * HOUR + 7 * MIN),
      gap: fc.integer({ min: 1, max: 5 }),
      open: fc.double({ min: 1, max: 1000, noNaN: true }),
      up: fc.double({ min: 0, max: 50, noNaN: true }),
      down: fc.double({ min: 0, max: 50, noNaN: true }),
      close: fc.double({ min: 1, max: 1000, noNaN: true })
    })
    fc.assert(
      fc.property(fc.array(bar, { minLength: 1, maxLength: 400 }), fc.integer({ min: 1, max: 120 }), fc.integer({ min: 0, max: 59 }), (rows, cap, offsetMin) => {
        const ts: Array<number> = []
        let t = T0 + offsetMin * MIN
        for (const r of rows) {
          ts.push(t)
          t += r.step * r.gap
        }
        const s = series(
          ts,
          rows.map((r) => r.open),
          rows.map((r) => Math.max(r.open, r.close) + r.up),
          rows.map((r) => Math.min(r.open, r.close) - r.down),
          rows.map((r) => r.close)
        )
        const c = aggregateCandles(s, cap)
        expect(c.t.length).toBeLessThanOrEqual(cap)
        if (!c.aggregated) {
          expect(c.t).toEqual(ts)
          return
        }
        expect(c.interval).toSatisfy((d: number) => BUCKET_DURATIONS.includes(d) || d % WEEK === 0)
        // Reference: group bars by their bucket number in a Map.
        const groups = new Map<number, Array<number>>()
        ts.forEach((time, i) => {
          const k = Math.floor((time - bucketAnchor(c.interval)) / c.interval)
          groups.set(k, [...(groups.get(k) ?? []), i])
        })
        const keys = [...groups.keys()].sort((a, b) => a - b)
        expect(c.t).toEqual(keys.map((k) => bucketAnchor(c.interval) + k * c.interval))
        keys.forEach((k, j) => {
          const idx = groups.get(k)!
          expect(c.o[j]).toBe(s.open[idx[0]!])
          expect(c.c[j]).toBe(s.close[idx[idx.length - 1]!])
          expect(c.h[j]).toBe(Math.max(...idx.map((i) => s.high[i]!)))
          expect(c.l[j]).toBe(Math.min(...idx.map((i) => s.low[i]!)))
        })
        // Every bar maps to the candle holding it.
        ts.forEach((time, i) => {
          const j = candleIndex(c.t, time)
          expect(c.t[j]!).toBeLessThanOrEqual(time)
          expect(time).toBeLessThan(c.t[j]! + c.interval)
          expect(c.h[j]!).toBeGreaterThanOrEqual(s.high[i]!)
          expect(c.l[j]!).toBeLessThanOrEqual(s.low[i]!)
        })
      }),
      { numRuns: 200, seed: 7 }
    )
  })

  it("a million one-minute bars become at most 400 candles that keep the extremes, first open and last close", () => {
    const n = 1_000_000
    const ts = new Array<number>(n)
    const open = new Array<number>(n)
    const high = new Array<number>(n)
    const low = new Array<number>(n)
    const close = new Array<number>(n)
    let p = 100
    let seed = 3
    for (let i = 0; i < n; i++) {
      seed = (seed * 16807) % 2147483647
      const next = p * (1 + (seed / 2147483647 - 0.5) * 0.004)
      ts[i] = T0 + i * MIN
      open[i] = p
      close[i] = next
      high[i] = Math.max(p, next) * 1.001
      low[i] = Math.min(p, next) * 0.999
      p = next
    }
    const c = aggregateCandles(series(ts, open, high, low, close))
    expect(c.t.length).toBeLessThanOrEqual(400)
    expect(c.t.length).toBeGreaterThan(100)
    expect(c.interval).toBe(DAY * 3) // 694 days
    expect(c.o[0]).toBe(open[0])
    expect(c.c[c.c.length - 1]).toBe(close[n - 1])
    expect(Math.max(...c.h)).toBe(high.reduce((a, b) => Math.max(a, b)))
    expect(Math.min(...c.l)).toBe(low.reduce((a, b) => Math.min(a, b)))
  })

  it("an empty series gives no candles", () => {
    const c = aggregateCandles(series([], [], [], [], []))
    expect(c.t).toEqual([])
    expect(c.barInterval).toBe(0)
    expect(candleIndex(c.t, T0)).toBe(-1)
  })
})

describe("candleIndex", () => {
  it("is the last candle starting at or before the time, clamped to the first", () => {
    const t = [10, 20, 30]
    expect([0, 10, 15, 19, 20, 29, 30, 1e9].map((x) => candleIndex(t, x))).toEqual([0, 0, 0, 0, 1, 1, 2, 2])
  })
})

describe("tradeMarkers", () => {
  const trades = [
    trade({ id: 1, side: "long", entryTime: T0 + 2 * HOUR, entryPrice: 12.5, exitTime: T0 + 5 * HOUR, exitPrice: 15.5 }),
    trade({ id: 2, symbol: "OTHER", entryTime: T0, exitTime: T0 + HOUR }),
    trade({ id: 3, side: "short", entryTime: T0 + 7 * HOUR, entryPrice: 17.25, exitTime: T0 + 9 * HOUR, exitPrice: 19.5 })
  ]

  it("puts entries and exits of the symbol's trades on the candle holding the fill time, at the fill price", () => {
    const c = aggregateCandles(TEN, 3) // candles at 00:00, 04:00, 08:00
    expect(tradeMarkers(c, trades)).toEqual({
      candle: [0, 1, 1, 2],
      price: [12.5, 15.5, 17.25, 19.5],
      kind: [MarkerKind.longEntry, MarkerKind.exit, MarkerKind.shortEntry, MarkerKind.exit],
      trade: [0, 0, 2, 2]
    })
  })

  it("without aggregation, a marker sits on its fill bar", () => {
    const c = aggregateCandles(TEN, 100)
    expect(tradeMarkers(c, trades).candle).toEqual([2, 5, 7, 9])
  })

  it("each marker's candle covers its fill time, at every level of aggregation", () => {
    for (const cap of [1, 2, 3, 4, 5, 7, 10]) {
      const c = aggregateCandles(TEN, cap)
      const m = tradeMarkers(c, trades)
      m.candle.forEach((j, k) => {
        const tr = trades[m.trade[k]!]!
        const time = m.kind[k] === MarkerKind.exit ? tr.exitTime : tr.entryTime
        expect(c.t[j]!).toBeLessThanOrEqual(time)
        expect(time).toBeLessThan(j + 1 < c.t.length ? c.t[j + 1]! : c.t[j]! + c.interval)
      })
    }
  })

  it("gives no markers without candles", () => {
    expect(tradeMarkers(aggregateCandles(series([], [], [], [], [])), trades)).toEqual({ candle: [], price: [], kind: [], trade: [] })
  })
})
