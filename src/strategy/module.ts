/**
 * TypeScript (or JavaScript) strategy files for the CLI and `backtest({ strategy: "x.ts" })`: the module is imported
 * and its strategy definition taken, so `trading-engine backtest --strategy strategies/ema_crossover.ts` runs the same
 * engine as a Lua file, with the same `--param` overrides and the same validation.
 *
 * Which export is the strategy: `file.ts#name` names it; otherwise the default export, or else the one export that is
 * a definition (an object with a `name` and an `instantiate` function, as `defineStrategy` returns). Parameter
 * overrides need a definition that declares parameters (`defineStrategy({ params })`, whose `withParams` re-checks
 * them).
 *
 * TypeScript modules load where TypeScript can be imported: under tsx (the CLI, `npx tsx` scripts) or a Node that
 * strips types. A module is imported once per process (ES modules are cached), so an edit is not picked up by a later
 * load in the same process; hot reload is for Lua scripts (`hot-reload.ts`).
 *
 * @module
 */
import { Effect } from "effect"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { StrategyError } from "../domain/errors.ts"
import type { StrategyParamValue } from "../domain/params.ts"
import type { StrategyDefinition } from "../domain/strategy.ts"

/** File extensions loaded as strategy modules (everything else is a Lua script). */
export const STRATEGY_MODULE_EXTENSIONS: ReadonlyArray<string> = [".ts", ".mts", ".js", ".mjs"]

/** Splits `file.ts#export` into the file and the export name. */
const splitTarget = (target: string): { readonly file: string; readonly exportName: string | undefined } => {
  const hash = target.lastIndexOf("#")
  return hash > 0 ? { file: target.slice(0, hash), exportName: target.slice(hash + 1) } : { file: target, exportName: undefined }
}

/** Whether `target` (a path, optionally with `#export`) names a strategy module rather than a Lua script. */
export const isStrategyModule = (target: string): boolean =>
  STRATEGY_MODULE_EXTENSIONS.includes(path.extname(splitTarget(target).file).toLowerCase())

/** The file a strategy target reads (without its `#export`). */
export const strategyTargetFile = (target: string): string => splitTarget(target).file

const isDefinition = (value: unknown): value is StrategyDefinition =>
  typeof value === "object" && value !== null && typeof (value as { name?: unknown }).name === "string"
  && typeof (value as { instantiate?: unknown }).instantiate === "function"

type WithParams = StrategyDefinition & { withParams(overrides: Readonly<Record<string, StrategyParamValue>>): StrategyDefinition }

const hasWithParams = (d: StrategyDefinition): d is WithParams => typeof (d as { withParams?: unknown }).withParams === "function"

/**
 * What an import failure says, in one line. A syntax error comes from the TypeScript transformer under a "Transform
 * failed" heading: esbuild (tsx) writes `file:line:column: ERROR: reason`, oxc (vitest) the reason and then a code
 * frame holding `file:line:column`; both become `file:line:column: reason`. Otherwise the first line (Node puts
 * code frames below it).
 */
const importFailure = (e: unknown): string => {
  const text = (e instanceof Error ? e.message : String(e)).replace(/\u001b\[[0-9;]*m/g, "")
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l !== "")
  const esbuild = lines.find((l) => /:\d+:\d+: ERROR: /.test(l))
  if (esbuild !== undefined) return esbuild.replace(": ERROR: ", ": ")
  if (/^Transform failed/.test(lines[0] ?? "") && lines.length > 1) {
    const reason = lines[1]!.replace(/^\[[A-Z_]+\]\s*/, "")
    const where = /([^\s[\]]+:\d+:\d+)/.exec(lines.slice(2).join(" "))?.[1]
    return where !== undefined ? `${where}: ${reason}` : reason
  }
  return lines[0] ?? "unknown error"
}

/**
 * Imports a strategy module and returns its definition with `params` applied. Fails with a `StrategyError`: kind
 * `load` for a missing file, an import error (a syntax error names file:line:column) or no definition among the
 * exports; kind `params` for overrides the strategy refuses.
 */
export const loadStrategyModule = (
  target: string,
  options: { readonly params?: Readonly<Record<string, StrategyParamValue>> | undefined } = {}
): Effect.Effect<StrategyDefinition, StrategyError> =>
  Effect.gen(function*() {
    const { file, exportName } = splitTarget(target)
    const script = file
    const exports = yield* Effect.tryPromise({
      try: () => import(pathToFileURL(path.resolve(file)).href) as Promise<Record<string, unknown>>,
      catch: (e) => {
        const code = (e as { code?: unknown }).code
        const detail = code === "ERR_MODULE_NOT_FOUND" && importFailure(e).includes(path.resolve(file))
          ? "cannot read the file: no such file"
          : `cannot import the module: ${importFailure(e)}`
        return new StrategyError({ kind: "load", script, detail })
      }
    })
    const names = Object.keys(exports)
    let definition: StrategyDefinition
    if (exportName !== undefined) {
      const value = exports[exportName]
      if (!isDefinition(value)) {
        const detail = value === undefined
          ? `has no export named ${exportName} (exports: ${names.join(", ") || "none"})`
          : `export ${exportName} is not a strategy definition (build it with defineStrategy)`
        return yield* new StrategyError({ kind: "load", script, detail })
      }
      definition = value
    } else if (isDefinition(exports["default"])) {
      definition = exports["default"]
    } else {
      const candidates = names.filter((n) => isDefinition(exports[n]))
      if (candidates.length !== 1) {
        const detail = candidates.length === 0
          ? `exports no strategy definition: write \`export default defineStrategy({ ... })\` (exports: ${names.join(", ") || "none"})`
          : `exports several strategy definitions (${candidates.join(", ")}): choose one with ${file}#${candidates[0]}`
        return yield* new StrategyError({ kind: "load", script, detail })
      }
      definition = exports[candidates[0]!] as StrategyDefinition
    }
    const overrides = options.params ?? {}
    if (Object.keys(overrides).length === 0) return definition
    if (!hasWithParams(definition)) {
      return yield* new StrategyError({
        kind: "params",
        script,
        detail: `${Object.keys(overrides).join(", ")}: the strategy declares no parameters (declare them with defineStrategy({ params }))`
      })
    }
    return yield* Effect.try({
      try: () => definition.withParams(overrides) as StrategyDefinition,
      // named after the file (the definition names itself by its `name`), so the message says where to look
      catch: (e) => new StrategyError({ kind: "params", script, detail: e instanceof StrategyError ? e.detail : String(e) })
    })
  })
