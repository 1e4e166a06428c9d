/**
 * A backtest through the library API, end to end and offline:
 *
 * 1. `strategies/ema_crossover.lua` over the bundled fixtures `fixtures/sim/*.csv` with {@link backtest};
 * 2. the summary table and the first trades;
 * 3. the same rules written in TypeScript (`strategies/ema_crossover.ts`), run through the one pipeline
 *    {@link runEngine} with explicit Layers, and a check that both runs made exactly the same trades.
 *
 * Run from the repository root: `npx tsx examples/backtest.ts` (exit code 1 if the two runs differ).
 */
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect, Layer } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { emaCrossover } from "../strategies/ema_crossover.ts"
import {
  backtest,
  type BacktestResult,
  csvMarketData,
  Execution,
  formatSummaryTable,
  runEngine,
  Strategy,
  type Trade
} from "../src/index.ts"

// Paths relative to this file, so the example runs from any working directory.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const fixtureDir = path.join(root, "fixtures", "sim")
const files = fs.readdirSync(fixtureDir).filter((f) => f.endsWith(".csv")).sort().map((f) => path.join(fixtureDir, f))
const luaStrategy = path.join(root, "strategies", "ema_crossover.lua")

const account = { initialCash: 10_000, commissionRate: 0.001 }

const time = (ms: number): string => new Date(ms).toISOString().slice(0, 16).replace("T", " ")

/** The first `n` trades as a small fixed-width table. */
const tradeTable = (trades: ReadonlyArray<Trade>, n: number): string => {
  const header = ["#", "symbol", "side", "entry (UTC)", "entry", "exit (UTC)", "exit", "pnl", "exit reason"]
  const rows = trades.slice(0, n).map((t) => [
    String(t.id),
    t.symbol,
    t.side,
    time(t.entryTime),
    t.entryPrice.toFixed(2),
    time(t.exitTime),
    t.exitPrice.toFixed(2),
    t.pnl.toFixed(2),
    t.exitReason
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: ReadonlyArray<string>) => cells.map((c, i) => (i <= 3 || i === 5 || i === 8 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd()
  return [line(header), ...rows.map(line)].join("\n")
}

/** Trades without anything that names the strategy, for comparing two runs. */
const tradeKey = (r: BacktestResult): string => JSON.stringify(r.trades)

const program = Effect.gen(function*() {
  // 1. The Lua strategy, with the Layers `backtest` chooses (CSV files, Lua file, simulated fills).
  const lua = yield* backtest({ data: { files }, strategy: luaStrategy, ...account })
  yield* Console.log(formatSummaryTable(lua))
  yield* Console.log(`\nFirst trades of ${lua.trades.length}:\n${tradeTable(lua.trades, 5)}`)

  // 2. The TypeScript strategy, through the pipeline itself with explicit Layers. A live run swaps
  //    csvMarketData for queueMarketData(queue) and nothing else.
  const ts = yield* runEngine({ initialCash: account.initialCash }).pipe(
    Effect.provide(Layer.mergeAll(
      csvMarketData({ files }),
      Strategy.layer(emaCrossover()),
      Execution.layerSimulated({ commissionRate: account.commissionRate })
    ))
  )
  yield* Console.log(`\nTypeScript strategy ${ts.strategy}: ${ts.trades.length} trades, final equity ${ts.metrics.finalEquity.toFixed(2)}`)

  if (tradeKey(ts) !== tradeKey(lua) || ts.metrics.finalEquity !== lua.metrics.finalEquity) {
    return yield* Effect.fail(new Error(`the Lua and TypeScript strategies made different trades (${lua.trades.length} vs ${ts.trades.length})`))
  }
  yield* Console.log("Lua and TypeScript strategies made identical trades.")
})

NodeRuntime.runMain(program)
