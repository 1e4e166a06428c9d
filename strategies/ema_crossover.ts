/**
 * EMA crossover in TypeScript: the same rules as `ema_crossover.lua`, decision for decision, so the two can be
 * compared (a test checks they make identical trades) and so the benchmark measures the Lua host, not the rules.
 *
 * Watch: a fresh cross of EMA(fast) above EMA(slow) → CloseWatch. CloseWatch: enter long when the close is above the
 * slow EMA (stop `stop_pct` below the close), cancel when the EMAs cross back or after `confirm_bars` bars.
 * InTrade: exit on the opposite cross.
 *
 * The parameters are declared as in the Lua script (same names, defaults and bounds), so
 * `trading-engine backtest --strategy strategies/ema_crossover.ts --param fast=20` and `validate` work the same.
 */
import { defineStrategy, type ParamValuesOf, type TypeScriptStrategyDefinition } from "../src/strategy/typescript.ts"

/** Parameters of {@link emaCrossover} (camelCase names of the declared `fast`, `slow`, `quantity`, `stop_pct`, `confirm_bars`). */
export interface EmaCrossoverParams {
  readonly fast: number
  readonly slow: number
  /** Below 1: a fraction of equity; 1 or more: units. */
  readonly quantity: number
  readonly stopPct: number
  readonly confirmBars: number
}

/** The defaults match the Lua script's. */
export const defaultEmaCrossoverParams: EmaCrossoverParams = { fast: 12, slow: 26, quantity: 0.95, stopPct: 0.05, confirmBars: 3 }

const PARAMS = {
  fast: { default: 12, min: 1, max: 1000, description: "fast EMA period" },
  slow: { default: 26, min: 2, max: 2000, description: "slow EMA period" },
  quantity: { default: 0.95, min: 0.0001, max: 1e9, description: "below 1: fraction of equity; else units" },
  stop_pct: { default: 0.05, min: 0.0001, max: 0.99, description: "stop distance from the close" },
  confirm_bars: { default: 3, min: 1, max: 1000, description: "bars CloseWatch waits" }
} as const

type Params = ParamValuesOf<typeof PARAMS>

interface Ctx {
  prevDiff: number | undefined
  direction: "long" | undefined
  waited: number
}

/** The strategy with its default parameters: what `trading-engine backtest --strategy strategies/ema_crossover.ts` runs. */
const definition: TypeScriptStrategyDefinition = defineStrategy<Ctx, typeof PARAMS>({
  name: "ema_crossover.ts",
  params: PARAMS,
  init: () => ({ prevDiff: undefined, direction: undefined, waited: 0 }),
  detectOpportunity(_bar, ctx, ind, p: Params) {
    const f = ind.ema(p.fast)
    const s = ind.ema(p.slow)
    if (f === undefined || s === undefined) return undefined
    const diff = f - s
    const prev = ctx.prevDiff
    ctx.prevDiff = diff
    if (prev === undefined) return undefined
    if (prev <= 0 && diff > 0) return { direction: "long", waited: 0 }
    return undefined
  },
  filterCommitment(bar, ctx, ind, p: Params) {
    const f = ind.ema(p.fast)
    const s = ind.ema(p.slow)
    if (f === undefined || s === undefined) return undefined
    const diff = f - s
    ctx.prevDiff = diff
    ctx.waited += 1
    if (diff <= 0) return { action: "cancel_analysis", reason: "fast EMA fell back below slow EMA" }
    if (bar.close > s) {
      return {
        action: "enter_long",
        quantity: p.quantity,
        price: bar.close,
        stop_loss: bar.close * (1 - p.stop_pct),
        reason: `EMA${p.fast} crossed above EMA${p.slow}`
      }
    }
    if (ctx.waited >= p.confirm_bars) return { action: "cancel_analysis", reason: `no confirmation within ${p.confirm_bars} bars` }
    return undefined
  },
  managePosition(_bar, ctx, ind, p: Params) {
    const f = ind.ema(p.fast)
    const s = ind.ema(p.slow)
    if (f === undefined || s === undefined) return undefined
    const diff = f - s
    ctx.prevDiff = diff
    if (ctx.position === undefined) return undefined
    if (diff < 0) return { action: "exit", reason: `EMA${p.fast} crossed below EMA${p.slow}` }
    return undefined
  }
})

export default definition

/** Builds the EMA crossover strategy with these parameters (the defaults when omitted). */
export const emaCrossover = (params: EmaCrossoverParams = defaultEmaCrossoverParams): TypeScriptStrategyDefinition =>
  definition.withParams({
    fast: params.fast,
    slow: params.slow,
    quantity: params.quantity,
    stop_pct: params.stopPct,
    confirm_bars: params.confirmBars
  })
