/**
 * The result of a run: trades, equity curve, metrics, transitions and data quality. Plain data, JSON-safe, so the
 * CLI writes it as is and the HTML report reads the same object.
 *
 * @module
 */
import type { TradeStateName } from "../domain/strategy.ts"
import type { DataQualityReport } from "../market-data/MarketData.ts"
import type { SymbolAccount } from "../portfolio/portfolio.ts"

/** Why a position was closed: the strategy's exit, a protective level, the end of the data, or a risk flatten. */
export type ExitReason = "strategy" | "stop_loss" | "take_profit" | "end_of_data" | "risk"

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

/**
 * An order or action the engine refused, or an order that ended without filling (cancelled by the venue or the risk
 * layer, expired, or left working when the data ended), and why: recorded, never silently dropped.
 */
export interface Rejection {
  readonly symbol: string
  readonly timestamp: number
  readonly action: string
  readonly reason: string
}

/** One fill of an order (an order cut by the volume cap fills in several parts, on several bars). */
export interface OrderFill {
  /** Open time of the bar of the fill. */
  readonly timestamp: number
  readonly quantity: number
  /** The booked price, after slippage and spread. */
  readonly price: number
  readonly commission: number
}

/**
 * What became of an order: `filled` (all of it), `partially_filled` (some of it; the rest was cancelled, expired or
 * still working when the data ended: see `note`), `cancelled`, `expired` (a `DAY` order past its session), `rejected`
 * (by the risk layer, the instrument's filters or the account) or `unfilled` (still working when the data ended).
 */
export type OrderStatus = "filled" | "partially_filled" | "rejected" | "unfilled" | "cancelled" | "expired"

/**
 * An order the strategy (or the risk layer's flatten) caused: decided on one bar, filled (or not) on later ones. Every
 * order appears here once, whatever became of it, so a run's decisions can be audited and compared. Protective
 * stop-loss and take-profit orders are not listed: their fills are the trades' exits.
 */
export interface OrderRecord {
  /** Position in this list, from 1. */
  readonly id: number
  /** The order's id in the venue's book (what the book's messages name); absent when it was refused before reaching it. */
  readonly orderId?: number | undefined
  readonly symbol: string
  /** `enter_long`, `enter_short` or `exit`. */
  readonly action: string
  /** Open time of the bar whose close the decision was made on. */
  readonly decidedAt: number
  /** The quantity as requested (a fraction of equity below 1); absent for exits, which close the whole position. */
  readonly requestedQuantity: number | undefined
  readonly status: OrderStatus
  /** Open time of the bar of the first fill. */
  readonly fillTime: number | undefined
  /** Average fill price (quantity-weighted, after slippage and spread). */
  readonly fillPrice: number | undefined
  readonly filledQuantity: number | undefined
  /** Why it was rejected, cancelled, expired or left (partly) unfilled; for a filled entry, a sizing remark. */
  readonly note: string | undefined
  /** `market` (default), `limit`, `stop` or `stop_limit`. */
  readonly orderType?: "market" | "limit" | "stop" | "stop_limit" | undefined
  readonly limitPrice?: number | undefined
  readonly stopPrice?: number | undefined
  /** `GTC` (default), `IOC`, `FOK` or `DAY`. */
  readonly timeInForce?: "GTC" | "IOC" | "FOK" | "DAY" | undefined
  /** Each fill, in order. */
  readonly fills?: ReadonlyArray<OrderFill> | undefined
  /** Commission paid on the fills. */
  readonly fees?: number | undefined
}

/** A halt the risk layer started (docs/risk.md): the daily loss limit, the drawdown kill switch, or a margin call. */
export interface RiskEvent {
  /** The bar time at which the breach was seen. */
  readonly timestamp: number
  readonly rule: "daily_loss" | "kill_switch" | "margin_call"
  readonly reason: string
  /** The kill switch asked to close every position (`flattenOnKill`). */
  readonly flatten: boolean
}

/**
 * One symbol's P&L over the run, one point per point of the account's equity curve (same timestamps): realised
 * (after fees) plus unrealised at the marks, minus the open holding's entry fee. The account's equity is the
 * initial cash plus the sum over the symbols, at every point. Before a symbol's first bar its P&L is 0.
 */
export interface SymbolEquityCurve {
  readonly symbol: string
  readonly pnl: ReadonlyArray<number>
}

/** The account at the end of the run. */
export interface AccountSummary {
  readonly cash: number
  /** Net result of everything closed, after fees. */
  readonly realizedPnl: number
  /** Result of what is still open at the last marks, before the entry fees already paid (0 when all was closed). */
  readonly unrealizedPnl: number
  /** Every commission paid. */
  readonly fees: number
  /** Each symbol's share: units still held (signed), their average entry price, its realised and unrealised P&L and fees. */
  readonly symbols: ReadonlyArray<SymbolAccount>
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
  /** Each symbol's P&L curve, aligned with `equity.timestamps`, sorted by symbol (the engine always fills it). */
  readonly symbolEquity?: ReadonlyArray<SymbolEquityCurve> | undefined
  /** Cash, realised and unrealised P&L and fees at the end (the engine always fills it). */
  readonly account?: AccountSummary | undefined
  /** Halts started by the risk layer, in order (empty without risk limits). */
  readonly riskEvents?: ReadonlyArray<RiskEvent> | undefined
}
