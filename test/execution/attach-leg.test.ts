import { describe, expect, it } from "vitest"
import { type Bar, bar, SymbolName } from "../../src/domain/bar.ts"
import { instrumentSpec } from "../../src/execution/instrument.ts"
import { type BookEvent, OrderBook } from "../../src/execution/orders.ts"

const SYM = "TEST"
const S = SymbolName(SYM)
const HOUR = 3_600_000
const T0 = Date.UTC(2021, 9, 22, 10)

const k = (open: number, high: number, low: number, close: number, hours: number): Bar =>
  bar({ symbol: S, timestamp: T0 + hours * HOUR, open, high, low, close, volume: 1000 })

const kinds = (events: ReadonlyArray<BookEvent>): Array<string> => events.map((e) => `${e.kind}:${e.order.id}`)

/** A book with a long position of 2 units opened by a market entry (no bracket legs) on the bar at hour 0. */
const longPosition = (options: ConstructorParameters<typeof OrderBook>[1] = {}) => {
  const book = new OrderBook(SYM, options)
  const placed = book.submitBracket({ entry: { symbol: SYM, side: "buy", type: "market", quantity: 2, tag: "entry" } }, T0 - HOUR, 100)
  if (!placed.ok) throw new Error(placed.reason)
  expect(kinds(book.onBar(k(100, 101, 99, 100, 0), 0))).toEqual([`fill:${placed.entry.id}`])
  return { book, entryId: placed.entry.id }
}

describe("OrderBook.attachLeg", () => {
  it("adds a working reduce-only GTC stop-loss that fills like a bracket leg", () => {
    const { book, entryId } = longPosition()
    const r = book.attachLeg({ role: "stop_loss", side: "sell", quantity: 2, price: 95, parentId: entryId, tag: "why" }, T0 + HOUR)
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.order).toMatchObject({
      type: "stop",
      side: "sell",
      quantity: 2,
      stopPrice: 95,
      limitPrice: undefined,
      timeInForce: "GTC",
      reduceOnly: true,
      status: "working",
      resting: false,
      parentId: entryId,
      ocoId: undefined,
      role: "stop_loss",
      tag: "why",
      submittedAt: T0 + HOUR
    })
    expect(book.order(r.order.id)).toBe(r.order)
    // Not reached: nothing happens; reached: fills at the stop.
    expect(book.onBar(k(100, 102, 96, 101, 1), 2)).toEqual([])
    const events = book.onBar(k(99, 99, 90, 92, 2), 2)
    expect(kinds(events)).toEqual([`triggered:${r.order.id}`, `fill:${r.order.id}`])
    const fill = events[1]!.kind === "fill" ? events[1]!.fill : undefined
    expect(fill).toMatchObject({ basePrice: 95, quantity: 2, role: "stop_loss" })
    expect(book.isEmpty).toBe(true)
  })

  it("links a new leg one-cancels-other with the existing one, both ways", () => {
    const { book, entryId } = longPosition()
    const sl = book.attachLeg({ role: "stop_loss", side: "sell", quantity: 2, price: 95, parentId: entryId }, T0 + HOUR)
    if (!sl.ok) throw new Error(sl.reason)
    const tp = book.attachLeg({ role: "take_profit", side: "sell", quantity: 2, price: 110, parentId: entryId, ocoId: sl.order.id }, T0 + HOUR)
    if (!tp.ok) throw new Error(tp.reason)
    expect(tp.order).toMatchObject({ type: "limit", limitPrice: 110, stopPrice: undefined, ocoId: sl.order.id, role: "take_profit" })
    expect(book.order(sl.order.id)?.ocoId).toBe(tp.order.id)
    // The take-profit fills; the stop-loss is cancelled by OCO.
    const events = book.onBar(k(105, 112, 104, 111, 1), 2)
    expect(kinds(events)).toEqual([`fill:${tp.order.id}`, `cancelled:${sl.order.id}`])
    expect(book.isEmpty).toBe(true)
  })

  it("ignores an OCO partner that is not in the book", () => {
    const { book, entryId } = longPosition()
    const r = book.attachLeg({ role: "take_profit", side: "sell", quantity: 2, price: 110, parentId: entryId, ocoId: 999 }, T0 + HOUR)
    expect(r.ok && r.order.ocoId).toBe(undefined)
  })

  it("takes ids from the shared counter and survives a snapshot round trip", () => {
    const ids = { next: 40 }
    const { book, entryId } = longPosition({ ids })
    const r = book.attachLeg({ role: "stop_loss", side: "sell", quantity: 2, price: 95, parentId: entryId }, T0 + HOUR)
    expect(r.ok && r.order.id).toBe(41)
    expect(ids.next).toBe(42)
    const restored = OrderBook.restore(JSON.parse(JSON.stringify(book.snapshot())), { ids: { next: 1 } })
    expect(restored.orders).toEqual(book.orders)
  })

  it("refuses what it cannot place, without using an id", () => {
    const ids = { next: 1 }
    const { book, entryId } = longPosition({ ids, instrument: instrumentSpec({ symbol: SYM, tickSize: 0.5 }) })
    const before = ids.next
    const leg = { role: "stop_loss", side: "sell", quantity: 2, price: 95, parentId: entryId } as const
    expect(book.attachLeg({ ...leg, price: 95.3 }, T0)).toEqual({ ok: false, reason: "stop price 95.3 is not a multiple of the tick size 0.5 (PRICE_FILTER)" })
    expect(book.attachLeg({ ...leg, quantity: 0 }, T0)).toEqual({ ok: false, reason: "quantity: must be a positive number, got 0" })
    expect(new OrderBook(SYM).attachLeg({ ...leg, role: "take_profit", price: -1 }, T0)).toEqual({ ok: false, reason: "limitPrice: must be a positive number, got -1" })
    expect(ids.next).toBe(before)
    expect(book.orders).toEqual([])
  })
})
