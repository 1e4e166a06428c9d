/**
 * Simulated fills: the honest, pessimistic rules the backtest uses. Pure functions, no state.
 *
 * Rules (see docs/execution.md):
 * 1. A market order decided on bar t fills at the **open of bar t+1** of the same symbol. Never at bar t's close:
 *    the close is what the decision was made on, and trading at it would be look-ahead.
 * 2. Protective levels are checked against each bar's range from the entry bar on (the entry fills at the open, the
 *    rest of that bar happens after it).
 * 3. Gaps: when a bar opens beyond a level (at or below the stop of a long, at or above its target), the exit fills at
 *    the **open**, not at the level: a stop cannot protect against a gap, and a target filled at a better open is
 *    what a resting limit order would get.
 * 4. Both levels inside one bar: without tick data the order of high and low is unknown, so the **stop-loss is
 *    assumed to trigger first** (the conservative choice).
 * 5. Commission is `rate × notional` on every fill, entries and exits alike.
 *
 * @module
 */
import type { Side } from "../domain/action.ts"
import type { Bar } from "../domain/bar.ts"

export type { Side }

/** Protective levels of an open position. */
export interface ProtectiveLevels {
  readonly side: Side
  readonly stopLoss: number | undefined
  readonly takeProfit: number | undefined
}

/** A protective exit that triggered in a bar. */
export interface ProtectiveExit {
  readonly price: number
  readonly reason: "stop_loss" | "take_profit"
  /** True when the bar opened beyond the level and the fill is at the open. */
  readonly gapped: boolean
}

/** Parameters of the simulated fill model. */
export interface FillModelConfig {
  /** Commission as a fraction of notional, e.g. 0.001 for 0.1%. */
  readonly commissionRate: number
}

/** The price at which a market order decided on the previous bar fills on `bar`. */
export const marketFillPrice = (bar: Bar): number => bar.open

/** Commission for a fill of `quantity` at `price`. */
export const commission = (config: FillModelConfig, quantity: number, price: number): number =>
  config.commissionRate * quantity * price

/**
 * Checks a position's stop-loss and take-profit against one bar, applying the gap and both-touched rules.
 * Returns the exit, or `undefined` when neither level was reached.
 */
export const checkProtectiveExit = (levels: ProtectiveLevels, bar: Bar): ProtectiveExit | undefined => {
  const { stopLoss, takeProfit } = levels
  if (levels.side === "long") {
    if (stopLoss !== undefined && bar.open <= stopLoss) return { price: bar.open, reason: "stop_loss", gapped: true }
    if (takeProfit !== undefined && bar.open >= takeProfit) return { price: bar.open, reason: "take_profit", gapped: true }
    if (stopLoss !== undefined && bar.low <= stopLoss) return { price: stopLoss, reason: "stop_loss", gapped: false }
    if (takeProfit !== undefined && bar.high >= takeProfit) return { price: takeProfit, reason: "take_profit", gapped: false }
    return undefined
  }
  if (stopLoss !== undefined && bar.open >= stopLoss) return { price: bar.open, reason: "stop_loss", gapped: true }
  if (takeProfit !== undefined && bar.open <= takeProfit) return { price: bar.open, reason: "take_profit", gapped: true }
  if (stopLoss !== undefined && bar.high >= stopLoss) return { price: stopLoss, reason: "stop_loss", gapped: false }
  if (takeProfit !== undefined && bar.low <= takeProfit) return { price: takeProfit, reason: "take_profit", gapped: false }
  return undefined
}
