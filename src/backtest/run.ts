/**
 * The library's front door for backtests: describe the data, the strategy and the account, get a result.
 *
 * ```ts
 * import { Effect } from "effect"
 * import { backtest } from "trading-engine"
 *
 * const result = await Effect.runPromise(backtest({
 *   data: { files: ["BTCUSDT-1h-2022-01.csv"] },
 *   strategy: "strategies/ema_crossover.lua",
 *   initialCash: 10_000,
 *   commissionRate: 0.001
 * }))
 * console.log(result.metrics.totalReturn)
 * ```
 *
 * The simulated venue and the risk rules are chosen by config too:
 *
 * ```ts
 * backtest({
 *   data: { files: ["BTCUSDT-1h-2022-01.csv"] },
 *   strategy: "strategies/ema_crossover.lua",
 *   execution: { commission: { takerRate: 0.001, makerRate: 0.0008 }, slippage: { kind: "bps", bps: 2 }, maxParticipation: 0.1 },
 *   risk: { riskPerTrade: 0.01, maxDrawdown: 0.2, flattenOnKill: true }
 * })
 * ```
 *
 * It only chooses Layers (CSV or simulated data, a Lua or TypeScript strategy, simulated execution) and hands them to
 * the one pipeline, {@link runEngine}; live runs provide other Layers to the same pipeline.
 *
 * @module
 */
import { Effect, Layer } from "effect"
import { ConfigError, type MarketDataError, type StrategyError } from "../domain/errors.ts"
import type { StrategyParamValue } from "../domain/params.ts"
import type { StrategyDefinition } from "../domain/strategy.ts"
import { runEngine, type RunOptions } from "../engine/Engine.ts"
import { Execution } from "../execution/Execution.ts"
import type { FillModelConfig } from "../execution/fill-model.ts"
import { type IndicatorBackendName, IndicatorEngine, typescriptIndicatorBackend } from "../indicators/IndicatorEngine.ts"
import { csvMarketData, simulatedMarketData } from "../market-data/layers.ts"
import type { BadRowPolicy } from "../market-data/MarketData.ts"
import type { LuaStrategyOptions } from "../strategy/lua/host.ts"
import { isStrategyModule } from "../strategy/module.ts"
import { Strategy } from "../strategy/Strategy.ts"
import type { BacktestResult } from "./result.ts"

/** Where the bars come from. */
export type DataSpec =
  | {
    readonly files: ReadonlyArray<string>
    readonly format?: "auto" | "binance" | "ohlcv" | undefined
    readonly symbol?: string | undefined
    readonly badRows?: BadRowPolicy | undefined
    /** Only bars opening at or after this time (ms, inclusive). */
    readonly from?: number | undefined
    /** Only bars opening before this time (ms, exclusive). */
    readonly to?: number | undefined
    /** `common`: only the period every symbol covers (default `all`). */
    readonly period?: "all" | "common" | undefined
  }
  | {
    readonly simulate: ReadonlyArray<string>
    readonly bars: number
    readonly seed?: number | undefined
    readonly intervalMs?: number | undefined
  }

/** A backtest: data, strategy (a Lua file path or a definition), account and fill settings. */
export interface BacktestSpec extends Omit<RunOptions, "initialCash"> {
  readonly data: DataSpec
  /**
   * A Lua script (`strategies/ema_crossover.lua`), a TypeScript or JavaScript module exporting a definition
   * (`strategies/ema_crossover.ts`, or `file.ts#exportName`), or a definition built in code.
   */
  readonly strategy: string | StrategyDefinition
  readonly initialCash?: number | undefined
  /** Commission per fill as a fraction of notional. Default 0.001 (0.1%). `execution.commission(Rate)` overrides it. */
  readonly commissionRate?: number | undefined
  /**
   * The simulated venue (see `FillModelConfig` and docs/execution.md): commission schedule, slippage, spread, where
   * market orders fill, the intrabar rule, the volume participation cap, instrument specs. Defaults: next-bar-open
   * fills, `commissionRate`, no slippage, spread or cap, the conservative intrabar rule. An invalid field fails the
   * run with a `ConfigError` naming it. (`risk`, the account's risk rules, is a run setting: see `EngineSettings`.)
   */
  readonly execution?: FillModelConfig | undefined
  /**
   * Which implementation computes the indicators: `"typescript"` (default, fastest) or `"ocaml"` (the OCaml
   * reference library through js_of_ocaml; identical values, an independent cross-check of a run).
   */
  readonly indicators?: IndicatorBackendName | undefined
  /**
   * Overrides of the parameters a Lua strategy declares (`param("fast", { default = 12, ... })`): values, or text read
   * by the declared type as from `--param fast=12`. For a TypeScript definition, build it with its parameters instead.
   */
  readonly params?: Readonly<Record<string, StrategyParamValue>> | undefined
  /**
   * The sandbox of a Lua strategy file: instruction and wall-clock budgets per call, the string cap, worker isolation
   * with its memory cap, coroutines (see `LuaStrategyOptions` and docs/strategy-guide.md). Defaults: in-process,
   * 1,000,000 instructions per call (`DEFAULT_INSTRUCTION_LIMIT`).
   */
  readonly lua?: LuaSandboxOptions | undefined
}

/** The {@link LuaStrategyOptions} a backtest may set (the rest is chosen by the run). */
export type LuaSandboxOptions = Pick<
  LuaStrategyOptions,
  "instructionLimit" | "timeoutMs" | "maxStringBytes" | "isolation" | "memoryLimitMb" | "coroutines"
>

/**
 * The Layer of an indicator backend. The OCaml build is imported only when asked for, so runs on the default backend
 * never load it.
 */
export const indicatorEngineLayer = (name: IndicatorBackendName): Layer.Layer<never> =>
  name === "ocaml"
    ? Layer.unwrap(Effect.promise(() => import("../indicators/ocaml/backend.ts")).pipe(
      Effect.map((m) => m.ocamlIndicatorEngine)
    ))
    : Layer.succeed(IndicatorEngine, typescriptIndicatorBackend)

/** Runs a backtest and returns its result. */
export const backtest = (spec: BacktestSpec): Effect.Effect<BacktestResult, MarketDataError | StrategyError | ConfigError> => {
  const data = spec.data
  const marketData = "files" in data
    ? csvMarketData({
      files: data.files,
      format: data.format ?? "auto",
      ...(data.symbol !== undefined ? { symbol: data.symbol } : {}),
      badRows: data.badRows ?? "fail",
      ...(data.from !== undefined ? { from: data.from } : {}),
      ...(data.to !== undefined ? { to: data.to } : {}),
      ...(data.period !== undefined ? { period: data.period } : {})
    })
    : simulatedMarketData({
      symbols: data.simulate,
      bars: data.bars,
      ...(data.seed !== undefined ? { seed: data.seed } : {}),
      ...(data.intervalMs !== undefined ? { intervalMs: data.intervalMs } : {})
    })
  if (typeof spec.strategy !== "string" && spec.lua !== undefined && Object.keys(spec.lua).length > 0) {
    return Effect.fail(new ConfigError({ field: "lua", reason: "sandbox options apply to a Lua strategy file, not to a TypeScript definition" }))
  }
  if (typeof spec.strategy !== "string" && spec.params !== undefined && Object.keys(spec.params).length > 0) {
    return Effect.fail(new ConfigError({
      field: "params",
      reason: "parameter overrides apply to a Lua strategy file; build a TypeScript definition with its parameters instead"
    }))
  }
  const params = spec.params !== undefined ? { params: spec.params } : {}
  if (typeof spec.strategy === "string" && isStrategyModule(spec.strategy) && spec.lua !== undefined && Object.keys(spec.lua).length > 0) {
    return Effect.fail(new ConfigError({ field: "lua", reason: `sandbox options apply to a Lua strategy file, not to ${spec.strategy}` }))
  }
  const strategy = typeof spec.strategy !== "string"
    ? Strategy.layer(spec.strategy)
    : isStrategyModule(spec.strategy)
    ? Strategy.layerModule(spec.strategy, params)
    : Strategy.layerLua(spec.strategy, { ...spec.lua, ...params })
  const venue = spec.execution ?? {}
  const execution = Execution.layerSimulated({
    ...venue,
    commissionRate: venue.commissionRate ?? spec.commissionRate ?? 0.001
  })
  return runEngine({ ...spec, initialCash: spec.initialCash ?? 10_000 }).pipe(
    Effect.provide(Layer.mergeAll(marketData, strategy, execution, indicatorEngineLayer(spec.indicators ?? "typescript")))
  )
}
