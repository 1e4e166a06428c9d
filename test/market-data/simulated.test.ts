/**
 * The simulated source: determinism, validity of every bar, and chunked streaming of a million bars.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import * as fc from "fast-check"
import { checkBar, compareBars } from "../../src/domain/bar.ts"
import { simulatedMarketData } from "../../src/market-data/layers.ts"
import { MarketData } from "../../src/market-data/MarketData.ts"
import { Rng, simulateBars, Simulator } from "../../src/market-data/simulated.ts"
import { collect, collectError } from "./helpers.ts"

describe("Rng (xoshiro128**)", () => {
  it("is a pure function of its seed, uniform enough, and normal() has mean 0 and variance 1", () => {
    const a = new Rng(42)
    const b = new Rng(42)
    const xs = Array.from({ length: 100_000 }, () => a.float())
    assert.deepStrictEqual(xs.slice(0, 100), Array.from({ length: 100 }, () => b.float()))
    assert.isTrue(xs.every((x) => x >= 0 && x < 1))
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length
    assert.closeTo(mean, 0.5, 0.005)
    const n = new Rng(7)
    const zs = Array.from({ length: 100_000 }, () => n.normal())
    const m = zs.reduce((s, z) => s + z, 0) / zs.length
    const v = zs.reduce((s, z) => s + (z - m) ** 2, 0) / zs.length
    assert.closeTo(m, 0, 0.02)
    assert.closeTo(v, 1, 0.02)
    assert.notDeepEqual(new Rng(1).nextUint32(), new Rng(2).nextUint32())
  })
})

describe("simulateBars", () => {
  it("same options and seed → identical bars; another seed → different bars", () => {
    const options = { symbols: ["AAA", "BBB", { symbol: "CCC", startPrice: 10, volatility: 0.02 }], bars: 2_000, seed: 5 }
    assert.deepStrictEqual(simulateBars(options), simulateBars(options))
    assert.notDeepEqual(simulateBars({ ...options, seed: 6 }).map((b) => b.close), simulateBars(options).map((b) => b.close))
  })

  it("a symbol's bars do not depend on the other symbols or on the chunk size", () => {
    const alone = simulateBars({ symbols: ["BBB"], bars: 3_000, seed: 3 })
    const together = simulateBars({ symbols: ["CCC", "AAA", "BBB"], bars: 3_000, seed: 3 }).filter((b) => b.symbol === "BBB")
    assert.deepStrictEqual(together, alone)
    const sim = new Simulator({ symbols: ["BBB"], bars: 3_000, seed: 3 }, 7)
    const small: Array<unknown> = []
    for (let c = sim.nextChunk(); c !== undefined; c = sim.nextChunk()) {
      assert.isTrue(c.length <= 7)
      small.push(...c)
    }
    assert.deepStrictEqual(small, alone)
  })

  it("property: every bar is valid, on the time grid, in compareBars order, opens at the previous close", () => {
    fc.assert(fc.property(
      fc.integer(),
      fc.integer({ min: 1, max: 4 }),
      fc.constantFrom(60_000, 3_600_000, 86_400_000),
      fc.option(fc.integer({ min: 0, max: 50 })),
      (seed, nSymbols, intervalMs, spread) => {
        const symbols = ["S1", "S2", "S3", "S4"].slice(0, nSymbols)
        const bars = simulateBars({
          symbols, bars: 300, seed, intervalMs, start: 1_000_000_000_000,
          ...(spread === null ? {} : { spreadBps: spread })
        })
        assert.strictEqual(bars.length, 300 * nSymbols)
        const last = new Map<string, number>()
        bars.forEach((b, i) => {
          assert.isUndefined(checkBar(b), `bar ${i}`)
          assert.isTrue(b.close > 0 && b.low >= 0)
          assert.strictEqual((b.timestamp - 1_000_000_000_000) % intervalMs, 0)
          if (i > 0) assert.isTrue(compareBars(bars[i - 1]!, b) < 0)
          const prev = last.get(b.symbol)
          if (prev !== undefined) assert.strictEqual(b.open, prev)
          last.set(b.symbol, b.close)
          if (spread !== null) {
            assert.isTrue(b.bid !== undefined && b.ask !== undefined && b.bid <= b.ask)
            assert.strictEqual(b.mid, (b.bid! + b.ask!) / 2)
          } else {
            assert.isUndefined(b.bid)
          }
        })
      }
    ), { numRuns: 60 })
  })

  it("invalid options are refused with every problem named", () => {
    assert.throws(
      () => new Simulator({ symbols: ["A", "A", "B C"], bars: -1 }),
      /symbols: invalid symbol "B C"; symbols: a symbol is listed twice; bars: expected a non-negative integer, got -1/
    )
  })
})

describe("simulatedMarketData", () => {
  it.effect("streams a million bars in chunks of at most 4,096 without holding them", () =>
    Effect.gen(function*() {
      const md = yield* MarketData
      let count = 0
      let maxChunk = 0
      let lastTs = 0
      yield* Stream.runForEachArray(md.bars, (chunk) =>
        Effect.sync(() => {
          count += chunk.length
          maxChunk = Math.max(maxChunk, chunk.length)
          lastTs = chunk[chunk.length - 1]!.timestamp
        }))
      const quality = yield* md.quality
      assert.strictEqual(count, 1_000_000)
      assert.strictEqual(maxChunk, 4_096)
      assert.strictEqual(lastTs, 1_704_067_200_000 + (250_000 - 1) * 60_000)
      assert.deepStrictEqual(quality.symbols.map((s) => [s.symbol, s.bars, s.gaps.length]), [
        ["A", 250_000, 0], ["B", 250_000, 0], ["C", 250_000, 0], ["D", 250_000, 0]
      ])
    }).pipe(Effect.provide(simulatedMarketData({ symbols: ["D", "C", "B", "A"], bars: 250_000, intervalMs: 60_000 }))))

  it.effect("the Layer emits exactly simulateBars, and runs again identically", () =>
    Effect.gen(function*() {
      const options = { symbols: ["X", "Y"], bars: 1_000, seed: 11, spreadBps: 5 }
      const layer = simulatedMarketData(options)
      const first = yield* collect(layer)
      const second = yield* collect(layer)
      assert.deepStrictEqual(first.bars, simulateBars(options))
      assert.deepStrictEqual(second.bars, first.bars)
      assert.deepStrictEqual(first.quality.symbols.map((s) => [s.bars, s.intervalMs, s.first]), [
        [1_000, 3_600_000, 1_704_067_200_000], [1_000, 3_600_000, 1_704_067_200_000]
      ])
    }))

  it.effect("invalid options fail the stream with a DataFileError", () =>
    Effect.gen(function*() {
      const error = yield* collectError(simulatedMarketData({ symbols: [], bars: 10 }))
      assert.strictEqual(error.message, "simulated: symbols: at least one symbol is needed")
    }))
})
