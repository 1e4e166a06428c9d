/**
 * Message texts shared by the Lua host (in-process and inside a worker) and the TypeScript helper, so both kinds of
 * strategy report the same problem with the same words. Pure: no imports, safe to load in a worker.
 *
 * @module
 */

/** The `invalid-action` detail for a return value of the wrong shape. */
export const invalidReturnDetail = (fnName: string, what: string): string => `${fnName} returned ${what}; expected nil or a table`

/** The `missing-function` detail; `names` are the missing entry points, `all` every required one. */
export const missingFunctionsDetail = (names: ReadonlyArray<string>, all: ReadonlyArray<string>, how: string): string =>
  `missing function(s): ${names.join(", ")} (each of ${all.join(", ")} must be defined as ${how})`

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
    case "undefined":
      return "undefined"
    default:
      return Array.isArray(v) ? "an array" : v === null ? "null" : "an object"
  }
}
