/**
 * The complete trade machine (issue 4, item 7): CloseWatch timeouts (bars and duration), partial exits (units and
 * fractions), trailing stops (distance and percentage, long and short, only tightening, acting from the next bar),
 * breakeven moves (a level at entry, or an action), short positions, action validation naming the field, and the
 * bounded transition history. Hand-made bars with round numbers so every expected price is checked exactly.
 */
import { describe, expect, it } from "vitest"
import { validateAction } from "../../src/domain/action.ts"
import { bar, type Bar, SymbolName } from "../../src/domain/bar.ts"
import { EngineCore, type EngineSettings } from "../../src/engine/core.ts"
import type { DataQualityReport } from "../../src/market-data/MarketData.ts"
import { act, opportunity, scripted } from "../support/scripted.ts"

const H = 3_600_000
const A = SymbolName("AAA")
const noQuality: DataQualityReport = { symbols: [], skippedRows: 0, skippedSamples: [] }

/** Bars from [open, high, low, close] rows, one hour apart. */
const bars = (rows: ReadonlyArray<readonly [number, number, number, number]>): Array<Bar> =>
  rows.map(([open, high, low, close], i) => bar({ symbol: A, timestamp: i * H, open, high, low, close, volume: 10 }))

const run = (def: ReturnType<typeof scripted>, input: ReadonlyArray<Bar>, settings: Partial<EngineSettings> = {}, commissionRate = 0) => {
  const core = new EngineCore(def, { commissionRate }, { initialCash: 10_000, ...settings })
  core.processChunk(input)
  return core.finish(noQuality)
}

const flat = (n: number, price = 100) => Array.from({ length: n }, () => [price, price, price, price] as const)

describe("CloseWatch timeout", () => {
  it("after N strategy calls in CloseWatch without an entry, the symbol returns to Watch with a recorded reason", () => {
    const def = scripted((phase, b) => (phase === "Watch" && b.timestamp === 0 ? opportunity({ level: 1 }) : undefined))
    const r = run(def, bars(flat(6)), { closeWatchTimeout: { bars: 3 } })
    expect(def.log.map((c) => c.phase)).toEqual(["Watch", "CloseWatch", "CloseWatch", "CloseWatch", "Watch", "Watch"])
    expect(r.transitions.map((t) => [t.timestamp / H, t.from, t.to, t.reason])).toEqual([
      [0, "Watch", "CloseWatch", "opportunity detected"],
      [3, "CloseWatch", "Watch", "timeout: no entry after 3 bar(s) in CloseWatch"]
    ])
  })

  it("by duration: once the time in CloseWatch reaches the limit", () => {
    const def = scripted((phase, b) => (phase === "Watch" && b.timestamp === H ? act({ action: "start_analyzing" }) : undefined))
    const r = run(def, bars(flat(8)), { closeWatchTimeout: { ms: 2.5 * H } })
    expect(r.transitions.map((t) => [t.timestamp / H, t.to, t.reason])).toEqual([
      [1, "CloseWatch", "start_analyzing"],
      [4, "Watch", `timeout: no entry after ${3 * H} ms in CloseWatch`]
    ])
  })

  it("does not cut off an entry already decided (it fills at the next open)", () => {
    const def = scripted((phase, b) =>
      phase === "Watch" && b.timestamp === 0 ? opportunity({}) :
      phase === "CloseWatch" && b.timestamp === 2 * H ? act({ action: "enter_long", quantity: 1 }) : undefined)
    const r = run(def, bars(flat(5)), { closeWatchTimeout: { bars: 2 } })
    expect(r.trades).toHaveLength(1)
    expect(r.trades[0]!.entryTime).toBe(3 * H)
    expect(r.transitions.some((t) => t.reason.startsWith("timeout"))).toBe(false)
  })
})

describe("partial exits", () => {
  it("exit with a fraction closes that part at the next open; the rest stays with its share of the entry fee", () => {
    const input = bars([[100, 100, 100, 100], [100, 100, 100, 100], [110, 110, 110, 110], [120, 120, 120, 120], [130, 130, 130, 130]])
    const def = scripted((phase, b) =>
      phase === "Watch" && b.timestamp === 0 ? act({ action: "enter_long", quantity: 10 }) :
      phase === "InTrade" && b.timestamp === H ? act({ action: "exit", fraction: 0.25, reason: "take some" }) :
      phase === "InTrade" && b.timestamp === 3 * H ? act({ action: "exit", reason: "rest" }) : undefined)
    const r = run(def, input, {}, 0.001)
    expect(r.trades.map((t) => [t.quantity, t.entryPrice, t.exitPrice, t.exitTime / H])).toEqual([[2.5, 100, 110, 2], [7.5, 100, 130, 4]])
    const [first, rest] = r.trades
    expect(first!.fees).toBeCloseTo(0.25 * (10 * 100 * 0.001) + 2.5 * 110 * 0.001, 12)
    expect(first!.pnl).toBeCloseTo(25 - first!.fees, 12)
    expect(first!.exitNote).toBe("partial exit of 2.5 (7.5 left): take some")
    expect(rest!.fees).toBeCloseTo(0.75 * (10 * 100 * 0.001) + 7.5 * 130 * 0.001, 12)
    // The strategy saw the reduced position, and the machine stayed InTrade until the last exit.
    expect(def.positions.map((p) => p?.quantity)).toEqual([10, 7.5, undefined])
    expect(r.transitions.map((t) => t.to)).toEqual(["InTrade", "Watch"])
    expect(r.metrics.finalEquity).toBeCloseTo(10_000 + 25 + 225 - first!.fees - rest!.fees, 9)
    expect(r.orders.filter((o) => o.action === "exit").map((o) => [o.requestedQuantity, o.filledQuantity])).toEqual([[2.5, 2.5], [undefined, 7.5]])
  })

  it("exit with a quantity of units; a quantity at or above the position closes all of it", () => {
    const input = bars(flat(6))
    const def = scripted((phase, b) =>
      phase === "Watch" && b.timestamp === 0 ? act({ action: "enter_short", quantity: 4 }) :
      phase === "InTrade" && b.timestamp === H ? act({ action: "exit", quantity: 1 }) :
      phase === "InTrade" && b.timestamp === 2 * H ? act({ action: "exit", quantity: 99 }) : undefined)
    const r = run(def, input)
    expect(r.trades.map((t) => [t.side, t.quantity])).toEqual([["short", 1], ["short", 3]])
    expect(r.trades[1]!.exitNote).not.toContain("partial")
  })

  it("refuses a fraction above 1, and fraction with quantity, naming the field", () => {
    expect(validateAction({ action: "exit", fraction: 1.5 })).toEqual({ ok: false, error: "fraction: must be at most 1 (the whole position), got 1.5" })
    expect(validateAction({ action: "exit", fraction: 0.5, quantity: 1 })).toEqual({ ok: false, error: "fraction: give quantity or fraction, not both" })
    expect(validateAction({ action: "exit", fraction: 0 })).toEqual({ ok: false, error: "fraction: must be positive, got 0" })
    expect(validateAction({ action: "update_stop_loss", new_stop: 1, stop_loss: 2 })).toEqual({
      ok: false,
      error: "stop_loss: not a field of update_stop_loss (update_stop_loss takes new_stop, reason)"
    })
  })
})

describe("trailing stops", () => {
  it("a long's stop follows the highest high at the distance, only tightens, and acts from the next bar", () => {
    // entry at 100 (bar 1); highs 105 (bar 1), 112 (bar 2), 109 (bar 3); bar 4 trades down to 104.
    const input = bars([[100, 100, 100, 100], [100, 105, 99, 104], [104, 112, 103, 110], [108.5, 109, 107.5, 108], [108, 108, 104, 105], [105, 105, 105, 105]])
    const def = scripted((phase, b) => (phase === "Watch" && b.timestamp === 0 ? act({ action: "enter_long", quantity: 1, trailing_stop: 5 }) : undefined))
    const r = run(def, input)
    // Stops published: 95 at the fill (100 - 5), 100 after bar 1 (high 105), 107 after bar 2 (high 112); bar 3's high
    // 109 does not loosen it; bar 4 (low 104) hits 107.
    expect(def.positions.map((p) => p?.stopLoss)).toEqual([95, 100, 107, undefined])
    expect(r.trades).toHaveLength(1)
    expect(r.trades[0]!.exitTime).toBe(4 * H)
    expect(r.trades[0]!.exitPrice).toBe(107)
    expect(r.trades[0]!.exitReason).toBe("stop_loss")
    expect(r.trades[0]!.exitNote).toBe("trailing stop_loss at 107")
  })

  it("a short's percentage trail follows the lowest low; a gap through it fills at the open", () => {
    const input = bars([[100, 100, 100, 100], [100, 101, 80, 81], [81, 82, 64, 66], [82, 90, 81, 88], [88, 88, 88, 88]])
    const def = scripted((phase, b) => (phase === "Watch" && b.timestamp === 0 ? act({ action: "enter_short", quantity: 1, trailing_stop_pct: 0.25 }) : undefined))
    const r = run(def, input)
    // 125 at the fill (100 × 1.25), 100 after bar 1 (low 80), 80 after bar 2 (low 64); bar 3 opens at 82, above 80.
    expect(def.positions.map((p) => p?.stopLoss)).toEqual([125, 100, 80, undefined])
    expect(r.trades[0]!.exitPrice).toBe(82)
    expect(r.trades[0]!.exitNote).toBe("trailing stop_loss gapped: filled at the open 82")
  })

  it("set_trailing_stop while in a trade tightens from the best price so far, never loosens a given stop", () => {
    const input = bars([[100, 100, 100, 100], [100, 110, 100, 109], [109, 109, 108, 108], [108, 108, 108, 108]])
    const def = scripted((phase, b) =>
      phase === "Watch" && b.timestamp === 0 ? act({ action: "enter_long", quantity: 1, stop_loss: 99 }) :
      phase === "InTrade" && b.timestamp === H ? act({ action: "set_trailing_stop", trailing_stop: 20 }) :
      phase === "InTrade" && b.timestamp === 2 * H ? act({ action: "set_trailing_stop", trailing_stop: 3 }) : undefined)
    run(def, input)
    // 110 - 20 = 90 is looser than 99: kept at 99; then 110 - 3 = 107.
    expect(def.positions.map((p) => p?.stopLoss)).toEqual([99, 99, 107, undefined])
  })
})

describe("breakeven", () => {
  it("breakeven_at: once the price reaches the level, the stop moves to the entry price (from the next bar)", () => {
    const input = bars([[100, 100, 100, 100], [100, 104, 99, 103], [103, 106, 102, 105], [105, 105, 99, 101], [101, 101, 101, 101]])
    const def = scripted((phase, b) =>
      phase === "Watch" && b.timestamp === 0 ? act({ action: "enter_long", quantity: 1, stop_loss: 95, breakeven_at: 105 }) : undefined)
    const r = run(def, input)
    expect(def.positions.map((p) => p?.stopLoss)).toEqual([95, 100, undefined])
    expect(r.trades[0]!.exitTime).toBe(3 * H)
    expect(r.trades[0]!.exitPrice).toBe(100)
  })

  it("move_stop_to_breakeven is refused while the price has not passed the entry", () => {
    const input = bars([[100, 100, 100, 100], [100, 100, 97, 98], [98, 103, 98, 102], [102, 102, 102, 102]])
    const def = scripted((phase, b) =>
      phase === "Watch" && b.timestamp === 0 ? act({ action: "enter_long", quantity: 1 }) :
      phase === "InTrade" && b.timestamp <= 2 * H ? act({ action: "move_stop_to_breakeven" }) : undefined)
    const r = run(def, input)
    expect(r.rejections.map((x) => [x.timestamp / H, x.action, x.reason])).toEqual([
      [1, "move_stop_to_breakeven", "the price 98 has not moved past the entry 100 (stop_loss 100 must be below the price 98 for a long)"]
    ])
    expect(def.positions.map((p) => p?.stopLoss)).toEqual([undefined, 100, undefined])
  })

  it("a breakeven level on the losing side is refused at the decision", () => {
    const def = scripted((phase, b) => (phase === "Watch" && b.timestamp === 0 ? act({ action: "enter_long", quantity: 1, breakeven_at: 90 }) : undefined))
    const r = run(def, bars(flat(3)))
    expect(r.trades).toHaveLength(0)
    expect(r.rejections[0]!.reason).toBe("breakeven_at 90 must be above the price 100 for a long")
  })
})

describe("excursions and holding time", () => {
  it("MAE and MFE span the bars the trade was open, up to the exit price, for the traded quantity", () => {
    // Fill at 100 (bar 1, low 97, high 103); bar 2 high 108; bar 3 (exit bar, filled at its open 104) has a low of
    // 90 that comes after the exit and must not count.
    const input = bars([[100, 100, 100, 100], [100, 103, 97, 102], [102, 108, 101, 105], [104, 104, 90, 91]])
    const def = scripted((phase, b) =>
      phase === "Watch" && b.timestamp === 0 ? act({ action: "enter_long", quantity: 2 }) :
      phase === "InTrade" && b.timestamp === 2 * H ? act({ action: "exit" }) : undefined)
    const t = run(def, input).trades[0]!
    expect([t.mae, t.mfe, t.maePct, t.mfePct, t.holdingMs]).toEqual([6, 16, 0.03, 0.08, 2 * H])
  })

  it("for a short, adverse is up and favourable is down; a stop exit counts its own price", () => {
    const input = bars([[100, 100, 100, 100], [100, 102, 96, 97], [97, 106, 95, 105], [105, 105, 105, 105]])
    const def = scripted((phase, b) => (phase === "Watch" && b.timestamp === 0 ? act({ action: "enter_short", quantity: 1, stop_loss: 104 }) : undefined))
    const t = run(def, input).trades[0]!
    expect(t.exitReason).toBe("stop_loss")
    expect([t.mae, t.mfe]).toEqual([4, 4])
  })
})

describe("transition history", () => {
  it("keeps the most recent maxTransitions and counts the dropped ones", () => {
    // Every bar: Watch → CloseWatch (opportunity) then CloseWatch → Watch (cancel) on the next: one transition a bar.
    const def = scripted((phase) => (phase === "Watch" ? opportunity({}) : act({ action: "cancel_analysis", reason: "again" })))
    const r = run(def, bars(flat(50)), { maxTransitions: 8 })
    expect(r.transitions).toHaveLength(8)
    expect(r.transitionsDropped).toBe(42)
    expect(r.transitions.at(-1)!.timestamp).toBe(49 * H)
    expect(r.transitions[0]!.timestamp).toBe(42 * H)
    const unbounded = run(def, bars(flat(50)))
    expect(unbounded.transitions).toHaveLength(50)
    expect(unbounded.transitionsDropped).toBe(0)
    expect(unbounded.transitions.slice(-8)).toEqual(r.transitions)
  })
})
