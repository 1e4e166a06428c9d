/**
 * `MarketDataWindow` follows the highest high and lowest low only from their first read on: a first read after any
 * number of pushes, reads that start and stop, `clear()`, and a snapshot restored into a new window all give what a
 * naive scan of the kept bars gives.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { type Bar, makeBar, SymbolName } from "../../src/domain/bar.ts"
import { MarketDataWindow } from "../../src/indicators/window.ts"
import { captureState, restoreState } from "../../src/indicators/state.ts"

const sym = SymbolName("TEST")
const mkBar = (i: number, low: number, spread: number): Bar =>
  makeBar({ symbol: sym, timestamp: 1_700_000_000_000 + i * 60_000, open: low + spread / 2, high: low + spread, low, close: low + spread / 3, volume: i % 5 })

const naive = (kept: ReadonlyArray<Bar>) => ({
  high: Math.max(...kept.map((b) => b.high)),
  low: Math.min(...kept.map((b) => b.low))
})

describe("MarketDataWindow: extremes followed from the first read", () => {
  it("a first read after many pushes, and reads at random bars after it, match a naive scan", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: 0.01, max: 1e5, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }), fc.boolean()), { minLength: 1, maxLength: 400 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 0, max: 400 }),
        (specs, capacity, firstRead) => {
          const w = new MarketDataWindow(capacity)
          const bars: Array<Bar> = []
          specs.forEach(([low, spread, read], i) => {
            const bar = mkBar(i, low, spread)
            bars.push(bar)
            w.push(bar)
            if (i >= firstRead && (read || i === firstRead)) {
              const { high, low: lo } = naive(bars.slice(-capacity))
              expect(w.high).toBe(high)
              expect(w.low).toBe(lo)
              expect(w.range).toBe(high - lo)
            }
          })
          return true
        }
      ),
      { numRuns: 200 }
    )
  })

  it("clear() and a snapshot restored into a new window keep the extremes right, read or not before", () => {
    for (const readBefore of [false, true]) {
      const w = new MarketDataWindow(7)
      const bars: Array<Bar> = []
      for (let i = 0; i < 30; i++) {
        bars.push(mkBar(i, 100 + ((i * 37) % 11), (i * 13) % 5))
        w.push(bars[i]!)
        if (readBefore) void w.high
      }
      const copy = new MarketDataWindow(7)
      restoreState(copy, captureState(w))
      for (let i = 30; i < 45; i++) {
        bars.push(mkBar(i, 100 + ((i * 37) % 11), (i * 13) % 5))
        w.push(bars[i]!)
        copy.push(bars[i]!)
      }
      const { high, low } = naive(bars.slice(-7))
      expect([w.high, w.low, copy.high, copy.low]).toEqual([high, low, high, low])
      w.clear()
      w.push(bars[3]!)
      expect([w.high, w.low, w.range]).toEqual([bars[3]!.high, bars[3]!.low, bars[3]!.high - bars[3]!.low])
    }
  })
})
