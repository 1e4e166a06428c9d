import { describe, expect, it } from "vitest"
import { bar, SymbolName } from "../../src/domain/bar.ts"
import { checkProtectiveExit, commission, marketFillPrice } from "../../src/execution/fill-model.ts"

const S = SymbolName("TEST")
const b = (open: number, high: number, low: number, close: number) => bar({ symbol: S, timestamp: 0, open, high, low, close, volume: 1 })

describe("simulated fill model", () => {
  it("fills market orders at the open", () => {
    expect(marketFillPrice(b(101, 105, 99, 102))).toBe(101)
  })

  it("charges rate × notional", () => {
    expect(commission({ commissionRate: 0.001 }, 2, 50_000)).toBeCloseTo(100, 12)
    expect(commission({ commissionRate: 0 }, 2, 50_000)).toBe(0)
  })

  describe("long positions", () => {
    const levels = { side: "long" as const, stopLoss: 95, takeProfit: 110 }
    it("nothing happens inside the levels", () => {
      expect(checkProtectiveExit(levels, b(100, 105, 96, 104))).toBeUndefined()
    })
    it("stop touched by the low fills at the stop", () => {
      expect(checkProtectiveExit(levels, b(100, 101, 94, 96))).toEqual({ price: 95, reason: "stop_loss", gapped: false })
    })
    it("target touched by the high fills at the target", () => {
      expect(checkProtectiveExit(levels, b(100, 111, 99, 109))).toEqual({ price: 110, reason: "take_profit", gapped: false })
    })
    it("a gap down through the stop fills at the open, not at the stop", () => {
      expect(checkProtectiveExit(levels, b(90, 92, 88, 91))).toEqual({ price: 90, reason: "stop_loss", gapped: true })
    })
    it("a gap up through the target fills at the (better) open", () => {
      expect(checkProtectiveExit(levels, b(115, 116, 112, 113))).toEqual({ price: 115, reason: "take_profit", gapped: true })
    })
    it("both touched in one bar: the stop is assumed first", () => {
      expect(checkProtectiveExit(levels, b(100, 112, 94, 111))).toEqual({ price: 95, reason: "stop_loss", gapped: false })
    })
    it("a level exactly at the low or high counts as touched", () => {
      expect(checkProtectiveExit(levels, b(100, 101, 95, 100))?.reason).toBe("stop_loss")
      expect(checkProtectiveExit(levels, b(100, 110, 99, 100))?.reason).toBe("take_profit")
    })
  })

  describe("short positions", () => {
    const levels = { side: "short" as const, stopLoss: 105, takeProfit: 90 }
    it("stop touched by the high", () => {
      expect(checkProtectiveExit(levels, b(100, 106, 99, 104))).toEqual({ price: 105, reason: "stop_loss", gapped: false })
    })
    it("target touched by the low", () => {
      expect(checkProtectiveExit(levels, b(100, 101, 89, 95))).toEqual({ price: 90, reason: "take_profit", gapped: false })
    })
    it("a gap up through the stop fills at the open", () => {
      expect(checkProtectiveExit(levels, b(108, 110, 107, 109))).toEqual({ price: 108, reason: "stop_loss", gapped: true })
    })
    it("a gap down through the target fills at the open", () => {
      expect(checkProtectiveExit(levels, b(85, 88, 84, 86))).toEqual({ price: 85, reason: "take_profit", gapped: true })
    })
    it("both touched: stop first", () => {
      expect(checkProtectiveExit(levels, b(100, 106, 89, 95))).toEqual({ price: 105, reason: "stop_loss", gapped: false })
    })
  })

  it("no levels, no exit", () => {
    expect(checkProtectiveExit({ side: "long", stopLoss: undefined, takeProfit: undefined }, b(1, 1000, 0.001, 1))).toBeUndefined()
  })
})
