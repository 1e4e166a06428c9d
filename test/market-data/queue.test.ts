/**
 * The live source: bars offered to a queue one by one come out unchanged; bad or out-of-order bars end the stream
 * with a typed error naming the sequence number.
 */
import { assert, describe, it } from "@effect/vitest"
import { type Cause, Effect, Fiber, Queue, Stream } from "effect"
import { type Bar, makeBar, SymbolName } from "../../src/domain/bar.ts"
import { DataFileError, DataRowError, type MarketDataError } from "../../src/domain/errors.ts"
import { queueMarketData } from "../../src/market-data/layers.ts"
import { MarketData } from "../../src/market-data/MarketData.ts"
import { simulateBars } from "../../src/market-data/simulated.ts"
import { collect, collectError, symbolQuality } from "./helpers.ts"

const H = 3_600_000
const BTC = SymbolName("BTC")

/** Offers bars one at a time from a forked fiber (yielding between them), then ends the feed. */
const feed = (queue: Queue.Queue<Bar, MarketDataError | Cause.Done>, bars: ReadonlyArray<Bar>) =>
  Effect.forkChild(Effect.gen(function*() {
    for (const b of bars) {
      yield* Queue.offer(queue, b)
      yield* Effect.yieldNow
    }
    yield* Queue.end(queue)
  }))

const raw = (timestamp: number, fields: Partial<Bar> = {}): Bar => ({
  ...makeBar({ symbol: BTC, timestamp, open: 10, high: 12, low: 9, close: 11, volume: 1 }),
  ...fields
})

describe("queueMarketData", () => {
  it.effect("bars offered one by one come out identical, in arrival order, with quality tracked", () =>
    Effect.gen(function*() {
      const bars = simulateBars({ symbols: ["BTC", "ETH"], bars: 200, seed: 1 }).filter((b) => b.timestamp !== 1_704_067_200_000 + 50 * H)
      const queue = yield* Queue.unbounded<Bar, MarketDataError | Cause.Done>()
      const producer = yield* feed(queue, bars)
      const run = yield* collect(queueMarketData(queue))
      yield* Fiber.join(producer)
      assert.strictEqual(run.bars.length, bars.length)
      run.bars.forEach((b, i) => assert.strictEqual(b, bars[i]))
      const q = symbolQuality(run.quality, "ETH")
      assert.deepStrictEqual([q.bars, q.intervalMs, q.files], [199, H, ["live"]])
      assert.deepStrictEqual(q.gaps.map((g) => [g.after, g.missingBars]), [[1_704_067_200_000 + 49 * H, 1]])
    }))

  it.effect("an invalid bar fails the stream with a DataRowError: file live, line = sequence number", () =>
    Effect.gen(function*() {
      const queue = yield* Queue.unbounded<Bar, MarketDataError | Cause.Done>()
      const producer = yield* feed(queue, [raw(0), raw(H), raw(2 * H, { high: 10.5 }), raw(3 * H)])
      const error = yield* collectError(queueMarketData(queue))
      yield* Fiber.join(producer)
      assert.instanceOf(error, DataRowError)
      assert.deepStrictEqual([error.file, error.line, error.column, error.field], ["live", 3, 4, "high"])
      assert.strictEqual(error.message, "live:3:4: high: high 10.5 is below max(open 10, close 11)")
    }))

  it.effect("good bars before a bad one in the same chunk are still delivered", () =>
    Effect.gen(function*() {
      const queue = yield* Queue.unbounded<Bar, MarketDataError | Cause.Done>()
      yield* Queue.offerAll(queue, [raw(0), raw(H), raw(2 * H, { volume: Number.NaN })])
      yield* Queue.end(queue)
      const delivered: Array<Bar> = []
      const error = yield* Effect.gen(function*() {
        const md = yield* MarketData
        yield* Stream.runForEachArray(md.bars, (chunk) => Effect.sync(() => void delivered.push(...chunk)))
      }).pipe(Effect.provide(queueMarketData(queue)), Effect.flip)
      assert.deepStrictEqual(delivered.map((b) => b.timestamp), [0, H])
      assert.strictEqual(error.message, "live:3:7: volume: volume is not a finite number (NaN)")
    }))

  it.effect("per symbol, a duplicate or earlier timestamp is an error; other symbols may interleave", () =>
    Effect.gen(function*() {
      const eth = SymbolName("ETH")
      const queue = yield* Queue.unbounded<Bar, MarketDataError | Cause.Done>()
      yield* Queue.offerAll(queue, [raw(0), raw(H, { symbol: eth }), raw(0, { symbol: eth }), raw(H), raw(H)])
      yield* Queue.end(queue)
      const error = yield* collectError(queueMarketData(queue))
      assert.strictEqual(error.message, "live:3:2: timestamp: ETH timestamp 1970-01-01T00:00:00Z is before 1970-01-01T01:00:00Z of bar 2: bars of a symbol must arrive in time order")
      const queue2 = yield* Queue.unbounded<Bar, MarketDataError | Cause.Done>()
      yield* Queue.offerAll(queue2, [raw(H, { symbol: eth }), raw(0), raw(H), raw(H)])
      yield* Queue.end(queue2)
      const dup = yield* collectError(queueMarketData(queue2))
      assert.strictEqual(dup.message, "live:4:2: timestamp: duplicate BTC timestamp 1970-01-01T01:00:00Z (also bar 3)")
    }))

  it.effect("a feed failure with a MarketDataError fails the stream with it", () =>
    Effect.gen(function*() {
      const queue = yield* Queue.unbounded<Bar, MarketDataError | Cause.Done>()
      yield* Queue.offer(queue, raw(0))
      yield* Queue.fail(queue, new DataFileError({ file: "wss://stream", reason: "connection closed" }))
      const error = yield* collectError(queueMarketData(queue))
      assert.strictEqual(error.message, "wss://stream: connection closed")
    }))
})
