/**
 * One engine for both modes: the same Lua strategy run through the CSV Layer (historical) and through the queue
 * Layer fed bar by bar in simulated real time (live, TestClock) makes identical decisions and trades.
 */
import { assert, describe, it } from "@effect/vitest"
import { type Cause, Effect, Fiber, Layer, Queue } from "effect"
import { TestClock } from "effect/testing"
import { readFileSync } from "node:fs"
import type { Bar } from "../../src/domain/bar.ts"
import type { MarketDataError } from "../../src/domain/errors.ts"
import { runEngine } from "../../src/engine/Engine.ts"
import { Execution } from "../../src/execution/Execution.ts"
import { parseCsvText } from "../../src/market-data/csv.ts"
import { csvMarketData, queueMarketData } from "../../src/market-data/layers.ts"
import type { MarketData } from "../../src/market-data/MarketData.ts"
import { Strategy } from "../../src/strategy/Strategy.ts"
import { dataFile, repoFile } from "../support/data.ts"

const files = [
  dataFile("market", "binance_spot_klines_dump", "BTCUSDT-1h-2022-01.csv"),
  dataFile("market", "binance_spot_klines_dump", "ETHUSDT-1h-2022-01.csv")
]
const strategyFile = repoFile("strategies", "ema_crossover.lua")

const run = (marketData: Layer.Layer<MarketData>) =>
  runEngine({ initialCash: 10_000 }).pipe(
    Effect.provide(Layer.mergeAll(marketData, Strategy.layerLua(strategyFile), Execution.layerSimulated({ commissionRate: 0.001 })))
  )

/** The bars a live feed would deliver: both symbols, merged in time order, as the exchange would send them. */
const liveBars = (): Array<Bar> => {
  const all = files.flatMap((f) => {
    const parsed = parseCsvText(readFileSync(f), f, { format: "binance" })
    assert.strictEqual(parsed.errors.length, 0)
    return parsed.bars
  })
  return all.sort((a, b) => a.timestamp - b.timestamp || (a.symbol < b.symbol ? -1 : 1))
}

describe("live ≡ historical", () => {
  it.effect("the same strategy through the CSV Layer and through a live queue fed in real time gives identical trades", () =>
    Effect.gen(function*() {
      const historical = yield* run(csvMarketData({ files, format: "binance" }))

      const bars = liveBars()
      const queue = yield* Queue.unbounded<Bar, MarketDataError | Cause.Done>()
      // A socket-like producer: each hour's bars arrive when their hour has closed on the (test) clock.
      const producer = yield* Effect.forkChild(Effect.gen(function*() {
        let hour = bars[0]!.timestamp
        for (const b of bars) {
          if (b.timestamp !== hour) {
            yield* Effect.sleep(b.timestamp - hour)
            hour = b.timestamp
          }
          yield* Queue.offer(queue, b)
        }
        yield* Queue.end(queue)
      }))
      const engine = yield* Effect.forkChild(run(queueMarketData(queue, { intervalMs: 3_600_000 })))
      // Let the month pass on the test clock, one hour at a time, as it would in a live run.
      for (let i = 0; i < 744; i++) yield* TestClock.adjust("1 hour")
      yield* Fiber.join(producer)
      const live = yield* Fiber.join(engine)

      assert.isAbove(historical.trades.length, 10)
      assert.deepStrictEqual(live.trades, historical.trades)
      assert.deepStrictEqual(live.transitions, historical.transitions)
      assert.deepStrictEqual(live.rejections, historical.rejections)
      assert.deepStrictEqual(live.equity, historical.equity)
      assert.deepStrictEqual(live.metrics, historical.metrics)
      assert.deepStrictEqual(live.failures, [])
    }), { timeout: 120_000 })
})
