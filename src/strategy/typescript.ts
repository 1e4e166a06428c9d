/**
 * TypeScript strategies with the same semantics as Lua ones: the three functions receive the bar, a mutable context
 * object that persists between calls of one symbol, and the indicator view; they return nothing, an action, or (from
 * `detectOpportunity`) an opportunity record that is merged into the context when the machine enters CloseWatch.
 *
 * @module
 */
import type { Action, StrategyOutput } from "../domain/action.ts"
import type { Bar, SymbolName } from "../domain/bar.ts"
import { StrategyError } from "../domain/errors.ts"
import type { IndicatorView, PositionView, StrategyDefinition, StrategyInstance } from "../domain/strategy.ts"
import { toJsonSafe, setOwn } from "./json.ts"
import { describeValue, interpretRecord, invalidReturn, type StrategyPhase } from "./output.ts"

/** What the context of a TypeScript strategy always carries: the open position (set by the engine), if any. */
export interface StrategyContextBase {
  position: PositionView | undefined
}

/** What a TypeScript strategy function may return, like a Lua one: nothing, an action, or an opportunity record. */
export type StrategyReturn = Action | Readonly<Record<string, unknown>> | undefined | void

/** One strategy function: the bar, the symbol's context, the indicators. */
export type StrategyFunction<Ctx> = (bar: Bar, ctx: Ctx & StrategyContextBase, indicators: IndicatorView) => StrategyReturn

/** The parts of a TypeScript strategy given to {@link defineStrategy}. */
export interface TypeScriptStrategySpec<Ctx extends object> {
  /** The strategy's name (used in results and error messages). */
  readonly name: string
  /** Makes the initial context of one symbol (default `{}`); called once per `instantiate`. */
  readonly init?: (symbol: SymbolName) => Ctx
  /** Watch: return an opportunity record (→ CloseWatch), `start_analyzing`, an entry, or nothing. */
  readonly detectOpportunity: StrategyFunction<Ctx>
  /** CloseWatch: return an entry, `cancel_analysis`, or nothing. */
  readonly filterCommitment: StrategyFunction<Ctx>
  /** InTrade: return `exit`, `update_stop_loss`, `update_take_profit`, or nothing. */
  readonly managePosition: StrategyFunction<Ctx>
}

const FN_NAMES: Record<StrategyPhase, string> = {
  detect: "detectOpportunity",
  filter: "filterCommitment",
  manage: "managePosition"
}

/**
 * Builds a {@link StrategyDefinition} from TypeScript functions. Returned records are checked exactly like Lua
 * tables (see `output.ts`): records with `action` are validated with `validateAction`; records without it are
 * opportunities (detect phase only); anything else is a `StrategyError` of kind `invalid-action`. An exception thrown
 * by a function becomes a `StrategyError` of kind `runtime`.
 */
export const defineStrategy = <Ctx extends object = Record<string, unknown>>(spec: TypeScriptStrategySpec<Ctx>): StrategyDefinition => ({
  name: spec.name,
  instantiate: (symbol: SymbolName): StrategyInstance => {
    const base = spec.init !== undefined ? spec.init(symbol) : ({} as Ctx)
    const ctx = base as Ctx & StrategyContextBase
    const script = spec.name

    const call = (phase: StrategyPhase, fn: StrategyFunction<Ctx>, bar: Bar, indicators: IndicatorView): StrategyOutput => {
      let out: StrategyReturn
      try {
        out = fn(bar, ctx, indicators)
      } catch (e) {
        if (e instanceof StrategyError) throw e
        throw new StrategyError({
          kind: "runtime",
          script,
          detail: `${FN_NAMES[phase]} threw: ${e instanceof Error ? e.message : String(e)}`,
          ...(e instanceof Error && e.stack !== undefined ? { traceback: e.stack } : {})
        })
      }
      if (out === undefined || out === null) return undefined
      if (typeof out !== "object" || Array.isArray(out)) throw invalidReturn(script, FN_NAMES[phase], describeValue(out))
      return interpretRecord(out as Readonly<Record<string, unknown>>, phase, script, FN_NAMES[phase])
    }

    return {
      symbol,
      detectOpportunity: (bar, indicators) => call("detect", spec.detectOpportunity, bar, indicators),
      filterCommitment: (bar, indicators) => call("filter", spec.filterCommitment, bar, indicators),
      managePosition: (bar, indicators) => call("manage", spec.managePosition, bar, indicators),
      mergeContext: (fields) => {
        for (const key of Object.keys(fields)) setOwn(ctx as Record<string, unknown>, key, fields[key])
      },
      setPosition: (position) => {
        ctx.position = position
      },
      snapshotContext: () => (toJsonSafe(ctx) ?? {}) as Record<string, unknown>,
      dispose: () => {}
    }
  }
})
