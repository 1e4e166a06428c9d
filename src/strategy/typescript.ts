/**
 * TypeScript strategies with the same semantics as Lua ones: the three functions receive the bar, a mutable context
 * object that persists between calls of one symbol, the indicator view and the resolved parameters; they return
 * nothing, an action, or (from `detectOpportunity`) an opportunity record that is merged into the context when the
 * machine enters CloseWatch.
 *
 * The same contract and validation as the Lua host: the same return-value rules and messages (`output.ts`), the same
 * parameter declarations and checks (`domain/params.ts`), `missing-function` for an absent entry point, `runtime`
 * for an exception. The instruction, time and memory limits of Lua do not apply: TypeScript strategies are trusted
 * code running natively.
 *
 * @module
 */
import type { Action, StrategyOutput } from "../domain/action.ts"
import type { Bar, SymbolName } from "../domain/bar.ts"
import { StrategyError } from "../domain/errors.ts"
import {
  checkParamSpec,
  resolveStrategyParams,
  type StrategyParamSpec,
  type StrategyParamType,
  type StrategyParamValue,
  type StrategyParamValues
} from "../domain/params.ts"
import type { IndicatorView, PositionView, StrategyDefinition, StrategyInstance } from "../domain/strategy.ts"
import { setOwn, toJsonSafe } from "./json.ts"
import { describeValue, missingFunctionsDetail } from "./messages.ts"
import { interpretRecord, invalidReturn, type StrategyPhase } from "./output.ts"

/** What the context of a TypeScript strategy always carries: the open position (set by the engine), if any. */
export interface StrategyContextBase {
  position: PositionView | undefined
}

/** What a TypeScript strategy function may return, like a Lua one: nothing, an action, or an opportunity record. */
export type StrategyReturn = Action | Readonly<Record<string, unknown>> | undefined | void

/**
 * One declared parameter of a TypeScript strategy. The default gives the type unless `type` says otherwise: an
 * integral number is `integer`, any other number `number`; booleans and strings are themselves.
 */
export interface TypeScriptParamSpec<V extends StrategyParamValue = StrategyParamValue> {
  readonly default: V
  readonly type?: StrategyParamType
  /** Inclusive bounds of a number parameter. */
  readonly min?: number
  readonly max?: number
  /** Allowed values of a string parameter. */
  readonly choices?: ReadonlyArray<string>
  readonly description?: string
}

/** The parameter declarations of a TypeScript strategy, by name. */
export type TypeScriptParamSpecs = Readonly<Record<string, TypeScriptParamSpec>>

type Widen<D> = D extends number ? number : D extends boolean ? boolean : D extends string ? string : never

/** The resolved values of declarations `P`: `{ fast: { default: 12 } }` → `{ readonly fast: number }`. */
export type ParamValuesOf<P extends TypeScriptParamSpecs> = { readonly [K in keyof P]: Widen<P[K]["default"]> }

/** One strategy function: the bar, the symbol's context, the indicators, the parameter values. */
export type StrategyFunction<Ctx, P extends TypeScriptParamSpecs = TypeScriptParamSpecs> = (
  bar: Bar,
  ctx: Ctx & StrategyContextBase,
  indicators: IndicatorView,
  params: ParamValuesOf<P>
) => StrategyReturn

/** The parts of a TypeScript strategy given to {@link defineStrategy}. */
export interface TypeScriptStrategySpec<Ctx extends object, P extends TypeScriptParamSpecs = TypeScriptParamSpecs> {
  /** The strategy's name (used in results and error messages). */
  readonly name: string
  /** Parameter declarations; the functions receive the resolved values as their last argument. */
  readonly params?: P
  /** Makes the initial context of one symbol (default `{}`); called once per `instantiate`. */
  readonly init?: (symbol: SymbolName, params: ParamValuesOf<P>) => Ctx
  /** Watch: return an opportunity record (→ CloseWatch), `start_analyzing`, an entry, or nothing. */
  readonly detectOpportunity: StrategyFunction<Ctx, P>
  /** CloseWatch: return an entry, `cancel_analysis`, or nothing. */
  readonly filterCommitment: StrategyFunction<Ctx, P>
  /** InTrade: return `exit`, `update_stop_loss`, `update_take_profit`, or nothing. */
  readonly managePosition: StrategyFunction<Ctx, P>
  /** Whether a hot reload carries the symbols' contexts over (default true). */
  readonly reloadKeepsContext?: boolean
}

/** A TypeScript strategy: a {@link StrategyDefinition} with its parameters, re-parameterisable. */
export interface TypeScriptStrategyDefinition extends StrategyDefinition {
  readonly params: ReadonlyArray<StrategyParamSpec>
  readonly paramValues: StrategyParamValues
  readonly reloadKeepsContext: boolean
  /** The same strategy with other overrides (validated again; throws a `params` StrategyError). */
  withParams(overrides: Readonly<Record<string, StrategyParamValue>>): TypeScriptStrategyDefinition
}

const FN_NAMES: Record<StrategyPhase, string> = {
  detect: "detectOpportunity",
  filter: "filterCommitment",
  manage: "managePosition"
}
const ENTRY_POINTS = ["detectOpportunity", "filterCommitment", "managePosition"] as const
const SPEC_FIELDS = ["default", "type", "min", "max", "choices", "description"]

/** How an exception reads in a `runtime` detail (Lua says the same of a non-string error object). */
const thrownText = (e: unknown): string =>
  e instanceof Error ? e.message : typeof e === "string" ? e : `(error object is ${describeValue(e)})`

const runtimeError = (script: string, what: string, e: unknown): StrategyError =>
  new StrategyError({
    kind: "runtime",
    script,
    detail: `${what} threw: ${thrownText(e)}`,
    ...(e instanceof Error && e.stack !== undefined ? { traceback: e.stack } : {})
  })

/** The declarations as {@link StrategyParamSpec}s, checked like Lua's `param(...)`. */
const declarations = (script: string, params: TypeScriptParamSpecs | undefined): Array<StrategyParamSpec> => {
  const specs: Array<StrategyParamSpec> = []
  const fail = (detail: string): never => {
    throw new StrategyError({ kind: "params", script, detail })
  }
  for (const [name, s] of Object.entries(params ?? {})) {
    if (s === null || typeof s !== "object") return fail(`param(${JSON.stringify(name)}): expected { default: ..., ... }, got ${describeValue(s)}`)
    const unknown = Object.keys(s).find((k) => !SPEC_FIELDS.includes(k))
    if (unknown !== undefined) return fail(`param(${JSON.stringify(name)}): unknown field '${unknown}' (the fields are ${SPEC_FIELDS.join(", ")})`)
    const d: unknown = s.default
    if (typeof d !== "number" && typeof d !== "boolean" && typeof d !== "string") {
      return fail(`param(${JSON.stringify(name)}): default must be a number, a string or a boolean, got ${describeValue(d)}`)
    }
    const type: StrategyParamType = s.type ?? (typeof d === "number" ? (Number.isInteger(d) ? "integer" : "number") : typeof d === "boolean" ? "boolean" : "string")
    const spec: StrategyParamSpec = {
      name,
      type,
      default: d,
      ...(s.min !== undefined ? { min: s.min } : {}),
      ...(s.max !== undefined ? { max: s.max } : {}),
      ...(s.choices !== undefined ? { choices: [...s.choices] } : {}),
      ...(s.description !== undefined ? { description: s.description } : {})
    }
    if ((spec.min !== undefined || spec.max !== undefined) && type !== "integer" && type !== "number") {
      return fail(`param(${JSON.stringify(name)}): min and max apply to number parameters only (this one is a ${type})`)
    }
    if (spec.choices !== undefined && type !== "string") return fail(`param(${JSON.stringify(name)}): choices apply to string parameters only (this one is a ${type})`)
    const problem = checkParamSpec(spec)
    if (problem !== undefined) return fail(`param(${JSON.stringify(name)}): ${problem.replace(`parameter ${name}: `, "")}`)
    specs.push(spec)
  }
  return specs
}

/**
 * Builds a {@link StrategyDefinition} from TypeScript functions. Returned records are checked exactly like Lua
 * tables (see `output.ts`): records with `action` are validated with `validateAction`; records without it are
 * opportunities (detect phase only); anything else is a `StrategyError` of kind `invalid-action`. An exception thrown
 * by a function (or by `init`) becomes a `StrategyError` of kind `runtime`.
 *
 * Parameters: `params` declares them (`{ fast: { default: 12, min: 2, max: 200 } }`); `overrides` (values, or text
 * read by the declared type, as from `--param fast=12`) are validated against them, and every function receives the
 * resolved values, typed from the declarations, as its last argument. Throws a `StrategyError` of kind `params` for an
 * invalid declaration or override, and `missing-function` when an entry point is not a function.
 */
export const defineStrategy = <Ctx extends object = Record<string, unknown>, P extends TypeScriptParamSpecs = TypeScriptParamSpecs>(
  spec: TypeScriptStrategySpec<Ctx, P>,
  overrides: Readonly<Record<string, StrategyParamValue>> = {}
): TypeScriptStrategyDefinition => {
  const script = spec.name
  const missing = ENTRY_POINTS.filter((n) => typeof spec[n] !== "function")
  if (missing.length > 0) {
    throw new StrategyError({ kind: "missing-function", script, detail: missingFunctionsDetail(missing, ENTRY_POINTS, "a function") })
  }
  const specs = declarations(script, spec.params)
  const resolved = resolveStrategyParams(specs, overrides)
  if (!resolved.ok) throw new StrategyError({ kind: "params", script, detail: resolved.problems.join("; ") })
  const values = Object.freeze({ ...resolved.values }) as ParamValuesOf<P>

  return {
    name: spec.name,
    params: specs,
    paramValues: values as StrategyParamValues,
    reloadKeepsContext: spec.reloadKeepsContext ?? true,
    withParams: (next) => defineStrategy(spec, next),
    instantiate: (symbol: SymbolName): StrategyInstance => {
      let base: Ctx
      try {
        base = spec.init !== undefined ? spec.init(symbol, values) : ({} as Ctx)
      } catch (e) {
        if (e instanceof StrategyError) throw e
        throw runtimeError(script, "init", e)
      }
      const ctx = base as Ctx & StrategyContextBase

      const call = (phase: StrategyPhase, fn: StrategyFunction<Ctx, P>, bar: Bar, indicators: IndicatorView): StrategyOutput => {
        let out: StrategyReturn
        try {
          out = fn(bar, ctx, indicators, values)
        } catch (e) {
          if (e instanceof StrategyError) throw e
          throw runtimeError(script, FN_NAMES[phase], e)
        }
        if (out === undefined || out === null) return undefined
        if (typeof out !== "object" || Array.isArray(out)) throw invalidReturn(script, FN_NAMES[phase], describeValue(out))
        if (typeof (out as { then?: unknown }).then === "function") {
          throw invalidReturn(script, FN_NAMES[phase], "a Promise (strategy functions must be synchronous)")
        }
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
  }
}
