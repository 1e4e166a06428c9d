/**
 * The Lua strategy host: runs strategy scripts written against the Lua API (see `docs/strategy-guide.md`) on
 * fengari (Lua 5.3 in JavaScript), one sandboxed VM per symbol (`vm.ts`).
 *
 * Two isolations (option `isolation`):
 * - `"none"` (default): the VMs run in the engine's thread. Fastest. Every call has an instruction budget and a
 *   wall-clock budget, and strings are capped, but the total memory of a VM is not: a script that keeps growing a
 *   table over many bars can exhaust the process.
 * - `"worker"`: each symbol's VM runs in its own worker thread with a V8 heap limit (`memoryLimitMb`), called
 *   synchronously through shared memory (`worker-host.ts`). A VM that runs out of memory, or hangs inside one library
 *   call past its wall-clock budget, is stopped with kind `memory` or `timeout`; the engine and the other symbols go
 *   on. Slower per bar (see docs/lua-performance.md).
 *
 * @module
 */
import * as fs from "node:fs/promises"
import * as nodePath from "node:path"
import { Effect } from "effect"
import { to_luastring, type LuaString } from "fengari"
import type { StrategyOutput } from "../../domain/action.ts"
import type { Bar, SymbolName } from "../../domain/bar.ts"
import { StrategyError } from "../../domain/errors.ts"
import type { StrategyParamSpec, StrategyParamValue, StrategyParamValues } from "../../domain/params.ts"
import type { IndicatorView, PositionView, StrategyDefinition, StrategyInstance } from "../../domain/strategy.ts"
import { interpretLuaTable } from "../output.ts"
import { DEFAULT_HOOK_INTERVAL, DEFAULT_INSTRUCTION_LIMIT, DEFAULT_MAX_STRING_BYTES, DEFAULT_TIMEOUT_MS, defaultTimeoutMs, DETECT, FILTER, LuaVm, MANAGE, type LuaVmOptions, type VmFailure } from "./vm.ts"
import type { LuaHostSettings } from "./protocol.ts"
import { DEFAULT_MEMORY_LIMIT_MB, WorkerLuaInstance } from "./worker-host.ts"

export { DEFAULT_INSTRUCTION_LIMIT, DEFAULT_MAX_STRING_BYTES, DEFAULT_MEMORY_LIMIT_MB, DEFAULT_TIMEOUT_MS }

/** Where a Lua strategy's VMs run: in the engine's thread, or one worker thread per symbol. */
export type LuaIsolation = "none" | "worker"

/** Options of {@link compileLuaStrategy} and {@link loadLuaStrategy}. */
export interface LuaStrategyOptions {
  /** The definition's name; defaults to the script's file name without `.lua`. */
  readonly name?: string
  /** Lua VM instructions allowed per call (default {@link DEFAULT_INSTRUCTION_LIMIT}); exceeding it fails with kind `limit`. */
  readonly instructionLimit?: number
  /**
   * Wall-clock milliseconds allowed per call; exceeding it fails with kind `timeout`. Default: 1 µs per instruction of
   * `instructionLimit`, at least {@link DEFAULT_TIMEOUT_MS} (1 s with the default instruction budget).
   */
  readonly timeoutMs?: number
  /** Largest Lua string in bytes (default {@link DEFAULT_MAX_STRING_BYTES}, 16 MiB); a larger one fails with kind `memory`. */
  readonly maxStringBytes?: number
  /** `"none"` (default) or `"worker"`: see the module documentation. */
  readonly isolation?: LuaIsolation
  /**
   * With `isolation: "worker"`: the V8 heap of each symbol's worker, in MiB (default {@link DEFAULT_MEMORY_LIMIT_MB}),
   * and the cap on the memory of its strings (checked by the count hook and on every string over 1 MiB).
   */
  readonly memoryLimitMb?: number
  /** Open the `coroutine` library (default false); coroutines run under the same limits as the rest of the script. */
  readonly coroutines?: boolean
  /**
   * Parameter overrides by name: values of the declared type, or text read by the declared type (as from
   * `--param fast=12`). Checked against the script's `param(...)` declarations; a problem is kind `params`.
   */
  readonly params?: Readonly<Record<string, StrategyParamValue>> | undefined
  /** Where the script's `print` goes; defaults to standard error, prefixed with the script and symbol. */
  readonly print?: (line: string, symbol: string) => void
  /**
   * Use only fengari's public C API for the per-bar call (bar fields passed as arguments to a Lua stepper), instead
   * of writing them straight into the `market_data` table (see `market-data-writer.ts`). Slower; for testing and as
   * the fallback the host picks by itself when fengari's internals do not match.
   */
  readonly portable?: boolean
  /** Instructions between two checks of the count hook (default 10,000); tests lower it. */
  readonly hookInterval?: number
}

/** A compiled Lua strategy: a {@link StrategyDefinition} with its parameters, re-parameterisable. */
export interface LuaStrategyDefinition extends StrategyDefinition {
  readonly params: ReadonlyArray<StrategyParamSpec>
  readonly paramValues: StrategyParamValues
  readonly reloadKeepsContext: boolean
  /** The same script with other parameter overrides (validated again; throws a `params` StrategyError). */
  withParams(overrides: Readonly<Record<string, StrategyParamValue>>): LuaStrategyDefinition
}

/** The StrategyError of a VM failure in `script`. */
export const toStrategyError = (script: string, f: VmFailure): StrategyError =>
  new StrategyError({
    kind: f.kind,
    script,
    detail: f.detail,
    ...(f.line !== undefined ? { line: f.line } : {}),
    ...(f.traceback !== undefined ? { traceback: f.traceback } : {})
  })

/** VM options for `settings` in this thread; `print` receives each line of the script's `print`. */
export const vmOptions = (settings: LuaHostSettings, symbol: string, print: (line: string) => void, makeError: (f: VmFailure) => unknown): LuaVmOptions => ({
  script: settings.script,
  symbol,
  instructionLimit: settings.instructionLimit,
  timeoutMs: settings.timeoutMs,
  maxStringBytes: settings.maxStringBytes,
  hookInterval: settings.hookInterval,
  coroutines: settings.coroutines,
  portable: settings.portable,
  params: settings.params,
  print,
  makeError
})

/** What every instance of a Lua definition knows once its script ran: parameters and reload policy. */
interface LoadedScript {
  readonly params: ReadonlyArray<StrategyParamSpec>
  readonly paramValues: StrategyParamValues
  readonly reloadKeepsContext: boolean
}

/** A Lua strategy bound to one symbol, its VM in this thread. */
class LuaStrategyInstance implements StrategyInstance, LoadedScript {
  readonly symbol: SymbolName
  private readonly vm: LuaVm
  private readonly script: string

  constructor(source: LuaString, settings: LuaHostSettings, symbol: SymbolName, print: (line: string, symbol: string) => void) {
    this.symbol = symbol
    this.script = settings.script
    const script = settings.script
    this.vm = new LuaVm(source, vmOptions(settings, symbol, (line) => print(line, symbol), (f) => toStrategyError(script, f)))
  }

  get params(): ReadonlyArray<StrategyParamSpec> {
    return this.vm.params
  }

  get paramValues(): StrategyParamValues {
    return this.vm.paramValues
  }

  get reloadKeepsContext(): boolean {
    return this.vm.reloadKeepsContext
  }

  /** Whether this instance uses the fast per-bar path (bar fields written straight into `market_data`). */
  get fastPath(): boolean {
    return this.vm.fastPath
  }

  detectOpportunity(bar: Bar, indicators: IndicatorView): StrategyOutput {
    const raw = this.vm.step(DETECT, "detect_opportunity", bar, indicators)
    return raw === undefined ? undefined : interpretLuaTable(raw, "detect", this.script, "detect_opportunity")
  }

  filterCommitment(bar: Bar, indicators: IndicatorView): StrategyOutput {
    const raw = this.vm.step(FILTER, "filter_commitment", bar, indicators)
    return raw === undefined ? undefined : interpretLuaTable(raw, "filter", this.script, "filter_commitment")
  }

  managePosition(bar: Bar, indicators: IndicatorView): StrategyOutput {
    const raw = this.vm.step(MANAGE, "manage_position", bar, indicators)
    return raw === undefined ? undefined : interpretLuaTable(raw, "manage", this.script, "manage_position")
  }

  mergeContext(fields: Readonly<Record<string, unknown>>): void {
    this.vm.mergeContext(fields)
  }

  setPosition(position: PositionView | undefined): void {
    this.vm.setPosition(position)
  }

  snapshotContext(): Record<string, unknown> {
    return this.vm.snapshotContext()
  }

  dispose(): void {
    this.vm.dispose()
  }
}

const defaultPrint = (script: string) => (line: string, symbol: string): void => {
  process.stderr.write(`[${script} ${symbol}] ${line}\n`)
}

/** The definition name for a script path: its file name without the `.lua` extension. */
const nameOf = (scriptName: string): string => nodePath.basename(scriptName).replace(/\.lua$/i, "")

const checkOption = (script: string, name: string, value: number, integer: boolean): void => {
  if (!(integer ? Number.isInteger(value) : Number.isFinite(value)) || value <= 0) {
    throw new StrategyError({ kind: "load", script, detail: `${name} must be a positive ${integer ? "integer" : "number"}, got ${value}` })
  }
}

/**
 * Compiles a Lua strategy. The script is loaded once in a probe VM (in a worker with `isolation: "worker"`) to report,
 * as a thrown {@link StrategyError}: syntax errors (kind `syntax`, with the line), errors or runaway loops in its
 * top-level code (`runtime` / `limit` / `timeout` / `memory`), invalid parameter declarations or overrides
 * (`params`), and missing entry points (kind `missing-function`, naming which of `detect_opportunity`,
 * `filter_commitment`, `manage_position` is missing). Each `instantiate(symbol)` then runs the script in a fresh VM
 * of its own.
 *
 * @param source the Lua source text
 * @param scriptName the name used in messages and tracebacks (chunk `@scriptName`), usually the file path
 */
export const compileLuaStrategy = (source: string, scriptName: string, options: LuaStrategyOptions = {}): LuaStrategyDefinition => {
  const instructionLimit = options.instructionLimit ?? DEFAULT_INSTRUCTION_LIMIT
  const settings: LuaHostSettings = {
    source,
    script: scriptName,
    instructionLimit,
    timeoutMs: options.timeoutMs ?? defaultTimeoutMs(instructionLimit),
    maxStringBytes: options.maxStringBytes ?? DEFAULT_MAX_STRING_BYTES,
    memoryLimitMb: options.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB,
    hookInterval: options.hookInterval ?? DEFAULT_HOOK_INTERVAL,
    coroutines: options.coroutines ?? false,
    portable: options.portable ?? false,
    params: options.params ?? {}
  }
  checkOption(scriptName, "instructionLimit", settings.instructionLimit, true)
  checkOption(scriptName, "timeoutMs", settings.timeoutMs, false)
  checkOption(scriptName, "maxStringBytes", settings.maxStringBytes, true)
  checkOption(scriptName, "memoryLimitMb", settings.memoryLimitMb, false)
  checkOption(scriptName, "hookInterval", settings.hookInterval, true)
  const isolation = options.isolation ?? "none"
  if (isolation !== "none" && isolation !== "worker") {
    throw new StrategyError({ kind: "load", script: scriptName, detail: `isolation must be "none" or "worker", got ${JSON.stringify(isolation)}` })
  }
  const print = options.print ?? defaultPrint(scriptName)
  const bytes = to_luastring(source)
  const make = (symbol: SymbolName): StrategyInstance & LoadedScript =>
    isolation === "worker" ? new WorkerLuaInstance(settings, symbol, print) : new LuaStrategyInstance(bytes, settings, symbol, print)
  const probe = make("(compile)" as SymbolName)
  const loaded: LoadedScript = { params: probe.params, paramValues: probe.paramValues, reloadKeepsContext: probe.reloadKeepsContext }
  probe.dispose()
  return {
    name: options.name ?? nameOf(scriptName),
    params: loaded.params,
    paramValues: loaded.paramValues,
    reloadKeepsContext: loaded.reloadKeepsContext,
    instantiate: make,
    withParams: (overrides) => compileLuaStrategy(source, scriptName, { ...options, params: overrides })
  }
}

/**
 * Reads and compiles a Lua strategy file. Fails with a {@link StrategyError}: kind `load` when the file cannot be
 * read, otherwise as {@link compileLuaStrategy}.
 */
export const loadLuaStrategy = (path: string, options: LuaStrategyOptions = {}): Effect.Effect<LuaStrategyDefinition, StrategyError> =>
  Effect.tryPromise({
    try: () => fs.readFile(path, "utf8"),
    catch: (e) => new StrategyError({ kind: "load", script: path, detail: `cannot read the strategy file: ${e instanceof Error ? e.message : String(e)}` })
  }).pipe(
    Effect.flatMap((source) =>
      Effect.try({
        try: () => compileLuaStrategy(source, path, options),
        catch: (e) => e instanceof StrategyError ? e : new StrategyError({ kind: "load", script: path, detail: String(e) })
      })
    )
  )
