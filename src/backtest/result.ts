/**
 * The result of a run: trades, equity curve, metrics, transitions and data quality. Plain data, JSON-safe, so the
 * CLI writes it as is and the HTML report reads the same object.
 *
 * @module
 */
import type { TradeStateName } from "../domain/strategy.ts"
import type { DataQualityReport } from "../market-data/MarketData.ts"

/** Why a position was closed. */
export type ExitReason = "strategy" | "stop_loss" | "take_profit" | "end_of_data"

/** A closed trade (entry to exit) of one symbol. Times are bar open times in ms; prices are fill prices. */
export interface Trade {
  readonly id: number
  readonly symbol: string
  readonly side: "long" | "short"
  readonly quantity: number
  readonly entryTime: number
  readonly entryPrice: number
  readonly exitTime: number
  readonly exitPrice: number
  /** Commission paid on entry plus exit. */
  readonly fees: number
  /** Net profit or loss after fees. */
  readonly pnl: number
  /** `pnl` relative to the entry notional. */
  readonly returnPct: number
  readonly barsHeld: number
  /** `exitTime − entryTime`, in ms. */
  readonly holdingMs: number
  /**
   * Maximum adverse and favourable excursion: the worst and best unrealised result while the trade was open, in money
   * (`≥ 0`, for the trade's quantity) and as a fraction of the entry price. Measured on the bars from the fill bar to
   * the bar before the exit, plus the exit price itself (the exit bar's path before a stop or target is unknown).
   */
  readonly mae: number
  readonly mfe: number
  readonly maePct: number
  readonly mfePct: number
  readonly entryReason: string
  readonly exitReason: ExitReason
  readonly exitNote: string
}

/** One state change of a symbol's trade machine, with the reason that caused it. */
export interface Transition {
  readonly symbol: string
  readonly timestamp: number
  readonly from: TradeStateName
  readonly to: TradeStateName
  readonly reason: string
}

/** An order or action the engine refused, and why (recorded, never silently dropped). */
export interface Rejection {
  readonly symbol: string
  readonly timestamp: number
  readonly action: string
  readonly reason: string
}

/**
 * An order the strategy caused: decided on one bar, filled (or not) on a later one. Every order appears here once,
 * whatever became of it, so a run's decisions can be audited and compared.
 */
export interface OrderRecord {
  readonly id: number
  readonly symbol: string
  /** `enter_long`, `enter_short` or `exit` (market orders). */
  readonly action: string
  /** Open time of the bar whose close the decision was made on. */
  readonly decidedAt: number
  /** The quantity as requested (a fraction of equity below 1); absent for exits, which close the whole position. */
  readonly requestedQuantity: number | undefined
  readonly status: "filled" | "rejected" | "unfilled" | "cancelled"
  readonly fillTime: number | undefined
  readonly fillPrice: number | undefined
  readonly filledQuantity: number | undefined
  /** Why it was rejected, cancelled or left unfilled. */
  readonly note: string | undefined
}

/** The account's equity after each timestamp (all symbols at that time processed). */
export interface EquityCurve {
  readonly timestamps: ReadonlyArray<number>
  readonly equity: ReadonlyArray<number>
}

/** Summary statistics. Ratios are fractions (0.1 = 10%); see docs/metrics.md for formulas. */
export interface Metrics {
  readonly initialCash: number
  readonly finalEquity: number
  readonly totalReturn: number
  /** Compound annual growth rate over the run's elapsed time; `0` for a run shorter than one observation. */
  readonly annualReturn: number
  /** Annualised standard deviation of the per-observation returns. */
  readonly volatility: number
  readonly maxDrawdown: number
  /** Longest time from an equity peak until equity is back at it (or to the end when it never is), in ms. */
  readonly maxDrawdownDuration: number
  /** From the maximum drawdown's trough back to its peak level, in ms; `undefined` when it has not recovered. */
  readonly recoveryTime: number | undefined
  /** Annualised with {@link Metrics.periodsPerYear}; `0` when returns have no variance. */
  readonly sharpe: number
  /** Annualised mean return over downside deviation (target 0); `Infinity` with gains and no losing period. */
  readonly sortino: number
  /** Annual return / max drawdown; `Infinity` with a positive return and no drawdown. */
  readonly calmar: number
  /** Equity observations per year, measured from the data (observations / elapsed years). */
  readonly periodsPerYear: number
  readonly tradeCount: number
  readonly winRate: number
  /** Gross profit / gross loss; `Infinity` when there are wins and no losses, `0` with no wins. */
  readonly profitFactor: number
  /** Mean `pnl` of the winning trades (0 without any). */
  readonly avgWin: number
  /** Mean `pnl` of the losing trades, a negative number (0 without any). */
  readonly avgLoss: number
  /** Mean `pnl` per trade. */
  readonly expectancy: number
  /** Fraction of the equity observations with at least one open position. */
  readonly exposure: number
  readonly totalFees: number
  readonly bars: number
  readonly start: number | undefined
  readonly end: number | undefined
}

/** A strategy failure recorded during the run (the symbol stops opening positions). */
export interface StrategyFailure {
  readonly symbol: string
  readonly timestamp: number
  readonly message: string
}

/** A hot reload of the strategy (live and paper runs): swapped in, or refused with the old version kept. */
export interface StrategyReloadRecord {
  /** The bar boundary: the timestamp of the last bar before the swap. */
  readonly timestamp: number | undefined
  readonly source: string
  readonly ok: boolean
  readonly message: string
}

/** One symbol's bars as columns (for price charts with trade markers). */
export interface PriceSeries {
  readonly symbol: string
  readonly timestamps: ReadonlyArray<number>
  readonly open: ReadonlyArray<number>
  readonly high: ReadonlyArray<number>
  readonly low: ReadonlyArray<number>
  readonly close: ReadonlyArray<number>
}

/** Everything a run produced. */
export interface BacktestResult {
  readonly strategy: string
  readonly symbols: ReadonlyArray<string>
  readonly metrics: Metrics
  readonly trades: ReadonlyArray<Trade>
  readonly orders: ReadonlyArray<OrderRecord>
  readonly equity: EquityCurve
  /** The most recent state transitions (at most the run's `maxTransitions`, default 100,000). */
  readonly transitions: ReadonlyArray<Transition>
  /** Older transitions dropped to keep the history bounded (0 unless the limit was reached). */
  readonly transitionsDropped: number
  /** Each symbol's bars, sorted by symbol (empty when the run was told not to keep them: `recordPrices: false`). */
  readonly prices: ReadonlyArray<PriceSeries>
  /** Hot reloads of the strategy, in order (empty in backtests). */
  readonly reloads: ReadonlyArray<StrategyReloadRecord>
  readonly rejections: ReadonlyArray<Rejection>
  readonly failures: ReadonlyArray<StrategyFailure>
  readonly quality: DataQualityReport
}
