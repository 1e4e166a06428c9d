/**
 * The one pipeline. `runEngine` reads bars from `MarketData`, runs the strategy from `Strategy` through the trade
 * machine (its indicators computed by the `IndicatorEngine` backend, TypeScript by default) and the risk rules of the
 * run's settings, fills with `Execution` (the simulated venue: order books, fill model, costs, instrument rules), and
 * returns the result. New versions of the strategy from `StrategyReloads` (hot reload; none by default) are
 * swapped in between two chunks of bars. Historical and live runs differ only in the Layers
 * provided: this module imports service interfaces, never adapters.
 *
 * The hot loop is the synchronous {@link EngineCore}; Effects wrap whole chunks of bars (`Stream.runForEachArray`),
 * never single bars.
 *
 * @module
 */
import { Effect, Stream } from "effect"
import { ConfigError, type MarketDataError } from "../domain/errors.ts"
import type { BacktestResult } from "../backtest/result.ts"
import type { Bar } from "../domain/bar.ts"
import { Execution } from "../execution/Execution.ts"
import { IndicatorEngine } from "../indicators/IndicatorEngine.ts"
import { MarketData } from "../market-data/MarketData.ts"
import { Strategy } from "../strategy/Strategy.ts"
import { type StrategyReload, StrategyReloads } from "../strategy/StrategyReloads.ts"
import { checkRiskConfig } from "../risk/risk-manager.ts"
import { checkMarginConfig } from "../portfolio/portfolio.ts"
import { EngineConfigError, EngineCore, type EngineSettings } from "./core.ts"

/** Settings of a run, plus an optional progress callback called after each chunk with the bars processed so far. */
export interface RunOptions extends EngineSettings {
  readonly onProgress?: ((barsProcessed: number) => void) | undefined
}

/** Runs one chunk; a configuration problem met on the way (a symbol without an instrument spec) is a `ConfigError`. */
const runChunk = (core: EngineCore, chunk: ReadonlyArray<Bar>): Effect.Effect<void, ConfigError> =>
  Effect.suspend(() => {
    try {
      core.processChunk(chunk)
      return Effect.void
    } catch (e) {
      if (e instanceof EngineConfigError) return Effect.fail(new ConfigError({ field: e.field, reason: e.reason }))
      throw e
    }
  })

/**
 * Runs the pipeline to the end of the market data and returns the result. Invalid risk settings, or a symbol the
 * venue cannot trade (instrument specs given, none for it), fail with a `ConfigError` naming the field.
 */
export const runEngine = Effect.fn("Engine.run")(function*(options: RunOptions) {
  if (options.risk !== undefined) {
    const problem = checkRiskConfig(options.risk)
    if (problem !== undefined) return yield* new ConfigError({ field: `risk.${problem.field}`, reason: problem.reason })
  }
  if (options.margin !== undefined) {
    const problem = checkMarginConfig(options.margin)
    if (problem !== undefined) return yield* new ConfigError({ field: problem.field, reason: problem.reason })
  }
  const marketData = yield* MarketData
  const strategy = yield* Strategy
  const execution = yield* Execution
  const indicatorBackend = yield* IndicatorEngine
  const core = yield* Effect.acquireRelease(
    Effect.sync(() => new EngineCore(strategy.definition, execution.fillModel, options, indicatorBackend)),
    (core) => Effect.sync(() => core.dispose())
  )
  const onProgress = options.onProgress
  // Hot reload: new versions arrive on their own fiber and are swapped in between two chunks (a bar boundary).
  const reloads = yield* StrategyReloads
  const pendingReloads: Array<StrategyReload> = []
  yield* Effect.forkScoped(Stream.runForEach(reloads.updates, (reload) => Effect.sync(() => {
    pendingReloads.push(reload)
  })))
  const applyReload = (): void => {
    if (pendingReloads.length === 0) return
    // In arrival order, so every refused version is reported; the last valid one is what runs next.
    for (const reload of pendingReloads.splice(0)) {
      if (reload._tag === "Loaded") core.reloadStrategy(reload.definition, reload.source)
      else core.reloadFailed(reload.source, reload.error.message)
    }
  }
  // Strategy failures are recorded in the result and logged when they happen (one check per chunk, not per bar).
  const logFailures = Effect.suspend(() => {
    const fresh = core.takeNewFailures()
    return fresh.length === 0 ? Effect.void : Effect.forEach(fresh, (f) =>
      Effect.logWarning(`strategy failure on ${f.symbol}: ${f.message}; the symbol opens no new positions`), { discard: true })
  })
  yield* Stream.runForEachArray(marketData.bars, (chunk) =>
    Effect.sync(applyReload).pipe(
      Effect.andThen(runChunk(core, chunk)),
      Effect.andThen(Effect.sync(() => {
        if (onProgress !== undefined) onProgress(core.barsProcessed)
      })),
      Effect.andThen(logFailures)
    ))
  const quality = yield* marketData.quality
  return core.finish(quality)
}, Effect.scoped) as (options: RunOptions) => Effect.Effect<BacktestResult, MarketDataError | ConfigError, MarketData | Strategy | Execution>
