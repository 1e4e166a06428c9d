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

/** Which of the three strategy functions produced a value. */
export type StrategyPhase = "detect" | "filter" | "manage"

/** Builds the `invalid-action` error for a value of the wrong shape. */
export const invalidReturn = (script: string, fnName: string, what: string): StrategyError =>
  new StrategyError({
    kind: "invalid-action",
    script,
    detail: `${fnName} returned ${what}; expected nil or a table`
  })

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

/** A short description of a JS value for error messages (`a number (42)`, `a string ("x")`, `a function`). */
export const describeValue = (v: unknown): string => {
  switch (typeof v) {
    case "number":
    case "boolean":
    case "bigint":
      return `a ${typeof v} (${String(v)})`
    case "string":
      return `a string (${JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v)})`
    case "function":
      return "a function"
    case "symbol":
      return "a symbol"
    default:
      return Array.isArray(v) ? "an array" : v === null ? "null" : "an object"
  }
}
