/**
 * Strategy parameters: what a strategy declares (name, type, default, bounds) and how overrides from the CLI
 * (`--param fast=12`), config files or the library are checked against the declarations. Pure: the Lua host and
 * `defineStrategy` collect the declarations; this module resolves the values.
 *
 * @module
 */

/** A value as it would be written in a script or on the command line (`12`, `"fast"`, `nil`). */
const describeValue = (v: unknown): string =>
  v === undefined || v === null ? "nil" : typeof v === "string" ? JSON.stringify(v) : typeof v === "number" || typeof v === "boolean" ? String(v) : typeof v

/** The type of a parameter. `integer` is a number with no fractional part. */
export type StrategyParamType = "integer" | "number" | "boolean" | "string"

/** A parameter value. */
export type StrategyParamValue = number | boolean | string

/** One declared parameter. Bounds are inclusive and apply to numbers; `choices` to strings. */
export interface StrategyParamSpec {
  readonly name: string
  readonly type: StrategyParamType
  readonly default: StrategyParamValue
  readonly min?: number | undefined
  readonly max?: number | undefined
  /** Allowed values of a string parameter. */
  readonly choices?: ReadonlyArray<string> | undefined
  readonly description?: string | undefined
}

/** Resolved values by name. */
export type StrategyParamValues = Readonly<Record<string, StrategyParamValue>>

/** An override: a typed value, or text from the command line to be read according to the declared type. */
export type StrategyParamOverride = StrategyParamValue

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/** The reason `value` does not fit `spec`, or `undefined` when it does. */
export const checkParamValue = (spec: StrategyParamSpec, value: unknown): string | undefined => {
  switch (spec.type) {
    case "boolean":
      return typeof value === "boolean" ? undefined : `expected true or false, got ${describeValue(value)}`
    case "string":
      if (typeof value !== "string") return `expected a string, got ${describeValue(value)}`
      if (spec.choices !== undefined && !spec.choices.includes(value)) {
        return `expected one of ${spec.choices.map((c) => JSON.stringify(c)).join(", ")}, got ${JSON.stringify(value)}`
      }
      return undefined
    case "integer":
    case "number": {
      if (typeof value !== "number" || !Number.isFinite(value)) return `expected a finite number, got ${describeValue(value)}`
      if (spec.type === "integer" && !Number.isInteger(value)) return `expected an integer, got ${describeValue(value)}`
      if (spec.min !== undefined && value < spec.min) return `must be >= ${spec.min}, got ${describeValue(value)}`
      if (spec.max !== undefined && value > spec.max) return `must be <= ${spec.max}, got ${describeValue(value)}`
      return undefined
    }
  }
}

/** Checks a declaration itself (a strategy bug, not a user one): name, type, bounds, default within them. */
export const checkParamSpec = (spec: StrategyParamSpec): string | undefined => {
  if (!NAME.test(spec.name)) return `parameter name ${JSON.stringify(spec.name)} must be an identifier`
  if (!["integer", "number", "boolean", "string"].includes(spec.type)) {
    return `parameter ${spec.name}: type must be integer, number, boolean or string, got ${describeValue(spec.type)}`
  }
  if (spec.min !== undefined && spec.max !== undefined && spec.min > spec.max) {
    return `parameter ${spec.name}: min ${spec.min} is above max ${spec.max}`
  }
  const problem = checkParamValue(spec, spec.default)
  return problem === undefined ? undefined : `parameter ${spec.name}: default ${problem}`
}

/** Reads command-line text as a value of the declared type; returns the text itself when it cannot (the check reports it). */
export const parseParamText = (spec: StrategyParamSpec, text: string): StrategyParamValue => {
  switch (spec.type) {
    case "boolean":
      return text === "true" ? true : text === "false" ? false : text
    case "string":
      return text
    case "integer":
    case "number": {
      const n = Number(text)
      return text.trim() === "" || Number.isNaN(n) ? text : n
    }
  }
}

/**
 * The values of every declared parameter: the override when given (text read by the declared type), else the
 * default. Returns the problems instead when an override names no declared parameter or does not fit its
 * declaration; each problem names the parameter (`fast: must be >= 2, got 1`).
 */
export const resolveStrategyParams = (
  specs: ReadonlyArray<StrategyParamSpec>,
  overrides: Readonly<Record<string, StrategyParamOverride>> = {}
): { readonly ok: true; readonly values: StrategyParamValues } | { readonly ok: false; readonly problems: ReadonlyArray<string> } => {
  const problems: Array<string> = []
  const byName = new Map(specs.map((s) => [s.name, s]))
  for (const name of Object.keys(overrides)) {
    if (!byName.has(name)) {
      const known = specs.length === 0 ? "the strategy declares no parameters" : `declared: ${specs.map((s) => s.name).join(", ")}`
      problems.push(`${name}: unknown parameter (${known})`)
    }
  }
  const values: Record<string, StrategyParamValue> = {}
  for (const spec of specs) {
    const given = Object.prototype.hasOwnProperty.call(overrides, spec.name) ? overrides[spec.name] : undefined
    const value = given === undefined ? spec.default : typeof given === "string" ? parseParamText(spec, given) : given
    const problem = checkParamValue(spec, value)
    if (problem !== undefined) problems.push(`${spec.name}: ${problem}`)
    else values[spec.name] = value
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, values }
}

/**
 * Parses `name=value` assignments (`--param fast=12 --param mode=breakout`) into overrides, as text to be read by
 * {@link resolveStrategyParams}. Returns the malformed assignment's message instead.
 */
export const parseParamAssignments = (
  assignments: ReadonlyArray<string>
): { readonly ok: true; readonly overrides: Record<string, string> } | { readonly ok: false; readonly problem: string } => {
  const overrides: Record<string, string> = {}
  for (const a of assignments) {
    const eq = a.indexOf("=")
    const name = eq < 0 ? "" : a.slice(0, eq).trim()
    if (eq < 0 || !NAME.test(name)) return { ok: false, problem: `expected name=value, got ${JSON.stringify(a)}` }
    if (Object.prototype.hasOwnProperty.call(overrides, name)) return { ok: false, problem: `${name} is given twice` }
    overrides[name] = a.slice(eq + 1).trim()
  }
  return { ok: true, overrides }
}
