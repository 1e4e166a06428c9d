/**
 * Properties of the order book over random orders and random bar sequences (fixed seed: reproducible).
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { type Bar, bar, SymbolName } from "../../src/domain/bar.ts"
import { type Fill, OrderBook, type OrderRequest } from "../../src/execution/orders.ts"

const SYM = "TEST"
const S = SymbolName(SYM)
const HOUR = 3_600_000
const T0 = Date.UTC(2021, 9, 22, 20)
const fcParams = { numRuns: 300, seed: 20261125 } as const

const arbBars = fc
  .array(
    fc.tuple(
      fc.double({ min: -0.05, max: 0.05, noNaN: true }), // open gap vs previous close
      fc.double({ min: -0.05, max: 0.05, noNaN: true }), // close vs open
      fc.double({ min: 0, max: 0.04, noNaN: true }), // wick up
      fc.double({ min: 0, max: 0.04, noNaN: true }), // wick down
      fc.integer({ min: 0, max: 50 }) // volume
    ),
    { minLength: 1, maxLength: 12 }
  )
  .map((steps) => {
    const out: Array<Bar> = []
    let prev = 100
    steps.forEach(([gap, move, up, down, volume], i) => {
      const open = prev * (1 + gap)
      const close = open * (1 + move)
      out.push(bar({
        symbol: S,
        timestamp: T0 + i * HOUR,
        open,
        high: Math.max(open, close) * (1 + up),
        low: Math.min(open, close) * (1 - down),
        close,
        volume
      }))
      prev = close
    })
    return out
  })

const arbRequest: fc.Arbitrary<OrderRequest> = fc
  .record({
    side: fc.constantFrom("buy" as const, "sell" as const),
    type: fc.constantFrom("market" as const, "limit" as const, "stop" as const, "stop_limit" as const),
    quantity: fc.integer({ min: 1, max: 40 }),
    a: fc.double({ min: 85, max: 115, noNaN: true }),
    b: fc.double({ min: 85, max: 115, noNaN: true }),
    timeInForce: fc.constantFrom("GTC" as const, "IOC" as const, "FOK" as const, "DAY" as const)
  })
  .map(({ side, type, quantity, a, b, timeInForce }) => ({
    symbol: SYM,
    side,
    type,
    quantity,
    timeInForce,
    limitPrice: type === "limit" || type === "stop_limit" ? a : undefined,
    stopPrice: type === "stop" || type === "stop_limit" ? b : undefined
  }))

const arbCap = fc.option(fc.double({ min: 0.05, max: 1, noNaN: true }), { nil: undefined })

/** Runs the orders through the bars; returns the fills per bar. */
const run = (requests: ReadonlyArray<OrderRequest>, bars: ReadonlyArray<Bar>, cap: number | undefined) => {
  const book = new OrderBook(SYM, { model: { maxParticipation: cap } })
  const orders = requests.map((r) => {
    const res = book.submit(r, T0 - HOUR)
    if (!res.ok) throw new Error(res.reason)
    return res.order
  })
  const perBar: Array<Array<Fill>> = bars.map((b) => book.onBar(b, 0).flatMap((e) => (e.kind === "fill" ? [e.fill] : [])))
  return { orders, perBar }
}

describe("order book properties", () => {
  it("limit buys never fill above their limit, limit sells never below; stops never better than their stop", () => {
    fc.assert(
      fc.property(fc.array(arbRequest, { minLength: 1, maxLength: 5 }), arbBars, arbCap, (requests, bars, cap) => {
        const { orders, perBar } = run(requests, bars, cap)
        for (const fills of perBar) {
          for (const f of fills) {
            const o = orders.find((x) => x.id === f.orderId)!
            const buy = o.side === "buy"
            if (o.type === "limit" || o.type === "stop_limit") expect(buy ? f.basePrice <= o.limitPrice! : f.basePrice >= o.limitPrice!).toBe(true)
            if (o.type === "stop") expect(buy ? f.basePrice >= o.stopPrice! : f.basePrice <= o.stopPrice!).toBe(true)
          }
        }
      }),
      fcParams
    )
  })

  it("every fill is inside its bar's range", () => {
    fc.assert(
      fc.property(fc.array(arbRequest, { minLength: 1, maxLength: 5 }), arbBars, arbCap, (requests, bars, cap) => {
        const { perBar } = run(requests, bars, cap)
        perBar.forEach((fills, i) => {
          for (const f of fills) {
            expect(f.basePrice).toBeGreaterThanOrEqual(bars[i]!.low)
            expect(f.basePrice).toBeLessThanOrEqual(bars[i]!.high)
          }
        })
      }),
      fcParams
    )
  })

  it("fills never exceed the order quantity; a filled order filled exactly its quantity; FOK all or nothing", () => {
    fc.assert(
      fc.property(fc.array(arbRequest, { minLength: 1, maxLength: 5 }), arbBars, arbCap, (requests, bars, cap) => {
        const { orders, perBar } = run(requests, bars, cap)
        for (const o of orders) {
          const total = perBar.flat().filter((f) => f.orderId === o.id).reduce((s, f) => s + f.quantity, 0)
          expect(total).toBeLessThanOrEqual(o.quantity * (1 + 1e-12))
          expect(o.filledQuantity).toBeCloseTo(total, 9)
          if (o.status === "filled") expect(total).toBeCloseTo(o.quantity, 9)
          if (o.timeInForce === "FOK") expect(total === 0 || Math.abs(total - o.quantity) < 1e-9).toBe(true)
          if (o.timeInForce === "IOC" || o.timeInForce === "FOK") {
            // at most one fill, and no order of these kinds is left working once it acted
            expect(perBar.flat().filter((f) => f.orderId === o.id).length).toBeLessThanOrEqual(1)
          }
        }
      }),
      fcParams
    )
  })

  it("the participation cap is respected in every bar, over all orders together", () => {
    fc.assert(
      fc.property(fc.array(arbRequest, { minLength: 1, maxLength: 5 }), arbBars, fc.double({ min: 0.05, max: 1, noNaN: true }), (requests, bars, cap) => {
        const { perBar } = run(requests, bars, cap)
        perBar.forEach((fills, i) => {
          const traded = fills.reduce((s, f) => s + f.quantity, 0)
          expect(traded).toBeLessThanOrEqual(cap * bars[i]!.volume * (1 + 1e-12) + 1e-12)
        })
      }),
      fcParams
    )
  })

  it("without a cap, market orders fill completely at the first bar's open", () => {
    fc.assert(
      fc.property(arbBars, fc.integer({ min: 1, max: 100 }), fc.constantFrom("buy" as const, "sell" as const), (bars, quantity, side) => {
        const { perBar } = run([{ symbol: SYM, side, type: "market", quantity }], bars, undefined)
        expect(perBar[0]!.map((f) => [f.quantity, f.basePrice])).toEqual([[quantity, bars[0]!.open]])
      }),
      fcParams
    )
  })

  it("bracket legs only ever reduce: the position never crosses zero and never exceeds the entry", () => {
    fc.assert(
      fc.property(
        arbBars,
        arbCap,
        fc.constantFrom("buy" as const, "sell" as const),
        fc.constantFrom("market" as const, "limit" as const),
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 0.01, max: 0.1, noNaN: true }),
        fc.constantFrom("conservative" as const, "path" as const),
        (bars, cap, side, type, quantity, width, intrabar) => {
          const book = new OrderBook(SYM, { model: { maxParticipation: cap, intrabar } })
          const buy = side === "buy"
          const ref = 100
          const r = book.submitBracket({
            entry: { symbol: SYM, side, type, quantity, limitPrice: type === "limit" ? ref : undefined },
            stopLoss: { stopPrice: buy ? ref * (1 - width) : ref * (1 + width) },
            takeProfit: { limitPrice: buy ? ref * (1 + width) : ref * (1 - width) }
          }, T0 - HOUR, ref)
          if (!r.ok) throw new Error(r.reason)
          let pos = 0
          for (const b of bars) {
            for (const e of book.onBar(b, pos)) {
              if (e.kind !== "fill") continue
              pos += e.fill.side === "buy" ? e.fill.quantity : -e.fill.quantity
              const signed = buy ? pos : -pos
              expect(signed).toBeGreaterThanOrEqual(-1e-9)
              expect(signed).toBeLessThanOrEqual(quantity + 1e-9)
              if (e.fill.role !== "entry") expect(e.fill.side).not.toBe(side)
            }
          }
          // at most one of the two legs ever fills (one-cancels-other)
          expect(r.stopLoss!.filledQuantity > 0 && r.takeProfit!.filledQuantity > 0).toBe(false)
        }
      ),
      fcParams
    )
  })
})
