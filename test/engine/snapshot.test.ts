/**
 * Engine snapshots (issue 4, item 7): the whole per-symbol state (trade machine, context, position, order book,
 * indicator state), the account and the risk layer are serialisable and restorable exactly. A run stopped after any
 * bar, encoded to text, decoded and continued by a new core with new strategy instances gives the same result as the
 * uninterrupted run: same trades, orders, transitions, rejections and equity, bit for bit. Checked with Lua and
 * TypeScript strategies that use every indicator, on both indicator backends, on real Binance BTCUSDT + ETHUSDT 1h
 * bars; and (issue 5) with limit, stop and stop-limit entries resting across the cut, a volume cap that splits fills
 * over bars, slippage, maker/taker commission and risk limits (sizing, open positions, daily loss, kill switch).
 */
import * as fs from "node:fs"
import { describe, expect, it } from "vitest"
import { compareBars, type Bar } from "../../src/domain/bar.ts"
import type { StrategyDefinition } from "../../src/domain/strategy.ts"
import { EngineCore, type EngineSettings } from "../../src/engine/core.ts"
import type { FillModelConfig } from "../../src/execution/fill-model.ts"
import { decodeSnapshot, encodeSnapshot } from "../../src/engine/snapshot.ts"
import type { IndicatorBackend } from "../../src/indicators/IndicatorEngine.ts"
import { typescriptIndicatorBackend } from "../../src/indicators/IndicatorEngine.ts"
import { ocamlIndicatorBackend } from "../../src/indicators/ocaml/backend.ts"
import { captureState, restoreState } from "../../src/indicators/state.ts"
import { parseCsvText } from "../../src/market-data/csv.ts"
import type { DataQualityReport } from "../../src/market-data/MarketData.ts"
import { compileLuaStrategy } from "../../src/strategy/lua/host.ts"
import { defineStrategy } from "../../src/strategy/typescript.ts"
import { dataFile, repoFile } from "../support/data.ts"

const dump = (file: string) => dataFile("market", "binance_spot_klines_dump", file)
const load = (file: string): Array<Bar> => parseCsvText(fs.readFileSync(file), file).bars
const bars = [...load(dump("BTCUSDT-1h-2022-01.csv")), ...load(dump("ETHUSDT-1h-2022-01.csv"))].sort(compareBars)
const noQuality: DataQualityReport = { symbols: [], skippedRows: 0, skippedSamples: [] }
// A short history, so that replaying it could not rebuild the indicators: only a restored state gives the same values.
const settings: EngineSettings = { initialCash: 10_000, closeWatchTimeout: { bars: 5 }, windowSize: 30, historySize: 64 }
const fills = { commissionRate: 0.001 }

const lua = (file: string): StrategyDefinition =>
  compileLuaStrategy(fs.readFileSync(repoFile("strategies", file), "utf8"), file)

/** A TypeScript strategy whose decisions depend on every indicator and on state kept in its context. */
const everything = (): StrategyDefinition =>
  defineStrategy<{ seen: number; lastMacd?: number }>({
    name: "everything",
    init: () => ({ seen: 0 }),
    detectOpportunity: (bar, ctx, ind) => {
      ctx.seen++
      const m = ind.macd(), b = ind.bbands(20, 2), s = ind.stoch(), atr = ind.atr(14), v = ind.vwap(), w = ind.wma(30)
      const r = ind.rsi(14), vr = ind.vwap(12)
      if (m === undefined || b === undefined || s === undefined || atr === undefined || v === undefined || w === undefined) return undefined
      if (r === undefined || vr === undefined || ind.ema(9) === undefined || ind.sma(50) === undefined) return undefined
      const prev = ctx.lastMacd
      ctx.lastMacd = m.histogram
      if (prev !== undefined && prev < 0 && m.histogram > 0 && s.k < 80) return { why: "macd up", waited: 0 }
      if (bar.close < b.lower && r < 35) return { action: "enter_long", quantity: 0.3, trailing_stop: 2 * atr }
      return undefined
    },
    filterCommitment: (bar, ctx, ind) => {
      const m = ind.macd()!
      if (m.histogram > 0 && bar.close > ind.vwap()!) {
        return { action: "enter_long", quantity: 0.5, stop_loss: bar.close - 3 * ind.atr(14)!, breakeven_at: bar.close + ind.atr(14)! }
      }
      void ctx
      return undefined
    },
    managePosition: (bar, ctx, ind) => {
      const m = ind.macd()!
      if (m.histogram < 0 && ctx.position !== undefined && ctx.position.quantity > 0.0001 && bar.close > ind.wma(30)!) {
        return { action: "exit", fraction: 0.5, reason: "half off" }
      }
      if (m.histogram < 0) return { action: "exit", reason: "macd down" }
      return undefined
    }
  })

const runWhole = (def: StrategyDefinition, backend: IndicatorBackend) => {
  const core = new EngineCore(def, fills, settings, backend)
  core.processChunk(bars)
  return core.finish(noQuality)
}

const runSplit = (def: () => StrategyDefinition, backend: IndicatorBackend, at: number) => {
  const first = new EngineCore(def(), fills, settings, backend)
  first.processChunk(bars.slice(0, at))
  const text = encodeSnapshot(first.snapshot())
  first.dispose()
  const second = EngineCore.restore(def(), fills, settings, decodeSnapshot(text), backend)
  second.processChunk(bars.slice(at))
  return { result: second.finish(noQuality), text }
}

const cases: ReadonlyArray<readonly [string, () => StrategyDefinition]> = [
  ["macd_trend.lua", () => lua("macd_trend.lua")],
  ["bollinger_reversion.lua", () => lua("bollinger_reversion.lua")],
  ["TypeScript, every indicator, partial exits, trailing and breakeven", everything]
]

describe("engine snapshots", () => {
  it("the data is two symbols interleaved", () => {
    expect(bars).toHaveLength(744 * 2)
    expect(new Set(bars.map((b) => b.symbol))).toEqual(new Set(["BTCUSDT", "ETHUSDT"]))
  })

  for (const [backendName, backend] of [["typescript", typescriptIndicatorBackend], ["ocaml", ocamlIndicatorBackend]] as const) {
    for (const [name, def] of cases) {
      it(`${name} (${backendName} indicators): stopping after any of several bars and resuming from text changes nothing`, () => {
        const whole = runWhole(def(), backend)
        expect(whole.trades.length).toBeGreaterThan(5)
        for (const at of [1, 2, 97, 500, 743, 744, 1001, 1487]) {
          const { result } = runSplit(def, backend, at)
          expect(result.trades, `split at ${at}`).toEqual(whole.trades)
          expect(result.orders, `split at ${at}`).toEqual(whole.orders)
          expect(result.transitions, `split at ${at}`).toEqual(whole.transitions)
          expect(result.rejections, `split at ${at}`).toEqual(whole.rejections)
          expect(result.failures, `split at ${at}`).toEqual(whole.failures)
          expect(result.equity, `split at ${at}`).toEqual(whole.equity)
          expect(result.metrics, `split at ${at}`).toEqual(whole.metrics)
          expect(result.prices, `split at ${at}`).toEqual(whole.prices)
        }
      })
    }
  }

  it("a snapshot taken mid-trade holds the position, the pending order and the strategy's context", () => {
    const whole = runWhole(everything(), typescriptIndicatorBackend)
    const t = whole.trades.find((x) => x.exitReason === "stop_loss" || x.exitNote.startsWith("partial")) ?? whole.trades[0]!
    const at = bars.findIndex((b) => b.timestamp === t.entryTime && b.symbol === t.symbol) + 1
    const core = new EngineCore(everything(), fills, settings)
    core.processChunk(bars.slice(0, at))
    const snap = decodeSnapshot(encodeSnapshot(core.snapshot()))
    const runner = snap.runners.find((r) => r.symbol === t.symbol)!
    expect(runner.state).toBe("InTrade")
    expect(runner.position?.entryPrice).toBe(t.entryPrice)
    expect(runner.context?.["seen"]).toBeGreaterThan(0)
    expect(runner.indicators.indicators.map((i) => i.call).sort()).toEqual(
      ["atr", "bbands", "ema", "macd", "rsi", "sma", "stoch", "vwap", "vwap", "wma"]
    )
  })

  it("captureState / restoreState copy typed arrays, NaN and nested objects, and refuse what they cannot restore", () => {
    const source = { n: Number.NaN, z: -0, ring: Float64Array.of(1, Number.NaN, 3), deque: { items: [1, 2], head: 1 }, f: () => 1 }
    const captured = captureState(source)
    source.ring[0] = 99
    const target = { n: 0, z: 0, ring: new Float64Array(3), deque: { items: [] as Array<number>, head: 0 }, f: () => 2 }
    const ring = target.ring
    restoreState(target, captured)
    expect(target.ring).toBe(ring)
    expect([...target.ring]).toEqual([1, Number.NaN, 3])
    expect(Object.is(target.z, -0)).toBe(true)
    expect(Number.isNaN(target.n)).toBe(true)
    expect(target.deque).toEqual({ items: [1, 2], head: 1 })
    expect(target.f()).toBe(2)
    expect(() => captureState({ m: new Map() })).toThrow("state.m: cannot capture a [object Map]")
  })

  it("the text form keeps NaN, ±Infinity, -0 and typed arrays, and refuses text it did not write", () => {
    const core = new EngineCore(everything(), fills, settings)
    core.processChunk(bars.slice(0, 40))
    const snap = core.snapshot()
    const again = decodeSnapshot(encodeSnapshot(snap))
    expect(again).toEqual(snap)
    expect(decodeSnapshot(encodeSnapshot(again))).toEqual(snap)
    const text = encodeSnapshot(snap)
    expect(text).toContain("{\"$n\":\"NaN\"}")
    expect(text).toContain("{\"$ta\":\"Float64Array\"")
    expect(() => decodeSnapshot("{\"version\":2}")).toThrow("not an engine snapshot")
    expect(() => decodeSnapshot("nope")).toThrow(SyntaxError)
  })
})

/** Limit, stop and stop-limit entries with every time in force, amend and cancel, partial exits, trailing stops. */
const orderTypes = (): StrategyDefinition =>
  defineStrategy<{ n: number }>({
    name: "order types",
    init: () => ({ n: 0 }),
    detectOpportunity: (bar, ctx, ind) => {
      ctx.n++
      const atr = ind.atr(14)
      const rsi = ind.rsi(14)
      if (atr === undefined || rsi === undefined) return undefined
      const cents = (x: number) => Math.round(x * 100) / 100
      if (ctx.n % 7 === 0) return { action: "cancel_order" }
      if (ctx.n % 5 === 0) return { action: "amend_order", limit_price: cents(bar.close - 0.5 * atr) }
      if (rsi < 45) {
        return { action: "enter_long", quantity: 0.6, order_type: "limit", limit_price: cents(bar.close - 0.3 * atr), stop_loss: bar.close - 2 * atr, take_profit: bar.close + 3 * atr, time_in_force: ctx.n % 3 === 0 ? "DAY" : "GTC" }
      }
      if (rsi > 60) {
        return { action: "enter_long", quantity: 0.3, order_type: "stop_limit", stop_price: cents(bar.close + 0.2 * atr), limit_price: cents(bar.close + 0.6 * atr), trailing_stop: 2 * atr }
      }
      if (rsi > 55) return { action: "enter_short", quantity: 0.4, order_type: "stop", stop_price: cents(bar.close - 0.4 * atr), stop_loss: bar.close + 2 * atr, time_in_force: ctx.n % 2 === 0 ? "IOC" : "GTC" }
      return undefined
    },
    filterCommitment: () => undefined,
    managePosition: (bar, ctx, ind) => {
      ctx.n++
      const atr = ind.atr(14)!
      if (ctx.position !== undefined && ctx.n % 6 === 0) return { action: "exit", fraction: 0.5, reason: "half" }
      if (ctx.n % 11 === 0) return { action: "move_stop_to_breakeven" }
      if (ctx.position !== undefined && bar.close > ctx.position.entryPrice + 4 * atr) return { action: "exit", reason: "far enough" }
      return undefined
    }
  })

describe("engine snapshots with the order book, a volume cap, costs and risk limits", () => {
  const venue: FillModelConfig = {
    commission: { takerRate: 0.001, makerRate: 0.0006, minimum: 0.05 },
    slippage: { kind: "bps", bps: 2 },
    maxParticipation: 0.00003
  }
  const riskSettings: EngineSettings = {
    ...settings,
    risk: { riskPerTrade: 0.02, maxOpenPositions: 1, dailyLossLimit: 0.03, maxDrawdown: 0.1, flattenOnKill: true }
  }
  const whole = () => {
    const core = new EngineCore(orderTypes(), venue, riskSettings)
    core.processChunk(bars)
    return core.finish(noQuality)
  }

  it("the run uses what it is meant to test: resting orders, split fills, risk refusals", () => {
    const r = whole()
    expect(r.trades.length).toBeGreaterThan(5)
    expect(new Set(r.orders.map((o) => o.orderType))).toEqual(new Set(["limit", "stop", "stop_limit", "market"]))
    expect(r.orders.some((o) => (o.fills?.length ?? 0) > 1)).toBe(true)
    expect(r.orders.some((o) => o.status === "expired" || o.status === "cancelled")).toBe(true)
    expect(r.rejections.some((x) => x.reason.startsWith("max open positions"))).toBe(true)
  })

  it("stopping after any of several bars and resuming from text changes nothing", () => {
    const a = whole()
    for (const at of [1, 97, 300, 500, 743, 744, 1001, 1300, 1487]) {
      const first = new EngineCore(orderTypes(), venue, riskSettings)
      first.processChunk(bars.slice(0, at))
      const text = encodeSnapshot(first.snapshot())
      first.dispose()
      const second = EngineCore.restore(orderTypes(), venue, riskSettings, decodeSnapshot(text))
      second.processChunk(bars.slice(at))
      expect(second.finish(noQuality), `split at ${at}`).toEqual(a)
    }
  })

  it("a snapshot holds the books and the risk state", () => {
    const core = new EngineCore(orderTypes(), venue, riskSettings)
    core.processChunk(bars.slice(0, 600))
    const snap = decodeSnapshot(encodeSnapshot(core.snapshot()))
    expect(snap.risk?.peakEquity).toBeGreaterThan(0)
    expect(snap.runners.map((r) => r.book.symbol).sort()).toEqual(["BTCUSDT", "ETHUSDT"])
    expect(snap.nextOrderId).toBeGreaterThan(Math.max(...snap.orders.map((o) => o.orderId ?? 0)))
  })
})
