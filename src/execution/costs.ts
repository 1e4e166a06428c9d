/**
 * Trading costs of a simulated fill: slippage, the bid/ask spread and commission. Pure functions of plain data.
 *
 * | Cost | Applies to | Rule |
 * |---|---|---|
 * | Slippage | market and stop fills (liquidity-taking by nature) | `bps × price / 10 000` or `ticks × tickSize`, always against the trader: added for buys, subtracted for sells |
 * | Spread | market and stop fills, when the bar has `bid` and `ask` | half the quoted spread `(ask − bid) / 2`, added for buys, subtracted for sells |
 * | Commission | every fill | `max(rate × quantity × price, minimum)`; the maker rate for fills that rested in the book, the taker rate for the rest |
 *
 * Limit fills (plain limits and triggered stop-limits) never get slippage or spread: they trade at their limit
 * price or better, and that price is the point of a limit order.
 *
 * Bar quotes are the bid and ask **at the bar's close** (see `domain/bar.ts`). A fill at the open or inside the bar
 * uses that bar's closing spread as an estimate of the spread at the time of the fill; only a same-bar-close fill
 * sees the exact quote. Slippage is not clipped to the bar's range: it stands for the market impact and queue the
 * bar cannot show, and clipping it would flatter exactly the fills (gaps, thin bars) where it matters most.
 *
 * @module
 */
import type { Bar } from "../domain/bar.ts"

/** Slippage per unit of price, in the trader's adverse direction. */
export type Slippage =
  | { readonly kind: "none" }
  | { readonly kind: "bps"; readonly bps: number }
  | { readonly kind: "ticks"; readonly ticks: number; readonly tickSize: number }

/**
 * Commission schedule. `takerRate` is the fraction of notional charged on liquidity-taking fills (market, stop,
 * limits that were marketable when they arrived); `makerRate` (default: `takerRate`) on fills that rested in the
 * book; `minimum` (default 0) is the least charged per fill, each partial fill included.
 */
export interface CommissionSchedule {
  readonly takerRate: number
  readonly makerRate?: number | undefined
  readonly minimum?: number | undefined
}

/** The cost model of a simulated venue. */
export interface CostModel {
  readonly slippage: Slippage
  /** Use `(ask − bid) / 2` from bars that carry quotes. Default true. */
  readonly useSpread?: boolean | undefined
  readonly commission: CommissionSchedule
}

/** Whether a fill added liquidity (a resting order) or took it. */
export type Liquidity = "maker" | "taker"

/** No costs at all. */
export const NO_COSTS: CostModel = { slippage: { kind: "none" }, useSpread: false, commission: { takerRate: 0 } }

/** A flat commission rate on every fill, nothing else (the engine's historical `--commission`). */
export const flatCommission = (rate: number): CostModel => ({ slippage: { kind: "none" }, useSpread: false, commission: { takerRate: rate } })

/** The slippage for one unit traded at `price` (≥ 0; the caller applies the direction). */
export const slippagePerUnit = (slippage: Slippage, price: number): number =>
  slippage.kind === "bps" ? (slippage.bps * price) / 10_000 : slippage.kind === "ticks" ? slippage.ticks * slippage.tickSize : 0

/** Half the quoted spread of `bar`, or 0 when it carries no bid/ask. */
export const halfSpread = (bar: Pick<Bar, "bid" | "ask">): number =>
  bar.bid !== undefined && bar.ask !== undefined && bar.ask >= bar.bid ? (bar.ask - bar.bid) / 2 : 0

/**
 * The price a fill is booked at after slippage and spread. `aggressive` is true for market and stop fills; limit
 * fills come back unchanged. Buys pay more, sells receive less.
 */
export const effectivePrice = (
  model: CostModel,
  side: "buy" | "sell",
  price: number,
  aggressive: boolean,
  bar: Pick<Bar, "bid" | "ask">
): number => {
  if (!aggressive) return price
  const adverse = slippagePerUnit(model.slippage, price) + (model.useSpread === false ? 0 : halfSpread(bar))
  return side === "buy" ? price + adverse : price - adverse
}

/**
 * Commission for a fill of `quantity` at `price`: `max(rate × notional, minimum)` with the maker or taker rate (a
 * negative maker rate is a rebate and is returned as is).
 */
export const commissionFor = (schedule: CommissionSchedule, quantity: number, price: number, liquidity: Liquidity): number => {
  const rate = liquidity === "maker" ? (schedule.makerRate ?? schedule.takerRate) : schedule.takerRate
  const fee = rate * quantity * Math.abs(price)
  const minimum = schedule.minimum ?? 0
  // A rebate (negative maker rate) is paid out as is; the minimum applies to charges only.
  return fee >= 0 && fee < minimum ? minimum : fee
}

/** A problem with a cost model: the field and a sentence. */
export interface CostModelProblem {
  readonly field: string
  readonly reason: string
}

const rateProblem = (field: string, v: number | undefined): CostModelProblem | undefined =>
  v === undefined || (Number.isFinite(v) && v >= 0 && v < 1) ? undefined : { field, reason: `must be a fraction in [0, 1), got ${v}` }

/**
 * Checks a cost model: rates in [0, 1) (a negative maker rate, i.e. a rebate, is allowed down to −1), a finite
 * non-negative minimum, bps in [0, 10 000), non-negative ticks and a positive tick size.
 */
export const checkCostModel = (model: CostModel): CostModelProblem | undefined => {
  const c = model.commission
  const maker = c.makerRate
  const s = model.slippage
  return rateProblem("commission.takerRate", c.takerRate) ??
    (maker !== undefined && !(Number.isFinite(maker) && maker > -1 && maker < 1)
      ? { field: "commission.makerRate", reason: `must be in (−1, 1), got ${maker}` }
      : undefined) ??
    (c.minimum !== undefined && !(Number.isFinite(c.minimum) && c.minimum >= 0)
      ? { field: "commission.minimum", reason: `must be a non-negative amount, got ${c.minimum}` }
      : undefined) ??
    (s.kind === "bps" && !(Number.isFinite(s.bps) && s.bps >= 0 && s.bps < 10_000)
      ? { field: "slippage.bps", reason: `must be in [0, 10000), got ${s.bps}` }
      : undefined) ??
    (s.kind === "ticks" && !(Number.isFinite(s.ticks) && s.ticks >= 0)
      ? { field: "slippage.ticks", reason: `must be a non-negative number, got ${s.ticks}` }
      : undefined) ??
    (s.kind === "ticks" && !(Number.isFinite(s.tickSize) && s.tickSize > 0)
      ? { field: "slippage.tickSize", reason: `must be positive, got ${s.tickSize}` }
      : undefined)
}
