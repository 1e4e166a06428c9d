import { describe, expect, it } from "vitest"
import { bar, type Bar, SymbolName } from "../../src/domain/bar.ts"
import { EngineCore } from "../../src/engine/core.ts"
import type { DataQualityReport } from "../../src/market-data/MarketData.ts"
import { act, scripted } from "../support/scripted.ts"

const H = 3_600_000
const noQuality: DataQualityReport = { symbols: [], skippedRows: 0, skippedSamples: [] }

/** Two symbols, `n` bars each, with prices that are not short decimals (and a -0 and a NaN-free irregular path). */
const series = (n: number): Array<Bar> => {
  const out: Array<Bar> = []
  for (let i = 0; i < n; i++) {
    for (const [s, f] of [["AAA", 1], ["BBB", 3]] as const) {
      const close = 100 + Math.sin(i / 7) * 10 * f + i * 1e-7
      out.push(bar({ symbol: SymbolName(s), timestamp: i * H, open: close - 0.1 / 3, high: close + 1 / 3, low: close - 2 / 3, close, volume: 5 }))
    }
  }
  return out
}

const strategy = () => scripted((phase, b) => {
  const hour = b.timestamp / H
  if (phase === "Watch" && hour % 50 === 0) return act({ action: "enter_long", quantity: 0.3 })
  if (phase === "InTrade" && hour % 50 === 20) return act({ action: "exit", reason: "done" })
  return undefined
})

const run = (input: ReadonlyArray<Bar>) => {
  const core = new EngineCore(strategy(), { commissionRate: 0.001 }, { initialCash: 10_000 })
  for (let i = 0; i < input.length; i += 1000) core.processChunk(input.slice(i, i + 1000))
  return core.finish(noQuality)
}

describe("recorded series (prices, equity) across storage chunks", () => {
  // More bars per symbol than the largest storage chunk, so the series span several chunks.
  const input = series(140_000)

  it("hold every bar's OHLC and every equity point exactly, in order", () => {
    const r = run(input)
    for (const p of r.prices) {
      const own = input.filter((b) => b.symbol === p.symbol)
      expect(p.timestamps).toEqual(own.map((b) => b.timestamp))
      expect(p.open).toEqual(own.map((b) => b.open))
      expect(p.high).toEqual(own.map((b) => b.high))
      expect(p.low).toEqual(own.map((b) => b.low))
      expect(p.close).toEqual(own.map((b) => b.close))
    }
    expect(r.equity.timestamps).toEqual(Array.from({ length: 140_000 }, (_, i) => i * H))
    expect(r.equity.equity).toHaveLength(140_000)
    expect(r.trades.length).toBeGreaterThan(100)
  })

  it("are the same when a later run reuses the storage of a finished one", () => {
    const first = run(input)
    const second = run(input)
    expect(second).toEqual(first)
  })
})
