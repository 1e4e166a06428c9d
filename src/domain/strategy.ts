/**
 * The contract between the engine and a strategy, shared by Lua and TypeScript strategies.
 *
 * The engine owns one {@link StrategyInstance} per symbol and calls exactly one of its three functions per bar,
 * according to the symbol's state: Watch → `detectOpportunity`, CloseWatch → `filterCommitment`,
 * InTrade → `managePosition`. Calls are synchronous: they run inside the hot loop.
 *
 * @module
 */
import type { StrategyOutput } from "./action.ts"
import type { Bar, SymbolName } from "./bar.ts"
import type { StrategyParamSpec, StrategyParamValues } from "./params.ts"

/** MACD values of one bar (`indicators.macd(fast, slow, signal)`). */
export interface MacdValue {
  /** Fast EMA − slow EMA. */
  readonly macd: number
  /** EMA of the MACD line. */
  readonly signal: number
  /** `macd − signal`. */
  readonly histogram: number
}

/** Bollinger Bands of one bar (`indicators.bbands(period, k)`). */
export interface BandsValue {
  readonly upper: number
  /** The SMA. */
  readonly middle: number
  readonly lower: number
}

/** Slow stochastic of one bar (`indicators.stoch(kPeriod, kSlowing, dPeriod)`). */
export interface StochValue {
  /** Slow %K, 0 to 100. */
  readonly k: number
  /** %D (SMA of %K), 0 to 100. */
  readonly d: number
}

/**
 * What a strategy sees of the indicators: values over bars up to and including the current one, `undefined` during
 * warm-up. Indicators are created on first use; a new one is warmed up from the bars kept in the symbol's history, so
 * a value can be available on the very bar it is first asked for. Parameters follow the registry
 * (`trading-engine indicators --list`); an invalid one throws a `RangeError` naming the indicator, the parameter and
 * the value. Omitted MACD, Bollinger and stochastic parameters take the registry defaults (12/26/9, 20/2, 14/3/3).
 */
export interface IndicatorView {
  sma(period: number): number | undefined
  ema(period: number): number | undefined
  wma(period: number): number | undefined
  /** Wilder RSI, 0 to 100. */
  rsi(period: number): number | undefined
  /** Wilder average true range. */
  atr(period: number): number | undefined
  macd(fastPeriod?: number, slowPeriod?: number, signalPeriod?: number): MacdValue | undefined
  bbands(period?: number, k?: number): BandsValue | undefined
  stoch(kPeriod?: number, kSlowing?: number, dPeriod?: number): StochValue | undefined
  /**
   * Volume-weighted average of the typical price: without `period`, cumulative over the current UTC day (the sums
   * restart at 00:00 UTC); with `period`, over the last `period` bars.
   */
  vwap(period?: number): number | undefined
  /** Highest high over the window; `undefined` when the window is empty. */
  readonly high: number | undefined
  /** Lowest low over the window. */
  readonly low: number | undefined
  /** `high - low` over the window. */
  readonly range: number | undefined
  /** Average volume over the window. */
  readonly avgVolume: number | undefined
}

/** The open position of a symbol, as shown to the strategy in InTrade (Lua: `context.position`). */
export interface PositionView {
  readonly side: "long" | "short"
  readonly quantity: number
  readonly entryPrice: number
  readonly entryTime: number
  readonly stopLoss: number | undefined
  readonly takeProfit: number | undefined
}

/** The state of a symbol's trade machine. */
export type TradeStateName = "Watch" | "CloseWatch" | "InTrade"

/**
 * One strategy bound to one symbol. Implementations keep their own context (a Lua table, a JS object) that persists
 * between calls; {@link StrategyInstance.mergeContext} merges an opportunity into it, and
 * {@link StrategyInstance.setPosition} publishes the open position (or its absence).
 *
 * A call that throws is a strategy failure: the engine records it and stops opening positions for the symbol.
 */
export interface StrategyInstance {
  readonly symbol: SymbolName
  detectOpportunity(bar: Bar, indicators: IndicatorView): StrategyOutput
  filterCommitment(bar: Bar, indicators: IndicatorView): StrategyOutput
  managePosition(bar: Bar, indicators: IndicatorView): StrategyOutput
  mergeContext(fields: Readonly<Record<string, unknown>>): void
  setPosition(position: PositionView | undefined): void
  /** A JSON-safe copy of the context, for results and debugging. */
  snapshotContext(): Record<string, unknown>
  /** Releases the VM or other resources. */
  dispose(): void
}

/** A strategy definition: a name and a factory for per-symbol instances. */
export interface StrategyDefinition {
  readonly name: string
  /** The parameters the strategy declares (none when absent), in declaration order. */
  readonly params?: ReadonlyArray<StrategyParamSpec> | undefined
  /** The values this definition runs with: the declared defaults with the overrides it was built with. */
  readonly paramValues?: StrategyParamValues | undefined
  /**
   * Whether a hot reload carries the symbols' contexts over to the new version (default `true`); a Lua script opts
   * out with the global `reload_keeps_context = false`.
   */
  readonly reloadKeepsContext?: boolean | undefined
  /** Makes the instance for one symbol. May throw a {@link import("./errors.ts").StrategyError}. */
  instantiate(symbol: SymbolName): StrategyInstance
}
