/**
 * MarketDataWindow against a naive scan over the last `capacity` bars.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { type Bar, makeBar, SymbolName } from "../../src/domain/bar.ts"
import { MarketDataWindow } from "../../src/indicators/index.ts"
import { fcParams } from "./support.ts"

const sym = SymbolName("TEST")

const mkBar = (i: number, low: number, spread: number, volume: number): Bar =>
  makeBar({
    symbol: sym,
    timestamp: 1_700_000_000_000 + i * 60_000,
    open: low + spread / 2,
    high: low + spread,
    low,
    close: low + spread / 3,
    volume
  })

const barSpecs = fc.array(
  fc.tuple(
    fc.oneof(fc.double({ min: 0.01, max: 1e5, noNaN: true }), fc.integer({ min: 1, max: 5 })),
    fc.oneof(fc.constant(0), fc.double({ min: 0, max: 100, noNaN: true })),
    fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e9, noNaN: true }), fc.integer({ min: 0, max: 3 }))
  ),
  { maxLength: 300, size: "max" }
)

describe("MarketDataWindow", () => {
  it("high, low, range, avgVolume, size and order match a naive scan for any capacity", () => {
    fc.assert(
      fc.property(barSpecs, fc.integer({ min: 1, max: 60 }), (specs, capacity) => {
        const w = new MarketDataWindow(capacity)
        const bars: Array<Bar> = []
        let maxVolume = 0
        specs.forEach(([low, spread, volume], i) => {
          const bar = mkBar(i, low, spread, volume)
          bars.push(bar)
          w.push(bar)
          const kept = bars.slice(-capacity)
          const hi = Math.max(...kept.map((b) => b.high))
          const lo = Math.min(...kept.map((b) => b.low))
          const vsum = kept.reduce((a, b) => a + b.volume, 0)
          maxVolume = Math.max(maxVolume, volume)
          expect(w.size).toBe(kept.length)
          expect(w.high).toBe(hi)
          expect(w.low).toBe(lo)
          expect(w.range).toBe(hi - lo)
          // compensated running sum: ~2u|S| + O(N u²) × Σ|v| since the last exact recompute
          expect(Math.abs(w.avgVolume! - vsum / kept.length)).toBeLessThanOrEqual(
            1e-12 * (vsum / kept.length) + 1e-28 * maxVolume
          )
          expect(w.latest).toBe(bar)
          expect(w.oldest).toBe(kept[0])
          if (i % 7 === 0) {
            expect([...w]).toEqual(kept)
            kept.forEach((b, j) => expect(w.get(j)).toBe(b))
            expect(Array.from(w.closes())).toEqual(kept.map((b) => b.close))
            expect(Array.from(w.column("timestamp"))).toEqual(kept.map((b) => b.timestamp))
          }
        })
        return true
      }),
      { ...fcParams, numRuns: 100 }
    )
  })

  it("returns undefined from every getter when empty, and after clear()", () => {
    const w = new MarketDataWindow(3)
    const check = () => {
      expect(w.size).toBe(0)
      expect(w.high).toBeUndefined()
      expect(w.low).toBeUndefined()
      expect(w.range).toBeUndefined()
      expect(w.avgVolume).toBeUndefined()
      expect(w.latest).toBeUndefined()
      expect(w.oldest).toBeUndefined()
      expect(w.get(0)).toBeUndefined()
      expect([...w]).toEqual([])
      expect(w.closes().length).toBe(0)
    }
    check()
    for (let i = 0; i < 5; i++) w.push(mkBar(i, 10 + i, 1, 100))
    expect(w.size).toBe(3)
    w.clear()
    check()
    w.push(mkBar(9, 5, 2, 7))
    expect(w.high).toBe(7)
    expect(w.avgVolume).toBe(7)
  })

  it("get() is undefined out of range or for non-integers", () => {
    const w = new MarketDataWindow(2)
    w.push(mkBar(0, 1, 1, 1))
    expect(w.get(-1)).toBeUndefined()
    expect(w.get(1)).toBeUndefined()
    expect(w.get(0.5)).toBeUndefined()
    expect(w.get(0)).toBe(w.latest)
  })

  it("average volume does not drift over a long run and is exactly 0 over an all-zero window after resync", () => {
    const cap = 100
    const w = new MarketDataWindow(cap)
    let seed = 7
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647)
    const vols: Array<number> = []
    for (let i = 0; i < 200_000; i++) {
      const v = i % 5000 < 2500 ? 1e9 * rand() : rand() * 1e-3
      vols.push(v)
      w.push(mkBar(i, 100, 1, v))
    }
    let s = 0
    for (const v of vols.slice(-cap)) s += v
    expect(Math.abs(w.avgVolume! - s / cap) / (s / cap)).toBeLessThan(1e-13)
    for (let i = 0; i < cap; i++) w.push(mkBar(i, 100, 1, 0))
    expect(w.avgVolume).toBe(0)
  })

  it("rejects invalid capacities with a RangeError", () => {
    for (const c of [0, -1, 1.5, Number.NaN, Infinity]) {
      expect(() => new MarketDataWindow(c)).toThrow(RangeError)
      expect(() => new MarketDataWindow(c)).toThrow(/^MarketDataWindow: capacity must be an integer/)
    }
  })
})
