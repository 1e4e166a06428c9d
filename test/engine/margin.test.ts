/**
 * The margin account (`margin: { leverage, maintenance }`): buying power `equity × leverage − gross notional` for
 * entries of either side, refusals and reductions that say "insufficient margin", and the margin call that closes
 * every position at the next opens when equity falls below `maintenance × gross notional`. Hand-made hourly bars
 * `[open, high, low, close]`, zero commission, so every number is checked exactly.
 */
import { Effect, Layer, Stream } from "effect"
import { describe, expect, it } from "vitest"
import type { Action } from "../../src/domain/action.ts"
import { bar, type Bar, SymbolName } from "../../src/domain/bar.ts"
import type { StrategyDefinition } from "../../src/domain/strategy.ts"
import { runEngine } from "../../src/engine/Engine.ts"
import { EngineCore, type EngineSettings } from "../../src/engine/core.ts"
import { Execution } from "../../src/execution/Execution.ts"
import type { DataQualityReport } from "../../src/market-data/MarketData.ts"
import { MarketData } from "../../src/market-data/MarketData.ts"
import { checkMarginConfig, Portfolio } from "../../src/portfolio/portfolio.ts"
import { Strategy } from "../../src/strategy/Strategy.ts"
import { act, scripted } from "../support/scripted.ts"

const H = 3_600_000
const A = SymbolName("AAA")
const B = SymbolName("BBB")
const noQuality: DataQualityReport = { symbols: [], skippedRows: 0, skippedSamples: [] }
type Row = readonly [number, number, number, number]

const bars = (rows: ReadonlyArray<Row>, symbol: SymbolName = A): Array<Bar> =>
  rows.map(([open, high, low, close], i) => bar({ symbol, timestamp: i * H, open, high, low, close, volume: 1e9 }))
const merge = (...series: ReadonlyArray<ReadonlyArray<Bar>>): Array<Bar> =>
  series.flat().sort((x, y) => x.timestamp - y.timestamp || (x.symbol < y.symbol ? -1 : 1))
const flat = (n: number, price = 100): Array<Row> => Array.from({ length: n }, () => [price, price, price, price] as const)

const run = (def: StrategyDefinition, input: ReadonlyArray<Bar>, settings: Partial<EngineSettings> = {}) => {
  const core = new EngineCore(def, { commissionRate: 0 }, { initialCash: 10_000, ...settings })
  core.processChunk(input)
  return core.finish(noQuality)
}

const at = (plan: Readonly<Record<string, Action>>) =>
  scripted((_phase, b) => {
    const a = plan[`${b.symbol}@${b.timestamp / H}`]
    return a === undefined ? undefined : act(a)
  })

describe("buying power", () => {
  it("the cash account (no margin): a long is paid from cash, a fraction above cash is cut to it", () => {
    const r = run(at({ "AAA@0": { action: "enter_long", quantity: 0.99 } }), bars(flat(3)))
    expect(r.trades[0]!.quantity).toBeCloseTo(99, 9)
    const refused = run(at({ "AAA@0": { action: "enter_long", quantity: 150 } }), bars(flat(3)))
    expect(refused.trades).toEqual([])
    expect(refused.rejections[0]!.reason).toContain("insufficient cash: needs 15000.00, has 10000.00")
  })

  it("leverage 2: a long of 15,000 notional on 10,000 equity fills (cash goes negative, equity is unchanged)", () => {
    const r = run(at({ "AAA@0": { action: "enter_long", quantity: 150 } }), bars(flat(3)), { margin: { leverage: 2 } })
    expect(r.trades.map((t) => [t.quantity, t.entryPrice])).toEqual([[150, 100]])
    expect(r.rejections).toEqual([])
    expect(r.equity.equity.every((e) => e === 10_000)).toBe(true)
  })

  it("leverage 2: a second symbol gets what is left, equity × 2 − gross notional; beyond it 'insufficient margin'", () => {
    const input = merge(bars(flat(4)), bars(flat(4, 50), B))
    const plan = { "AAA@0": { action: "enter_long", quantity: 150 }, "BBB@1": { action: "enter_short", quantity: 150 } } as const
    const refused = run(at(plan), input, { margin: { leverage: 2 } })
    expect(refused.trades.map((t) => t.symbol)).toEqual(["AAA"])
    expect(refused.rejections.map((x) => x.reason)).toEqual([
      expect.stringContaining("insufficient margin: needs 7500.00, buying power 5000.00 at 2× leverage")
    ])
    const fraction = run(at({ "AAA@0": { action: "enter_long", quantity: 150 }, "BBB@1": { action: "enter_short", quantity: 0.9 } }), input, { margin: { leverage: 2 } })
    const short = fraction.trades.find((t) => t.symbol === "BBB")!
    // wanted 0.9 × 10,000 / 50 = 180 units; buying power 20,000 − 15,000 = 5,000 → 100 units
    expect([short.side, short.quantity]).toEqual(["short", 100])
  })

  it("Portfolio.buyingPower follows the marks", () => {
    const p = new Portfolio(10_000)
    p.leverage = 3
    expect(p.buyingPower()).toBe(30_000)
    p.open("AAA", "long", 100, 100, 0)
    expect(p.buyingPower()).toBe(20_000)
    p.markSlot(p.slot("AAA"), 90)
    // equity 9,000 → 27,000 − 9,000
    expect(p.buyingPower()).toBe(18_000)
  })
})

describe("margin call", () => {
  it("equity below maintenance × gross notional closes every position at the next open, once, and trading goes on", () => {
    // 3× long of 30,000 at 100; the price falls to 80: equity 10,000 − 6,000 = 4,000 < 0.25 × 24,000 = 6,000
    const rows: Array<Row> = [[100, 100, 100, 100], [100, 100, 100, 100], [90, 90, 90, 90], [80, 80, 80, 80], [78, 78, 78, 78], [79, 79, 79, 79], [79, 79, 79, 79]]
    const r = run(at({ "AAA@0": { action: "enter_long", quantity: 300 }, "AAA@5": { action: "enter_long", quantity: 10 } }), bars(rows), {
      margin: { leverage: 3, maintenance: 0.25 }
    })
    expect(r.riskEvents).toEqual([{
      timestamp: 4 * H,
      rule: "margin_call",
      reason: "margin call: equity 4000.00 is below 25% of the gross notional 24000.00",
      flatten: true
    }])
    const [called, after] = r.trades
    // decided on the closes of hour 3 (known when hour 4 starts), filled at hour 4's open: no look-ahead
    expect([called!.exitTime, called!.exitPrice, called!.exitReason]).toEqual([4 * H, 78, "risk"])
    expect(called!.pnl).toBe(300 * (78 - 100))
    expect([after!.entryTime, after!.quantity]).toEqual([6 * H, 10])
  })

  it("no call while equity stays above the maintenance level", () => {
    const rows: Array<Row> = [[100, 100, 100, 100], [100, 100, 100, 100], [90, 90, 90, 90], [90, 90, 90, 90]]
    const r = run(at({ "AAA@0": { action: "enter_long", quantity: 300 } }), bars(rows), { margin: { leverage: 3, maintenance: 0.25 } })
    // at 90: equity 7,000 ≥ 0.25 × 27,000 = 6,750
    expect(r.riskEvents).toEqual([])
    expect(r.trades[0]!.exitReason).toBe("end_of_data")
  })
})

describe("configuration", () => {
  it("bad values are refused naming the field, by the check and by runEngine", async () => {
    expect(checkMarginConfig({ leverage: 0.5 })).toEqual({ field: "margin.leverage", reason: "must be a number >= 1, got 0.5" })
    expect(checkMarginConfig({ leverage: 2, maintenance: 0.6 })).toEqual({
      field: "margin.maintenance",
      reason: "must be in (0, 0.5) (below the initial margin 1/leverage), got 0.6"
    })
    expect(checkMarginConfig({ leverage: 4, maintenance: 0.1 })).toBeUndefined()
    const md = Layer.succeed(MarketData, MarketData.of({ bars: Stream.fromIterable(bars(flat(2))), quality: Effect.succeed(noQuality) }))
    const exit = await Effect.runPromiseExit(runEngine({ initialCash: 1000, margin: { leverage: Number.NaN } }).pipe(
      Effect.provide(Layer.mergeAll(md, Strategy.layer(at({})), Execution.layerSimulated({})))
    ))
    expect(exit._tag).toBe("Failure")
    expect(JSON.stringify(exit)).toContain("margin.leverage")
  })
})
