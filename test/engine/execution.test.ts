/**
 * The order book, costs, instrument rules and the risk layer wired into the engine (issue 5): what a strategy's
 * actions become, bar by bar, with hand-made bars and round numbers so every price is checked exactly.
 *
 * Conventions of these bars: one hour apart, volume 10 unless given; `[open, high, low, close]`. An up bar
 * (close ≥ open) is assumed to go open → low → high → close, a down bar open → high → low → close (docs/orders.md).
 */
import { Effect, Layer, Stream } from "effect"
import { describe, expect, it } from "vitest"
import type { Action } from "../../src/domain/action.ts"
import { bar, type Bar, SymbolName } from "../../src/domain/bar.ts"
import type { StrategyDefinition } from "../../src/domain/strategy.ts"
import { runEngine } from "../../src/engine/Engine.ts"
import { EngineCore, type EngineSettings } from "../../src/engine/core.ts"
import { Execution } from "../../src/execution/Execution.ts"
import type { FillModelConfig } from "../../src/execution/fill-model.ts"
import { instrumentSpec } from "../../src/execution/instrument.ts"
import { MarketData } from "../../src/market-data/MarketData.ts"
import type { DataQualityReport } from "../../src/market-data/MarketData.ts"
import { Strategy } from "../../src/strategy/Strategy.ts"
import { act, scripted } from "../support/scripted.ts"

const H = 3_600_000
const A = SymbolName("AAA")
const B = SymbolName("BBB")
const noQuality: DataQualityReport = { symbols: [], skippedRows: 0, skippedSamples: [] }
type Row = readonly [number, number, number, number] | readonly [number, number, number, number, number]

const bars = (rows: ReadonlyArray<Row>, symbol: SymbolName = A, start = 0): Array<Bar> =>
  rows.map(([open, high, low, close, volume], i) => bar({ symbol, timestamp: start + i * H, open, high, low, close, volume: volume ?? 10 }))

const merge = (...series: ReadonlyArray<ReadonlyArray<Bar>>): Array<Bar> =>
  series.flat().sort((x, y) => x.timestamp - y.timestamp || (x.symbol < y.symbol ? -1 : 1))

const flat = (n: number, price = 100): Array<Row> => Array.from({ length: n }, () => [price, price, price, price] as const)

const run = (def: StrategyDefinition, input: ReadonlyArray<Bar>, fills: FillModelConfig = {}, settings: Partial<EngineSettings> = {}) => {
  const core = new EngineCore(def, fills, { initialCash: 10_000, ...settings })
  core.processChunk(input)
  return core.finish(noQuality)
}

/** A strategy that returns the action given for (symbol, hour, phase), and nothing else. */
const at = (plan: Readonly<Record<string, Action>>) =>
  scripted((phase, b) => {
    const a = plan[`${b.symbol}@${b.timestamp / H}`] ?? plan[`${b.timestamp / H}`] ?? plan[`${b.timestamp / H}:${phase}`]
    return a === undefined ? undefined : act(a)
  })

const recordOf = (r: ReturnType<typeof run>, i = 0) => {
  const o = r.orders[i]!
  return { action: o.action, status: o.status, type: o.orderType, fillTime: o.fillTime, fillPrice: o.fillPrice, filled: o.filledQuantity, note: o.note }
}

describe("limit and stop entries", () => {
  it("a limit buy rests, the machine stays in Watch and the strategy keeps being called; it fills at the limit when the low reaches it", () => {
    const input = bars([[100, 100, 100, 100], [100, 101, 99, 100], [100, 100, 98, 99], [99, 99, 96, 97], [97, 97, 97, 97]])
    const def = at({ "0": { action: "enter_long", quantity: 10, order_type: "limit", limit_price: 97.5, stop_loss: 95 } })
    const r = run(def, input)
    expect(def.log.map((c) => c.phase)).toEqual(["Watch", "Watch", "Watch", "InTrade", "InTrade"])
    expect(r.trades).toHaveLength(1)
    expect([r.trades[0]!.entryTime, r.trades[0]!.entryPrice, r.trades[0]!.quantity]).toEqual([3 * H, 97.5, 10])
    expect(recordOf(r)).toEqual({ action: "enter_long", status: "filled", type: "limit", fillTime: 3 * H, fillPrice: 97.5, filled: 10, note: undefined })
    expect(r.orders[0]!.limitPrice).toBe(97.5)
    expect(r.transitions.map((t) => [t.timestamp / H, t.from, t.to])).toEqual([[3, "Watch", "InTrade"], [4, "InTrade", "Watch"]])
  })

  it("a limit buy below the market fills at the lower open after a gap down", () => {
    const input = bars([[100, 100, 100, 100], [100, 100, 99, 99.5], [95, 96, 94, 95], [95, 95, 95, 95]])
    const r = run(at({ "0": { action: "enter_long", quantity: 1, order_type: "limit", limit_price: 98 } }), input)
    expect([r.trades[0]!.entryTime, r.trades[0]!.entryPrice]).toEqual([2 * H, 95])
  })

  it("a stop buy triggers at its price when the high reaches it, at the open when the bar gaps above it", () => {
    const touch = run(at({ "0": { action: "enter_long", quantity: 1, order_type: "stop", stop_price: 103 } }),
      bars([[100, 100, 100, 100], [100, 102, 99, 101], [101, 104, 100, 103.5], [104, 104, 104, 104]]))
    expect([touch.trades[0]!.entryTime, touch.trades[0]!.entryPrice]).toEqual([2 * H, 103])
    const gap = run(at({ "0": { action: "enter_short", quantity: 1, order_type: "stop", stop_price: 97 } }),
      bars([[100, 100, 100, 100], [94, 95, 93, 94], [94, 94, 94, 94]]))
    expect([gap.trades[0]!.side, gap.trades[0]!.entryPrice]).toEqual(["short", 94])
  })

  it("protective levels of a limit entry are checked against its limit price", () => {
    const r = run(at({ "0": { action: "enter_long", quantity: 1, order_type: "limit", limit_price: 90, stop_loss: 92 } }), bars(flat(3)))
    expect(r.rejections.map((x) => x.reason)).toEqual(["stop_loss 92 must be below the price 90 for a long"])
    expect(r.orders).toEqual([])
  })

  it("a second entry while one is working is refused; cancel_order cancels it without a rejection; cancel_order with nothing working is refused", () => {
    const def = at({
      "0": { action: "enter_long", quantity: 1, order_type: "limit", limit_price: 90 },
      "1": { action: "enter_long", quantity: 2 },
      "2": { action: "cancel_order", reason: "changed my mind" },
      "3": { action: "cancel_order" }
    })
    const r = run(def, bars(flat(5)))
    expect(r.rejections.map((x) => [x.timestamp / H, x.action, x.reason])).toEqual([
      [1, "enter_long", "entry order 1 is still working; cancel_order or amend_order it first"],
      [3, "cancel_order", "no entry order is working"]
    ])
    expect(recordOf(r)).toMatchObject({ status: "cancelled", note: "changed my mind", filled: undefined })
    expect(r.transitions).toEqual([])
  })

  it("amend_order moves the limit (the order fills at the new price) and is refused with the book's reason for a price the type lacks", () => {
    const input = bars([[100, 100, 100, 100], [100, 100, 99, 100], [100, 100, 99, 100], [99.5, 100, 98.5, 99], [99, 99, 99, 99]])
    const r = run(at({
      "0": { action: "enter_long", quantity: 1, order_type: "limit", limit_price: 95 },
      "1": { action: "amend_order", stop_price: 99 },
      "2": { action: "amend_order", limit_price: 99 }
    }), input)
    expect(r.rejections.map((x) => x.reason)).toEqual(["stopPrice: order 1 is a limit order, which has no stop price"])
    expect([r.trades[0]!.entryTime, r.trades[0]!.entryPrice]).toEqual([3 * H, 99])
    expect(r.orders[0]!.limitPrice).toBe(99)
  })

  it("IOC: a limit not marketable at the next open is cancelled; recorded as a rejection, and the machine returns to Watch", () => {
    const def = scripted((phase, b) =>
      phase === "Watch" && b.timestamp === 0 ? { _tag: "Opportunity", fields: {} } :
      phase === "CloseWatch" && b.timestamp === H ? act({ action: "enter_long", quantity: 1, order_type: "limit", limit_price: 99, time_in_force: "IOC" }) : undefined)
    const r = run(def, bars([[100, 100, 100, 100], [100, 100, 100, 100], [100, 100, 95, 96], [96, 96, 96, 96]]))
    expect(r.trades).toEqual([])
    expect(recordOf(r)).toMatchObject({ status: "cancelled", note: "IOC: limit 99 was not marketable at 100 when the order arrived" })
    expect(r.rejections).toEqual([{ symbol: "AAA", timestamp: 2 * H, action: "enter_long", reason: "cancelled: IOC: limit 99 was not marketable at 100 when the order arrived" }])
    expect(r.transitions.map((t) => `${t.from}->${t.to}`)).toEqual(["Watch->CloseWatch", "CloseWatch->Watch"])
  })

  it("DAY: expires on the first bar of the next UTC day with nothing filled", () => {
    // Decided on the 22:00 bar: it reaches the book at 23:00, works for that hour, and expires at midnight.
    const input = bars(flat(4), A, 21 * H)
    const r = run(at({ "22": { action: "enter_long", quantity: 1, order_type: "limit", limit_price: 90, time_in_force: "DAY" } }), input)
    expect(recordOf(r)).toMatchObject({ status: "expired", note: "DAY order expired at 1970-01-02T00:00:00.000Z" })
    expect(r.rejections.map((x) => [x.timestamp / H, x.reason])).toEqual([[24, "expired: DAY order expired at 1970-01-02T00:00:00.000Z"]])
  })

  it("an entry still working when the data ends is listed as unfilled", () => {
    const r = run(at({ "0": { action: "enter_long", quantity: 1, order_type: "limit", limit_price: 90 } }), bars(flat(3)))
    expect(recordOf(r)).toMatchObject({ status: "unfilled", note: "the data ended before it filled" })
    expect(r.rejections.map((x) => x.reason)).toEqual(["unfilled: the data ended before it filled"])
  })

  it("cancel_analysis cancels a working entry", () => {
    const def = scripted((phase, b) =>
      phase === "Watch" ? { _tag: "Opportunity", fields: {} } :
      b.timestamp === H ? act({ action: "enter_long", quantity: 1, order_type: "limit", limit_price: 90 }) :
      b.timestamp === 2 * H ? act({ action: "cancel_analysis", reason: "setup gone" }) : undefined)
    const r = run(def, bars(flat(4)))
    expect(recordOf(r)).toMatchObject({ status: "cancelled", note: "cancel_analysis: setup gone" })
    expect(r.rejections).toEqual([])
  })
})

describe("volume participation cap, partial fills and the average entry price", () => {
  it("an entry larger than the cap fills over several bars at each open; the position grows at the average price; the stop follows the filled quantity", () => {
    // cap 0.5 × volume 10 = 5 units per bar; 12 units → 5 at 100, 5 at 102, 2 at 104.
    const input = bars([[100, 100, 100, 100], [100, 101, 100, 101], [102, 103, 102, 103], [104, 105, 104, 105], [105, 105, 90, 91], [91, 91, 91, 91]])
    const def = at({ "0": { action: "enter_long", quantity: 12, stop_loss: 95 } })
    const r = run(def, input, { maxParticipation: 0.5, commissionRate: 0.001 })
    const avg = (5 * 100 + 5 * 102 + 2 * 104) / 12
    const o = r.orders[0]!
    expect(o.status).toBe("filled")
    expect(o.fills!.map((f) => [f.timestamp / H, f.quantity, f.price])).toEqual([[1, 5, 100], [2, 5, 102], [3, 2, 104]])
    expect(o.fillPrice).toBeCloseTo(avg, 12)
    expect(o.fees).toBeCloseTo(0.001 * (500 + 510 + 208), 12)
    expect(def.positions.map((p) => p?.quantity)).toEqual([5, 10, 12, 7, 2, undefined])
    expect(def.positions[2]!.entryPrice).toBeCloseTo(avg, 12)
    // The stop at 95 fills 5 units per bar too: 5 at 95 (bar 4), then 5 and 2 at the next opens as a triggered stop.
    expect(r.trades.map((t) => [t.exitTime / H, t.quantity, t.exitPrice, t.exitReason])).toEqual([
      [4, 5, 95, "stop_loss"],
      [5, 5, 91, "stop_loss"],
      [5, 2, 91, "end_of_data"]
    ])
    expect(r.trades[0]!.entryPrice).toBeCloseTo(avg, 12)
  })

  it("the transition to InTrade comes with the first partial fill; a cancel_order in InTrade cancels the rest and keeps the position", () => {
    const input = bars([[100, 100, 100, 100], [100, 100, 100, 100], [100, 100, 100, 100], [100, 100, 100, 100]])
    const def = scripted((phase, b) =>
      phase === "Watch" && b.timestamp === 0 ? act({ action: "enter_long", quantity: 20 }) :
      phase === "InTrade" && b.timestamp === H ? act({ action: "cancel_order" }) : undefined)
    const r = run(def, input, { maxParticipation: 0.5 })
    expect(r.orders[0]!.status).toBe("partially_filled")
    expect(r.orders[0]!.filledQuantity).toBe(5)
    expect(r.trades.map((t) => t.quantity)).toEqual([5])
  })
})

describe("costs", () => {
  it("slippage in bps moves market and stop fills against the trader; limit fills get none", () => {
    const input = bars([[100, 100, 100, 100], [100, 101, 99, 100], [100, 100, 94, 95], [95, 95, 95, 95]])
    const r = run(at({ "0": { action: "enter_long", quantity: 10, stop_loss: 96 } }), input, { slippage: { kind: "bps", bps: 10 } })
    const t = r.trades[0]!
    expect(t.entryPrice).toBeCloseTo(100.1, 12)
    expect(t.exitPrice).toBeCloseTo(96 * (1 - 0.001), 12)
    expect(t.exitNote).toBe("stop_loss at 96")
    const limit = run(at({ "0": { action: "enter_long", quantity: 1, order_type: "limit", limit_price: 99.5 } }), input, { slippage: { kind: "bps", bps: 10 } })
    expect(limit.trades[0]!.entryPrice).toBe(99.5)
  })

  it("maker and taker rates and a minimum commission per fill", () => {
    const input = bars([[100, 100, 100, 100], [100, 100, 99, 100], [100, 100, 100, 100], [100, 100, 100, 100]])
    const def = at({ "0": { action: "enter_long", quantity: 1, order_type: "limit", limit_price: 99 }, "2": { action: "exit" } })
    const r = run(def, input, { commission: { takerRate: 0.002, makerRate: 0.001, minimum: 0.15 } })
    // The limit rested through the open and filled at 99 inside bar 1: maker, 0.099 → the minimum 0.15. The exit is a taker at 100: 0.2.
    expect(r.orders.map((o) => o.fees)).toEqual([0.15, 0.2])
    expect(r.trades[0]!.fees).toBeCloseTo(0.35, 12)
  })

  it("the spread (half of ask − bid, quotes at the bar's close) is paid on market fills when enabled", () => {
    const input = [0, 1, 2, 3].map((i) => bar({ symbol: A, timestamp: i * H, open: 100, high: 100, low: 100, close: 100, volume: 10, bid: 99.8, ask: 100.2 }))
    const def = at({ "0": { action: "enter_long", quantity: 1 }, "1": { action: "exit" } })
    expect(run(def, input).trades[0]!.entryPrice).toBe(100)
    const t = run(at({ "0": { action: "enter_long", quantity: 1 }, "1": { action: "exit" } }), input, { spread: true }).trades[0]!
    expect([t.entryPrice, t.exitPrice]).toEqual([100.2, 99.8])
  })
})

describe("fill models", () => {
  it("same_bar_close (explicit): entries and exits fill at the decision bar's close", () => {
    const input = bars([[100, 101, 100, 101], [102, 103, 101, 102], [103, 104, 102, 104], [105, 105, 105, 105]])
    const def = at({ "0": { action: "enter_long", quantity: 1 }, "2:InTrade": { action: "exit" } })
    const r = run(def, input, { marketFill: "same_bar_close" })
    expect(r.trades.map((t) => [t.entryTime / H, t.entryPrice, t.exitTime / H, t.exitPrice])).toEqual([[0, 101, 2, 104]])
    // The strategy saw InTrade from the next bar on.
    expect(def.log.map((c) => c.phase)).toEqual(["Watch", "InTrade", "InTrade", "Watch"])
  })

  it("stop and target both inside one down bar: conservative takes the stop, the path model the target (high before low)", () => {
    const input = bars([[100, 100, 100, 100], [100, 100, 100, 100], [100, 106, 94, 99], [99, 99, 99, 99]])
    const def = () => at({ "0": { action: "enter_long", quantity: 1, stop_loss: 95, take_profit: 105 } })
    expect(run(def(), input).trades[0]!.exitReason).toBe("stop_loss")
    expect(run(def(), input, { intrabar: "path" }).trades[0]!.exitReason).toBe("take_profit")
    // An up bar goes open → low → high: the path model also takes the stop.
    const up = bars([[100, 100, 100, 100], [100, 100, 100, 100], [100, 106, 94, 101], [99, 99, 99, 99]])
    expect(run(def(), up, { intrabar: "path" }).trades[0]!.exitReason).toBe("stop_loss")
  })

  it("a stop-loss added after the entry (update_stop_loss without one) works one-cancels-other with the target", () => {
    const input = bars([[100, 100, 100, 100], [100, 101, 99, 100], [100, 106, 94, 99], [99, 99, 99, 99]])
    const def = at({ "0": { action: "enter_long", quantity: 1, take_profit: 105 }, "1": { action: "update_stop_loss", new_stop: 95 } })
    const r = run(def, input)
    expect(r.trades.map((t) => [t.exitTime / H, t.exitPrice, t.exitReason])).toEqual([[2, 95, "stop_loss"]])
    expect(def.positions.map((p) => p?.stopLoss)).toEqual([undefined, 95, undefined])
  })
})

describe("instrument rules", () => {
  const spec = instrumentSpec({ symbol: "AAA", tickSize: 0.01, stepSize: 0.001, minQuantity: 0.001, minNotional: 10 })

  it("a fraction of equity is rounded down to the lot step; protective levels to the tick", () => {
    const input = bars([[100, 100, 100, 100], [300, 300, 300, 300], [300, 300, 300, 300]])
    const def = at({ "0": { action: "enter_long", quantity: 0.5, stop_loss: 95.123456 } })
    const r = run(def, input, { instruments: [spec] })
    expect(r.trades[0]!.quantity).toBe(16.666) // 5,000 / 300 = 16.6666…
    expect(def.positions[0]!.stopLoss).toBe(95.12)
  })

  it("a limit price off the tick, or a notional below the minimum, is refused with the filter's reason", () => {
    const strict = { ...spec, minNotional: 1000 }
    const r = run(at({
      "0": { action: "enter_long", quantity: 1, order_type: "limit", limit_price: 99.999 },
      "1": { action: "enter_long", quantity: 5 }
    }), bars(flat(4)), { instruments: [strict] })
    expect(r.rejections.map((x) => [x.timestamp / H, x.reason])).toEqual([
      [0, "price 99.999 is not a multiple of the tick size 0.01 (PRICE_FILTER)"],
      [1, "notional 500 is below the minimum 1000 (MIN_NOTIONAL)"]
    ])
    expect(r.orders.map((o) => o.status)).toEqual(["rejected", "rejected"])
  })

  it("a traded symbol without a spec, when specs are given, fails the run with a ConfigError", async () => {
    const exit = await Effect.runPromiseExit(runEngine({ initialCash: 10_000 }).pipe(
      Effect.provide(Layer.mergeAll(
        Layer.succeed(MarketData, MarketData.of({ bars: Stream.fromArray(bars(flat(3), B)), quality: Effect.succeed(noQuality) })),
        Strategy.layer(at({})),
        Execution.layerSimulated({ instruments: [spec] })
      ))
    ))
    expect(exit._tag).toBe("Failure")
    expect(String(exit)).toContain("no instrument spec for BBB (specs are given for AAA)")
  })
})

describe("the risk layer", () => {
  it("risk per trade sizes the entry from the stop distance at the fill price", () => {
    // 1% of 10,000 = 100 at a stop 5 below the fill at 100: 20 units (the request of 50% of equity is cut).
    const input = bars([[100, 100, 100, 100], [100, 100, 100, 100], [100, 100, 100, 100]])
    const r = run(at({ "0": { action: "enter_long", quantity: 0.5, stop_loss: 95 } }), input, {}, { risk: { riskPerTrade: 0.01 } })
    expect(r.trades[0]!.quantity).toBe(20)
    expect(r.orders[0]!.note).toContain("risk per trade: 1% of equity 10000 = 100 at 5 per unit allows 20")
  })

  it("the risk notes, formatted when the orders are first read, are plain strings in place (JSON included)", () => {
    const input = bars([[100, 100, 100, 100], [100, 100, 100, 100], [100, 100, 100, 100]])
    const r = run(at({ "0": { action: "enter_long", quantity: 0.5, stop_loss: 95 } }), input, {}, { risk: { riskPerTrade: 0.01, maxPositionNotional: 1_500 } })
    const keys = Object.keys(r)
    expect(keys.indexOf("orders")).toBe(keys.indexOf("trades") + 1)
    const json = JSON.parse(JSON.stringify(r)) as { orders: Array<{ note?: string }> }
    const note = "risk per trade: 1% of equity 10000 = 100 at 5 per unit allows 20 (requested 50); " +
      "max position notional: (0 + 20) × 100 = 2000 exceeds 1500: reduced to 15"
    expect(json.orders[0]!.note).toBe(note)
    expect(r.orders[0]!.note).toBe(note)
    expect(typeof { ...r.orders[0]! }.note).toBe("string")
    expect(r.trades[0]!.quantity).toBe(15)
  })

  it("max open positions: a market entry is refused at its fill, a limit entry already when decided", () => {
    const input = merge(bars(flat(4)), bars(flat(4, 50), B))
    const r = run(at({
      "AAA@0": { action: "enter_long", quantity: 1 },
      "BBB@1": { action: "enter_long", quantity: 1 },
      "BBB@2": { action: "enter_long", quantity: 1, order_type: "limit", limit_price: 49 }
    }), input, {}, { risk: { maxOpenPositions: 1 } })
    expect(r.trades.map((t) => t.symbol)).toEqual(["AAA"])
    expect(r.rejections).toEqual([
      { symbol: "BBB", timestamp: 2 * H, action: "enter_long", reason: "max open positions: 1 open, the limit is 1" },
      { symbol: "BBB", timestamp: 2 * H, action: "enter_long", reason: "max open positions: 1 open, the limit is 1" }
    ])
    expect(r.orders.map((o) => [o.symbol, o.decidedAt / H, o.orderType, o.status])).toEqual([
      ["AAA", 0, "market", "filled"],
      ["BBB", 1, "market", "rejected"],
      ["BBB", 2, "limit", "rejected"]
    ])
    // Refused at its fill, the market entry sends the machine back to Watch, like a refusal for cash.
    expect(r.transitions.filter((t) => t.symbol === "BBB").map((t) => [t.timestamp / H, t.reason])).toEqual([
      [2, "entry rejected: max open positions: 1 open, the limit is 1"]
    ])
  })

  it("the drawdown kill switch halts entries, cancels working ones, and with flattenOnKill closes positions at the next open", () => {
    // Long 50 units at 100; the close at 90 puts equity at 9,500 (5% down): the switch trips on the next timestamp
    // and the position is sold at that bar's open (89). Later entries are refused.
    const input = merge(
      bars([[100, 100, 100, 100], [100, 100, 100, 100], [100, 100, 90, 90], [89, 89, 89, 89], [89, 89, 89, 89], [89, 89, 89, 89]]),
      bars(flat(6, 50), B)
    )
    const def = at({
      "AAA@0": { action: "enter_long", quantity: 50 },
      "BBB@1": { action: "enter_long", quantity: 1, order_type: "limit", limit_price: 40 },
      "AAA@4": { action: "enter_long", quantity: 1 }
    })
    const r = run(def, input, {}, { risk: { maxDrawdown: 0.05, flattenOnKill: true } })
    expect(r.riskEvents).toEqual([{
      timestamp: 3 * H,
      rule: "kill_switch",
      flatten: true,
      reason: "max drawdown kill switch: equity 9500 is 5% below the peak 10000 (limit 5%); no new entries for the rest of the run"
    }])
    expect(r.trades.map((t) => [t.exitTime / H, t.exitPrice, t.exitReason, t.exitNote])).toEqual([[3, 89, "risk", "risk: kill_switch: flatten"]])
    expect(r.orders.map((o) => [o.symbol, o.action, o.status])).toEqual([
      ["AAA", "enter_long", "filled"],
      ["BBB", "enter_long", "cancelled"],
      ["AAA", "exit", "filled"],
      ["AAA", "enter_long", "rejected"]
    ])
    const kill = r.riskEvents![0]!.reason
    expect(r.rejections.map((x) => [x.symbol, x.timestamp / H, x.reason])).toEqual([["BBB", 3, `cancelled: risk: ${kill}`], ["AAA", 5, kill]])
  })

  it("the daily loss limit halts new entries until the next UTC day", () => {
    const day = 24
    const rows: Array<Row> = [[100, 100, 100, 100], [100, 100, 100, 100], [100, 100, 80, 80], ...flat(day - 3, 80), ...flat(3, 80)]
    const def = at({ "0": { action: "enter_long", quantity: 50 }, "2": { action: "exit" }, "5": { action: "enter_long", quantity: 1 }, "25": { action: "enter_long", quantity: 1 } })
    const r = run(def, bars(rows), {}, { risk: { dailyLossLimit: 0.05 } })
    expect(r.riskEvents!.map((e) => [e.timestamp / H, e.rule])).toEqual([[3, "daily_loss"]])
    expect(r.rejections.map((x) => [x.timestamp / H, x.reason.slice(0, 16)])).toEqual([[6, "daily loss limit"]])
    expect(r.trades.map((t) => t.entryTime / H)).toEqual([1, 26])
  })

  it("invalid risk settings fail the run with a ConfigError naming the field", async () => {
    const exit = await Effect.runPromiseExit(runEngine({ initialCash: 10_000, risk: { maxDrawdown: 2 } }).pipe(
      Effect.provide(Layer.mergeAll(
        Layer.succeed(MarketData, MarketData.of({ bars: Stream.fromArray(bars(flat(3))), quality: Effect.succeed(noQuality) })),
        Strategy.layer(at({})),
        Execution.layerSimulated({})
      ))
    ))
    expect(String(exit)).toContain("risk.maxDrawdown")
  })
})

describe("the account", () => {
  it("per-symbol P&L curves add up to the equity curve; realised and unrealised P&L and fees at the end", () => {
    const input = merge(
      bars([[100, 100, 100, 100], [100, 110, 100, 110], [110, 120, 110, 120], [120, 120, 120, 120]]),
      bars([[50, 50, 50, 50], [50, 50, 40, 40], [40, 40, 40, 40], [45, 45, 45, 45]], B)
    )
    const def = at({ "AAA@0": { action: "enter_long", quantity: 10 }, "BBB@0": { action: "enter_short", quantity: 20 }, "BBB@1": { action: "exit" } })
    const r = run(def, input, { commissionRate: 0.001 }, { closeAtEnd: false })
    const curves = r.symbolEquity!
    expect(curves.map((c) => c.symbol)).toEqual(["AAA", "BBB"])
    r.equity.equity.forEach((e, i) => expect(10_000 + curves[0]!.pnl[i]! + curves[1]!.pnl[i]!).toBeCloseTo(e, 9))
    const a = r.account!
    // BBB: short 20 at 50, covered at 40: +200 − fees 1 − 0.8.
    expect(a.symbols.find((s) => s.symbol === "BBB")).toMatchObject({ position: 0, realizedPnl: 200 - 1 - 0.8 })
    // AAA: 10 held at 100, marked at 120: unrealised +200, entry fee 1 paid.
    expect(a.symbols.find((s) => s.symbol === "AAA")).toMatchObject({ position: 10, averagePrice: 100, unrealizedPnl: 200, fees: 1 })
    expect(a.fees).toBeCloseTo(2.8, 12)
    expect(a.cash + 10 * 120).toBeCloseTo(r.metrics.finalEquity, 9)
  })
})

describe("configuration", () => {
  it("Execution.layerSimulated refuses invalid fields with a ConfigError naming them", async () => {
    const problem = async (config: FillModelConfig): Promise<string> => {
      const exit = await Effect.runPromiseExit(Effect.provide(Effect.gen(function*() {
        return yield* Execution
      }), Execution.layerSimulated(config)))
      return exit._tag === "Failure" ? String(exit.cause) : "ok"
    }
    expect(await problem({ maxParticipation: 1.5 })).toContain("maxParticipation: must be a fraction in (0, 1], got 1.5")
    expect(await problem({ slippage: { kind: "bps", bps: -1 } })).toContain("slippage.bps")
    expect(await problem({ slippage: { kind: "ticks", ticks: 2 } })).toContain("slippage.tickSize")
    expect(await problem({ commission: { takerRate: 2 } })).toContain("commission.takerRate")
    expect(await problem({ marketFill: "whenever" as never })).toContain("marketFill")
    expect(await problem({ intrabar: "optimistic" as never })).toContain("intrabar")
    expect(await problem({ commissionRate: 0.001, slippage: { kind: "ticks", ticks: 1, tickSize: 0.5 }, maxParticipation: 0.1 })).toBe("ok")
  })
})
