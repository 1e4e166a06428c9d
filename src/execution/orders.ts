/**
 * The order model of the simulated venue: market, limit, stop and stop-limit orders with a time in force, reduce-only
 * orders, brackets (an entry with a stop-loss and a take-profit that cancel each other), cancel and amend, and the
 * rules that decide, bar by bar, what fills, when, how much and at what price.
 *
 * Two layers:
 * - {@link matchBar}: a pure function deciding what one order does in one bar (fill, trigger, expire, cancel).
 * - {@link OrderBook}: one symbol's working orders; per bar it sequences the orders along the intrabar path, shares the
 *   bar's volume between them (participation cap), keeps reduce-only orders within the position, links bracket legs,
 *   and applies costs (`costs.ts`). It returns events; it never touches the account.
 *
 * Fill rules (see docs/orders.md for the full tables). Buys are shown; sells mirror them.
 *
 * | Order | Fills |
 * |---|---|
 * | market | at the open of the first bar after the decision (`next_bar_open`, the default), or at the decision bar's close when `same_bar_close` is chosen explicitly |
 * | limit `L` | open ≤ L: at the open (a gap gives the better price); else low ≤ L: at L; else keeps working |
 * | stop `S` | open ≥ S: triggers and fills at the open (a gap is not protected); else high ≥ S: at S |
 * | stop-limit `S`/`L` | triggers like a stop; from the trigger on it is a limit at L for the rest of the bar (the path decides whether the price comes back to L) and after |
 *
 * Time in force: `GTC` works until filled or cancelled; `DAY` also expires at the end of the session (UTC midnight
 * plus `sessionOffsetMs`) of the day it was submitted in; `IOC` and `FOK` act once, at the moment the order arrives
 * (for stop orders: the moment they trigger): `IOC` fills what it can and cancels the rest, `FOK` fills entirely or
 * is cancelled. A limit `IOC`/`FOK` that is not marketable when it arrives is cancelled without a fill.
 *
 * All numbers are plain floats; quantities compare with a relative tolerance of 1e-12.
 *
 * @module
 */
import type { Bar } from "../domain/bar.ts"
import { commissionFor, type CostModel, effectivePrice, type Liquidity, NO_COSTS } from "./costs.ts"
import { formatDecimal as fmt, type InstrumentSpec, roundToStep, validateOrder as validateAgainstSpec, validatePrices } from "./instrument.ts"
import { CLOSE_TIME, type IntrabarMode, OPEN_TIME, type PathKind, touchTime } from "./intrabar.ts"

// ---------------------------------------------------------------------------------------------------------------
// Types

/** Order types. A stop order becomes a market order when triggered; a stop-limit becomes a limit order. */
export type OrderType = "market" | "limit" | "stop" | "stop_limit"
/** Buy or sell. */
export type OrderSide = "buy" | "sell"
/** Time in force. */
export type TimeInForce = "GTC" | "IOC" | "FOK" | "DAY"
/**
 * Life cycle: `pending` (a bracket leg waiting for its entry to fill) → `working` → `partially_filled` → one of the
 * terminal states `filled`, `cancelled`, `expired`. (`rejected` orders never enter the book; submit returns the
 * reason instead.)
 */
export type OrderStatus = "pending" | "working" | "partially_filled" | "filled" | "cancelled" | "expired" | "rejected"
/** The part an order plays in a bracket. */
export type OrderRole = "entry" | "stop_loss" | "take_profit"

/** What a caller asks for. Prices are required exactly for the order types that use them. */
export interface OrderRequest {
  readonly symbol: string
  readonly side: OrderSide
  readonly type: OrderType
  /** Units, > 0. */
  readonly quantity: number
  /** Limit price: `limit` and `stop_limit` only. */
  readonly limitPrice?: number | undefined
  /** Trigger price: `stop` and `stop_limit` only. */
  readonly stopPrice?: number | undefined
  /** Default `GTC`. */
  readonly timeInForce?: TimeInForce | undefined
  /** Only ever reduces the position: fills are capped at the open position on the other side; nothing left, cancelled. */
  readonly reduceOnly?: boolean | undefined
  /** A free label carried to the fills (e.g. the strategy's reason). */
  readonly tag?: string | undefined
}

/**
 * An order in the book: plain data, so book snapshots are JSON. The book owns and mutates it; callers read it
 * through the readonly {@link Order} view (copy what you keep: later bars change it).
 */
export interface MutableOrder {
  readonly id: number
  readonly symbol: string
  readonly side: OrderSide
  readonly type: OrderType
  quantity: number
  limitPrice: number | undefined
  stopPrice: number | undefined
  readonly timeInForce: TimeInForce
  readonly reduceOnly: boolean
  /** When the order reached the book (ms). */
  readonly submittedAt: number
  /** `DAY` orders: the session end (ms); the order is expired on the first bar opening at or after it. */
  readonly expiresAt: number | undefined
  status: OrderStatus
  filledQuantity: number
  /** Quantity-weighted average fill price after slippage and spread (0 before the first fill). */
  averagePrice: number
  /** Commission paid so far. */
  fees: number
  /** Stop and stop-limit orders: the stop price has been reached. */
  triggered: boolean
  /**
   * False until the order has been through the moment it arrived (its first bar, or its activation for a bracket
   * leg, or a price amendment). A limit filled at that moment was marketable on arrival and takes liquidity.
   */
  resting: boolean
  /** Bracket legs: the entry order's id. */
  readonly parentId: number | undefined
  /** The other leg of a one-cancels-other pair. */
  ocoId: number | undefined
  readonly role: OrderRole | undefined
  readonly tag: string | undefined
  /** Why the order was cancelled or expired. */
  reason: string | undefined
}

/** A read-only view of an order. */
export type Order = Readonly<MutableOrder>

/** The configuration of the matching rules. */
export interface MatchModel {
  /** Where market orders fill: the next bar's open (default) or, explicitly, the decision bar's close. */
  readonly marketFill: "next_bar_open" | "same_bar_close"
  /** The intrabar path (`intrabar.ts`); default `bar_direction`. */
  readonly path: PathKind
  /** `conservative` (default): a stop-loss and a take-profit both reached inside one bar → the stop first. */
  readonly intrabar: IntrabarMode
  /** Fraction of a bar's volume the book may trade in that bar, over all its orders (0 < p ≤ 1); none by default. */
  readonly maxParticipation: number | undefined
  /** `DAY` orders expire at UTC midnight plus this offset (ms, in [0, 24 h)); default 0. */
  readonly sessionOffsetMs: number
}

/** The defaults: next-open market fills, bar-direction path, conservative stop-first, no volume cap, UTC days. */
export const DEFAULT_MATCH_MODEL: MatchModel = {
  marketFill: "next_bar_open",
  path: "bar_direction",
  intrabar: "conservative",
  maxParticipation: undefined,
  sessionOffsetMs: 0
}

const DAY_MS = 86_400_000

/** The end of the session containing `timestamp`: the first `UTC midnight + offsetMs` strictly after it. */
export const sessionEnd = (timestamp: number, offsetMs = 0): number => Math.floor((timestamp - offsetMs) / DAY_MS + 1) * DAY_MS + offsetMs

/** A problem with a match model: the field and a sentence. */
export const checkMatchModel = (m: MatchModel): { readonly field: string; readonly reason: string } | undefined => {
  if (m.maxParticipation !== undefined && !(Number.isFinite(m.maxParticipation) && m.maxParticipation > 0 && m.maxParticipation <= 1)) {
    return { field: "maxParticipation", reason: `must be a fraction in (0, 1], got ${m.maxParticipation}` }
  }
  if (!(Number.isFinite(m.sessionOffsetMs) && m.sessionOffsetMs >= 0 && m.sessionOffsetMs < DAY_MS)) {
    return { field: "sessionOffsetMs", reason: `must be in [0, 86400000), got ${m.sessionOffsetMs}` }
  }
  return undefined
}

const isTerminal = (s: OrderStatus): boolean => s === "filled" || s === "cancelled" || s === "expired" || s === "rejected"
/** Whether an order can still trade (working or partially filled). */
export const isActive = (o: Order): boolean => o.status === "working" || o.status === "partially_filled"

const isStopLike = (o: Order): boolean => o.type === "stop" || o.type === "stop_limit"

/** Relative tolerance for quantity comparisons. */
const EPS = 1e-12

// ---------------------------------------------------------------------------------------------------------------
// Validation

const positive = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v > 0

/** Checks a request's shape: returns a sentence naming the field, or `undefined`. */
export const validateOrderRequest = (r: OrderRequest): string | undefined => {
  if (r.side !== "buy" && r.side !== "sell") return `side: expected buy or sell, got ${String(r.side)}`
  const type = r.type
  if (type !== "market" && type !== "limit" && type !== "stop" && type !== "stop_limit") return `type: expected market, limit, stop or stop_limit, got ${String(r.type)}`
  if (!positive(r.quantity)) return `quantity: must be a positive number, got ${r.quantity}`
  const tif = r.timeInForce ?? "GTC"
  if (tif !== "GTC" && tif !== "IOC" && tif !== "FOK" && tif !== "DAY") return `timeInForce: expected GTC, IOC, FOK or DAY, got ${String(tif)}`
  const needsLimit = r.type === "limit" || r.type === "stop_limit"
  const needsStop = r.type === "stop" || r.type === "stop_limit"
  if (needsLimit && !positive(r.limitPrice)) return `limitPrice: a ${r.type} order needs a positive limit price, got ${r.limitPrice}`
  if (!needsLimit && r.limitPrice !== undefined) return `limitPrice: a ${r.type} order has no limit price`
  if (needsStop && !positive(r.stopPrice)) return `stopPrice: a ${r.type} order needs a positive stop price, got ${r.stopPrice}`
  if (!needsStop && r.stopPrice !== undefined) return `stopPrice: a ${r.type} order has no stop price`
  return undefined
}

// ---------------------------------------------------------------------------------------------------------------
// Matching one order against one bar

/** Where in the bar an order starts being matched, and how much it may trade. */
export interface MatchContext {
  /** Path time the order becomes eligible: 0 (the open), a later time for a bracket leg activated inside the bar, 3 at the close. */
  readonly from: number
  /** The price at `from`. */
  readonly fromPrice: number
  /** Units the order may fill in this bar (what the participation cap leaves); `Infinity` without a cap. */
  readonly capacity: number
  /** Reduce-only orders: units of opposite position left to reduce (`Infinity` otherwise). */
  readonly reducible: number
  /** Partial fills cut by the cap are rounded down to this lot step (0: not rounded). */
  readonly quantityStep: number
}

/** A fill before costs. */
export interface RawFill {
  readonly quantity: number
  /** Before slippage and spread. */
  readonly price: number
  /** Path time of the fill. */
  readonly time: number
  readonly liquidity: Liquidity
  /** Market and stop fills: slippage and spread apply. */
  readonly aggressive: boolean
  /** Filled at the price where the order became eligible because it was already beyond its level (a gap). */
  readonly gapped: boolean
}

/** What one order did in one bar. */
export interface MatchResult {
  readonly fill: RawFill | undefined
  /** The order's status afterwards. */
  readonly status: OrderStatus
  /** Units still to fill afterwards (0 when filled, cancelled or expired). */
  readonly remaining: number
  /** Whether the stop has been reached (now or before). */
  readonly triggered: boolean
  /** Path time of the event. */
  readonly time: number
  /** Why the order was cancelled or expired, or a note on a fill cut short. */
  readonly reason: string | undefined
}

/** The context of an order eligible from the bar's open, with no caps. */
export const openContext = (bar: Bar): MatchContext => ({ from: OPEN_TIME, fromPrice: bar.open, capacity: Infinity, reducible: Infinity, quantityStep: 0 })

const iso = (ms: number): string => new Date(ms).toISOString()

const done = (order: Order, status: OrderStatus, time: number, reason: string, triggered = order.triggered): MatchResult => ({
  fill: undefined,
  status,
  remaining: 0,
  triggered,
  time,
  reason
})

/**
 * The path time of the order's next event in `bar` from `from` on (a fill, a trigger, an expiry or an IOC/FOK
 * decision), or `Infinity` when the bar leaves it untouched. The book uses it to sequence orders along the path.
 */
export const eventTime = (order: Order, bar: Bar, model: MatchModel, from: number, fromPrice: number): number => {
  if (!isActive(order)) return Infinity
  if (order.expiresAt !== undefined && bar.timestamp >= order.expiresAt) return from
  const buy = order.side === "buy"
  const immediate = order.timeInForce === "IOC" || order.timeInForce === "FOK"
  switch (order.type) {
    case "market":
      return from
    case "stop":
      return order.triggered ? from : touchTime(bar, order.stopPrice!, buy ? "up" : "down", from, fromPrice, model.path)
    case "limit":
      return immediate && !order.resting ? from : touchTime(bar, order.limitPrice!, buy ? "down" : "up", from, fromPrice, model.path)
    case "stop_limit":
      return order.triggered
        ? touchTime(bar, order.limitPrice!, buy ? "down" : "up", from, fromPrice, model.path)
        : touchTime(bar, order.stopPrice!, buy ? "up" : "down", from, fromPrice, model.path)
  }
}

/**
 * Decides what `order` does in `bar`, from `ctx.from` on: the fill (at most one per order per bar), the new status
 * and what remains. Returns `undefined` when the bar leaves the order as it was. Pure: the order is not modified.
 *
 * Rules (buy side; sells mirror): see the module comment. Quantity: at most `min(remaining, capacity, reducible)`;
 * a cut by the cap carries the rest to later bars (`GTC`, `DAY`), a cut by the reduce-only bound cancels the rest
 * (the position is gone), `IOC` cancels the rest, `FOK` cancels everything unless all of it fits. Liquidity: market
 * and stop fills take liquidity; a limit (or triggered stop-limit) fill takes liquidity when it fills at the moment
 * it arrived or triggered (marketable), and adds liquidity (maker) when it had been resting.
 */
export const matchBar = (order: Order, bar: Bar, model: MatchModel, ctx: MatchContext = openContext(bar)): MatchResult | undefined => {
  if (!isActive(order)) return undefined
  const from = ctx.from
  if (order.expiresAt !== undefined && bar.timestamp >= order.expiresAt) {
    return done(order, "expired", from, `DAY order expired at ${iso(order.expiresAt)}`)
  }
  const buy = order.side === "buy"
  const tif = order.timeInForce
  const immediate = tif === "IOC" || tif === "FOK"
  const path = model.path
  let triggered = order.triggered
  let time: number
  let price: number
  let aggressive: boolean
  let taker: boolean
  let gapped: boolean

  if (order.type === "market" || (order.type === "stop" && triggered)) {
    time = from
    price = ctx.fromPrice
    aggressive = true
    taker = true
    gapped = false
  } else if (order.type === "stop") {
    const stop = order.stopPrice!
    time = touchTime(bar, stop, buy ? "up" : "down", from, ctx.fromPrice, path)
    if (time === Infinity) return undefined
    triggered = true
    const atOnce = time === from
    price = atOnce ? ctx.fromPrice : stop
    gapped = atOnce && price !== stop
    aggressive = true
    taker = true
  } else {
    // limit, or stop-limit (trigger first, then a limit from the trigger on)
    let start = from
    let startPrice = ctx.fromPrice
    let arriving = !order.resting
    let level = order.limitPrice!
    if (order.type === "stop_limit" && !triggered) {
      const stop = order.stopPrice!
      const ts = touchTime(bar, stop, buy ? "up" : "down", from, ctx.fromPrice, path)
      if (ts === Infinity) return undefined
      triggered = true
      start = ts
      startPrice = ts === from ? ctx.fromPrice : stop
      arriving = true
      level = stop
    }
    const limit = order.limitPrice!
    const marketableNow = buy ? startPrice <= limit : startPrice >= limit
    if (immediate && arriving) {
      if (!marketableNow) {
        return done(order, "cancelled", start, `${tif}: limit ${fmt(limit)} was not marketable at ${fmt(startPrice)} when the order ${order.type === "stop_limit" ? "triggered" : "arrived"}`, triggered)
      }
      time = start
    } else {
      time = marketableNow ? start : touchTime(bar, limit, buy ? "down" : "up", start, startPrice, path)
      if (time === Infinity) {
        if (triggered === order.triggered) return undefined
        // Triggered, but the price did not come back to the limit in this bar: the order now rests as a limit.
        return { fill: undefined, status: order.status, remaining: order.quantity - order.filledQuantity, triggered, time: start, reason: undefined }
      }
    }
    const atOnce = time === start
    price = atOnce ? startPrice : limit
    // A gap: filled where the order became eligible, beyond its level (the stop when it triggered in this bar).
    gapped = atOnce && start === from && price !== level
    aggressive = false
    taker = atOnce && arriving
  }

  // How much
  const remaining = order.quantity - order.filledQuantity
  const room = ctx.capacity < ctx.reducible ? ctx.capacity : ctx.reducible
  const cutByPosition = ctx.reducible < remaining * (1 - EPS) && ctx.reducible <= ctx.capacity
  if (tif === "FOK" && room < remaining * (1 - EPS)) {
    const why = cutByPosition ? `the position to reduce is ${fmt(ctx.reducible)}` : `the participation cap leaves ${fmt(Math.max(0, ctx.capacity))}`
    return done(order, "cancelled", time, `FOK: ${fmt(remaining)} could not fill entirely (${why})`, triggered)
  }
  let q = remaining
  if (room < remaining * (1 - EPS)) {
    q = room > 0 ? room : 0
    if (ctx.quantityStep > 0 && q > 0) q = roundToStep(q, ctx.quantityStep, "down")
  }
  if (!(q > 0)) {
    if (order.reduceOnly && ctx.reducible <= 0) return done(order, "cancelled", time, "reduce-only: no position left to reduce", triggered)
    if (immediate) return done(order, "cancelled", time, `${tif}: nothing could fill (the participation cap leaves ${fmt(Math.max(0, ctx.capacity))})`, triggered)
    // No volume left in this bar: a triggered stop keeps its trigger and waits for the next bar.
    if (triggered === order.triggered) return undefined
    return { fill: undefined, status: order.status, remaining, triggered, time, reason: undefined }
  }
  let left = remaining - q
  if (left <= remaining * EPS) {
    left = 0
    q = remaining
  }
  const fill: RawFill = { quantity: q, price, time, liquidity: taker ? "taker" : "maker", aggressive, gapped }
  if (left === 0) return { fill, status: "filled", remaining: 0, triggered, time, reason: undefined }
  if (order.reduceOnly && cutByPosition) {
    return { fill, status: "cancelled", remaining: 0, triggered, time, reason: `reduce-only: the position is closed; ${fmt(left)} cancelled` }
  }
  if (immediate) {
    return { fill, status: "cancelled", remaining: 0, triggered, time, reason: `IOC: ${fmt(left)} of ${fmt(order.quantity)} unfilled and cancelled (participation cap)` }
  }
  return { fill, status: "partially_filled", remaining: left, triggered, time, reason: undefined }
}

// ---------------------------------------------------------------------------------------------------------------
// The book

/** A fill after costs, as the book reports it. */
export interface Fill {
  readonly orderId: number
  readonly symbol: string
  readonly side: OrderSide
  readonly type: OrderType
  readonly role: OrderRole | undefined
  readonly tag: string | undefined
  readonly quantity: number
  /** The booked price: `basePrice` with slippage and spread (market and stop fills). */
  readonly price: number
  /** The price the rules gave, before costs. */
  readonly basePrice: number
  readonly commission: number
  readonly liquidity: Liquidity
  /** The bar's open time (ms). */
  readonly timestamp: number
  /** Path time inside the bar (0 open … 3 close). */
  readonly time: number
  readonly gapped: boolean
}

/** Something that happened to an order. `order` is the live order: copy what you keep. */
export type BookEvent =
  | { readonly kind: "fill"; readonly order: Order; readonly fill: Fill }
  | { readonly kind: "triggered"; readonly order: Order; readonly time: number }
  | { readonly kind: "activated"; readonly order: Order }
  | { readonly kind: "cancelled"; readonly order: Order; readonly reason: string }
  | { readonly kind: "expired"; readonly order: Order; readonly reason: string }

/** Outcome of submit / amend. */
export type OrderResult = { readonly ok: true; readonly order: Order } | { readonly ok: false; readonly reason: string }

/** Outcome of cancel: the orders it cancelled (the order and, for an unfilled entry, its bracket legs). */
export type CancelResult = { readonly ok: true; readonly cancelled: ReadonlyArray<Order> } | { readonly ok: false; readonly reason: string }

/** An entry with protective legs. Leg sides are the opposite of the entry's; legs are reduce-only and `GTC`. */
export interface BracketRequest {
  readonly entry: OrderRequest
  /** A stop (market) order, or a stop-limit when `limitPrice` is given. */
  readonly stopLoss?: { readonly stopPrice: number; readonly limitPrice?: number | undefined } | undefined
  /** A limit order. */
  readonly takeProfit?: { readonly limitPrice: number } | undefined
}

/**
 * A protective leg added to a position after its entry (see {@link OrderBook.attachLeg}): a reduce-only `GTC` stop
 * (the stop-loss) or limit (the take-profit) order.
 */
export interface LegRequest {
  readonly role: "stop_loss" | "take_profit"
  /** The exit side: `sell` for a long position, `buy` for a short. */
  readonly side: OrderSide
  /** Units to protect (the position). */
  readonly quantity: number
  /** The stop price of a stop-loss, the limit price of a take-profit. */
  readonly price: number
  /** The entry the leg belongs to (it grows with that entry's later fills while the entry still works). */
  readonly parentId: number
  /** The other leg of the position, if any: the two become one-cancels-other. */
  readonly ocoId?: number | undefined
  readonly tag?: string | undefined
}

/** Outcome of submitting a bracket. */
export type BracketResult =
  | { readonly ok: true; readonly entry: Order; readonly stopLoss: Order | undefined; readonly takeProfit: Order | undefined }
  | { readonly ok: false; readonly reason: string }

/** What may change in an amendment. */
export interface Amendment {
  readonly quantity?: number | undefined
  readonly limitPrice?: number | undefined
  readonly stopPrice?: number | undefined
}

/** Options of a book. */
export interface OrderBookOptions {
  readonly model?: Partial<MatchModel> | undefined
  /** Slippage, spread and commission (default: none). */
  readonly costs?: CostModel | undefined
  /** Orders are validated against it on submit and amend; cap-cut fills are rounded down to its lot step. */
  readonly instrument?: InstrumentSpec | undefined
  /** A shared id counter (so ids are unique across the books of a run). Default: the book's own, from 1. */
  readonly ids?: { next: number } | undefined
}

/** An order book as plain data (see {@link OrderBook.snapshot}). */
export interface OrderBookSnapshot {
  readonly version: 1
  readonly symbol: string
  readonly nextId: number
  readonly working: ReadonlyArray<MutableOrder>
  /** Statuses of recently finished orders (to explain a late cancel or amend), oldest first. */
  readonly recent: ReadonlyArray<readonly [number, OrderStatus]>
}

const EMPTY: ReadonlyArray<BookEvent> = Object.freeze([])

/** Appends to an event list created on first use (most bars produce no event, and then no array). */
const emit = (events: Array<BookEvent> | undefined, e: BookEvent): Array<BookEvent> => {
  if (events === undefined) return [e]
  events.push(e)
  return events
}
const RECENT_LIMIT = 1024

/**
 * The working orders of one symbol and the per-bar matching. Call {@link OrderBook.onBar} with every bar of the
 * symbol before the strategy sees it (fills at the open and inside the bar), and, in the `same_bar_close` model,
 * {@link OrderBook.onClose} after the strategy submitted its orders. Synchronous and allocation-free when no order
 * is working.
 */
export class OrderBook {
  readonly model: MatchModel
  readonly costs: CostModel
  readonly instrument: InstrumentSpec | undefined
  private readonly ids: { next: number }
  private working: Array<MutableOrder> = []
  private readonly recent = new Map<number, OrderStatus>()
  // Scratch space of one matching phase (reused between bars).
  private cOrder: Array<MutableOrder | undefined> = []
  private cFrom: Array<number> = []
  private cFromPrice: Array<number> = []
  private cTime: Array<number> = []
  private cDone: Array<boolean> = []
  /** Candidates in use; the arrays only grow (resetting their length costs more than it saves). */
  private cCount = 0
  /** Whether an order finished since the working list was last compacted. */
  private finishedSinceCompact = false

  constructor(readonly symbol: string, options: OrderBookOptions = {}) {
    this.model = { ...DEFAULT_MATCH_MODEL, ...options.model }
    const problem = checkMatchModel(this.model)
    if (problem !== undefined) throw new RangeError(`order book ${symbol}: ${problem.field}: ${problem.reason}`)
    this.costs = options.costs ?? NO_COSTS
    this.instrument = options.instrument
    this.ids = options.ids ?? { next: 1 }
  }

  /** The active and pending orders, in submission order. */
  get orders(): ReadonlyArray<Order> {
    return this.working
  }

  /** Whether any order is working or pending. */
  get isEmpty(): boolean {
    return this.working.length === 0
  }

  /** A working or pending order by id. */
  order(id: number): Order | undefined {
    return this.find(id)
  }

  private find(id: number): MutableOrder | undefined {
    const w = this.working
    for (let i = 0; i < w.length; i++) if (w[i]!.id === id) return w[i]
    return undefined
  }

  private notWorking(id: number): string {
    const status = this.recent.get(id)
    return status === undefined ? `order ${id} is not in the ${this.symbol} book` : `order ${id} is already ${status}`
  }

  private specProblem(r: OrderRequest, referencePrice: number | undefined): string | undefined {
    if (this.instrument === undefined) return undefined
    const rejection = validateAgainstSpec(this.instrument, {
      market: r.type === "market" || r.type === "stop",
      quantity: r.quantity,
      price: r.limitPrice,
      stopPrice: r.stopPrice,
      referencePrice
    })
    return rejection?.reason
  }

  private create(r: OrderRequest, at: number, role: OrderRole | undefined, parentId: number | undefined, status: OrderStatus): MutableOrder {
    const tif = r.timeInForce ?? "GTC"
    return {
      id: this.ids.next++,
      symbol: this.symbol,
      side: r.side,
      type: r.type,
      quantity: r.quantity,
      limitPrice: r.limitPrice,
      stopPrice: r.stopPrice,
      timeInForce: tif,
      reduceOnly: r.reduceOnly ?? false,
      submittedAt: at,
      expiresAt: tif === "DAY" ? sessionEnd(at, this.model.sessionOffsetMs) : undefined,
      status,
      filledQuantity: 0,
      averagePrice: 0,
      fees: 0,
      triggered: false,
      resting: false,
      parentId,
      ocoId: undefined,
      role,
      tag: r.tag,
      reason: undefined
    }
  }

  /**
   * Adds an order. `at` is when it reaches the book (ms; it fixes a `DAY` order's session); `referencePrice` (the
   * last price) is used for the minimum-notional check of market orders. Invalid requests are refused with the
   * reason and use no id.
   */
  submit(request: OrderRequest, at: number, referencePrice?: number): OrderResult {
    const problem = this.checkRequest(request, referencePrice)
    if (problem !== undefined) return { ok: false, reason: problem }
    const order = this.create(request, at, undefined, undefined, "working")
    this.working.push(order)
    return { ok: true, order }
  }

  private checkRequest(request: OrderRequest, referencePrice: number | undefined): string | undefined {
    if (request.symbol !== this.symbol) return `symbol: order for ${request.symbol} sent to the ${this.symbol} book`
    return validateOrderRequest(request) ?? this.specProblem(request, referencePrice)
  }

  /**
   * Adds an entry with a stop-loss and/or a take-profit. The legs wait (`pending`) until the entry fills, then work
   * for the quantity filled so far (growing with later partial fills of the entry), from the moment of the fill on,
   * in the same bar too. The legs are one-cancels-other: a fill or trigger of one cancels the other. A leg's fill
   * cancels what is left of the entry. Levels must sit on the right side of the entry's limit or stop price, or of
   * `referencePrice` for a market entry (a stop-loss below and a take-profit above for a buy).
   */
  submitBracket(request: BracketRequest, at: number, referencePrice?: number): BracketResult {
    const e = request.entry
    if (e.reduceOnly === true) return { ok: false, reason: "reduceOnly: a bracket entry opens a position and cannot be reduce-only" }
    const problem = this.checkRequest(e, referencePrice)
    if (problem !== undefined) return { ok: false, reason: problem }
    const exitSide: OrderSide = e.side === "buy" ? "sell" : "buy"
    const sl = request.stopLoss
    const tp = request.takeProfit
    const slRequest: OrderRequest | undefined = sl === undefined ? undefined : {
      symbol: e.symbol,
      side: exitSide,
      type: sl.limitPrice === undefined ? "stop" : "stop_limit",
      quantity: e.quantity,
      stopPrice: sl.stopPrice,
      limitPrice: sl.limitPrice,
      reduceOnly: true,
      tag: e.tag
    }
    const tpRequest: OrderRequest | undefined = tp === undefined ? undefined : {
      symbol: e.symbol,
      side: exitSide,
      type: "limit",
      quantity: e.quantity,
      limitPrice: tp.limitPrice,
      reduceOnly: true,
      tag: e.tag
    }
    if (slRequest !== undefined) {
      const p = validateOrderRequest(slRequest) ?? this.specProblem(slRequest, undefined)
      if (p !== undefined) return { ok: false, reason: `stopLoss: ${p}` }
    }
    if (tpRequest !== undefined) {
      const p = validateOrderRequest(tpRequest) ?? this.specProblem(tpRequest, undefined)
      if (p !== undefined) return { ok: false, reason: `takeProfit: ${p}` }
    }
    const reference = e.type === "limit" || e.type === "stop_limit" ? e.limitPrice : e.type === "stop" ? e.stopPrice : referencePrice
    const buy = e.side === "buy"
    const stop = sl?.stopPrice
    const target = tp?.limitPrice
    if (stop !== undefined && target !== undefined && (buy ? stop >= target : stop <= target)) {
      return { ok: false, reason: `stopLoss ${fmt(stop)} must be ${buy ? "below" : "above"} takeProfit ${fmt(target)} for a ${e.side} entry` }
    }
    if (reference !== undefined) {
      if (stop !== undefined && (buy ? stop >= reference : stop <= reference)) {
        return { ok: false, reason: `stopLoss ${fmt(stop)} must be ${buy ? "below" : "above"} the entry price ${fmt(reference)} for a ${e.side} entry` }
      }
      if (target !== undefined && (buy ? target <= reference : target >= reference)) {
        return { ok: false, reason: `takeProfit ${fmt(target)} must be ${buy ? "above" : "below"} the entry price ${fmt(reference)} for a ${e.side} entry` }
      }
    }
    const entry = this.create(e, at, "entry", undefined, "working")
    const slOrder = slRequest === undefined ? undefined : this.create(slRequest, at, "stop_loss", entry.id, "pending")
    const tpOrder = tpRequest === undefined ? undefined : this.create(tpRequest, at, "take_profit", entry.id, "pending")
    if (slOrder !== undefined) slOrder.quantity = 0
    if (tpOrder !== undefined) tpOrder.quantity = 0
    if (slOrder !== undefined && tpOrder !== undefined) {
      slOrder.ocoId = tpOrder.id
      tpOrder.ocoId = slOrder.id
    }
    this.working.push(entry)
    if (slOrder !== undefined) this.working.push(slOrder)
    if (tpOrder !== undefined) this.working.push(tpOrder)
    return { ok: true, entry, stopLoss: slOrder, takeProfit: tpOrder }
  }

  /**
   * Adds a stop-loss or take-profit order to a position that is already open (a stop set after the entry, a
   * breakeven move without an initial stop): working at once (from the next bar it is matched against; it has not
   * rested yet), reduce-only and `GTC`, one-cancels-other with `ocoId` when that order is in the book, and hung on
   * the entry `parentId` like a bracket leg. Refused: a quantity or price that is not a positive number, a price the
   * instrument's price filter refuses (the quantity follows the position and is not checked against the lot filters).
   */
  attachLeg(request: LegRequest, at: number): OrderResult {
    const { role, side, quantity, price } = request
    if (role !== "stop_loss" && role !== "take_profit") return { ok: false, reason: `role: expected stop_loss or take_profit, got ${String(role)}` }
    if (side !== "buy" && side !== "sell") return { ok: false, reason: `side: expected buy or sell, got ${String(side)}` }
    if (!positive(quantity)) return { ok: false, reason: `quantity: must be a positive number, got ${quantity}` }
    const stop = role === "stop_loss"
    if (this.instrument !== undefined) {
      const problem = validatePrices(this.instrument, stop ? undefined : price, stop ? price : undefined)
      if (problem !== undefined) return { ok: false, reason: problem.reason }
    }
    if (!positive(price)) return { ok: false, reason: `${stop ? "stopPrice" : "limitPrice"}: must be a positive number, got ${price}` }
    const sibling = request.ocoId === undefined ? undefined : this.find(request.ocoId)
    const leg: MutableOrder = {
      id: this.ids.next++,
      symbol: this.symbol,
      side,
      type: stop ? "stop" : "limit",
      quantity,
      limitPrice: stop ? undefined : price,
      stopPrice: stop ? price : undefined,
      timeInForce: "GTC",
      reduceOnly: true,
      submittedAt: at,
      expiresAt: undefined,
      status: "working",
      filledQuantity: 0,
      averagePrice: 0,
      fees: 0,
      triggered: false,
      resting: false,
      parentId: request.parentId,
      ocoId: sibling?.id,
      role,
      tag: request.tag,
      reason: undefined
    }
    if (sibling !== undefined) sibling.ocoId = leg.id
    this.working.push(leg)
    return { ok: true, order: leg }
  }

  private finish(o: MutableOrder, status: OrderStatus, reason: string | undefined): void {
    o.status = status
    this.finishedSinceCompact = true
    if (reason !== undefined) o.reason = reason
    this.recent.set(o.id, status)
    if (this.recent.size > RECENT_LIMIT) this.recent.delete(this.recent.keys().next().value!)
    if (o.ocoId !== undefined) {
      const sibling = this.find(o.ocoId)
      if (sibling !== undefined) sibling.ocoId = undefined
      o.ocoId = undefined
    }
  }

  private compact(): void {
    if (!this.finishedSinceCompact) return
    this.finishedSinceCompact = false
    const w = this.working
    let j = 0
    for (let i = 0; i < w.length; i++) {
      const o = w[i]!
      if (!isTerminal(o.status)) w[j++] = o
    }
    if (j !== w.length) w.length = j
  }

  /**
   * Cancels a working or pending order. An entry without any fill takes its pending bracket legs with it; an entry
   * that filled partly keeps its legs (they protect what was filled). Refused for unknown and finished orders.
   */
  cancel(id: number, reason = "cancelled"): CancelResult {
    const o = this.find(id)
    if (o === undefined) return { ok: false, reason: this.notWorking(id) }
    const cancelled: Array<Order> = [o]
    this.finish(o, "cancelled", reason)
    if (o.role === "entry" && o.filledQuantity === 0) {
      for (const leg of this.working) {
        if (leg.parentId === o.id && !isTerminal(leg.status)) {
          this.finish(leg, "cancelled", `entry ${o.id} cancelled before any fill`)
          cancelled.push(leg)
        }
      }
    }
    this.compact()
    return { ok: true, cancelled }
  }

  /** Cancels every order matching `predicate` (all by default); returns them. */
  cancelAll(reason: string, predicate: (o: Order) => boolean = () => true): ReadonlyArray<Order> {
    const out: Array<Order> = []
    for (const o of [...this.working]) {
      if (isTerminal(o.status) || !predicate(o)) continue
      const r = this.cancel(o.id, reason)
      if (r.ok) out.push(...r.cancelled)
    }
    return out
  }

  /**
   * Changes a working or pending order's quantity, limit price or stop price. Refused: finished or unknown orders;
   * a price the order type does not have; a stop price once triggered; a quantity below what already filled (equal
   * completes the order as filled); values the instrument's filters refuse. A price change makes the order arrive
   * anew (it is checked for marketability like a new order).
   */
  amend(id: number, changes: Amendment): OrderResult {
    const o = this.find(id)
    if (o === undefined) return { ok: false, reason: this.notWorking(id) }
    const { quantity, limitPrice, stopPrice } = changes
    if (quantity !== undefined && !positive(quantity)) return { ok: false, reason: `quantity: must be a positive number, got ${quantity}` }
    if (limitPrice !== undefined) {
      if (o.type !== "limit" && o.type !== "stop_limit") return { ok: false, reason: `limitPrice: order ${id} is a ${o.type} order, which has no limit price` }
      if (!positive(limitPrice)) return { ok: false, reason: `limitPrice: must be a positive number, got ${limitPrice}` }
    }
    if (stopPrice !== undefined) {
      if (o.type !== "stop" && o.type !== "stop_limit") return { ok: false, reason: `stopPrice: order ${id} is a ${o.type} order, which has no stop price` }
      if (!positive(stopPrice)) return { ok: false, reason: `stopPrice: must be a positive number, got ${stopPrice}` }
      if (o.triggered) return { ok: false, reason: `stopPrice: order ${id} has already triggered` }
    }
    if (quantity !== undefined && o.role !== undefined && o.role !== "entry") {
      return { ok: false, reason: `quantity: the bracket leg ${id} follows its entry's filled quantity` }
    }
    if (quantity !== undefined && quantity < o.filledQuantity * (1 - EPS)) {
      return { ok: false, reason: `quantity ${fmt(quantity)} is below the filled quantity ${fmt(o.filledQuantity)} of order ${id}` }
    }
    if (this.instrument !== undefined) {
      const newQuantity = quantity ?? o.quantity
      const newLimit = limitPrice ?? o.limitPrice
      const newStop = stopPrice ?? o.stopPrice
      // A leg waiting for its entry has quantity 0: only its prices are checked then.
      const p = newQuantity > 0
        ? this.specProblem({ symbol: o.symbol, side: o.side, type: o.type, quantity: newQuantity, limitPrice: newLimit, stopPrice: newStop }, undefined)
        : validatePrices(this.instrument, newLimit, newStop)?.reason
      if (p !== undefined) return { ok: false, reason: p }
    }
    if (limitPrice !== undefined) o.limitPrice = limitPrice
    if (stopPrice !== undefined) o.stopPrice = stopPrice
    if (limitPrice !== undefined || stopPrice !== undefined) o.resting = false
    if (quantity !== undefined) {
      o.quantity = quantity
      if (o.filledQuantity >= quantity * (1 - EPS) && o.filledQuantity > 0) {
        o.quantity = o.filledQuantity
        this.finish(o, "filled", "amended down to its filled quantity")
        this.compact()
      }
    }
    return { ok: true, order: o }
  }

  /**
   * Matches the book against `bar` (the symbol's next bar): expires `DAY` orders whose session ended, then runs
   * every active order along the intrabar path from the open. `position` is the symbol's signed position (long > 0)
   * before the bar; the book tracks it through its own fills for reduce-only orders. Returns the events in the order
   * they happened.
   */
  onBar(bar: Bar, position: number): ReadonlyArray<BookEvent> {
    if (this.working.length === 0) return EMPTY
    return this.phase(bar, position, OPEN_TIME, bar.open, false)
  }

  /**
   * The `same_bar_close` model: matches the orders submitted on this bar (not yet seen by any bar) at its close, as
   * if the close were a one-price bar; what does not fill rests for the next bars. A no-op in `next_bar_open`.
   */
  onClose(bar: Bar, position: number): ReadonlyArray<BookEvent> {
    if (this.working.length === 0 || this.model.marketFill !== "same_bar_close") return EMPTY
    return this.phase(bar, position, CLOSE_TIME, bar.close, true)
  }

  private addCandidate(o: MutableOrder, bar: Bar, from: number, fromPrice: number): void {
    const i = this.cCount++
    this.cOrder[i] = o
    this.cFrom[i] = from
    this.cFromPrice[i] = fromPrice
    this.cTime[i] = eventTime(o, bar, this.model, from, fromPrice)
    this.cDone[i] = false
  }

  private phase(bar: Bar, position: number, from: number, fromPrice: number, freshOnly: boolean): ReadonlyArray<BookEvent> {
    // Allocated on the first event only: most bars change nothing.
    let events: Array<BookEvent> | undefined
    const model = this.model
    const conservative = model.intrabar === "conservative"
    const step = this.instrument === undefined ? 0 : this.instrument.stepSize
    let capacity = model.maxParticipation === undefined ? Infinity : model.maxParticipation * bar.volume
    let pos = position
    const cOrder = this.cOrder
    const cFrom = this.cFrom
    const cFromPrice = this.cFromPrice
    const cTime = this.cTime
    const cDone = this.cDone
    this.cCount = 0

    const working = this.working
    for (let i = 0; i < working.length; i++) {
      const o = working[i]!
      if (!isActive(o) || (freshOnly && o.resting)) continue
      this.addCandidate(o, bar, from, fromPrice)
    }

    let touched = false
    for (let i = 0; i < this.cCount; i++) if (cTime[i] !== Infinity) touched = true
    while (touched) {
      // The next event: earliest path time; a bracket's stop-loss goes first in the conservative mode when both legs
      // are reached inside the bar; ties: stop-type orders first, then submission order.
      let best = -1
      let bestKey = Infinity
      const n = this.cCount
      for (let i = 0; i < n; i++) {
        if (cDone[i]) continue
        let key = cTime[i]!
        if (key === Infinity) continue
        const o = cOrder[i]!
        if (conservative && o.role === "stop_loss" && o.ocoId !== undefined && key > cFrom[i]!) {
          for (let j = 0; j < n; j++) {
            if (j !== i && !cDone[j] && cOrder[j]!.id === o.ocoId && cTime[j]! > cFrom[j]! && cTime[j]! < key) key = cTime[j]!
          }
        }
        if (best < 0 || key < bestKey || (key === bestKey && this.before(o, cOrder[best]!))) {
          best = i
          bestKey = key
        }
      }
      if (best < 0) break
      cDone[best] = true
      const o = cOrder[best]!
      const reducible = o.reduceOnly ? Math.max(0, o.side === "sell" ? pos : -pos) : Infinity
      const result = matchBar(o, bar, model, { from: cFrom[best]!, fromPrice: cFromPrice[best]!, capacity, reducible, quantityStep: step })
      if (result === undefined) continue
      const wasTriggered = o.triggered
      const ocoId = o.ocoId
      o.triggered = result.triggered
      if (result.triggered && !wasTriggered) events = emit(events, { kind: "triggered", order: o, time: result.time })
      const fill = result.fill
      if (fill !== undefined) {
        const booked = this.book(o, fill, bar)
        events = emit(events, { kind: "fill", order: o, fill: booked })
        capacity -= fill.quantity
        pos += o.side === "buy" ? fill.quantity : -fill.quantity
        if (Math.abs(pos) <= fill.quantity * EPS) pos = 0
      }
      if (result.status === "filled") this.finish(o, "filled", undefined)
      else if (result.status === "cancelled" || result.status === "expired") {
        this.finish(o, result.status, result.reason)
        events = emit(events, { kind: result.status, order: o, reason: result.reason ?? result.status })
      } else if (result.status === "partially_filled") o.status = "partially_filled"

      // One-cancels-other: a fill or a trigger of one leg cancels the other.
      if (ocoId !== undefined && (fill !== undefined || (result.triggered && !wasTriggered))) {
        const sibling = this.find(ocoId)
        if (sibling !== undefined && !isTerminal(sibling.status)) {
          const reason = `OCO: ${o.role ?? "order"} ${o.id} ${fill !== undefined ? "filled" : "triggered"}`
          this.finish(sibling, "cancelled", reason)
          events = emit(events, { kind: "cancelled", order: sibling, reason })
          this.markDone(sibling)
        }
      }
      if (fill !== undefined && o.role === "entry") events = this.activateLegs(o, bar, fill.time, fill.price, events)
      if (fill !== undefined && o.parentId !== undefined) {
        const parent = this.find(o.parentId)
        if (parent !== undefined && isActive(parent)) {
          const reason = `bracket closed by ${o.role} ${o.id}`
          this.finish(parent, "cancelled", reason)
          events = emit(events, { kind: "cancelled", order: parent, reason })
          this.markDone(parent)
        }
      }
      if (o.role === "entry" && isTerminal(o.status) && o.filledQuantity === 0) {
        for (const leg of this.working) {
          if (leg.parentId === o.id && !isTerminal(leg.status)) {
            const reason = `entry ${o.id} ${o.status} without a fill`
            this.finish(leg, "cancelled", reason)
            events = emit(events, { kind: "cancelled", order: leg, reason })
            this.markDone(leg)
          }
        }
      }
    }

    const n = this.cCount
    for (let i = 0; i < n; i++) {
      const o = cOrder[i]!
      if (!o.resting) o.resting = true
      cOrder[i] = undefined // finished orders must not stay reachable from the scratch space
    }
    this.cCount = 0
    this.compact()
    return events ?? EMPTY
  }

  /** Tie-break between two events at the same path time. */
  private before(a: Order, b: Order): boolean {
    const sa = isStopLike(a) ? 0 : 1
    const sb = isStopLike(b) ? 0 : 1
    return sa !== sb ? sa < sb : a.id < b.id
  }

  private markDone(o: Order): void {
    const c = this.cOrder
    const n = this.cCount
    for (let i = 0; i < n; i++) if (c[i] === o) this.cDone[i] = true
  }

  private book(o: MutableOrder, raw: RawFill, bar: Bar): Fill {
    const price = effectivePrice(this.costs, o.side, raw.price, raw.aggressive, bar)
    const commission = commissionFor(this.costs.commission, raw.quantity, price, raw.liquidity)
    const before = o.filledQuantity
    const after = before + raw.quantity
    o.averagePrice = before === 0 ? price : (o.averagePrice * before + price * raw.quantity) / after
    o.filledQuantity = after >= o.quantity * (1 - EPS) ? o.quantity : after
    o.fees += commission
    return {
      orderId: o.id,
      symbol: o.symbol,
      side: o.side,
      type: o.type,
      role: o.role,
      tag: o.tag,
      quantity: raw.quantity,
      price,
      basePrice: raw.price,
      commission,
      liquidity: raw.liquidity,
      timestamp: bar.timestamp,
      time: raw.time,
      gapped: raw.gapped
    }
  }

  /** After an entry fill: its legs work for the filled quantity, from the moment of the fill on. */
  private activateLegs(entry: MutableOrder, bar: Bar, time: number, price: number, events: Array<BookEvent> | undefined): Array<BookEvent> | undefined {
    for (const leg of this.working) {
      if (leg.parentId !== entry.id || isTerminal(leg.status)) continue
      leg.quantity = entry.filledQuantity
      if (leg.status === "pending") {
        leg.status = "working"
        leg.resting = false
        events = emit(events, { kind: "activated", order: leg })
        this.addCandidate(leg, bar, time, price)
      }
    }
    return events
  }

  /** The book as plain data (orders copied). */
  snapshot(): OrderBookSnapshot {
    return {
      version: 1,
      symbol: this.symbol,
      nextId: this.ids.next,
      working: this.working.map((o) => ({ ...o })),
      recent: [...this.recent]
    }
  }

  /**
   * A book restored from {@link OrderBook.snapshot}. With a shared `options.ids`, the counter is raised to the
   * snapshot's `nextId` if it is behind.
   */
  static restore(snapshot: OrderBookSnapshot, options: OrderBookOptions = {}): OrderBook {
    const ids = options.ids ?? { next: snapshot.nextId }
    if (ids.next < snapshot.nextId) ids.next = snapshot.nextId
    const book = new OrderBook(snapshot.symbol, { ...options, ids })
    book.working = snapshot.working.map((o) => ({ ...o }))
    for (const [id, status] of snapshot.recent) book.recent.set(id, status)
    return book
  }
}
