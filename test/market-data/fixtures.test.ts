/**
 * The committed quick-start data set must be exactly what the generator produces (so it cannot go stale), must read
 * back to the simulated bars, and must trend enough for an EMA(12/26) crossover to trade, without being a money machine.
 */
import { readFileSync } from "node:fs"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { renderSimFixtures, SIM_FIXTURE_OPTIONS } from "../../src/market-data/fixtures.ts"
import { csvMarketData } from "../../src/market-data/layers.ts"
import { simulateBars } from "../../src/market-data/simulated.ts"
import { repoFile } from "../support/data.ts"
import { collect, symbolQuality } from "./helpers.ts"

/** Upward crosses of EMA(fast) over EMA(slow), both seeded with the first close. */
const upCrosses = (closes: ReadonlyArray<number>, fast = 12, slow = 26): number => {
  let ef = closes[0]!
  let es = closes[0]!
  let prev = 0
  let crosses = 0
  closes.forEach((c, i) => {
    ef += (2 / (fast + 1)) * (c - ef)
    es += (2 / (slow + 1)) * (c - es)
    const diff = ef - es
    if (i > slow && prev <= 0 && diff > 0) crosses++
    prev = diff
  })
  return crosses
}

describe("fixtures/sim", () => {
  it("the committed files are byte-identical to a fresh generation (run scripts/generate-fixtures.ts)", () => {
    const fixtures = renderSimFixtures()
    assert.deepStrictEqual(fixtures.map((f) => f.path), ["fixtures/sim/SIM-A_1h.csv", "fixtures/sim/SIM-B_1h.csv"])
    for (const f of fixtures) {
      const committed = readFileSync(repoFile(f.path), "utf8")
      assert.isTrue(committed === f.content, `${f.path} is stale: run npx tsx scripts/generate-fixtures.ts`)
    }
  })

  it.effect("they read back to the simulated bars: 5,000 hourly bars each, no gaps", () =>
    Effect.gen(function*() {
      const files = renderSimFixtures().map((f) => repoFile(f.path))
      const { bars, quality } = yield* collect(csvMarketData({ files }))
      assert.deepStrictEqual(bars, simulateBars(SIM_FIXTURE_OPTIONS))
      for (const symbol of ["SIM-A", "SIM-B"]) {
        const q = symbolQuality(quality, symbol)
        assert.deepStrictEqual([q.bars, q.intervalMs, q.gaps.length, q.zeroVolumeBars], [5_000, 3_600_000, 0, 0])
      }
    }))

  it("they trend mildly: an EMA(12/26) crossover sees roughly one upward cross every 30–80 bars", () => {
    const bars = simulateBars(SIM_FIXTURE_OPTIONS)
    for (const symbol of ["SIM-A", "SIM-B"]) {
      const crosses = upCrosses(bars.filter((b) => b.symbol === symbol).map((b) => b.close))
      assert.isTrue(crosses >= 60 && crosses <= 170, `${symbol}: ${crosses} upward crosses`)
    }
  })
})
