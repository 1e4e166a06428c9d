import { describe, expect, it } from "vitest"
import { bar, type Bar, SymbolName } from "../../src/domain/bar.ts"
import { StrategyError } from "../../src/domain/errors.ts"
import { EngineCore, type EngineSettings } from "../../src/engine/core.ts"
import type { DataQualityReport } from "../../src/market-data/MarketData.ts"
import { act, opportunity, scripted } from "../support/scripted.ts"

const H = 3_600_000
const A = SymbolName("AAA")
const B = SymbolName("BBB")
const noQuality: DataQualityReport = { symbols: [], skippedRows: 0, skippedSamples: [] }

/** Bars from [open, high, low, close] rows, one hour apart. */
const bars = (symbol: SymbolName, rows: ReadonlyArray<readonly [number, number, number, number]>, start = 0): Array<Bar> =>
  rows.map(([open, high, low, close], i) => bar({ symbol, timestamp: start + i * H, open, high, low, close, volume: 10 }))

const run = (def: ReturnType<typeof scripted>, input: ReadonlyArray<Bar>, settings: Partial<EngineSettings> = {}, commissionRate = 0) => {
  const core = new EngineCore(def, { commissionRate }, { initialCash: 10_000, ...settings })
  core.processChunk(input)
  return core.finish(noQuality)
}

const flat = (n: number, price = 100) => Array.from({ length: n }, () => [price, price, price, price] as const)

describe("engine core", () => {
  it("an entry decided on bar t fills at the open of bar t+1, never at t's close", () => {
    const input = bars(A, [[100, 101, 99, 100], [102, 103, 101, 102], [104, 105, 103, 104], [106, 107, 105, 106]])
    const def = scripted((phase, b) => {
      if (phase === "Watch" && b.timestamp === 0) return act({ action: "enter_long", quantity: 10 })
      if (phase === "InTrade" && b.timestamp === 2 * H) return act({ action: "exit", reason: "done" })
      return undefined
    })
    const result = run(def, input)
    expect(result.trades).toHaveLength(1)
    const t = result.trades[0]!
    expect(t.entryTime).toBe(H)
    expect(t.entryPrice).toBe(102)
    expect(t.exitTime).toBe(3 * H)
    expect(t.exitPrice).toBe(106)
    expect(t.pnl).toBe(40)
    expect(t.exitReason).toBe("strategy")
    expect(result.metrics.finalEquity).toBe(10_040)
    // The strategy saw InTrade on the fill bar (after the open) and on bar 2, then Watch again on bar 3.
    expect(def.log.map((c) => c.phase)).toEqual(["Watch", "InTrade", "InTrade", "Watch"])
  })

  it("charges commission on both fills and reports it in the trade", () => {
    const input = bars(A, [[100, 100, 100, 100], [100, 100, 100, 100], [110, 110, 110, 110], [110, 110, 110, 110]])
    const def = scripted((phase, b) =>
      phase === "Watch" && b.timestamp === 0 ? act({ action: "enter_long", quantity: 10 }) :
      phase === "InTrade" && b.timestamp === 2 * H ? act({ action: "exit" }) : undefined)
    const result = run(def, input, {}, 0.001)
    const t = result.trades[0]!
    expect(t.fees).toBeCloseTo(10 * 100 * 0.001 + 10 * 110 * 0.001, 12)
    expect(t.pnl).toBeCloseTo(100 - 2.1, 12)
    expect(result.metrics.finalEquity).toBeCloseTo(10_000 + 100 - 2.1, 9)
  })

  it("quantity below 1 is a fraction of equity at the fill", () => {
    const input = bars(A, [[100, 100, 100, 100], [200, 200, 200, 200], [200, 200, 200, 200]])
    const def = scripted((phase, b) => phase === "Watch" && b.timestamp === 0 ? act({ action: "enter_long", quantity: 0.5 }) : undefined)
    const result = run(def, input)
    expect(result.trades[0]!.quantity).toBe(25) // 50% of 10,000 at 200
  })

  it("a fraction that does not fit in cash after commission is reduced to what the cash buys", () => {
    const input = bars(A, [[100, 100, 100, 100], [100, 100, 100, 100], [100, 100, 100, 100]])
    const def = scripted((phase, b) => phase === "Watch" && b.timestamp === 0 ? act({ action: "enter_long", quantity: 0.9999 }) : undefined)
    const result = run(def, input, {}, 0.01)
    const q = result.trades[0]!.quantity
    expect(q * 100 * 1.01).toBeCloseTo(10_000, 6)
  })

  it("a unit quantity the cash cannot pay is rejected, recorded, and the machine returns to Watch", () => {
    const input = bars(A, [[100, 100, 100, 100], [100, 100, 100, 100], [100, 100, 100, 100]])
    const def = scripted((phase, b) => phase === "Watch" && b.timestamp === 0 ? act({ action: "enter_long", quantity: 1000 }) : undefined)
    const result = run(def, input)
    expect(result.trades).toHaveLength(0)
    expect(result.rejections).toEqual([{ symbol: "AAA", timestamp: H, action: "enter_long", reason: "insufficient cash: needs 100000.00, has 10000.00" }])
    expect(result.transitions.map((t) => `${t.from}->${t.to}`)).toEqual(["Watch->Watch"])
  })

  it("opportunity → CloseWatch with merged context; cancel_analysis → Watch; reasons recorded", () => {
    const input = bars(A, flat(4))
    const def = scripted((phase, b, _ind, ctx) => {
      if (phase === "Watch" && b.timestamp === 0) return opportunity({ level: 5, reason: "squeeze" })
      if (phase === "CloseWatch") return ctx["level"] === 5 ? act({ action: "cancel_analysis", reason: "no breakout" }) : undefined
      return undefined
    })
    const result = run(def, input)
    expect(result.transitions.map(({ from, to, reason, timestamp }) => ({ from, to, reason, timestamp }))).toEqual([
      { from: "Watch", to: "CloseWatch", reason: "squeeze", timestamp: 0 },
      { from: "CloseWatch", to: "Watch", reason: "no breakout", timestamp: H }
    ])
  })

  it("start_analyzing moves to CloseWatch, enter from CloseWatch goes InTrade at the next open, stop-loss closes it", () => {
    const input = bars(A, [[100, 100, 100, 100], [100, 100, 100, 100], [101, 101, 101, 101], [100, 100, 94, 96], [96, 96, 96, 96]])
    const def = scripted((phase, b) => {
      if (phase === "Watch" && b.timestamp === 0) return act({ action: "start_analyzing", reason: "look" })
      if (phase === "CloseWatch") return act({ action: "enter_long", quantity: 10, stop_loss: 95, reason: "go" })
      return undefined
    })
    const result = run(def, input)
    expect(result.transitions.map((t) => `${t.from}->${t.to}`)).toEqual(["Watch->CloseWatch", "CloseWatch->InTrade", "InTrade->Watch"])
    const t = result.trades[0]!
    expect(t.entryPrice).toBe(101)
    expect(t.exitPrice).toBe(95)
    expect(t.exitReason).toBe("stop_loss")
    expect(t.exitTime).toBe(3 * H)
    expect(t.entryReason).toBe("go")
  })

  it("a gap through the stop fills at the open", () => {
    const input = bars(A, [[100, 100, 100, 100], [100, 100, 100, 100], [90, 92, 88, 91]])
    const def = scripted((phase, b) => phase === "Watch" && b.timestamp === 0 ? act({ action: "enter_long", quantity: 1, stop_loss: 95 }) : undefined)
    const t = run(def, input).trades[0]!
    expect(t.exitPrice).toBe(90)
    expect(t.exitReason).toBe("stop_loss")
    expect(t.exitNote).toContain("gapped")
  })

  it("take-profit, trailing stop updates, and short positions", () => {
    const input = bars(A, [[100, 100, 100, 100], [100, 100, 100, 100], [99, 99, 97, 97], [97, 97, 89, 90], [90, 90, 90, 90]])
    const def = scripted((phase, b) => {
      if (phase === "Watch" && b.timestamp === 0) return act({ action: "enter_short", quantity: 10, stop_loss: 105, take_profit: 80 })
      if (phase === "InTrade" && b.timestamp === 2 * H) return act({ action: "update_take_profit", new_target: 90 })
      return undefined
    })
    const result = run(def, input)
    const t = result.trades[0]!
    expect(t.side).toBe("short")
    expect(t.exitPrice).toBe(90)
    expect(t.exitReason).toBe("take_profit")
    expect(t.pnl).toBe(100)
    expect(def.positions.at(-2)?.takeProfit).toBe(90)
    expect(def.positions.at(-1)).toBeUndefined()
  })

  it("refuses actions that make no sense in a state, and stops on the wrong side, with reasons", () => {
    const input = bars(A, flat(3))
    const def = scripted((phase, b) => {
      if (phase === "Watch" && b.timestamp === 0) return act({ action: "exit" })
      if (phase === "Watch" && b.timestamp === H) return act({ action: "enter_long", quantity: 1, stop_loss: 120 })
      if (phase === "Watch" && b.timestamp === 2 * H) return act({ action: "cancel_analysis" })
      return undefined
    })
    const result = run(def, input)
    expect(result.rejections.map((r) => r.reason)).toEqual([
      "exit is only valid in InTrade, not Watch",
      "stop_loss 120 must be below the price 100 for a long",
      "cancel_analysis is only valid in CloseWatch, not Watch"
    ])
    expect(result.trades).toHaveLength(0)
  })

  it("a failing strategy halts its symbol only; the others keep trading", () => {
    const input = [...bars(A, flat(4)), ...bars(B, flat(4))].sort((x, y) => x.timestamp - y.timestamp || (x.symbol < y.symbol ? -1 : 1))
    const def = scripted((phase, b) => {
      if (b.symbol === "AAA") throw new StrategyError({ kind: "runtime", script: "s.lua", line: 3, detail: "boom" })
      if (phase === "Watch" && b.timestamp === 0) return act({ action: "enter_long", quantity: 1 })
      return undefined
    })
    const result = run(def, input)
    expect(result.failures).toEqual([{ symbol: "AAA", timestamp: 0, message: "s.lua:3: runtime: boom" }])
    expect(def.log.filter((c) => c.symbol === "AAA")).toHaveLength(1)
    expect(result.trades.map((t) => t.symbol)).toEqual(["BBB"])
  })

  it("closes open positions at the end of data and lists orders that never filled", () => {
    const input = bars(A, [[100, 100, 100, 100], [100, 100, 100, 100], [120, 120, 110, 110]])
    const def = scripted((phase, b) => {
      if (phase === "Watch" && b.timestamp === 0) return act({ action: "enter_long", quantity: 1 })
      if (phase === "InTrade" && b.timestamp === 2 * H) return act({ action: "exit" })
      return undefined
    })
    const result = run(def, input)
    expect(result.trades[0]!.exitReason).toBe("end_of_data")
    expect(result.trades[0]!.exitPrice).toBe(110)
    expect(result.rejections).toEqual([{ symbol: "AAA", timestamp: 2 * H, action: "exit", reason: "unfilled: the data ended before the next bar" }])
  })

  it("records one equity point per timestamp, marked to the close, across symbols", () => {
    const input = [...bars(A, [[100, 100, 100, 100], [100, 110, 100, 110], [110, 120, 110, 120]]), ...bars(B, flat(3, 50))]
      .sort((x, y) => x.timestamp - y.timestamp || (x.symbol < y.symbol ? -1 : 1))
    const def = scripted((phase, b) => phase === "Watch" && b.symbol === "AAA" && b.timestamp === 0 ? act({ action: "enter_long", quantity: 10 }) : undefined)
    const result = run(def, input, { closeAtEnd: false })
    expect(result.equity.timestamps).toEqual([0, H, 2 * H])
    expect(result.equity.equity).toEqual([10_000, 10_100, 10_200])
  })

  it("indicators reach the strategy: undefined during warm-up, then the SMA", () => {
    const input = bars(A, [[1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3], [4, 4, 4, 4]])
    const seen: Array<number | undefined> = []
    const def = scripted((_phase, _b, ind) => {
      seen.push(ind.sma(3))
      return undefined
    })
    run(def, input)
    expect(seen).toEqual([undefined, undefined, 2, 3])
  })

  it("lists every order once with its fate: filled, rejected, cancelled by a stop, or unfilled at the end", () => {
    const input = bars(A, [[100, 100, 100, 100], [100, 100, 100, 100], [100, 100, 100, 100], [100, 100, 90, 95], [95, 95, 95, 95], [95, 95, 95, 95]])
    const def = scripted((phase, b) => {
      if (phase === "Watch" && b.timestamp === 0) return act({ action: "enter_long", quantity: 1000 }) // too big
      if (phase === "Watch" && b.timestamp === H) return act({ action: "enter_long", quantity: 1, stop_loss: 92 })
      if (phase === "InTrade" && b.timestamp === 2 * H) return act({ action: "exit" }) // fills at the 3h open, before that bar's low reaches the stop
      if (phase === "Watch" && b.timestamp === 5 * H) return act({ action: "enter_long", quantity: 1 })
      return undefined
    })
    const result = run(def, input)
    expect(result.orders.map(({ action, decidedAt, status, fillTime, fillPrice, note }) => ({ action, decidedAt, status, fillTime, fillPrice, note }))).toEqual([
      { action: "enter_long", decidedAt: 0, status: "rejected", fillTime: undefined, fillPrice: undefined, note: "insufficient cash: needs 100000.00, has 10000.00" },
      { action: "enter_long", decidedAt: H, status: "filled", fillTime: 2 * H, fillPrice: 100, note: undefined },
      { action: "exit", decidedAt: 2 * H, status: "filled", fillTime: 3 * H, fillPrice: 100, note: undefined },
      { action: "enter_long", decidedAt: 5 * H, status: "unfilled", fillTime: undefined, fillPrice: undefined, note: "the data ended before the next bar" }
    ])
  })

  it("an exit fills at the next open before stops are checked; a stop hit before the strategy speaks leaves no exit order", () => {
    const input = bars(A, [[100, 100, 100, 100], [100, 100, 100, 100], [100, 100, 90, 95], [95, 95, 95, 95]])
    const def = scripted((phase, b) => {
      if (phase === "Watch" && b.timestamp === 0) return act({ action: "enter_long", quantity: 1, stop_loss: 92 })
      if (phase === "InTrade" && b.timestamp === H) return act({ action: "exit" })
      return undefined
    })
    const result = run(def, input)
    // the exit decided at 1h fills at the 2h open (100) before the 2h low (90) reaches the stop
    expect(result.trades[0]!.exitReason).toBe("strategy")
    expect(result.trades[0]!.exitPrice).toBe(100)
    const def2 = scripted((phase, b) => {
      if (phase === "Watch" && b.timestamp === 0) return act({ action: "enter_long", quantity: 1, stop_loss: 99.5 })
      if (phase === "InTrade" && b.timestamp === H) return act({ action: "exit" })
      return undefined
    })
    // entry fills at 1h open 100; bar 1h is flat at 100 so the stop 99.5 is safe; then 2h opens at 100, exit fills.
    const r2 = run(def2, bars(A, [[100, 100, 100, 100], [100, 100, 99, 100], [100, 100, 100, 100]]))
    expect(r2.trades[0]!.exitReason).toBe("stop_loss")
    expect(r2.orders.map((o) => o.status)).toEqual(["filled"])
  })
})
