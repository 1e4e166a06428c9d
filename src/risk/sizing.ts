/**
 * Position sizing by stop distance: risk a fixed fraction of equity per trade.
 *
 * `quantity = riskFraction × equity / riskPerUnit`, where `riskPerUnit = |entry − stop| + feeRate × (entry + stop)`:
 * the price distance to the stop plus, when a fee rate is given, the commission of the entry and of the stop exit.
 * The result never risks more than `riskFraction × equity` at the stop (it is nudged down by an ulp when rounding
 * would exceed it). What it cannot promise: a gap through the stop fills beyond it, and slippage is extra.
 *
 * @module
 */
import type { Side } from "../domain/action.ts"

/** Inputs of {@link sizeByRisk}. */
export interface RiskSizingInput {
  readonly side: Side
  readonly equity: number
  /** Fraction of equity to lose at the stop, e.g. 0.01. */
  readonly riskFraction: number
  readonly entry: number
  readonly stop: number
  /** Commission rate counted on the entry and the stop exit (default 0). */
  readonly feeRate?: number | undefined
}

/** A quantity, or why none can be given. */
export type SizingResult = { readonly ok: true; readonly quantity: number; readonly riskPerUnit: number } | { readonly ok: false; readonly reason: string }

const num = (x: number): string => (Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(8))))

/** The loss per unit when a position entered at `entry` exits at `stop`, fees included; a reason when invalid. */
export const riskPerUnit = (side: Side, entry: number, stop: number, feeRate = 0): number | string => {
  if (!(Number.isFinite(entry) && entry > 0)) return `entry price ${entry} is not a positive number`
  if (!(Number.isFinite(stop) && stop > 0)) return `stop_loss ${stop} is not a positive number`
  if (side === "long" ? stop >= entry : stop <= entry) {
    return `stop_loss ${num(stop)} must be ${side === "long" ? "below" : "above"} the entry price ${num(entry)} for a ${side}`
  }
  return Math.abs(entry - stop) + feeRate * (entry + stop)
}

/** Units to trade so that a stop-out loses at most `riskFraction × equity`. */
export const sizeByRisk = (input: RiskSizingInput): SizingResult => {
  const { equity, riskFraction } = input
  if (!(Number.isFinite(equity) && equity > 0)) return { ok: false, reason: `equity ${equity} is not positive` }
  if (!(Number.isFinite(riskFraction) && riskFraction > 0 && riskFraction <= 1)) {
    return { ok: false, reason: `risk fraction ${riskFraction} is not in (0, 1]` }
  }
  const perUnit = riskPerUnit(input.side, input.entry, input.stop, input.feeRate ?? 0)
  if (typeof perUnit === "string") return { ok: false, reason: perUnit }
  const budget = riskFraction * equity
  let quantity = budget / perUnit
  // Division rounds to nearest; make sure quantity × perUnit never exceeds the budget.
  while (quantity > 0 && quantity * perUnit > budget) quantity = quantity * (1 - Number.EPSILON)
  return { ok: true, quantity, riskPerUnit: perUnit }
}
