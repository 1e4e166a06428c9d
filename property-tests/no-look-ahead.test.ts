/**
 * No look-ahead, as a property: appending future bars never changes a decision already made.
 *
 * For random simulated markets (several symbols, random seeds, with and without bid/ask) and a random cut, the run
 * over the bars up to the cut and the run over all bars must agree on everything decided up to the cut: every
 * strategy call and what the strategy saw (indicator values), every transition, every refusal, every trade closed by
 * then, and the equity curve. Checked for the Lua EMA crossover (through fengari) and for a TypeScript strategy that
 * reads every indicator the API offers.
 */
import fc from "fast-check"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import type { Bar } from "../src/domain/bar.ts"
import type { StrategyDefinition } from "../src/domain/strategy.ts"
import { EngineCore } from "../src/engine/core.ts"
import { simulateBars } from "../src/market-data/simulated.ts"
import { compileLuaStrategy } from "../src/strategy/lua/host.ts"
import { defineStrategy } from "../src/strategy/typescript.ts"
import type { BacktestResult } from "../src/backtest/result.ts"

const emptyQuality = { symbols: [], skippedRows: 0, skippedSamples: [] }

const run = (definition: StrategyDefinition, bars: ReadonlyArray<Bar>): BacktestResult => {
  // closeAtEnd off: closing at the last bar is a decision about the end of the data, not about the market.
  const core = new EngineCore(definition, { commissionRate: 0.001 }, { initialCash: 10_000, closeAtEnd: false, windowSize: 10 })
  core.processChunk(bars)
  return core.finish(emptyQuality)
}

/** A TypeScript strategy that logs everything it sees, and trades on it (entries, stops, targets, exits). */
const observer = (seen: Array<string>): StrategyDefinition =>
  defineStrategy<{ n: number }>({
    name: "observer",
    init: () => ({ n: 0 }),
    detectOpportunity(bar, ctx, ind) {
      const rsi = ind.rsi(7)
      seen.push(`${bar.symbol}@${bar.timestamp} W sma=${ind.sma(5)} ema=${ind.ema(9)} rsi=${rsi} hi=${ind.high} lo=${ind.low} av=${ind.avgVolume}`)
      ctx.n++
      if (rsi !== undefined && rsi < 35) return { reason: "oversold", at: bar.close }
      if (rsi !== undefined && rsi > 70 && ctx.n % 3 === 0) {
        return { action: "enter_short", quantity: 0.3, stop_loss: bar.close * 1.03, take_profit: bar.close * 0.97 }
      }
      return undefined
    },
    filterCommitment(bar, _ctx, ind) {
      const rsi = ind.rsi(7)
      seen.push(`${bar.symbol}@${bar.timestamp} C rsi=${rsi} range=${ind.range}`)
      if (rsi !== undefined && rsi > 40) return { action: "enter_long", quantity: 0.4, stop_loss: bar.close * 0.98, take_profit: bar.close * 1.04 }
      if (rsi !== undefined && rsi < 20) return { action: "cancel_analysis", reason: "kept falling" }
      return undefined
    },
    managePosition(bar, ctx, ind) {
      const ema = ind.ema(9)
      seen.push(`${bar.symbol}@${bar.timestamp} T ema=${ema} pos=${ctx.position?.side}`)
      if (ema !== undefined && ctx.position?.side === "long" && bar.close > ema * 1.01) {
        return { action: "update_stop_loss", new_stop: bar.close * 0.99 }
      }
      if (ema !== undefined && bar.close < ema * 0.985) return { action: "exit", reason: "below ema" }
      return undefined
    }
  })

/** Everything in a result that is fixed at or before `cut`. */
const decidedBy = (r: BacktestResult, cut: number) => ({
  orders: r.orders.filter((o) => o.decidedAt <= cut).map(({ symbol, action, decidedAt, requestedQuantity }) => ({ symbol, action, decidedAt, requestedQuantity })),
  transitions: r.transitions.filter((t) => t.timestamp <= cut),
  trades: r.trades.filter((t) => t.exitTime <= cut),
  rejections: r.rejections.filter((x) => x.timestamp <= cut && !x.reason.startsWith("unfilled")),
  failures: r.failures.filter((f) => f.timestamp <= cut),
  equity: r.equity.equity.filter((_, i) => r.equity.timestamps[i]! <= cut)
})

const market = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  symbols: fc.integer({ min: 1, max: 3 }),
  bars: fc.integer({ min: 40, max: 300 }),
  spread: fc.boolean(),
  cutFraction: fc.double({ min: 0.05, max: 0.95, noNaN: true })
})

type Market = { readonly seed: number; readonly symbols: number; readonly bars: number; readonly spread: boolean }

const barsOf = (m: Market) =>
  simulateBars({
    symbols: ["AAA", "BBB", "CCC"].slice(0, m.symbols),
    bars: m.bars,
    seed: m.seed,
    ...(m.spread ? { spreadBps: 5 } : {})
  })

describe("no look-ahead", () => {
  it("a TypeScript strategy: decisions and what it saw up to a cut do not depend on later bars", () => {
    fc.assert(
      fc.property(market, (m) => {
        const bars = barsOf(m)
        const cutIndex = Math.floor(bars.length * m.cutFraction)
        const cut = bars[cutIndex]!.timestamp
        const prefix = bars.filter((b) => b.timestamp <= cut)
        const seenFull: Array<string> = []
        const seenPrefix: Array<string> = []
        const full = run(observer(seenFull), bars)
        const partial = run(observer(seenPrefix), prefix)
        expect(seenFull.slice(0, seenPrefix.length)).toEqual(seenPrefix)
        expect(decidedBy(full, cut)).toEqual(decidedBy(partial, cut))
      }),
      { numRuns: 60, seed: 20261125 }
    )
  })

  it("the Lua EMA crossover: decisions up to a cut do not depend on later bars", () => {
    const source = readFileSync(new URL("../strategies/ema_crossover.lua", import.meta.url), "utf8")
    fc.assert(
      fc.property(market, (m) => {
        const bars = barsOf({ ...m, bars: m.bars + 200 })
        const cut = bars[Math.floor(bars.length * m.cutFraction)]!.timestamp
        const full = run(compileLuaStrategy(source, "ema_crossover.lua"), bars)
        const partial = run(compileLuaStrategy(source, "ema_crossover.lua"), bars.filter((b) => b.timestamp <= cut))
        expect(decidedBy(full, cut)).toEqual(decidedBy(partial, cut))
      }),
      { numRuns: 40, seed: 20261126 }
    )
  })

  it("the property has teeth: a strategy that peeks at the next bar is caught", () => {
    // A strategy handed the next bar (which, in a prefix world, does not exist at the cut) must be caught at every cut
    // where its peek changes what it does.
    const bars = simulateBars({ symbols: ["AAA"], bars: 300, seed: 3 })
    const cheater = (visible: ReadonlyArray<Bar>): StrategyDefinition => {
      const next = new Map(visible.map((b, i) => [b.timestamp, visible[i + 1]]))
      return defineStrategy({
        name: "cheater",
        detectOpportunity: (bar) => (next.get(bar.timestamp)?.close ?? 0) > bar.close ? { action: "enter_long", quantity: 0.5 } : undefined,
        filterCommitment: () => undefined,
        managePosition: () => ({ action: "exit" })
      })
    }
    let caught = 0
    for (let c = 100; c < 140; c++) {
      const cut = bars[c]!.timestamp
      const prefix = bars.slice(0, c + 1)
      if (!(bars[c + 1]!.close > bars[c]!.close)) continue
      const full = run(cheater(bars), bars)
      const partial = run(cheater(prefix), prefix)
      const inWatchAtCut = !full.transitions.some((t) => t.timestamp === cut && t.to === "InTrade")
      if (inWatchAtCut && JSON.stringify(decidedBy(full, cut)) !== JSON.stringify(decidedBy(partial, cut))) caught++
    }
    expect(caught).toBeGreaterThan(5)
  })
})
