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

  it("adding to a holding moves the entry price to the quantity-weighted average and adds the fee", () => {
    const p = new Portfolio(10_000)
    p.open("BTC", "long", 2, 100, 0.2)
    p.add("BTC", 6, 104, 0.624)
    expect(p.holding("BTC")).toMatchObject({ side: "long", quantity: 8, entryPrice: 103 })
    expect(p.holding("BTC")!.entryFee).toBeCloseTo(0.824, 12)
    expect(p.cash).toBeCloseTo(10_000 - 200 - 0.2 - 624 - 0.624, 9)
    const short = new Portfolio(1000)
    short.open("ETH", "short", 1, 50, 0)
    short.add("ETH", 3, 54, 0)
    expect(short.holding("ETH")!.entryPrice).toBe(53)
    expect(short.cash).toBe(1000 + 50 + 162)
  })

  it("realised and unrealised P&L and fees, per symbol and in total; the symbols' P&L adds up to equity − initial cash", () => {
    const p = new Portfolio(10_000)
    const a = p.slot("A")
    const b = p.slot("B")
    p.open("A", "long", 10, 100, 1)
    p.open("B", "short", 20, 50, 1)
    p.markSlot(a, 110)
    p.markSlot(b, 45)
    expect(p.unrealizedPnl()).toBe(100 + 100)
    expect(p.symbolPnlAt(a)).toBe(100 - 1)
    expect(p.symbolPnlAt(b)).toBe(100 - 1)
    p.reduce("A", 4, 110, 0.44)
    expect(p.symbolPnlAt(a)).toBeCloseTo(100 - 1 - 0.44, 12)
    p.close("B", 40, 0.8)
    expect(p.realizedPnl()).toBeCloseTo((40 - 0.4 - 0.44) + (200 - 1 - 0.8), 9)
    expect(p.totalFees()).toBeCloseTo(1 + 1 + 0.44 + 0.8, 12)
    expect(p.equity() - 10_000).toBeCloseTo(p.symbolPnlAt(a) + p.symbolPnlAt(b), 9)
    expect(p.accounts().map((x) => [x.symbol, x.position, x.averagePrice])).toEqual([["A", 6, 100], ["B", 0, 0]])
    expect(p.openPositions()).toBe(1)
    expect(p.grossNotional()).toBe(6 * 110)
    // The realised P&L and fees survive a snapshot.
    const again = Portfolio.restore(10_000, JSON.parse(JSON.stringify(p.snapshot())))
    expect(again.realizedPnl()).toBe(p.realizedPnl())
    expect(again.totalFees()).toBe(p.totalFees())
  })

  it("affordable units: a long from cash, a short up to 1× equity including what is already short; a minimum fee is reserved", () => {
    const p = new Portfolio(1000)
    expect(p.affordable("A", "long", 100, 0)).toBe(10)
    expect(p.affordable("A", "long", 100, 0, 100)).toBe(9)
    p.open("A", "short", 4, 100, 0)
    expect(p.affordable("A", "short", 100, 0)).toBe(6)
    expect(p.sizeEntry("long", 0.5, 100, 0, 500)).toEqual({ ok: true, quantity: 5, reduced: false })
  })
})
