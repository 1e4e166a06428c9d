/**
 * The two indicator backends (issue 3, item 5): the TypeScript classes and the OCaml reference build through
 * js_of_ocaml compute the indicators of a run. They must be interchangeable:
 * - the OCaml backend covers every registry entry, and each of its instances gives bit-identical outputs (`Object.is`)
 *   to the TypeScript one on real bars, including `replace` of a forming bar;
 * - a strategy sees bit-identical indicator values on every bar with either backend, indicators created late
 *   (warmed up from the history) included;
 * - a backtest makes identical trades, orders, transitions and equity with either backend, through the library
 *   (`backtest({ indicators: "ocaml" })`) and through the CLI (`--indicators ocaml`);
 * - `runEngine` really uses the backend its `IndicatorEngine` Layer provides.
 *
 * Data: Binance BTCUSDT and ETHUSDT 1h dumps of 2022-01 (`shared/data/market/binance_spot_klines_dump`).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { backtest, type BacktestResult } from "../../src/index.ts"
import { indicatorEngineLayer } from "../../src/backtest/run.ts"
import { runCli } from "../../src/cli/main.ts"
import type { Bar } from "../../src/domain/bar.ts"
import { runEngine } from "../../src/engine/Engine.ts"
import { Execution } from "../../src/execution/Execution.ts"
import { type IndicatorBackend, IndicatorEngine, typescriptIndicatorBackend } from "../../src/indicators/IndicatorEngine.ts"
import { ocamlBackendCoverage, ocamlIndicatorBackend } from "../../src/indicators/ocaml/backend.ts"
import { defaultParams, indicatorRegistry, type IndicatorParams, type IndicatorSpec } from "../../src/indicators/registry.ts"
import { csvMarketData } from "../../src/market-data/layers.ts"
import { Strategy } from "../../src/strategy/Strategy.ts"
import { defineStrategy } from "../../src/strategy/typescript.ts"
import { parseCsvText } from "../../src/market-data/csv.ts"
import { dataFile, repoFile } from "../support/data.ts"

const dump = (file: string) => dataFile("market", "binance_spot_klines_dump", file)
const files = [dump("BTCUSDT-1h-2022-01.csv"), dump("ETHUSDT-1h-2022-01.csv")]

/** Every output of an instance after each bar, `replace` exercised on every 7th bar (provisional close first). */
const trace = (backend: IndicatorBackend, spec: IndicatorSpec, params: IndicatorParams, bars: ReadonlyArray<Bar>): Array<number> => {
  const out: Array<number> = []
  if (spec.kind === "series") {
    const field = spec.inputs[0] ?? "close"
    const ind = backend.series(spec, params)
    bars.forEach((bar, i) => {
      if (i % 7 === 3) {
        ind.update(bar[field] * 1.01)
        out.push(ind.value)
        ind.replace(bar[field])
      } else {
        ind.update(bar[field])
      }
      out.push(ind.value, ind.count, ind.isReady ? 1 : 0)
    })
  } else {
    const ind = backend.bar(spec, params)
    bars.forEach((bar, i) => {
      if (i % 7 === 3) {
        ind.updateBar({ ...bar, close: bar.low, high: bar.high * 1.001 })
        for (let o = 0; o < ind.outputs.length; o++) out.push(ind.output(o))
        ind.replaceBar(bar)
      } else {
        ind.updateBar(bar)
      }
      for (let o = 0; o < ind.outputs.length; o++) out.push(ind.output(o))
      out.push(ind.value, ind.count, ind.isReady ? 1 : 0)
    })
  }
  return out
}

const firstDifference = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): string | undefined => {
  if (a.length !== b.length) return `lengths ${a.length} vs ${b.length}`
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return `element ${i}: ${a[i]} vs ${b[i]}`
  return undefined
}

/** Parameter sets per entry: the defaults and one other. */
const otherParams: Readonly<Record<string, IndicatorParams>> = {
  macd: { fastPeriod: 5, slowPeriod: 35, signalPeriod: 5 },
  bbands: { period: 10, k: 1.5 },
  stoch: { kPeriod: 5, kSlowing: 1, dPeriod: 4 },
  vwap: { sessionMs: 4 * 3_600_000, offsetMs: 3_600_000 }
}

describe("the OCaml indicator backend", () => {
  it("covers every registry entry", () => {
    assert.deepStrictEqual([...ocamlBackendCoverage].sort(), indicatorRegistry.map((s) => s.name).sort())
  })

  it("gives bit-identical outputs to the TypeScript backend for every entry on real bars, with replace", () => {
      const bars = parseCsvText(fs.readFileSync(files[0]!), files[0]!).bars.slice(0, 400)
      assert.strictEqual(bars.length, 400)
      for (const spec of indicatorRegistry) {
        for (const params of [defaultParams(spec), otherParams[spec.name] ?? { period: 7 }]) {
          const ts = trace(typescriptIndicatorBackend, spec, params, bars)
          const ml = trace(ocamlIndicatorBackend, spec, params, bars)
          assert.isTrue(ts.some((x) => !Number.isNaN(x)), `${spec.name} produced values`)
          assert.strictEqual(firstDifference(ts, ml), undefined, `${spec.name} ${JSON.stringify(params)}`)
        }
      }
  })

  it("names its backend and refuses nothing the registry accepts at the bounds", () => {
    assert.strictEqual(ocamlIndicatorBackend.name, "ocaml")
    const sma = indicatorRegistry.find((s) => s.name === "sma")!
    if (sma.kind !== "series") throw new Error("sma is a series entry")
    const big = ocamlIndicatorBackend.series(sma, { period: 100_000 })
    assert.isTrue(Number.isNaN(big.update(1)))
  })
})

/** Every value of the IndicatorView a strategy sees, per bar and symbol; MACD/Bollinger/stochastic first asked late. */
const viewRecorder = (sink: Array<number>) =>
  defineStrategy<{ n: number }>({
    name: "recorder",
    init: () => ({ n: 0 }),
    detectOpportunity: (bar, ctx, ind) => {
      ctx.n++
      const v = (x: number | undefined) => sink.push(x ?? Number.NaN)
      v(ind.sma(20)), v(ind.ema(12)), v(ind.wma(30)), v(ind.rsi(14)), v(ind.atr(14)), v(ind.vwap()), v(ind.vwap(24))
      v(ind.high), v(ind.low), v(ind.range), v(ind.avgVolume)
      if (ctx.n > 300) {
        const m = ind.macd(12, 26, 9)
        const b = ind.bbands(20, 2)
        const s = ind.stoch(14, 3, 3)
        v(m?.macd), v(m?.signal), v(m?.histogram), v(b?.upper), v(b?.middle), v(b?.lower), v(s?.k), v(s?.d)
      }
      void bar
      return undefined
    },
    filterCommitment: () => undefined,
    managePosition: () => undefined
  })

const runWith = (backend: "typescript" | "ocaml", strategy: string | ReturnType<typeof viewRecorder>) =>
  backtest({ data: { files, format: "binance" }, strategy, indicators: backend, initialCash: 10_000, commissionRate: 0.001 })

const assertSameRun = (a: BacktestResult, b: BacktestResult): void => {
  assert.deepStrictEqual(b.trades, a.trades)
  assert.deepStrictEqual(b.orders, a.orders)
  assert.deepStrictEqual(b.transitions, a.transitions)
  assert.deepStrictEqual(b.equity, a.equity)
  assert.deepStrictEqual(b.metrics, a.metrics)
  assert.deepStrictEqual(b.failures, a.failures)
}

describe("a backtest with either backend", () => {
  it.effect("shows a strategy bit-identical values on every bar (indicators created late included)", () =>
    Effect.gen(function*() {
      const ts: Array<number> = []
      const ml: Array<number> = []
      yield* runWith("typescript", viewRecorder(ts))
      yield* runWith("ocaml", viewRecorder(ml))
      assert.isAbove(ts.length, 2 * 744 * 11)
      assert.isAbove(ts.filter((x) => !Number.isNaN(x)).length, ts.length * 0.9)
      assert.strictEqual(firstDifference(ts, ml), undefined)
    }))

  it.effect.each(["macd_trend.lua", "bollinger_reversion.lua", "ema_crossover.lua"])(
    "%s makes identical trades, orders, transitions and equity",
    (file) =>
      Effect.gen(function*() {
        const a = yield* runWith("typescript", repoFile("strategies", file))
        const b = yield* runWith("ocaml", repoFile("strategies", file))
        assert.isAbove(a.trades.length, 10)
        assertSameRun(a, b)
      })
  )

  it.effect("runEngine computes with the backend its IndicatorEngine Layer provides", () =>
    Effect.gen(function*() {
      const created: Array<string> = []
      const counting: IndicatorBackend = {
        name: "typescript",
        series: (spec, params) => (created.push(spec.name), typescriptIndicatorBackend.series(spec, params)),
        bar: (spec, params) => (created.push(spec.name), typescriptIndicatorBackend.bar(spec, params))
      }
      const layers = Layer.mergeAll(
        csvMarketData({ files, format: "binance", badRows: "fail" }),
        Strategy.layer(viewRecorder([])),
        Execution.layerSimulated({ commissionRate: 0.001 })
      )
      yield* runEngine({ initialCash: 10_000 }).pipe(
        Effect.provide(Layer.mergeAll(layers, Layer.succeed(IndicatorEngine, counting)))
      )
      // Per symbol: sma, ema, wma, rsi, atr, vwap, vwap_rolling, then macd, bbands, stoch.
      assert.deepStrictEqual([...created].sort(), [...Array(2)].flatMap(() =>
        ["sma", "ema", "wma", "rsi", "atr", "vwap", "vwap_rolling", "macd", "bbands", "stoch"]).sort())
      const backend = yield* IndicatorEngine.pipe(Effect.provide(indicatorEngineLayer("ocaml")))
      assert.strictEqual(backend.name, "ocaml")
      assert.strictEqual((yield* IndicatorEngine).name, "typescript", "the default without a Layer")
    }))
})

describe("trading-engine backtest --indicators", () => {
  it("writes the same result.json with --indicators ocaml as with the default", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "te-backends-"))
    const out: Array<string> = []
    const io = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void out.push(t), interactive: false }
    const args = ["backtest", "--data", ...files, "--strategy", repoFile("strategies", "macd_trend.lua"), "--quiet"]
    assert.strictEqual(await runCli([...args, "--out", path.join(dir, "ts")], io), 0)
    assert.strictEqual(await runCli([...args, "--indicators", "ocaml", "--out", path.join(dir, "ml")], io), 0)
    const text = out.join("")
    assert.include(text, "typescript indicators")
    assert.include(text, "ocaml indicators")
    const a = fs.readFileSync(path.join(dir, "ts", "result.json"), "utf8")
    const b = fs.readFileSync(path.join(dir, "ml", "result.json"), "utf8")
    assert.isAbove((JSON.parse(a) as BacktestResult).trades.length, 10)
    assert.strictEqual(b, a)
    fs.rmSync(dir, { recursive: true, force: true })
  })
})
