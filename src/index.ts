/**
 * trading-engine: the public library surface.
 *
 * One pipeline ({@link runEngine}) runs a strategy over bars from a `MarketData` service, fills its orders with an
 * `Execution` service and returns a {@link BacktestResult}. {@link backtest} picks the usual Layers for a historical
 * run (CSV files or seeded simulated bars, a Lua file or a TypeScript definition, simulated fills):
 *
 * ```ts
 * import { Effect } from "effect"
 * import { backtest, formatSummaryTable } from "trading-engine"
 *
 * const result = await Effect.runPromise(backtest({
 *   data: { files: ["fixtures/sim/SIM-A_1h.csv", "fixtures/sim/SIM-B_1h.csv"] },
 *   strategy: "strategies/ema_crossover.lua", // or a definition from defineStrategy(...)
 *   initialCash: 10_000,
 *   commissionRate: 0.001
 * }))
 * console.log(formatSummaryTable(result))
 * ```
 *
 * The same pipeline with explicit Layers (what a live run does with a queue fed by a socket):
 *
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { csvMarketData, Execution, runEngine, Strategy } from "trading-engine"
 *
 * const result = await Effect.runPromise(runEngine({ initialCash: 10_000 }).pipe(
 *   Effect.provide(Layer.mergeAll(
 *     csvMarketData({ files: ["fixtures/sim/SIM-A_1h.csv"] }),
 *     Strategy.layerLua("strategies/ema_crossover.lua"),
 *     Execution.layerSimulated({ commissionRate: 0.001 })
 *   ))
 * ))
 * ```
 *
 * `examples/backtest.ts` is a runnable version of both (`npx tsx examples/backtest.ts`).
 *
 * Exports are explicit (no `export *` beyond the domain types) so that the surface is deliberate and free of name
 * clashes: several internal modules have helpers with the same name (e.g. `formatDuration` in the report and in the
 * quality report, `describeValue` in indicators and strategies) that are not part of it.
 *
 * @module
 */

// ---------------------------------------------------------------------------------------------------------------
// Domain: bars, brands, actions, strategy contract, errors

export * from "./domain/index.ts"

// ---------------------------------------------------------------------------------------------------------------
// Runs

export { backtest, type BacktestSpec, type DataSpec, indicatorEngineLayer } from "./backtest/run.ts"
export { type RunOptions, runEngine } from "./engine/Engine.ts"
export {
  DEFAULT_MAX_TRANSITIONS,
  EngineCore,
  type EngineSettings,
  type EngineSnapshot,
  type RunnerSnapshot,
  type StrategyErrorPolicy
} from "./engine/core.ts"
export { decodeSnapshot, encodeSnapshot } from "./engine/snapshot.ts"

// ---------------------------------------------------------------------------------------------------------------
// Results and metrics

export type {
  AccountSummary,
  BacktestResult,
  EquityCurve,
  ExitReason,
  Metrics,
  OrderFill,
  OrderRecord,
  PriceSeries,
  Rejection,
  RiskEvent,
  SymbolEquityCurve,
  StrategyFailure,
  StrategyReloadRecord,
  Trade,
  Transition
} from "./backtest/result.ts"
export { computeMetrics, maxDrawdown, periodsPerYear, sharpeRatio, YEAR_MS } from "./backtest/metrics.ts"

// ---------------------------------------------------------------------------------------------------------------
// Market data: the service, its Layers, and the quality report

export {
  type BadRowPolicy,
  type DataQualityReport,
  type Gap,
  MarketData,
  MAX_SKIPPED_SAMPLES,
  type SuspectBar,
  type SymbolQuality
} from "./market-data/MarketData.ts"
export {
  CHUNK_SIZE,
  csvMarketData,
  type CsvMarketDataOptions,
  loadCsv,
  queueMarketData,
  type QueueMarketDataOptions,
  readCsvFile,
  simulatedMarketData
} from "./market-data/layers.ts"
export { type CsvFormat, type CsvFormatOption, formatOhlcvCsv, parseCsv, parseCsvText } from "./market-data/csv.ts"
export type { CsvDataset } from "./market-data/series.ts"
export type { SessionsOption } from "./market-data/quality.ts"
export { DEFAULT_SIM_START, simulateBars, type SimulatedSymbol, type SimulationOptions } from "./market-data/simulated.ts"

// ---------------------------------------------------------------------------------------------------------------
// Strategies: the service, Lua and TypeScript definitions

export { Strategy } from "./strategy/Strategy.ts"
export { type StrategyReload, StrategyReloads, type StrategyReloadSource } from "./strategy/StrategyReloads.ts"
export { luaFileVersions, watchLuaStrategy, type WatchOptions } from "./strategy/hot-reload.ts"
export { compileLuaStrategy, DEFAULT_INSTRUCTION_LIMIT, loadLuaStrategy, type LuaStrategyOptions } from "./strategy/lua/host.ts"
export {
  defineStrategy,
  type StrategyContextBase,
  type StrategyFunction,
  type StrategyReturn,
  type TypeScriptStrategySpec
} from "./strategy/typescript.ts"

// ---------------------------------------------------------------------------------------------------------------
// Execution

export { Execution } from "./execution/Execution.ts"
export {
  checkFillModel,
  type FillModelConfig,
  type FillModelProblem,
  resolveFillModel,
  type ResolvedFillModel,
  type Side,
  type SlippageConfig
} from "./execution/fill-model.ts"
export {
  type Amendment,
  type BookEvent,
  type BracketRequest,
  type BracketResult,
  type LegRequest,
  type CancelResult,
  DEFAULT_MATCH_MODEL,
  type Fill,
  type MatchModel,
  type Order,
  OrderBook,
  type OrderBookOptions,
  type OrderBookSnapshot,
  type OrderRequest,
  type OrderResult,
  type OrderRole,
  type OrderSide,
  type OrderStatus,
  type OrderType,
  type TimeInForce,
  validateOrderRequest
} from "./execution/orders.ts"
export {
  checkCostModel,
  type CommissionSchedule,
  type CostModel,
  type CostModelProblem,
  type Liquidity,
  NO_COSTS,
  type Slippage
} from "./execution/costs.ts"
export {
  type FilterName,
  type FilterRejection,
  type InstrumentSpec,
  instrumentSpec,
  InstrumentSpecError,
  parseBinanceExchangeInfo,
  parseBinanceFilters,
  roundPrice,
  roundQuantity,
  validateOrder
} from "./execution/instrument.ts"
export { firstExit, type IntrabarMode, pathPoints, type PathKind } from "./execution/intrabar.ts"

// ---------------------------------------------------------------------------------------------------------------
// Risk and portfolio

export {
  checkRiskConfig,
  type EntryRequest,
  type RiskConfig,
  type RiskConfigProblem,
  type RiskDecision,
  RiskManager,
  type RiskRule,
  type RiskState,
  type RiskTrigger
} from "./risk/risk-manager.ts"
export { riskPerUnit, type RiskSizingInput, sizeByRisk, type SizingResult } from "./risk/sizing.ts"
export { checkMarginConfig, type Holding, type MarginConfig, Portfolio, type PortfolioSnapshot, type SymbolAccount } from "./portfolio/portfolio.ts"

// ---------------------------------------------------------------------------------------------------------------
// Indicators: streaming kernels, batch kernels, the bar window, the registry

export { type BarIndicator, type BarInput, MAX_PERIOD, type StreamingIndicator } from "./indicators/contract.ts"
export { Sma, smaBatch, smaLookback } from "./indicators/sma.ts"
export { Ema, emaAlpha, emaBatch, emaLookback } from "./indicators/ema.ts"
export { Wma, wmaBatch, wmaLookback } from "./indicators/wma.ts"
export { Rsi, rsiBatch, rsiLookback } from "./indicators/rsi.ts"
export { Macd, macdBatch, macdLookback } from "./indicators/macd.ts"
export { Bbands, bbandsBatch, bbandsLookback } from "./indicators/bbands.ts"
export { Atr, atrBatch, atrLookback, trueRange } from "./indicators/atr.ts"
export { Stoch, stochBatch, stochLookback } from "./indicators/stoch.ts"
export { DAY_MS, Vwap, vwapBatch, VwapRolling, vwapRollingBatch, vwapRollingLookback } from "./indicators/vwap.ts"
export {
  AvgVolume,
  avgVolumeBatch,
  Highest,
  highestBatch,
  Lowest,
  lowestBatch,
  Range,
  rangeBatch
} from "./indicators/extremes.ts"
export { MarketDataWindow, MAX_WINDOW_CAPACITY, type WindowColumn } from "./indicators/window.ts"
export {
  type BarColumns,
  type BarField,
  batchIndicator,
  createBarIndicator,
  defaultParams,
  findIndicator,
  formatRegistry,
  type IndicatorInfo,
  type IndicatorOutputs,
  type IndicatorParams,
  indicatorRegistry,
  type IndicatorSpec,
  type OutputSpec,
  type ParamSpec,
  resolveParams,
  type SeriesIndicatorSpec,
  type BarIndicatorSpec,
  smaSpec,
  emaSpec,
  wmaSpec,
  rsiSpec,
  macdSpec,
  bbandsSpec,
  atrSpec,
  stochSpec,
  vwapSpec,
  vwapRollingSpec,
  highestSpec,
  lowestSpec,
  rangeSpec,
  avgVolumeSpec
} from "./indicators/registry.ts"
export {
  type IndicatorBackend,
  type IndicatorBackendName,
  IndicatorEngine,
  typescriptIndicatorBackend
} from "./indicators/IndicatorEngine.ts"
// The OCaml backend: `indicatorEngineLayer("ocaml")` (above) or `backtest({ indicators: "ocaml" })`; the OCaml build
// is loaded only then.

// ---------------------------------------------------------------------------------------------------------------
// Reports

export { formatPeriod, formatSummaryTable, type MetricRow, metricRows } from "./report/summary.ts"
export { type HtmlReportOptions, renderHtmlReport } from "./report/html.ts"
