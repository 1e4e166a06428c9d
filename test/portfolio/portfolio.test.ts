import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Portfolio } from "../../src/portfolio/portfolio.ts"

describe("portfolio", () => {
  it("a long pays notional and fee from cash, is marked to market, and realizes on close", () => {
    const p = new Portfolio(10_000)
    p.open("BTC", "long", 2, 1000, 2)
    expect(p.cash).toBe(7998)
    p.mark("BTC", 1100)
    expect(p.equity()).toBe(7998 + 2200)
    const r = p.close("BTC", 1100, 2.2)
    expect(r.gross).toBe(200)
    expect(r.pnl).toBeCloseTo(195.8, 12)
    expect(p.cash).toBeCloseTo(10_195.8, 9)
    expect(p.holding("BTC")).toBeUndefined()
  })

  it("a short receives the proceeds, owes the position at the mark, and gains when the price falls", () => {
    const p = new Portfolio(10_000)
    p.open("ETH", "short", 10, 100, 1)
    expect(p.cash).toBe(10_999)
    p.mark("ETH", 90)
    expect(p.equity()).toBe(10_999 - 900)
    const r = p.close("ETH", 90, 0.9)
    expect(r.gross).toBe(100)
    expect(r.pnl).toBeCloseTo(98.1, 12)
    expect(p.cash).toBeCloseTo(10_098.1, 9)
  })

  it("several symbols share one cash balance", () => {
    const p = new Portfolio(1000)
    p.open("A", "long", 5, 100, 0)
    expect(p.sizeEntry("long", 6, 100, 0)).toEqual({ ok: false, reason: "insufficient cash: needs 600.00, has 500.00" })
    expect(p.sizeEntry("long", 0.5, 100, 0)).toEqual({ ok: true, quantity: 5, reduced: false })
    expect(p.sizeEntry("long", 0.9, 100, 0)).toEqual({ ok: true, quantity: 5, reduced: true })
  })

  it("sizing: fractions of equity, units, the short limit, and an empty account", () => {
    const p = new Portfolio(1000)
    expect(p.sizeEntry("long", 0.25, 50, 0)).toEqual({ ok: true, quantity: 5, reduced: false })
    expect(p.sizeEntry("long", 3, 50, 0)).toEqual({ ok: true, quantity: 3, reduced: false })
    expect(p.sizeEntry("short", 30, 50, 0)).toEqual({ ok: false, reason: "insufficient equity: needs 1500.00, has 1000.00" })
    const broke = new Portfolio(0)
    expect(broke.sizeEntry("long", 0.5, 50, 0)).toEqual({ ok: false, reason: "no equity left (0)" })
    expect(() => p.close("X", 1, 0)).toThrow("portfolio: X has no holding to close")
  })

  it("conservation: equity changes by exactly the realized pnl of a round trip", () => {
    fc.assert(fc.property(
      fc.constantFrom("long" as const, "short" as const),
      fc.double({ min: 0.001, max: 100, noNaN: true }),
      fc.double({ min: 0.01, max: 1e5, noNaN: true }),
      fc.double({ min: 0.01, max: 1e5, noNaN: true }),
      fc.double({ min: 0, max: 0.01, noNaN: true }),
      (side, qty, entry, exit, rate) => {
        const p = new Portfolio(1e9)
        p.open("S", side, qty, entry, rate * qty * entry)
        const r = p.close("S", exit, rate * qty * exit)
        expect(p.equity() - 1e9).toBeCloseTo(r.pnl, 3)
        expect(p.cash).toBe(p.equity())
      }
    ))
  })
})
