/**
 * Properties of the engine with the full execution and risk path, over random markets and a random strategy that
 * uses every action (market, limit, stop and stop-limit entries with every time in force, brackets, trailing and
 * breakeven stops, partial exits, cancel and amend) under random venue settings (volume cap, slippage, spread, maker
 * and taker commission with a minimum, instrument rules, both fill models and intrabar modes) and risk limits:
 *
 * - the run never breaks (an invalid trade-machine transition would throw);
 * - the books balance: the trades account for the whole P&L and the fees, the per-symbol P&L curves add up to the
 *   equity curve, the account ends flat with its cash equal to the final equity;
 * - every order record is final and its fills add up; a fill of an entry never beats its limit (buys) and every
 *   base fill price lies inside its bar;
 * - a snapshot taken at a random bar and restored through text continues to exactly the same result.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { Action } from "../../src/domain/action.ts"
import type { Bar, SymbolName } from "../../src/domain/bar.ts"
import type { PositionView, StrategyDefinition, StrategyInstance, TradeStateName } from "../../src/domain/strategy.ts"
import { EngineCore, type EngineSettings } from "../../src/engine/core.ts"
import { decodeSnapshot, encodeSnapshot } from "../../src/engine/snapshot.ts"
import type { FillModelConfig } from "../../src/execution/fill-model.ts"
import { instrumentSpec } from "../../src/execution/instrument.ts"
import { simulateBars } from "../../src/market-data/simulated.ts"
import type { StrategyOutput } from "../../src/domain/action.ts"

const noQuality = { symbols: [], skippedRows: 0, skippedSamples: [] }

/** A deterministic number in [0, 1) from a text. */
const hash = (s: string): number => {
  let h = 2166136261
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 16777619)
  }
  // FNV-1a alone mixes its last bytes poorly into the top bits: finish with murmur3's fmix32.
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return (h >>> 0) / 4294967296
}

const ORDER_TYPES = ["market", "limit", "stop", "stop_limit"] as const
const TIFS = ["GTC", "IOC", "FOK", "DAY"] as const

/** Decisions drawn from (seed, symbol, bar time): the same bars give the same decisions, whatever came before. */
const randomStrategy = (seed: number): StrategyDefinition => ({
  name: "random",
  instantiate(symbol: SymbolName): StrategyInstance {
    let pos: PositionView | undefined
    let ctx: Record<string, unknown> = {}
    const decide = (phase: TradeStateName, bar: Bar): StrategyOutput => {
      const r = (k: string) => hash(`${seed}:${symbol}:${bar.timestamp}:${k}`)
      const c = bar.close
      const act = (a: Record<string, unknown>): StrategyOutput => ({ _tag: "Action", action: a as unknown as Action })
      if (phase !== "InTrade") {
        const x = r("a")
        if (phase === "Watch" && x < 0.08) return { _tag: "Opportunity", fields: { seen: bar.timestamp } }
        if (phase === "CloseWatch" && x < 0.1) return act({ action: "cancel_analysis" })
        if (x < 0.14) return act({ action: "cancel_order" })
        if (x < 0.2) return act({ action: "amend_order", limit_price: c * (0.98 + r("l") * 0.03) })
        if (x < 0.45) {
          const long = r("side") < 0.6
          const type = ORDER_TYPES[Math.floor(r("t") * 4)]!
          const quantity = r("q") < 0.6 ? 0.1 + r("qq") * 0.85 : 1 + Math.floor(r("qq") * 20)
          const a: Record<string, unknown> = { action: long ? "enter_long" : "enter_short", quantity, order_type: type }
          // Prices in cents, so that they pass a tick size of 0.01.
          const cents = (x: number) => Math.round(x * 100) / 100
          const off = c * r("o") * 0.01
          if (type === "limit") a["limit_price"] = cents(long ? c - off : c + off)
          if (type === "stop") a["stop_price"] = cents(long ? c + off : c - off)
          if (type === "stop_limit") {
            a["stop_price"] = cents(long ? c + off : c - off)
            a["limit_price"] = cents(long ? c + 1.5 * off : c - 1.5 * off)
          }
          if (r("tif") < 0.4) a["time_in_force"] = TIFS[Math.floor(r("tt") * 4)]
          const ref = (a["limit_price"] as number | undefined) ?? (a["stop_price"] as number | undefined) ?? c
          const d = ref * (0.003 + r("d") * 0.03)
          if (r("sl") < 0.6) a["stop_loss"] = long ? ref - d : ref + d
          if (r("tp") < 0.5) a["take_profit"] = long ? ref + 1.5 * d : ref - 1.5 * d
          const tr = r("tr")
          if (tr < 0.15) a["trailing_stop"] = d
          else if (tr < 0.3) a["trailing_stop_pct"] = 0.01 + r("tp2") * 0.02
          if (r("be") < 0.2) a["breakeven_at"] = long ? ref + 0.5 * d : ref - 0.5 * d
          return act(a)
        }
        return undefined
      }
      const x = r("m")
      const long = pos?.side === "long"
      const d = c * (0.002 + r("d") * 0.02)
      if (x < 0.07) return act({ action: "exit" })
      if (x < 0.11) return act({ action: "exit", fraction: 0.2 + r("f") * 0.5 })
      if (x < 0.13 && pos !== undefined) return act({ action: "exit", quantity: pos.quantity * r("f") * 1.2 })
      if (x < 0.19) return act({ action: "update_stop_loss", new_stop: long ? c - d : c + d })
      if (x < 0.23) return act({ action: "update_take_profit", new_target: long ? c + d : c - d })
      if (x < 0.26) return act({ action: "set_trailing_stop", trailing_stop: d })
      if (x < 0.29) return act({ action: "move_stop_to_breakeven" })
      if (x < 0.3) return act({ action: "cancel_order" })
      return undefined
    }
    const call = (phase: TradeStateName) => (bar: Bar) => decide(phase, bar)
    return {
      symbol,
      detectOpportunity: call("Watch"),
      filterCommitment: call("CloseWatch"),
      managePosition: call("InTrade"),
      mergeContext: (fields) => {
        ctx = { ...ctx, ...fields }
      },
      setPosition: (p) => {
        pos = p
      },
      snapshotContext: () => ({ ...ctx }),
      dispose: () => {}
    }
  }
})

const scenario = fc.record({
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  symbols: fc.integer({ min: 1, max: 2 }),
  spread: fc.boolean(),
  cap: fc.option(fc.constantFrom(0.05, 0.3, 1), { nil: undefined }),
  slippageBps: fc.option(fc.constantFrom(1, 10), { nil: undefined }),
  spreadCost: fc.boolean(),
  minimum: fc.constantFrom(0, 0.05),
  sameBarClose: fc.boolean(),
  path: fc.boolean(),
  instruments: fc.boolean(),
  risk: fc.boolean(),
  split: fc.double({ min: 0.05, max: 0.95, noNaN: true })
})

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never

const setup = (s: Scenario) => {
  const names = ["AAA", "BBB"].slice(0, s.symbols)
  const bars = simulateBars({ symbols: names, bars: 250, seed: s.seed, ...(s.spread ? { spreadBps: 8 } : {}) })
  const fills: FillModelConfig = {
    commission: { takerRate: 0.001, makerRate: 0.0005, minimum: s.minimum },
    ...(s.cap !== undefined ? { maxParticipation: s.cap } : {}),
    ...(s.slippageBps !== undefined ? { slippage: { kind: "bps", bps: s.slippageBps } } : {}),
    spread: s.spreadCost,
    marketFill: s.sameBarClose ? "same_bar_close" : "next_bar_open",
    intrabar: s.path ? "path" : "conservative",
    ...(s.instruments ? { instruments: names.map((symbol) => instrumentSpec({ symbol, tickSize: 0.01, stepSize: 0.001, minQuantity: 0.001, minNotional: 5 })) } : {})
  }
  const settings: EngineSettings = {
    initialCash: 10_000,
    ...(s.risk ? { risk: { riskPerTrade: 0.02, maxOpenPositions: 1, maxGrossExposure: 1.5, dailyLossLimit: 0.04, maxDrawdown: 0.08, flattenOnKill: true } } : {})
  }
  return { bars, fills, settings }
}

describe("the engine with the full execution and risk path (random markets, strategies and venues)", () => {
  it("never breaks, balances its books, and keeps every fill inside its bar", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { bars, fills, settings } = setup(s)
        const core = new EngineCore(randomStrategy(s.seed), fills, settings)
        core.processChunk(bars)
        const r = core.finish(noQuality)
        const m = r.metrics
        expect(r.failures).toEqual([])
        // Everything was closed at the end: the trades hold the whole result and the fees.
        const pnl = r.trades.reduce((x, t) => x + t.pnl, 0)
        expect(Math.abs(pnl - (m.finalEquity - 10_000))).toBeLessThan(1e-6)
        expect(Math.abs(r.account!.fees - m.totalFees)).toBeLessThan(1e-6)
        expect(Math.abs(r.account!.cash - m.finalEquity)).toBeLessThan(1e-6)
        expect(r.account!.symbols.every((a) => a.position === 0)).toBe(true)
        // The per-symbol P&L curves add up to the equity curve at every point.
        r.equity.equity.forEach((e, i) => {
          const sum = r.symbolEquity!.reduce((x, c) => x + c.pnl[i]!, 10_000)
          expect(Math.abs(sum - e)).toBeLessThan(1e-6 * Math.max(1, Math.abs(e)))
        })
        const barAt = new Map(bars.map((b) => [`${b.symbol}@${b.timestamp}`, b]))
        for (const o of r.orders) {
          expect(["filled", "partially_filled", "rejected", "unfilled", "cancelled", "expired"]).toContain(o.status)
          const filled = o.fills!.reduce((x, f) => x + f.quantity, 0)
          expect(Math.abs(filled - (o.filledQuantity ?? 0))).toBeLessThan(1e-9 * Math.max(1, filled))
          if (o.status === "filled" || o.status === "partially_filled") expect(filled).toBeGreaterThan(0)
          else expect(filled).toBe(0)
          for (const f of o.fills!) {
            const b = barAt.get(`${o.symbol}@${f.timestamp}`)!
            expect(f.timestamp).toBeGreaterThanOrEqual(o.decidedAt)
            const slack = b.close * 0.002 + (b.ask !== undefined && b.bid !== undefined ? b.ask - b.bid : 0)
            expect(f.price).toBeGreaterThanOrEqual(b.low - slack)
            expect(f.price).toBeLessThanOrEqual(b.high + slack)
            if (o.orderType === "limit" && o.action === "enter_long") expect(f.price).toBeLessThanOrEqual(o.limitPrice! + 1e-9)
            if (o.orderType === "limit" && o.action === "enter_short") expect(f.price).toBeGreaterThanOrEqual(o.limitPrice! - 1e-9)
          }
        }
        for (const t of r.trades) expect(t.quantity).toBeGreaterThan(0)
      }),
      { numRuns: 150, seed: 20261127 }
    )
  })

  it("a snapshot at a random bar, through text, continues to exactly the same result", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { bars, fills, settings } = setup(s)
        const whole = new EngineCore(randomStrategy(s.seed), fills, settings)
        whole.processChunk(bars)
        const a = whole.finish(noQuality)
        const at = Math.floor(bars.length * s.split)
        const first = new EngineCore(randomStrategy(s.seed), fills, settings)
        first.processChunk(bars.slice(0, at))
        const second = EngineCore.restore(randomStrategy(s.seed), fills, settings, decodeSnapshot(encodeSnapshot(first.snapshot())))
        second.processChunk(bars.slice(at))
        const b = second.finish(noQuality)
        expect(b).toEqual(a)
      }),
      { numRuns: 60, seed: 20261128 }
    )
  })
})
