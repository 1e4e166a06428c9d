/**
 * Turning what a strategy function returned into a {@link StrategyOutput}: shared by the Lua host and the TypeScript
 * helper so both follow exactly the same rules.
 *
 * - nothing (`nil` / `undefined`) → `undefined`;
 * - a record with an `action` field → checked with {@link validateAction} → `{ _tag: "Action" }`;
 * - a record without `action`, from the detect phase only → `{ _tag: "Opportunity", fields }`;
 * - anything else → a {@link StrategyError} of kind `invalid-action` naming the function and what it returned.
 *
 * @module
 */
import { validateAction, type StrategyOutput } from "../domain/action.ts"
import { StrategyError } from "../domain/errors.ts"
import { describeValue, invalidReturnDetail } from "./messages.ts"

export { describeValue }

/** Which of the three strategy functions produced a value. */
export type StrategyPhase = "detect" | "filter" | "manage"

/** Builds the `invalid-action` error for a value of the wrong shape. */
export const invalidReturn = (script: string, fnName: string, what: string): StrategyError =>
  new StrategyError({ kind: "invalid-action", script, detail: invalidReturnDetail(fnName, what) })

/**
 * Interprets a record returned by a strategy function (a Lua table already copied to JS, or a TS object).
 * Throws a {@link StrategyError} of kind `invalid-action` when the record is not acceptable.
 */
export const interpretRecord = (
  raw: Readonly<Record<string, unknown>>,
  phase: StrategyPhase,
  script: string,
  fnName: string
): StrategyOutput => {
  if (raw["action"] === undefined || raw["action"] === null) {
    if (phase === "detect") return { _tag: "Opportunity", fields: raw }
    throw new StrategyError({
      kind: "invalid-action",
      script,
      detail: `${fnName} returned a table without an 'action' field (only detect_opportunity may return an opportunity)`
    })
  }
  const checked = validateAction(raw)
  if (!checked.ok) {
    throw new StrategyError({ kind: "invalid-action", script, detail: `${fnName} returned an invalid action: ${checked.error}` })
  }
  return { _tag: "Action", action: checked.action }
}

/**
 * Interprets a Lua table returned by a strategy function, once copied to JS by `luaToJs` (a record, or an array for a
 * table with only the keys 1..n, which is refused as a list).
 */
export const interpretLuaTable = (raw: unknown, phase: StrategyPhase, script: string, fnName: string): StrategyOutput => {
  if (Array.isArray(raw)) throw invalidReturn(script, fnName, "a list (a table with only numeric keys)")
  return interpretRecord(raw as Readonly<Record<string, unknown>>, phase, script, fnName)
}
