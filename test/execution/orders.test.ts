import { describe, expect, it } from "vitest"
import { type Bar, bar, SymbolName } from "../../src/domain/bar.ts"
import { checkProtectiveExit } from "../../src/execution/fill-model.ts"
import { instrumentSpec } from "../../src/execution/instrument.ts"
import {
  type BookEvent,
  DEFAULT_MATCH_MODEL,
  type Fill,
  matchBar,
  type MatchModel,
  OrderBook,
  type OrderBookOptions,
  type OrderRequest,
  sessionEnd,
  validateOrderRequest
} from "../../src/execution/orders.ts"

const SYM = "TEST"
const S = SymbolName(SYM)
const HOUR = 3_600_000
const T0 = Date.UTC(2021, 9, 22, 10) // 2021-10-22T10:00Z

/** A bar: open, high, low, close, volume, hours after T0. */
const k = (open: number, high: number, low: number, close: number, volume = 1000, hours = 0): Bar =>
  bar({ symbol: S, timestamp: T0 + hours * HOUR, open, high, low, close, volume })

const fillsOf = (events: ReadonlyArray<BookEvent>): Array<Fill> => events.flatMap((e) => (e.kind === "fill" ? [e.fill] : []))
const kinds = (events: ReadonlyArray<BookEvent>): Array<string> => events.map((e) => `${e.kind}:${e.order.id}`)

const req = (r: Partial<OrderRequest> & Pick<OrderRequest, "side" | "type">): OrderRequest => ({ symbol: SYM, quantity: 1, ...r })

/** Submits one order to a fresh book and returns the book and the order. */
const one = (r: Partial<OrderRequest> & Pick<OrderRequest, "side" | "type">, options?: OrderBookOptions) => {
  const book = new OrderBook(SYM, options)
  const res = book.submit(req(r), T0 - HOUR)
  if (!res.ok) throw new Error(res.reason)
  return { book, order: res.order }
}

/** The base price and gap flag of the single fill `r` produces on `b` (undefined: no fill). */
const fillOn = (r: Partial<OrderRequest> & Pick<OrderRequest, "side" | "type">, b: Bar, model: Partial<MatchModel> = {}) => {
  const { book } = one(r, { model })
  const f = fillsOf(book.onBar(b, 0))
  return f.length === 0 ? undefined : { price: f[0]!.basePrice, gapped: f[0]!.gapped, liquidity: f[0]!.liquidity }
}

describe("order requests", () => {
  it("are validated field by field", () => {
    expect(validateOrderRequest(req({ side: "buy", type: "market" }))).toBeUndefined()
    expect(validateOrderRequest(req({ side: "buy", type: "limit" }))).toBe("limitPrice: a limit order needs a positive limit price, got undefined")
    expect(validateOrderRequest(req({ side: "buy", type: "market", limitPrice: 5 }))).toBe("limitPrice: a market order has no limit price")
    expect(validateOrderRequest(req({ side: "buy", type: "stop_limit", limitPrice: 5 }))).toBe("stopPrice: a stop_limit order needs a positive stop price, got undefined")
    expect(validateOrderRequest(req({ side: "buy", type: "market", quantity: 0 }))).toBe("quantity: must be a positive number, got 0")
    expect(validateOrderRequest(req({ side: "buy", type: "limit", limitPrice: 1, stopPrice: 2 }))).toBe("stopPrice: a limit order has no stop price")
  })

  it("a book refuses invalid requests and orders for another symbol, without using an id", () => {
    const book = new OrderBook(SYM)
    expect(book.submit(req({ side: "buy", type: "limit" }), T0)).toEqual({ ok: false, reason: "limitPrice: a limit order needs a positive limit price, got undefined" })
    expect(book.submit({ ...req({ side: "buy", type: "market" }), symbol: "OTHER" }, T0).ok).toBe(false)
    const ok = book.submit(req({ side: "buy", type: "market" }), T0)
    expect(ok.ok && ok.order.id).toBe(1)
  })
})

describe("market orders", () => {
  it("next-bar-open (default): fill at the open of the next bar the book sees", () => {
    expect(fillOn({ side: "buy", type: "market" }, k(101, 105, 99, 102))).toEqual({ price: 101, gapped: false, liquidity: "taker" })
    expect(fillOn({ side: "sell", type: "market" }, k(101, 105, 99, 102))?.price).toBe(101)
  })

  it("same-bar-close, when chosen: orders submitted on the bar fill at its close; the default model ignores onClose", () => {
    const decision = k(100, 104, 98, 103)
    const same = one({ side: "buy", type: "market" }, { model: { marketFill: "same_bar_close" } })
    expect(fillsOf(same.book.onClose(decision, 0)).map((f) => f.basePrice)).toEqual([103])
    const next = one({ side: "buy", type: "market" })
    expect(next.book.onClose(decision, 0)).toEqual([])
    expect(fillsOf(next.book.onBar(k(105, 106, 104, 105, 1000, 1), 0)).map((f) => f.basePrice)).toEqual([105])
  })

  it("same-bar-close: a limit not marketable at the close rests and fills later (maker)", () => {
    const { book } = one({ side: "buy", type: "limit", limitPrice: 101 }, { model: { marketFill: "same_bar_close" } })
    expect(book.onClose(k(100, 104, 98, 103), 0)).toEqual([])
    const f = fillsOf(book.onBar(k(102, 103, 100, 101, 1000, 1), 0))
    expect(f.map((x) => [x.basePrice, x.liquidity])).toEqual([[101, "maker"]])
  })
})

describe("limit orders", () => {
  it("buy: a gap below the limit fills at the (better) open", () => {
    expect(fillOn({ side: "buy", type: "limit", limitPrice: 100 }, k(97, 99, 95, 98))).toEqual({ price: 97, gapped: true, liquidity: "taker" })
  })
  it("buy: low reaching the limit fills at the limit", () => {
    expect(fillOn({ side: "buy", type: "limit", limitPrice: 100 }, k(103, 104, 99, 102))).toEqual({ price: 100, gapped: false, liquidity: "maker" })
    expect(fillOn({ side: "buy", type: "limit", limitPrice: 100 }, k(103, 104, 100, 102))?.price).toBe(100) // exactly the low
  })
  it("buy: no fill when the low stays above the limit", () => {
    expect(fillOn({ side: "buy", type: "limit", limitPrice: 100 }, k(103, 104, 100.01, 102))).toBeUndefined()
  })
  it("sell mirrors: a gap above fills at the open, the high reaching it at the limit", () => {
    expect(fillOn({ side: "sell", type: "limit", limitPrice: 100 }, k(103, 104, 101, 102))).toEqual({ price: 103, gapped: true, liquidity: "taker" })
    expect(fillOn({ side: "sell", type: "limit", limitPrice: 100 }, k(97, 101, 96, 98))?.price).toBe(100)
    expect(fillOn({ side: "sell", type: "limit", limitPrice: 100 }, k(97, 99.99, 96, 98))).toBeUndefined()
  })
  it("a resting limit gapped through on a later bar fills at the open as a maker", () => {
    const { book } = one({ side: "buy", type: "limit", limitPrice: 100 })
    expect(book.onBar(k(105, 106, 104, 105), 0)).toEqual([])
    expect(fillsOf(book.onBar(k(98, 99, 97, 98, 1000, 1), 0)).map((f) => [f.basePrice, f.liquidity, f.gapped])).toEqual([[98, "maker", true]])
  })
})

describe("stop orders", () => {
  it("buy: a gap above the stop fills at the open, not at the stop", () => {
    expect(fillOn({ side: "buy", type: "stop", stopPrice: 105 }, k(108, 110, 107, 109))).toEqual({ price: 108, gapped: true, liquidity: "taker" })
  })
  it("buy: the high reaching the stop fills at the stop", () => {
    expect(fillOn({ side: "buy", type: "stop", stopPrice: 105 }, k(100, 106, 99, 104))).toEqual({ price: 105, gapped: false, liquidity: "taker" })
  })
  it("sell: gap down through the stop fills at the open; the low reaching it at the stop", () => {
    expect(fillOn({ side: "sell", type: "stop", stopPrice: 95 }, k(90, 92, 88, 91))).toEqual({ price: 90, gapped: true, liquidity: "taker" })
    expect(fillOn({ side: "sell", type: "stop", stopPrice: 95 }, k(100, 101, 94, 96))?.price).toBe(95)
    expect(fillOn({ side: "sell", type: "stop", stopPrice: 95 }, k(100, 101, 95.5, 96))).toBeUndefined()
  })
})

describe("stop-limit orders", () => {
  it("triggers like a stop, then fills at once when the trigger price is within the limit (taker)", () => {
    // up bar 100 → 99 → 108 → 107: the stop at 105 triggers at 105 ≤ limit 106
    expect(fillOn({ side: "buy", type: "stop_limit", stopPrice: 105, limitPrice: 106 }, k(100, 108, 99, 107))).toEqual({ price: 105, gapped: false, liquidity: "taker" })
  })

  it("a gap beyond the limit triggers without a fill; the order then rests as a limit (maker)", () => {
    const { book, order } = one({ side: "buy", type: "stop_limit", stopPrice: 105, limitPrice: 106 })
    const first = book.onBar(k(107, 109, 106.5, 108), 0)
    expect(kinds(first)).toEqual(["triggered:1"])
    expect(order.triggered).toBe(true)
    const second = fillsOf(book.onBar(k(107, 108, 105, 106, 1000, 1), 0))
    expect(second.map((f) => [f.basePrice, f.liquidity])).toEqual([[106, "maker"]])
  })

  it("the intrabar path decides whether the limit fills after the trigger in the same bar", () => {
    // sell stop 95, limit 96 (sell at 96 or better). Down bar 100 → 101 → 90 → 97: triggers at 95 on the way down,
    // comes back up through 96 before the close → fills at 96.
    expect(fillOn({ side: "sell", type: "stop_limit", stopPrice: 95, limitPrice: 96 }, k(100, 101, 90, 97))).toEqual({ price: 96, gapped: false, liquidity: "maker" })
    // 100 → 100.5 → 90 → 92: triggers, never back to 96 → no fill, the order keeps working as a limit
    const { book, order } = one({ side: "sell", type: "stop_limit", stopPrice: 95, limitPrice: 96 })
    expect(kinds(book.onBar(k(100, 100.5, 90, 92), 0))).toEqual(["triggered:1"])
    expect(order.status).toBe("working")
    // a high reached before the trigger does not count: down bar 100 → 102 → 90 → 93 triggers at 95 after its high
    expect(fillOn({ side: "sell", type: "stop_limit", stopPrice: 95, limitPrice: 96 }, k(100, 102, 90, 93))).toBeUndefined()
    // a flat bar takes the up path 100 → 90 → 100 → 100: triggers at 95, comes back through 96 → fills
    expect(fillOn({ side: "sell", type: "stop_limit", stopPrice: 95, limitPrice: 96 }, k(100, 100, 90, 100))?.price).toBe(96)
    // 95.5 → 90 → 95.5 → 95.5: triggers, peaks at 95.5 < 96 → no fill
    expect(fillOn({ side: "sell", type: "stop_limit", stopPrice: 95, limitPrice: 96 }, k(95.5, 95.5, 90, 95.5))).toBeUndefined()
    // gapped through the stop and within the limit: fills at the open, marked as a gap
    expect(fillOn({ side: "sell", type: "stop_limit", stopPrice: 95, limitPrice: 93 }, k(94, 95, 92, 93))).toEqual({ price: 94, gapped: true, liquidity: "taker" })
  })

  it("no trigger, nothing happens", () => {
    expect(fillOn({ side: "buy", type: "stop_limit", stopPrice: 105, limitPrice: 106 }, k(100, 104.99, 99, 104))).toBeUndefined()
  })
})

describe("brackets (entry + OCO stop-loss / take-profit)", () => {
  const bracket = (model: Partial<MatchModel> = {}, options: OrderBookOptions = {}) => {
    const book = new OrderBook(SYM, { ...options, model })
    const r = book.submitBracket({ entry: req({ side: "buy", type: "market", quantity: 2 }), stopLoss: { stopPrice: 95 }, takeProfit: { limitPrice: 110 } }, T0, 100)
    if (!r.ok) throw new Error(r.reason)
    return { book, ...r }
  }

  it("legs wait until the entry fills, then work from the fill on (same bar included)", () => {
    const { book, stopLoss, takeProfit } = bracket()
    expect(stopLoss!.status).toBe("pending")
    const events = book.onBar(k(100, 101, 94, 96), 0) // entry at the open 100, then the low 94 hits the stop
    expect(kinds(events)).toEqual(["fill:1", "activated:2", "activated:3", "triggered:2", "fill:2", "cancelled:3"])
    expect(fillsOf(events).map((f) => [f.role, f.side, f.quantity, f.basePrice])).toEqual([["entry", "buy", 2, 100], ["stop_loss", "sell", 2, 95]])
    expect(takeProfit!.status).toBe("cancelled")
    expect(takeProfit!.reason).toBe("OCO: stop_loss 2 filled")
    expect(book.isEmpty).toBe(true)
  })

  it("gap through the stop: the stop-loss fills at the open", () => {
    const { book } = bracket()
    book.onBar(k(100, 101, 99, 100), 0)
    expect(fillsOf(book.onBar(k(90, 92, 88, 91, 1000, 1), 2)).map((f) => [f.role, f.basePrice, f.gapped])).toEqual([["stop_loss", 90, true]])
  })

  it("gap through the target: the take-profit fills at the better open", () => {
    const { book } = bracket()
    book.onBar(k(100, 101, 99, 100), 0)
    expect(fillsOf(book.onBar(k(115, 116, 112, 113, 1000, 1), 2)).map((f) => [f.role, f.basePrice, f.liquidity])).toEqual([["take_profit", 115, "maker"]])
  })

  it("both touched in one bar: conservative → the stop-loss; path → whichever the path reaches first", () => {
    const both = k(100, 112, 94, 96, 1000, 1) // down bar: 100 → 112 → 94 → 96, the target comes first on the path
    const conservative = bracket()
    conservative.book.onBar(k(100, 101, 99, 100), 0)
    expect(fillsOf(conservative.book.onBar(both, 2)).map((f) => [f.role, f.basePrice])).toEqual([["stop_loss", 95]])
    const path = bracket({ intrabar: "path" })
    path.book.onBar(k(100, 101, 99, 100), 0)
    expect(fillsOf(path.book.onBar(both, 2)).map((f) => [f.role, f.basePrice])).toEqual([["take_profit", 110]])
    const upBar = bracket({ intrabar: "path" })
    upBar.book.onBar(k(100, 101, 99, 100), 0)
    expect(fillsOf(upBar.book.onBar(k(100, 112, 94, 111, 1000, 1), 2)).map((f) => f.role)).toEqual(["stop_loss"])
  })

  it("a limit entry filled inside the bar: its legs see only the rest of the path", () => {
    const book = new OrderBook(SYM, { model: { intrabar: "path" } })
    book.submitBracket({ entry: req({ side: "buy", type: "limit", limitPrice: 100 }), stopLoss: { stopPrice: 96 }, takeProfit: { limitPrice: 104 } }, T0)
    // up bar 102 → 95 → 106 → 105: entry at 100 on the way down, the stop at 96 follows, the target later is cancelled
    const events = book.onBar(k(102, 106, 95, 105), 0)
    expect(fillsOf(events).map((f) => [f.role, f.basePrice])).toEqual([["entry", 100], ["stop_loss", 96]])
    const book2 = new OrderBook(SYM, { model: { intrabar: "path" } })
    book2.submitBracket({ entry: req({ side: "buy", type: "limit", limitPrice: 100 }), stopLoss: { stopPrice: 90 }, takeProfit: { limitPrice: 104 } }, T0)
    // the same bar with the stop at 90 (below the low): the target at 104 is reached after the low
    expect(fillsOf(book2.onBar(k(102, 106, 95, 105), 0)).map((f) => [f.role, f.basePrice])).toEqual([["entry", 100], ["take_profit", 104]])
  })

  it("property-style parity: a bracket in the conservative book exits like checkProtectiveExit", () => {
    let seed = 12345
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
    for (let n = 0; n < 500; n++) {
      const o = 90 + Math.round(rnd() * 20)
      const c = 90 + Math.round(rnd() * 20)
      const x = k(o, Math.max(o, c) + Math.round(rnd() * 8), Math.min(o, c) - Math.round(rnd() * 8), c, 1000, 1)
      const long = rnd() < 0.5
      const book = new OrderBook(SYM)
      book.submitBracket({
        entry: req({ side: long ? "buy" : "sell", type: "market" }),
        stopLoss: { stopPrice: long ? 95 : 105 },
        takeProfit: { limitPrice: long ? 105 : 95 }
      }, T0, 100)
      book.onBar(k(100, 100, 100, 100), 0)
      const got = fillsOf(book.onBar(x, long ? 1 : -1))
      const want = checkProtectiveExit({ side: long ? "long" : "short", stopLoss: long ? 95 : 105, takeProfit: long ? 105 : 95 }, x)
      expect(got.map((f) => [f.role, f.basePrice])).toEqual(want === undefined ? [] : [[want.reason, want.price]])
    }
  })

  it("a stop-limit stop-loss that triggers without filling still cancels the take-profit (OCO on trigger)", () => {
    const book = new OrderBook(SYM)
    const r = book.submitBracket({ entry: req({ side: "buy", type: "market" }), stopLoss: { stopPrice: 95, limitPrice: 94 }, takeProfit: { limitPrice: 110 } }, T0, 100)
    if (!r.ok) throw new Error(r.reason)
    book.onBar(k(100, 101, 99, 100), 0)
    const events = book.onBar(k(93, 94, 92, 93.5, 1000, 1), 1) // gaps below the stop (93 < limit 94), the path comes back up to 94: fills there
    expect(kinds(events)).toEqual(["triggered:2", "fill:2", "cancelled:3"])
    const book2 = new OrderBook(SYM)
    const r2 = book2.submitBracket({ entry: req({ side: "buy", type: "market" }), stopLoss: { stopPrice: 95, limitPrice: 94 }, takeProfit: { limitPrice: 110 } }, T0, 100)
    if (!r2.ok) throw new Error(r2.reason)
    book2.onBar(k(100, 101, 99, 100), 0)
    expect(kinds(book2.onBar(k(93, 93.5, 92, 93, 1000, 1), 1))).toEqual(["triggered:2", "cancelled:3"])
    expect(r2.stopLoss!.status).toBe("working")
    expect(r2.takeProfit!.reason).toBe("OCO: stop_loss 2 triggered")
  })

  it("levels on the wrong side of the entry are refused", () => {
    const book = new OrderBook(SYM)
    expect(book.submitBracket({ entry: req({ side: "buy", type: "limit", limitPrice: 100 }), stopLoss: { stopPrice: 101 } }, T0)).toEqual({
      ok: false,
      reason: "stopLoss 101 must be below the entry price 100 for a buy entry"
    })
    expect(book.submitBracket({ entry: req({ side: "sell", type: "market" }), takeProfit: { limitPrice: 101 } }, T0, 100)).toEqual({
      ok: false,
      reason: "takeProfit 101 must be below the entry price 100 for a sell entry"
    })
    expect(book.submitBracket({ entry: req({ side: "buy", type: "market" }), stopLoss: { stopPrice: 99 }, takeProfit: { limitPrice: 98 } }, T0).ok).toBe(false)
  })

  it("partial entry fills: legs follow the filled quantity; a leg's fill cancels the rest of the entry", () => {
    const { book, entry, stopLoss } = bracket({ maxParticipation: 0.5 })
    book.onBar(k(100, 101, 99, 100, 2), 0) // cap 1 of 2
    expect(entry.filledQuantity).toBe(1)
    expect(stopLoss!.quantity).toBe(1)
    const events = book.onBar(k(99, 100, 94, 95, 4, 1), 1) // cap 2: the entry fills its last unit at the open, then the stop
    expect(fillsOf(events).map((f) => [f.role, f.quantity, f.basePrice])).toEqual([["entry", 1, 99], ["stop_loss", 1, 95]])
    // the cap left 1 unit for the stop although the position is 2: the rest stays working
    expect(stopLoss!.status).toBe("partially_filled")
    const again = book.onBar(k(94, 95, 93, 94, 4, 2), 1)
    expect(fillsOf(again).map((f) => [f.role, f.quantity, f.basePrice])).toEqual([["stop_loss", 1, 94]])
    expect(book.isEmpty).toBe(true)
  })

  it("a stop-loss fill cancels a partly filled entry's remainder", () => {
    const { book, entry } = bracket({ maxParticipation: 0.5 })
    book.onBar(k(100, 101, 99, 100, 2), 0)
    const events = book.onBar(k(94, 95, 93, 94, 2, 1), 1) // the open is already through the stop
    expect(kinds(events)).toContain("cancelled:1")
    expect(entry.status).toBe("cancelled")
    expect(entry.reason).toBe("bracket closed by stop_loss 2")
  })
})

describe("volume participation cap and time in force", () => {
  const capped = { model: { maxParticipation: 0.1 } }

  it("GTC: partial fills carried across bars at each bar's open, never above the cap", () => {
    const { book, order } = one({ side: "buy", type: "market", quantity: 25 }, capped)
    const per = [k(100, 101, 99, 100, 100), k(102, 103, 101, 102, 100, 1), k(104, 105, 103, 104, 100, 2)].map((b) => fillsOf(book.onBar(b, 0)))
    expect(per.map((f) => f.map((x) => [x.quantity, x.basePrice]))).toEqual([[[10, 100]], [[10, 102]], [[5, 104]]])
    expect(order.status).toBe("filled")
    expect(order.filledQuantity).toBe(25)
    expect(order.averagePrice).toBeCloseTo((10 * 100 + 10 * 102 + 5 * 104) / 25, 12)
  })

  it("the cap is shared by all orders of the book in a bar", () => {
    const book = new OrderBook(SYM, capped)
    book.submit(req({ side: "buy", type: "market", quantity: 8 }), T0)
    book.submit(req({ side: "buy", type: "limit", limitPrice: 100, quantity: 8 }), T0)
    const f = fillsOf(book.onBar(k(101, 102, 99, 100, 100), 0))
    expect(f.map((x) => [x.orderId, x.quantity])).toEqual([[1, 8], [2, 2]])
  })

  it("a bar without volume fills nothing; the order waits", () => {
    const { book, order } = one({ side: "buy", type: "market" }, capped)
    expect(book.onBar(k(100, 101, 99, 100, 0), 0)).toEqual([])
    expect(order.status).toBe("working")
  })

  it("cap-cut fills are rounded down to the instrument's lot step", () => {
    const { book } = one({ side: "buy", type: "market", quantity: 1 }, { ...capped, instrument: instrumentSpec({ symbol: SYM, stepSize: 0.001 }) })
    expect(fillsOf(book.onBar(k(100, 101, 99, 100, 1.23456), 0)).map((f) => f.quantity)).toEqual([0.123])
  })

  it("IOC fills what it can on its first bar and cancels the rest", () => {
    const { book, order } = one({ side: "buy", type: "market", quantity: 25, timeInForce: "IOC" }, capped)
    const events = book.onBar(k(100, 101, 99, 100, 100), 0)
    expect(fillsOf(events).map((f) => f.quantity)).toEqual([10])
    expect(order.status).toBe("cancelled")
    expect(order.reason).toBe("IOC: 15 of 25 unfilled and cancelled (participation cap)")
  })

  it("IOC limit: fills only if marketable when it arrives; a later touch inside the bar does not count", () => {
    expect(fillOn({ side: "buy", type: "limit", limitPrice: 100, timeInForce: "IOC" }, k(99, 101, 98, 100))).toEqual({ price: 99, gapped: true, liquidity: "taker" })
    const { book, order } = one({ side: "buy", type: "limit", limitPrice: 100, timeInForce: "IOC" })
    expect(fillsOf(book.onBar(k(101, 102, 99, 100), 0))).toEqual([])
    expect(order.status).toBe("cancelled")
    expect(order.reason).toBe("IOC: limit 100 was not marketable at 101 when the order arrived")
  })

  it("FOK fills entirely or is cancelled", () => {
    const small = one({ side: "buy", type: "market", quantity: 10, timeInForce: "FOK" }, capped)
    expect(fillsOf(small.book.onBar(k(100, 101, 99, 100, 100), 0)).map((f) => f.quantity)).toEqual([10])
    const big = one({ side: "buy", type: "market", quantity: 11, timeInForce: "FOK" }, capped)
    expect(fillsOf(big.book.onBar(k(100, 101, 99, 100, 100), 0))).toEqual([])
    expect(big.order.status).toBe("cancelled")
    expect(big.order.reason).toBe("FOK: 11 could not fill entirely (the participation cap leaves 10)")
  })

  it("IOC stop: the time in force applies when it triggers; before that it waits", () => {
    const { book, order } = one({ side: "buy", type: "stop", stopPrice: 105, quantity: 25, timeInForce: "IOC" }, capped)
    expect(book.onBar(k(100, 104, 99, 100, 100), 0)).toEqual([])
    expect(order.status).toBe("working")
    expect(fillsOf(book.onBar(k(100, 106, 99, 100, 100, 1), 0)).map((f) => [f.quantity, f.basePrice])).toEqual([[10, 105]])
    expect(order.status).toBe("cancelled")
  })

  it("a triggered stop cut by the cap continues as a market order at the next opens", () => {
    const { book, order } = one({ side: "sell", type: "stop", stopPrice: 95, quantity: 15 }, capped)
    expect(fillsOf(book.onBar(k(100, 101, 94, 96, 100), 15)).map((f) => [f.quantity, f.basePrice])).toEqual([[10, 95]])
    expect(order.triggered).toBe(true)
    expect(fillsOf(book.onBar(k(97, 98, 96, 97, 100, 1), 5)).map((f) => [f.quantity, f.basePrice])).toEqual([[5, 97]])
  })

  it("DAY orders expire at the end of the UTC day they were submitted in, with what is left", () => {
    const book = new OrderBook(SYM, capped)
    const r = book.submit(req({ side: "buy", type: "limit", limitPrice: 90, quantity: 5, timeInForce: "DAY" }), T0)
    if (!r.ok) throw new Error(r.reason)
    expect(r.order.expiresAt).toBe(Date.UTC(2021, 9, 23))
    expect(book.onBar(k(100, 101, 99, 100, 100, 13), 0)).toEqual([]) // 23:00, still alive
    const events = book.onBar(k(85, 86, 84, 85, 100, 14), 0) // 00:00 next day: expired before it could fill
    expect(kinds(events)).toEqual(["expired:1"])
    expect(r.order.reason).toBe("DAY order expired at 2021-10-23T00:00:00.000Z")
  })

  it("DAY: a partially filled remainder expires; a session boundary can be configured", () => {
    const book = new OrderBook(SYM, { model: { maxParticipation: 0.1, sessionOffsetMs: 14 * HOUR } })
    const r = book.submit(req({ side: "buy", type: "market", quantity: 15, timeInForce: "DAY" }), T0)
    if (!r.ok) throw new Error(r.reason)
    expect(r.order.expiresAt).toBe(Date.UTC(2021, 9, 22, 14))
    expect(fillsOf(book.onBar(k(100, 101, 99, 100, 100, 1), 0)).map((f) => f.quantity)).toEqual([10])
    expect(kinds(book.onBar(k(100, 101, 99, 100, 100, 4), 0))).toEqual(["expired:1"]) // 14:00
    expect(r.order.filledQuantity).toBe(10)
    expect(sessionEnd(Date.UTC(2021, 9, 22, 14), 14 * HOUR)).toBe(Date.UTC(2021, 9, 23, 14))
  })
})

describe("reduce-only", () => {
  it("fills at most the open position on the other side and cancels the rest", () => {
    const { book, order } = one({ side: "sell", type: "market", quantity: 10, reduceOnly: true })
    expect(fillsOf(book.onBar(k(100, 101, 99, 100), 4)).map((f) => f.quantity)).toEqual([4])
    expect(order.status).toBe("cancelled")
    expect(order.reason).toBe("reduce-only: the position is closed; 6 cancelled")
  })
  it("is cancelled when there is nothing to reduce (or the position is on the same side)", () => {
    const flat = one({ side: "sell", type: "market", reduceOnly: true })
    expect(kinds(flat.book.onBar(k(100, 101, 99, 100), 0))).toEqual(["cancelled:1"])
    expect(flat.order.reason).toBe("reduce-only: no position left to reduce")
    const short = one({ side: "sell", type: "market", reduceOnly: true })
    expect(fillsOf(short.book.onBar(k(100, 101, 99, 100), -3))).toEqual([])
  })
})

describe("cancel and amend", () => {
  it("cancel: a working order; again → refused; unknown → refused", () => {
    const { book, order } = one({ side: "buy", type: "limit", limitPrice: 90 })
    expect(book.cancel(order.id, "changed my mind")).toMatchObject({ ok: true })
    expect(order.status).toBe("cancelled")
    expect(book.cancel(order.id)).toEqual({ ok: false, reason: "order 1 is already cancelled" })
    expect(book.cancel(99)).toEqual({ ok: false, reason: "order 99 is not in the TEST book" })
    expect(book.onBar(k(85, 86, 84, 85), 0)).toEqual([])
  })

  it("cancelling an unfilled bracket entry cancels its legs; a leg alone leaves its sibling working", () => {
    const book = new OrderBook(SYM)
    const r = book.submitBracket({ entry: req({ side: "buy", type: "limit", limitPrice: 100 }), stopLoss: { stopPrice: 95 }, takeProfit: { limitPrice: 110 } }, T0)
    if (!r.ok) throw new Error(r.reason)
    const c = book.cancel(r.entry.id)
    expect(c.ok && c.cancelled.map((o) => o.id)).toEqual([1, 2, 3])
    const r2 = book.submitBracket({ entry: req({ side: "buy", type: "market" }), stopLoss: { stopPrice: 95 }, takeProfit: { limitPrice: 110 } }, T0, 100)
    if (!r2.ok) throw new Error(r2.reason)
    book.onBar(k(100, 101, 99, 100), 0)
    book.cancel(r2.takeProfit!.id)
    expect(r2.stopLoss!.status).toBe("working")
    expect(r2.stopLoss!.ocoId).toBeUndefined()
    expect(fillsOf(book.onBar(k(100, 111, 99, 100, 1000, 1), 1))).toEqual([])
  })

  it("amend: prices and quantity of a working order", () => {
    const { book, order } = one({ side: "buy", type: "limit", limitPrice: 90, quantity: 3 })
    expect(book.amend(order.id, { limitPrice: 99, quantity: 2 })).toMatchObject({ ok: true })
    expect(fillsOf(book.onBar(k(101, 102, 98.5, 100), 0)).map((f) => [f.quantity, f.basePrice])).toEqual([[2, 99]])
  })

  it("amend is refused for filled orders, below the filled quantity, for prices the type lacks, and after a trigger", () => {
    const filled = one({ side: "buy", type: "market" })
    filled.book.onBar(k(100, 101, 99, 100), 0)
    expect(filled.book.amend(filled.order.id, { quantity: 5 })).toEqual({ ok: false, reason: "order 1 is already filled" })

    const partial = one({ side: "buy", type: "market", quantity: 25 }, { model: { maxParticipation: 0.1 } })
    partial.book.onBar(k(100, 101, 99, 100, 100), 0)
    expect(partial.book.amend(partial.order.id, { quantity: 5 })).toEqual({ ok: false, reason: "quantity 5 is below the filled quantity 10 of order 1" })
    expect(partial.book.amend(partial.order.id, { quantity: 10 })).toMatchObject({ ok: true })
    expect(partial.order.status).toBe("filled")

    const market = one({ side: "buy", type: "market" })
    expect(market.book.amend(market.order.id, { limitPrice: 5 })).toEqual({ ok: false, reason: "limitPrice: order 1 is a market order, which has no limit price" })
    const stop = one({ side: "buy", type: "stop_limit", stopPrice: 105, limitPrice: 106 })
    stop.book.onBar(k(107, 109, 106.5, 108), 0)
    expect(stop.book.amend(stop.order.id, { stopPrice: 104 })).toEqual({ ok: false, reason: "stopPrice: order 1 has already triggered" })
    expect(stop.book.amend(stop.order.id, { limitPrice: 108 })).toMatchObject({ ok: true })
  })

  it("amend and submit are checked against the instrument's filters", () => {
    const instrument = instrumentSpec({ symbol: SYM, tickSize: 0.01, stepSize: 0.001, minQuantity: 0.001, minNotional: 10 })
    const book = new OrderBook(SYM, { instrument })
    expect(book.submit(req({ side: "buy", type: "limit", limitPrice: 100.123, quantity: 1 }), T0)).toEqual({
      ok: false,
      reason: "price 100.123 is not a multiple of the tick size 0.01 (PRICE_FILTER)"
    })
    expect(book.submit(req({ side: "buy", type: "market", quantity: 0.01 }), T0, 100)).toEqual({
      ok: false,
      reason: "notional 1 is below the minimum 10 (MIN_NOTIONAL)"
    })
    const r = book.submit(req({ side: "buy", type: "limit", limitPrice: 100, quantity: 1 }), T0)
    if (!r.ok) throw new Error(r.reason)
    expect(book.amend(r.order.id, { quantity: 1.0005 })).toEqual({ ok: false, reason: "quantity 1.0005 is not a multiple of the step size 0.001 (LOT_SIZE)" })
  })
})

describe("costs in the book", () => {
  it("market and stop fills pay slippage, spread and the taker rate; resting limits pay the maker rate only", () => {
    const options: OrderBookOptions = {
      costs: { slippage: { kind: "bps", bps: 10 }, commission: { takerRate: 0.001, makerRate: 0.0002, minimum: 0.5 } }
    }
    const quoted = bar({ symbol: S, timestamp: T0, open: 100, high: 101, low: 98, close: 100, volume: 1000, bid: 99.95, ask: 100.05 })
    const m = one({ side: "buy", type: "market", quantity: 10 }, options)
    const [mf] = fillsOf(m.book.onBar(quoted, 0))
    expect(mf!.basePrice).toBe(100)
    expect(mf!.price).toBeCloseTo(100 + 0.1 + 0.05, 12)
    expect(mf!.commission).toBeCloseTo(0.001 * 10 * 100.15, 12)
    const l = one({ side: "buy", type: "limit", limitPrice: 99, quantity: 1 }, options)
    const [lf] = fillsOf(l.book.onBar(quoted, 0))
    expect([lf!.price, lf!.liquidity, lf!.commission]).toEqual([99, "maker", 0.5]) // 0.0198 → the minimum
  })
})

describe("snapshots", () => {
  it("a restored book (through JSON) continues exactly like the original", () => {
    const make = () => {
      const book = new OrderBook(SYM, { model: { maxParticipation: 0.1 } })
      book.submitBracket({ entry: req({ side: "buy", type: "market", quantity: 25 }), stopLoss: { stopPrice: 95 }, takeProfit: { limitPrice: 110 } }, T0, 100)
      book.submit(req({ side: "buy", type: "limit", limitPrice: 90, timeInForce: "DAY" }), T0)
      return book
    }
    const bars = [k(100, 101, 99, 100, 100), k(101, 102, 100, 101, 100, 1), k(100, 101, 94, 96, 100, 2), k(96, 97, 89, 90, 100, 3)]
    const run = (book: OrderBook, from: number, position: number) => {
      const out: Array<unknown> = []
      let pos = position
      for (const b of bars.slice(from)) {
        for (const f of fillsOf(book.onBar(b, pos))) {
          pos += f.side === "buy" ? f.quantity : -f.quantity
          out.push([f.orderId, f.quantity, f.basePrice])
        }
      }
      return out
    }
    const original = make()
    const full = run(original, 0, 0)
    expect(full.length).toBeGreaterThan(3)
    const a = make()
    const firstFills = fillsOf(a.onBar(bars[0]!, 0))
    const restored = OrderBook.restore(JSON.parse(JSON.stringify(a.snapshot())), { model: { maxParticipation: 0.1 } })
    const rest = run(restored, 1, firstFills.reduce((p, f) => p + f.quantity, 0))
    expect([...firstFills.map((f) => [f.orderId, f.quantity, f.basePrice]), ...rest]).toEqual(full)
  })
})

describe("the pure matcher", () => {
  it("matchBar does not modify the order and returns undefined when nothing happens", () => {
    const { order } = one({ side: "buy", type: "limit", limitPrice: 90 })
    const before = { ...order }
    expect(matchBar(order, k(100, 101, 99, 100), DEFAULT_MATCH_MODEL)).toBeUndefined()
    const r = matchBar(order, k(89, 91, 88, 90), DEFAULT_MATCH_MODEL)
    expect(r).toMatchObject({ status: "filled", remaining: 0, fill: { quantity: 1, price: 89, gapped: true } })
    expect(order).toEqual(before)
  })
})
