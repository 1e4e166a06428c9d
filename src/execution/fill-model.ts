/**
 * The simulated venue's configuration, and the classic fill rules the defaults reproduce. Pure, no state.
 *
 * {@link FillModelConfig} is what `Execution.layerSimulated` and `backtest({ execution })` take: the commission
 * schedule, slippage, spread, the match model (next-bar open or same-bar close, the intrabar rule and path, the volume
 * participation cap, the `DAY` session) and the instrument specs. {@link checkFillModel} names the first invalid field;
 * {@link resolveFillModel} turns a valid config into what the engine builds its order books from. The order types and
 * the per-bar matching live in `orders.ts`, costs in `costs.ts`, the intrabar path in `intrabar.ts`, exchange filters
 * in `instrument.ts` (see docs/orders.md and docs/execution.md).
 *
 * The defaults are the engine's historical rules, and with them the order book fills exactly like the functions
 * below (tested in `test/execution/parity.test.ts`):
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
import { checkCostModel, type CommissionSchedule, type CostModel, type Slippage } from "./costs.ts"
import type { InstrumentSpec } from "./instrument.ts"
import type { IntrabarMode, PathKind } from "./intrabar.ts"
import { checkMatchModel, DEFAULT_MATCH_MODEL, type MatchModel } from "./orders.ts"

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

/**
 * Slippage as configured: like `costs.ts`'s {@link Slippage}, except that a slippage in ticks may leave out the tick
 * size, which is then each symbol's own from its instrument spec.
 */
export type SlippageConfig =
  | { readonly kind: "none" }
  | { readonly kind: "bps"; readonly bps: number }
  | { readonly kind: "ticks"; readonly ticks: number; readonly tickSize?: number | undefined }

/**
 * The simulated venue. Every field is optional; the defaults are the engine's historical rules: market orders at the
 * next bar's open, a flat commission rate, no slippage, no spread, the conservative intrabar rule, no volume cap, no
 * instrument filters.
 */
export interface FillModelConfig {
  /** A flat commission rate on every fill, as a fraction of notional (0.001 = 0.1%). Default 0. */
  readonly commissionRate?: number | undefined
  /** A full commission schedule (taker and maker rates, a minimum per fill); when given, `commissionRate` is ignored. */
  readonly commission?: CommissionSchedule | undefined
  /** Adverse slippage on market and stop fills, in basis points of the price or in ticks. Default none. */
  readonly slippage?: SlippageConfig | undefined
  /** Pay half the quoted spread `(ask − bid) / 2` on market and stop fills of bars that carry quotes. Default false. */
  readonly spread?: boolean | undefined
  /** Where market orders fill: the next bar's open (default) or, explicitly, the decision bar's close. */
  readonly marketFill?: MatchModel["marketFill"] | undefined
  /** A stop-loss and a take-profit both reached inside one bar: `conservative` (default, the stop first) or `path`. */
  readonly intrabar?: IntrabarMode | undefined
  /** The intrabar path (`bar_direction`, default, or `nearest_extreme`); see docs/orders.md. */
  readonly path?: PathKind | undefined
  /** Fraction of a bar's volume one symbol's orders may trade in that bar (0 < p ≤ 1); the rest waits. No cap by default. */
  readonly maxParticipation?: number | undefined
  /** `DAY` orders expire at UTC midnight plus this offset (ms, in [0, 24 h)). Default 0. */
  readonly sessionOffsetMs?: number | undefined
  /**
   * Exchange rules per symbol (tick size, lot step, min/max quantity, notional): orders are checked against them and
   * quantities rounded down to the lot step. When given, every traded symbol needs a spec.
   */
  readonly instruments?: ReadonlyArray<InstrumentSpec> | ReadonlyMap<string, InstrumentSpec> | undefined
}

/** A valid {@link FillModelConfig} with its defaults filled in. */
export interface ResolvedFillModel {
  readonly model: MatchModel
  readonly commission: CommissionSchedule
  readonly slippage: SlippageConfig
  readonly spread: boolean
  /** `undefined`: no instrument rules. */
  readonly instruments: ReadonlyMap<string, InstrumentSpec> | undefined
}

/** The first invalid field of a config and why. */
export interface FillModelProblem {
  readonly field: string
  readonly reason: string
}

const MARKET_FILLS: ReadonlyArray<string> = ["next_bar_open", "same_bar_close"]
const INTRABAR_MODES: ReadonlyArray<string> = ["conservative", "path"]
const PATHS: ReadonlyArray<string> = ["bar_direction", "nearest_extreme"]

const specsOf = (i: NonNullable<FillModelConfig["instruments"]>): ReadonlyArray<InstrumentSpec> =>
  Array.isArray(i) ? i : [...(i as ReadonlyMap<string, InstrumentSpec>).values()]

/** The commission schedule a config stands for: `commission`, else the flat `commissionRate`, else none. */
const scheduleOf = (c: FillModelConfig): CommissionSchedule => c.commission ?? { takerRate: c.commissionRate ?? 0 }

/** Checks a config; returns the first problem (the field and a sentence) or `undefined`. */
export const checkFillModel = (c: FillModelConfig): FillModelProblem | undefined => {
  const rate = c.commissionRate
  if (rate !== undefined && !(Number.isFinite(rate) && rate >= 0 && rate < 1)) {
    return { field: "commission", reason: `must be a fraction in [0, 1), got ${rate}` }
  }
  const s = c.slippage ?? { kind: "none" }
  if (s.kind !== "none" && s.kind !== "bps" && s.kind !== "ticks") {
    return { field: "slippage.kind", reason: `expected none, bps or ticks, got ${String((s as { kind: unknown }).kind)}` }
  }
  if (s.kind === "ticks" && s.tickSize === undefined && c.instruments === undefined) {
    return { field: "slippage.tickSize", reason: "a slippage in ticks needs a tick size: give tickSize, or instrument specs" }
  }
  const costProblem = checkCostModel({
    slippage: s.kind === "ticks" ? { kind: "ticks", ticks: s.ticks, tickSize: s.tickSize ?? 1 } : s,
    commission: scheduleOf(c)
  })
  if (costProblem !== undefined) return costProblem
  if (c.spread !== undefined && typeof c.spread !== "boolean") return { field: "spread", reason: `expected true or false, got ${String(c.spread)}` }
  if (c.marketFill !== undefined && !MARKET_FILLS.includes(c.marketFill)) {
    return { field: "marketFill", reason: `expected next_bar_open or same_bar_close, got ${String(c.marketFill)}` }
  }
  if (c.intrabar !== undefined && !INTRABAR_MODES.includes(c.intrabar)) {
    return { field: "intrabar", reason: `expected conservative or path, got ${String(c.intrabar)}` }
  }
  if (c.path !== undefined && !PATHS.includes(c.path)) return { field: "path", reason: `expected bar_direction or nearest_extreme, got ${String(c.path)}` }
  const matchProblem = checkMatchModel(matchModelOf(c))
  if (matchProblem !== undefined) return matchProblem
  if (c.instruments !== undefined) {
    const seen = new Set<string>()
    for (const spec of specsOf(c.instruments)) {
      if (typeof spec.symbol !== "string" || spec.symbol === "") return { field: "instruments", reason: "every spec needs a symbol" }
      if (seen.has(spec.symbol)) return { field: "instruments", reason: `${spec.symbol} is given twice` }
      seen.add(spec.symbol)
      for (const key of ["tickSize", "stepSize", "minQuantity", "maxQuantity", "minNotional", "maxNotional"] as const) {
        const v = spec[key]
        if (!(Number.isFinite(v) && v >= 0)) return { field: `instruments.${spec.symbol}.${key}`, reason: `must be a non-negative number, got ${v}` }
      }
    }
  }
  return undefined
}

const matchModelOf = (c: FillModelConfig): MatchModel => ({
  marketFill: c.marketFill ?? DEFAULT_MATCH_MODEL.marketFill,
  path: c.path ?? DEFAULT_MATCH_MODEL.path,
  intrabar: c.intrabar ?? DEFAULT_MATCH_MODEL.intrabar,
  maxParticipation: c.maxParticipation,
  sessionOffsetMs: c.sessionOffsetMs ?? DEFAULT_MATCH_MODEL.sessionOffsetMs
})

/** The config with its defaults filled in. Throws a `RangeError` naming the field when it is invalid. */
export const resolveFillModel = (c: FillModelConfig): ResolvedFillModel => {
  const problem = checkFillModel(c)
  if (problem !== undefined) throw new RangeError(`execution: ${problem.field}: ${problem.reason}`)
  return {
    model: matchModelOf(c),
    commission: scheduleOf(c),
    slippage: c.slippage ?? { kind: "none" },
    spread: c.spread ?? false,
    instruments: c.instruments === undefined ? undefined : new Map(specsOf(c.instruments).map((s) => [s.symbol, s] as const))
  }
}

/**
 * The cost model of one symbol's book: a slippage in ticks without a tick size takes the symbol's tick size from its
 * instrument spec. Returns a sentence when it cannot (no tick size known).
 */
export const costModelFor = (r: ResolvedFillModel, symbol: string, spec: InstrumentSpec | undefined): CostModel | string => {
  const s = r.slippage
  let slippage: Slippage
  if (s.kind === "ticks") {
    const tickSize = s.tickSize ?? (spec !== undefined && spec.tickSize > 0 ? spec.tickSize : undefined)
    if (tickSize === undefined) return `a slippage of ${s.ticks} ticks on ${symbol} needs a tick size, and ${symbol} has no instrument spec with one`
    slippage = { kind: "ticks", ticks: s.ticks, tickSize }
  } else slippage = s
  return { slippage, useSpread: r.spread, commission: r.commission }
}

/** The price at which a market order decided on the previous bar fills on `bar`. */
export const marketFillPrice = (bar: Bar): number => bar.open

/** Commission for a fill of `quantity` at `price` at a flat rate (`commissionRate`, default 0). */
export const commission = (config: Pick<FillModelConfig, "commissionRate">, quantity: number, price: number): number =>
  (config.commissionRate ?? 0) * quantity * price

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
