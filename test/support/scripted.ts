/**
 * A strategy for engine tests: a function decides what each call returns, and every call is logged.
 */
import type { Action, StrategyOutput } from "../../src/domain/action.ts"
import type { Bar, SymbolName } from "../../src/domain/bar.ts"
import type { IndicatorView, PositionView, StrategyDefinition, StrategyInstance, TradeStateName } from "../../src/domain/strategy.ts"

export interface Call {
  readonly symbol: string
  readonly phase: TradeStateName
  readonly timestamp: number
  readonly close: number
}

export const act = (action: Action): StrategyOutput => ({ _tag: "Action", action })
export const opportunity = (fields: Record<string, unknown>): StrategyOutput => ({ _tag: "Opportunity", fields })

export const scripted = (
  decide: (phase: TradeStateName, bar: Bar, ind: IndicatorView, ctx: Record<string, unknown>) => StrategyOutput,
  log: Array<Call> = []
): StrategyDefinition & { readonly log: Array<Call>; readonly positions: Array<PositionView | undefined> } => {
  const positions: Array<PositionView | undefined> = []
  return {
    name: "scripted",
    log,
    positions,
    instantiate(symbol: SymbolName): StrategyInstance {
      const ctx: Record<string, unknown> = {}
      const call = (phase: TradeStateName) => (bar: Bar, ind: IndicatorView) => {
        log.push({ symbol, phase, timestamp: bar.timestamp, close: bar.close })
        return decide(phase, bar, ind, ctx)
      }
      return {
        symbol,
        detectOpportunity: call("Watch"),
        filterCommitment: call("CloseWatch"),
        managePosition: call("InTrade"),
        mergeContext: (fields) => Object.assign(ctx, fields),
        setPosition: (p) => {
          positions.push(p)
          ctx["position"] = p
        },
        snapshotContext: () => ({ ...ctx }),
        dispose: () => {}
      }
    }
  }
}
