/**
 * Engine snapshots (issue 4, item 7): the whole per-symbol state (trade machine, context, position, pending order,
 * indicator state) and the account are serialisable and restorable exactly. A run stopped after any bar, encoded to
 * text, decoded and continued by a new core with new strategy instances gives the same result as the uninterrupted
 * run: same trades, orders, transitions, rejections and equity, bit for bit. Checked with Lua and TypeScript
 * strategies that use every indicator, on both indicator backends, on real Binance BTCUSDT + ETHUSDT 1h bars.
 */
import * as fs from "node:fs"
import { describe, expect, it } from "vitest"
import { compareBars, type Bar } from "../../src/domain/bar.ts"
import type { StrategyDefinition } from "../../src/domain/strategy.ts"
import { EngineCore, type EngineSettings } from "../../src/engine/core.ts"
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
