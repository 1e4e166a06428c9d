/**
 * EMA crossover in TypeScript: the same rules as `ema_crossover.lua`, decision for decision, so the two can be
 * compared (a test checks they make identical trades) and so the benchmark measures the Lua host, not the rules.
 *
 * Watch: a fresh cross of EMA(fast) above EMA(slow) → CloseWatch. CloseWatch: enter long when the close is above the
 * slow EMA (stop `stopPct` below the close), cancel when the EMAs cross back or after `confirmBars` bars.
 * InTrade: exit on the opposite cross.
 */
import { defineStrategy } from "../src/strategy/typescript.ts"
import type { StrategyDefinition } from "../src/domain/strategy.ts"

/** Parameters of {@link emaCrossover}. */
export interface EmaCrossoverParams {
  readonly fast: number
  readonly slow: number
  /** Below 1: a fraction of equity; 1 or more: units. */
  readonly quantity: number
  readonly stopPct: number
  readonly confirmBars: number
}

/** The defaults match the Lua script's constants. */
export const defaultEmaCrossoverParams: EmaCrossoverParams = { fast: 12, slow: 26, quantity: 0.95, stopPct: 0.05, confirmBars: 3 }

interface Ctx {
  prevDiff: number | undefined
  direction: "long" | undefined
  waited: number
}

/** Builds the EMA crossover strategy. */
export const emaCrossover = (params: EmaCrossoverParams = defaultEmaCrossoverParams): StrategyDefinition => {
  const { fast, slow, quantity, stopPct, confirmBars } = params
  return defineStrategy<Ctx>({
    name: "ema_crossover.ts",
    init: () => ({ prevDiff: undefined, direction: undefined, waited: 0 }),
    detectOpportunity(_bar, ctx, ind) {
      const f = ind.ema(fast)
      const s = ind.ema(slow)
      if (f === undefined || s === undefined) return undefined
      const diff = f - s
      const prev = ctx.prevDiff
      ctx.prevDiff = diff
      if (prev === undefined) return undefined
      if (prev <= 0 && diff > 0) return { direction: "long", waited: 0 }
      return undefined
    },
    filterCommitment(bar, ctx, ind) {
      const f = ind.ema(fast)
      const s = ind.ema(slow)
      if (f === undefined || s === undefined) return undefined
      const diff = f - s
      ctx.prevDiff = diff
      ctx.waited += 1
      if (diff <= 0) return { action: "cancel_analysis", reason: "fast EMA fell back below slow EMA" }
      if (bar.close > s) {
        return {
          action: "enter_long",
          quantity,
          price: bar.close,
          stop_loss: bar.close * (1 - stopPct),
          reason: `EMA${fast} crossed above EMA${slow}`
        }
      }
      if (ctx.waited >= confirmBars) return { action: "cancel_analysis", reason: `no confirmation within ${confirmBars} bars` }
      return undefined
    },
    managePosition(_bar, ctx, ind) {
      const f = ind.ema(fast)
      const s = ind.ema(slow)
      if (f === undefined || s === undefined) return undefined
      const diff = f - s
      ctx.prevDiff = diff
      if (ctx.position === undefined) return undefined
      if (diff < 0) return { action: "exit", reason: `EMA${fast} crossed below EMA${slow}` }
      return undefined
    }
  })
}

/** The strategy with its default parameters: what `trading-engine backtest --strategy strategies/ema_crossover.ts` runs. */
export default emaCrossover()
