import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { bar, SymbolName } from "../../src/domain/bar.ts"
import { checkProtectiveExit } from "../../src/execution/fill-model.ts"
import { firstExit, lowFirst, pathPoints, priceAt, touchOrder, touchTime } from "../../src/execution/intrabar.ts"

const S = SymbolName("TEST")
const b = (open: number, high: number, low: number, close: number) => bar({ symbol: S, timestamp: 0, open, high, low, close, volume: 1 })
const fcParams = { numRuns: 300, seed: 20261125 } as const

/** Random valid OHLC bars on a coarse grid (so levels often coincide with extremes). */
const arbBar = fc
  .tuple(fc.integer({ min: 80, max: 120 }), fc.integer({ min: 80, max: 120 }), fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 10 }))
  .map(([o, c, up, down]) => b(o, Math.max(o, c) + up, Math.min(o, c) - down, c))

describe("intrabar path", () => {
  it("an up (or flat) bar goes open → low → high → close", () => {
    expect(pathPoints(b(100, 110, 90, 105))).toEqual([100, 90, 110, 105])
    expect(pathPoints(b(100, 110, 90, 100))).toEqual([100, 90, 110, 100])
  })

  it("a down bar goes open → high → low → close", () => {
    expect(pathPoints(b(100, 110, 90, 95))).toEqual([100, 110, 90, 95])
  })

  it("nearest_extreme visits the extreme closer to the open first (ties by direction)", () => {
    expect(lowFirst(b(100, 101, 90, 95), "nearest_extreme")).toBe(false) // high is 1 away, low 10
    expect(lowFirst(b(100, 110, 99, 105), "nearest_extreme")).toBe(true)
    expect(lowFirst(b(100, 105, 95, 101), "nearest_extreme")).toBe(true) // tie → up bar → low first
  })

  it("prices along the path are linear between the points", () => {
    const x = b(100, 110, 90, 105) // 100 → 90 → 110 → 105
    expect(priceAt(x, 0)).toBe(100)
    expect(priceAt(x, 0.5)).toBe(95)
    expect(priceAt(x, 1.5)).toBe(100)
    expect(priceAt(x, 2.4)).toBeCloseTo(108, 12)
    expect(priceAt(x, 3)).toBe(105)
  })

  it("touch times: at the open when already beyond, else the first crossing, Infinity when never", () => {
    const x = b(100, 110, 90, 105) // 100 → 90 → 110 → 105
    expect(touchTime(x, 95, "down")).toBe(0.5)
    expect(touchTime(x, 105, "up")).toBe(1.75)
    expect(touchTime(x, 101, "down")).toBe(0) // the open is already at or below
    expect(touchTime(x, 111, "up")).toBe(Infinity)
    expect(touchTime(x, 90, "down")).toBe(1) // exactly the low counts
    // from a later point: after the high, the price comes down to 106 at 2.8
    expect(touchTime(x, 106, "down", 2, 110)).toBeCloseTo(2.8, 12)
  })

  it("touchOrder sorts the levels the bar reaches by time and leaves the others out", () => {
    const up = b(100, 110, 90, 105)
    expect(touchOrder(up, [108, 95, 120, 80]).map((t) => t.index)).toEqual([1, 0])
    const down = b(100, 110, 90, 95)
    expect(touchOrder(down, [108, 95]).map((t) => t.index)).toEqual([0, 1])
    // explicit directions: a level already beyond at the open is touched at once, at the open
    expect(touchOrder(up, [{ price: 102, direction: "down" }])).toEqual([{ index: 0, time: 0, price: 100 }])
  })

  it("conservative: stop and target both inside the bar → the stop first, whatever the path", () => {
    const down = b(100, 110, 90, 95) // high first: the target of a long at 108 comes before its stop at 92
    expect(firstExit(down, "long", 92, 108, "path")).toEqual({ which: "take_profit", price: 108, gapped: false })
    expect(firstExit(down, "long", 92, 108, "conservative")).toEqual({ which: "stop_loss", price: 92, gapped: false })
    const up = b(100, 110, 90, 105)
    expect(firstExit(up, "long", 92, 108, "path")?.which).toBe("stop_loss")
    expect(firstExit(up, "short", 108, 92, "path")?.which).toBe("take_profit")
  })

  it("gaps are decided at the open in both modes", () => {
    expect(firstExit(b(90, 92, 88, 91), "long", 95, 110, "path")).toEqual({ which: "stop_loss", price: 90, gapped: true })
    expect(firstExit(b(115, 116, 112, 113), "long", 95, 110, "path")).toEqual({ which: "take_profit", price: 115, gapped: true })
  })

  it("property: the conservative mode is exactly checkProtectiveExit", () => {
    fc.assert(
      fc.property(arbBar, fc.boolean(), fc.integer({ min: 70, max: 130 }), fc.integer({ min: 1, max: 30 }), (x, long, mid, width) => {
        const side = long ? "long" : "short"
        const stop = long ? mid - width : mid + width
        const target = long ? mid + width : mid - width
        const got = firstExit(x, side, stop, target)
        const want = checkProtectiveExit({ side, stopLoss: stop, takeProfit: target }, x)
        expect(got === undefined ? undefined : { price: got.price, reason: got.which, gapped: got.gapped }).toEqual(want)
      }),
      fcParams
    )
  })

  it("property: a touched level is at the path's price at its touch time, and nothing earlier reached it", () => {
    fc.assert(
      fc.property(arbBar, fc.integer({ min: 70, max: 130 }), fc.constantFrom("bar_direction" as const, "nearest_extreme" as const), (x, level, kind) => {
        for (const direction of ["up", "down"] as const) {
          const t = touchTime(x, level, direction, 0, x.open, kind)
          const beyond = (p: number) => (direction === "up" ? p >= level - 1e-9 : p <= level + 1e-9)
          if (t === Infinity) {
            for (let s = 0; s <= 3; s += 0.05) expect(beyond(priceAt(x, s, kind))).toBe(false)
            continue
          }
          if (t > 0) expect(priceAt(x, t, kind)).toBeCloseTo(level, 9)
          for (let s = 0; s < t - 1e-9; s += 0.05) expect(direction === "up" ? priceAt(x, s, kind) < level : priceAt(x, s, kind) > level).toBe(true)
        }
      }),
      fcParams
    )
  })
})
