/**
 * `npm run bench`: end-to-end backtest throughput, measured as ratios against a plain loop in the same run.
 *
 * Over the same pre-generated simulated bars (default 1,000,000: 2 symbols × 500,000 hourly bars):
 * - baseline: a plain `for` loop computing EMA(12)/EMA(26) crossover entries and exits with next-open fills and
 *   commission (no engine, no strategy interface): the physical floor;
 * - (a) the engine with the TypeScript EMA-crossover strategy (`strategies/ema_crossover.ts`);
 * - (b) the engine with the Lua EMA-crossover strategy (`strategies/ema_crossover.lua`) on fengari;
 * - (c) (a) again including bar generation by the simulated `MarketData` Layer;
 * - (d) (a) with the OCaml indicator backend (js_of_ocaml build) instead of the TypeScript classes;
 * - (e) a TypeScript strategy that reads ten indicators every bar (SMA, EMA, WMA, RSI, ATR, MACD, BBANDS, STOCH,
 *   session and rolling VWAP) and never trades, so the indicator work dominates; (f) the same on the OCaml backend;
 * - (g) (a) with the full execution and risk path: maker/taker commission with a minimum, slippage, the spread,
 *   a volume participation cap, instrument rules (tick, lot step, minimum notional) and risk limits checked on every
 *   entry and every timestamp (sizing by stop distance, open positions, exposure, daily loss, drawdown), loose
 *   enough that trading goes on (issue 5: must stay ≥ 2M bars/s).
 *
 * Each case runs `--runs` times (default 3) and the best run is reported (the machine is shared and noisy).
 * Prints a Markdown table; paste it into BENCHMARKS.md with the machine description it prints.
 *
 * Run: `npm run bench -- [--bars 1000000] [--runs 3] [--only baseline,a,g]` (`--only`: a comma-separated list of case
 * letters, `baseline` for the plain loop; all cases by default).
 */
import { Effect, Layer, Stream } from "effect"
import * as os from "node:os"
import { emaCrossover } from "../strategies/ema_crossover.ts"
import type { Bar } from "../src/domain/bar.ts"
import type { IndicatorView, StrategyDefinition } from "../src/domain/strategy.ts"
import { indicatorEngineLayer } from "../src/backtest/run.ts"
import type { IndicatorBackendName } from "../src/indicators/IndicatorEngine.ts"
import { defineStrategy } from "../src/strategy/typescript.ts"
import { runEngine } from "../src/engine/Engine.ts"
import { Execution } from "../src/execution/Execution.ts"
import type { FillModelConfig } from "../src/execution/fill-model.ts"
import { instrumentSpec } from "../src/execution/instrument.ts"
import type { RiskConfig } from "../src/risk/risk-manager.ts"
import { simulatedMarketData } from "../src/market-data/layers.ts"
import { MarketData } from "../src/market-data/MarketData.ts"
import { simulateBars } from "../src/market-data/simulated.ts"
import { compileLuaStrategy } from "../src/strategy/lua/host.ts"
import { Strategy } from "../src/strategy/Strategy.ts"
import { readFileSync } from "node:fs"

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}
const totalBars = arg("bars", 1_000_000)
const runs = arg("runs", 3)
const symbols = ["SIM-A", "SIM-B"]
const perSymbol = Math.floor(totalBars / symbols.length)
const simOptions = { symbols, bars: perSymbol, seed: 7 }

const bars: ReadonlyArray<Bar> = simulateBars(simOptions)

/** The floor: EMA crossover with next-open fills, written as one loop over the bars. */
const plainLoop = (input: ReadonlyArray<Bar>): number => {
  const kFast = 2 / 13
  const kSlow = 2 / 27
  const state = new Map<string, { n: number; sumF: number; sumS: number; f: number; s: number; prev: number; pending: number; qty: number }>()
  let cash = 10_000
  let trades = 0
  for (let i = 0; i < input.length; i++) {
    const b = input[i]!
    let st = state.get(b.symbol)
    if (st === undefined) {
      st = { n: 0, sumF: 0, sumS: 0, f: NaN, s: NaN, prev: NaN, pending: 0, qty: 0 }
      state.set(b.symbol, st)
    }
    if (st.pending === 1) {
      st.qty = (cash * 0.45) / b.open
      cash -= st.qty * b.open * 1.001
    } else if (st.pending === -1) {
      cash += st.qty * b.open * 0.999
      st.qty = 0
      trades++
    }
    st.pending = 0
    const c = b.close
    st.n++
    if (st.n <= 12) {
      st.sumF += c
      if (st.n === 12) st.f = st.sumF / 12
    } else st.f = (c - st.f) * kFast + st.f
    if (st.n <= 26) {
      st.sumS += c
      if (st.n === 26) st.s = st.sumS / 26
    } else st.s = (c - st.s) * kSlow + st.s
    const diff = st.f - st.s
    if (st.qty === 0 && st.prev <= 0 && diff > 0) st.pending = 1
    else if (st.qty > 0 && diff < 0) st.pending = -1
    st.prev = diff
  }
  return trades + cash * 0
}

const fromArray = (input: ReadonlyArray<Bar>): Layer.Layer<MarketData> =>
  Layer.succeed(MarketData, MarketData.of({
    bars: Stream.fromArray(input).pipe(Stream.rechunk(4096)),
    quality: Effect.succeed({ symbols: [], skippedRows: 0, skippedSamples: [] })
  }))

const engineRun = (
  definition: StrategyDefinition,
  data: Layer.Layer<MarketData>,
  indicators: IndicatorBackendName = "typescript",
  venue: FillModelConfig = { commissionRate: 0.001 },
  risk?: RiskConfig
) =>
  Effect.runPromise(runEngine({ initialCash: 10_000, risk }).pipe(
    Effect.provide(Layer.mergeAll(
      data,
      Strategy.layer(definition),
      Execution.layerSimulated(venue),
      indicatorEngineLayer(indicators)
    ))
  ))

/** The full simulated venue and risk layer of case (g). */
const fullVenue: FillModelConfig = {
  commission: { takerRate: 0.001, makerRate: 0.0008, minimum: 0.01 },
  slippage: { kind: "bps", bps: 2 },
  spread: true,
  maxParticipation: 0.5,
  instruments: symbols.map((symbol) => instrumentSpec({ symbol, tickSize: 0.01, stepSize: 0.0001, minQuantity: 0.0001, minNotional: 5 }))
}
const fullRisk: RiskConfig = { riskPerTrade: 0.02, maxPositionNotional: 5_000, maxOpenPositions: 2, maxGrossExposure: 2, dailyLossLimit: 0.5, maxDrawdown: 0.9 }

/** Reads ten indicators per bar and never trades: the indicator backend's cost dominates. */
const indicatorHeavy = (): StrategyDefinition => {
  let sink = 0
  const read = (ind: IndicatorView): undefined => {
    sink += (ind.sma(20) ?? 0) + (ind.ema(12) ?? 0) + (ind.wma(30) ?? 0) + (ind.rsi(14) ?? 0) + (ind.atr(14) ?? 0)
    sink += (ind.macd(12, 26, 9)?.histogram ?? 0) + (ind.bbands(20, 2)?.upper ?? 0) + (ind.stoch(14, 3, 3)?.k ?? 0)
    sink += (ind.vwap() ?? 0) + (ind.vwap(24) ?? 0)
    return undefined
  }
  return defineStrategy({
    name: "indicator-heavy",
    detectOpportunity: (_bar, _ctx, ind) => read(ind),
    filterCommitment: () => undefined,
    managePosition: () => undefined
  })
}

interface Case {
  readonly name: string
  readonly run: () => Promise<number>
}

const luaSource = readFileSync(new URL("../strategies/ema_crossover.lua", import.meta.url), "utf8")

const cases: ReadonlyArray<Case> = [
  { name: "baseline: plain loop, EMA cross + next-open fills", run: async () => plainLoop(bars) },
  { name: "(a) engine + TypeScript EMA crossover", run: async () => (await engineRun(emaCrossover(), fromArray(bars))).trades.length },
  { name: "(b) engine + Lua EMA crossover (fengari)", run: async () => (await engineRun(compileLuaStrategy(luaSource, "ema_crossover.lua"), fromArray(bars))).trades.length },
  { name: "(c) = (a) + simulated bar generation", run: async () => (await engineRun(emaCrossover(), simulatedMarketData(simOptions))).trades.length },
  { name: "(d) = (a) with OCaml indicators (js_of_ocaml)", run: async () => (await engineRun(emaCrossover(), fromArray(bars), "ocaml")).trades.length },
  { name: "(e) engine + TS strategy reading 10 indicators", run: async () => (await engineRun(indicatorHeavy(), fromArray(bars))).trades.length },
  { name: "(f) = (e) with OCaml indicators (js_of_ocaml)", run: async () => (await engineRun(indicatorHeavy(), fromArray(bars), "ocaml")).trades.length },
  {
    name: "(g) = (a) with the full execution and risk path",
    run: async () => (await engineRun(emaCrossover(), fromArray(bars), "typescript", fullVenue, fullRisk)).trades.length
  }
]

const onlyIndex = process.argv.indexOf("--only")
const only = onlyIndex >= 0 ? new Set((process.argv[onlyIndex + 1] ?? "").split(",").map((s) => s.trim())) : undefined
/** A case's key for `--only`: `baseline`, or its letter. */
const caseKey = (name: string): string => (name.startsWith("baseline") ? "baseline" : (/^\((\w)\)/.exec(name)?.[1] ?? name))
// The baseline always runs: every other case is reported as a ratio to it.
const selected = cases.filter((c) => only === undefined || caseKey(c.name) === "baseline" || only.has(caseKey(c.name)))

const results: Array<{ name: string; seconds: number; trades: number }> = []
for (const c of selected) {
  let best = Infinity
  let trades = 0
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now()
    trades = await c.run()
    best = Math.min(best, (performance.now() - t0) / 1000)
  }
  results.push({ name: c.name, seconds: best, trades })
  process.stderr.write(`${c.name}: ${(bars.length / best / 1e6).toFixed(2)}M bars/s\n`)
}

const baseline = results[0]!.seconds
const fmt = (n: number): string => Math.round(n).toLocaleString("en-US")
console.log(`Machine: ${os.cpus()[0]?.model ?? "unknown CPU"}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`)
console.log(`Command: npm run bench:engine -- --bars ${totalBars} --runs ${runs} (best of ${runs}; ${bars.length.toLocaleString("en-US")} bars, ${symbols.length} symbols)\n`)
console.log("| Case | bars/s | ns/bar | × baseline time | trades |")
console.log("|---|---:|---:|---:|---:|")
for (const r of results) {
  console.log(`| ${r.name} | ${fmt(bars.length / r.seconds)} | ${((r.seconds / bars.length) * 1e9).toFixed(0)} | ${(r.seconds / baseline).toFixed(1)} | ${r.trades} |`)
}
