/**
 * One sandboxed Lua VM running a strategy script for one symbol: the sandbox, the resource limits, parameters, and
 * the per-bar call. Used in-process by `host.ts` and inside a worker thread by `worker-main.ts`, so this module and
 * everything it imports are free of Effect (a worker starts in ~100 ms instead of ~600 ms): failures are handed to
 * the `makeError` of {@link LuaVmOptions}, and results are returned as plain JS values for the caller to interpret.
 *
 * Each VM runs a small prelude (`prelude.ts`) before the user script; it finishes the sandbox and owns the persistent
 * `market_data`, `context` and `indicators` tables. These, the user's three functions and the message handler sit
 * in fixed slots at the bottom of the VM's stack.
 *
 * Hot path (see MEASUREMENTS.md, fengari section): no table is built per bar and no string crosses the API.
 * - Fast path (default): `MarketDataWriter` overwrites the number inside each `market_data` field, then one
 *   `lua_pcall` calls the user function with three `lua_pushvalue`d arguments.
 * - Portable path (`portable: true`, or when fengari's internals differ): one call with nine positional numbers into
 *   a Lua stepper that assigns the fields with constant keys.
 * Results are copied to JS only when the script returns something. Indicators are JS functions reading the
 * IndicatorView of the call in progress; the window statistics go through a JS `__index`, so only the fields a script
 * reads cost a call. `indicators.sma/ema/wma/rsi/atr(n)` also have a `lightcall`, which the patched fengari calls
 * without a call frame for `local x = indicators.ema(n)` (patch `light-calls`, docs/fengari-patches.md).
 *
 * Limits (per call, and for the top-level code): a count hook fires every `hookInterval` instructions (on the main
 * thread and, as Lua copies a thread's hook into the coroutines it creates, in coroutines too). It adds up the
 * instructions, checks the wall clock (armed at its first firing, so a call that never reaches `hookInterval`
 * instructions pays nothing) and, inside a worker, the memory. A broken limit is sticky for the rest of the call: the
 * hook is re-armed to fire on every instruction of the main thread and of the thread that broke it, so `pcall`,
 * `xpcall` or a coroutine cannot swallow it. Strings are capped by `string-guard.ts`.
 *
 * @module
 */
import { createRequire } from "node:module"
import { lauxlib, lua, lualib, to_jsstring, to_luastring, type LuaHook, type LuaJsFunction, type LuaState, type LuaString } from "fengari"
import type { Bar } from "../../domain/bar.ts"
import type { StrategyErrorKind } from "../../domain/errors.ts"
import { checkParamSpec, checkParamValue, parseParamText, resolveStrategyParams, type StrategyParamSpec, type StrategyParamType, type StrategyParamValue, type StrategyParamValues } from "../../domain/params.ts"
import type { IndicatorView, PositionView } from "../../domain/strategy.ts"
import { invalidReturnDetail, missingFunctionsDetail } from "../messages.ts"
import { dateFields, formatDate, secondsOf } from "./clock.ts"
import { luaToJs, pushJs, typeName } from "./marshal.ts"
import { MarketDataWriter } from "./market-data-writer.ts"
import { PRELUDE_CHUNKNAME, PRELUDE_SOURCE } from "./prelude.ts"
import { guardState, installStringGuard } from "./string-guard.ts"

/** fengari's internal `ldebug` module, for `luaG_runerror` (see {@link runtimeError}). */
const ldebug = createRequire(import.meta.url)("fengari/src/ldebug.js") as { luaG_runerror: (L: LuaState, fmt: LuaString, ...args: Array<LuaString>) => never }

const {
  LUA_ERRERR,
  LUA_ERRSYNTAX,
  LUA_MASKCOUNT,
  LUA_OK,
  LUA_TBOOLEAN,
  LUA_TNIL,
  LUA_TNUMBER,
  LUA_TSTRING,
  LUA_TTABLE,
  lua_atnativeerror,
  lua_checkstack,
  lua_close,
  lua_concat,
  lua_createtable,
  lua_error,
  lua_gethookcount,
  lua_gettop,
  lua_isinteger,
  lua_next,
  lua_pcall,
  lua_pop,
  lua_pushboolean,
  lua_pushinteger,
  lua_pushjsfunction,
  lua_pushnil,
  lua_pushnumber,
  lua_pushstring,
  lua_pushvalue,
  lua_rawset,
  lua_replace,
  lua_setfield,
  lua_setglobal,
  lua_sethook,
  lua_settop,
  lua_toboolean,
  lua_tojsstring,
  lua_tonumber,
  lua_touserdata,
  lua_type
} = lua
const { luaL_callmeta, luaL_loadbufferx, luaL_newstate, luaL_requiref, luaL_tolstring, luaL_traceback, luaL_where } = lauxlib

/** A failure of the script, before it becomes a `StrategyError` (in-process) or crosses a thread (worker). */
export interface VmFailure {
  readonly kind: StrategyErrorKind
  readonly detail: string
  readonly line?: number | undefined
  readonly traceback?: string | undefined
}

/** Default instruction budget of one strategy call (and of the script's top-level code). */
export const DEFAULT_INSTRUCTION_LIMIT = 1_000_000
/** Floor of the default wall-clock budget of one call, in milliseconds (see {@link defaultTimeoutMs}). */
export const DEFAULT_TIMEOUT_MS = 1_000

/**
 * The default wall-clock budget for an instruction budget: 2 µs per instruction (fengari runs one in 20–100 ns; a
 * call that allocates heavily, under GC pressure, on a loaded machine, can take ten times that), at least
 * {@link DEFAULT_TIMEOUT_MS}: 2 s with the default instruction budget. So the time budget is a backstop for time spent outside Lua instructions (inside
 * library calls) and never cuts a script that the instruction budget allows.
 */
export const defaultTimeoutMs = (instructionLimit: number): number => Math.max(DEFAULT_TIMEOUT_MS, Math.ceil(instructionLimit / 500))
/** Default size cap of one Lua string, in bytes (16 MiB). */
export const DEFAULT_MAX_STRING_BYTES = 16 * 1024 * 1024
/**
 * Instructions between two firings of the count hook (instruction count, wall clock, memory). Measured: at 10,000 the
 * hook costs well under 1% of a Lua loop, and the clock is read every 0.2–1 ms of Lua time (see docs/lua-performance.md).
 */
export const DEFAULT_HOOK_INTERVAL = 10_000

/** Options of a {@link LuaVm}. */
export interface LuaVmOptions {
  /** The script's name in messages and tracebacks (chunk `@script`). */
  readonly script: string
  readonly symbol: string
  readonly instructionLimit: number
  readonly timeoutMs: number
  readonly maxStringBytes: number
  readonly hookInterval: number
  /** Open the `coroutine` library (bounded like everything else: coroutines inherit the count hook). */
  readonly coroutines: boolean
  readonly portable: boolean
  /** Parameter overrides (text is read by the declared type). */
  readonly params: Readonly<Record<string, StrategyParamValue>>
  readonly print: (line: string) => void
  /** Inside a worker: a message when the VM is over its memory cap, checked by the hook and on big strings. */
  readonly memoryCheck?: (() => string | undefined) | undefined
  /** Turns a failure into the value thrown (a `StrategyError` in-process, a plain record in a worker). */
  readonly makeError: (failure: VmFailure) => unknown
}

// Fixed stack slots of each VM's main thread: the persistent values live at the bottom of the stack, so reaching
// them costs a `lua_pushvalue` with a small index (no registry or global lookups per bar).
const MSGH = 1
const BIND = 2
const CTX = 3
const SETPOS = 4
const MD = 5
const IND = 6
const STEPPER = 7
/** Slot of `detect_opportunity`. */
export const DETECT = 8
/** Slot of `filter_commitment`. */
export const FILTER = 9
/** Slot of `manage_position`. */
export const MANAGE = 10
const BASE = 10

// Sticky failures raised by the hook (or by host functions) until the call ends.
const NONE = 0
const LIMIT = 1
const TIMEOUT = 2
const MEMORY = 3
const PARAMS = 4
const STICKY_KIND: ReadonlyArray<StrategyErrorKind> = ["runtime", "limit", "timeout", "memory", "params"]

const PRELUDE_BYTES = to_luastring(PRELUDE_SOURCE)
const PRELUDE_NAME = to_luastring(PRELUDE_CHUNKNAME)
const TEXT_MODE = to_luastring("t")
const TOSTRING_EVENT = to_luastring("__tostring")
const STACK_TRACEBACK = "\nstack traceback:\n"
const ENTRY_POINTS = ["detect_opportunity", "filter_commitment", "manage_position"]

/** LUA_IDSIZE of fengari: chunk ids longer than this are cut to `...` + their tail. */
const LUA_IDSIZE = 59

/** How Lua shows a chunk loaded as `@name` in messages (luaO_chunkid), so we can find `name:line:` in them. */
const chunkId = (name: string): string => {
  const bytes = to_luastring("@" + name)
  if (bytes.length <= LUA_IDSIZE) return name
  return "..." + to_jsstring(bytes.subarray(bytes.length - (LUA_IDSIZE - 3)))
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/**
 * Opens the allowed standard libraries only: base, string, table, math, utf8, and coroutine when asked (no io, os,
 * package, debug; a deterministic `os` subset is added by the VM).
 */
const openSandboxedLibs = (L: LuaState, coroutines: boolean): void => {
  const libs: Array<readonly [string, LuaJsFunction]> = [
    ["_G", lualib.luaopen_base],
    ["string", lualib.luaopen_string],
    ["table", lualib.luaopen_table],
    ["math", lualib.luaopen_math],
    ["utf8", lualib.luaopen_utf8]
  ]
  if (coroutines) libs.push(["coroutine", lualib.luaopen_coroutine])
  for (const [name, open] of libs) {
    luaL_requiref(L, to_luastring(name), open, 1)
    lua_pop(L, 1)
  }
}

/** Calls the `__tostring` of the value at 1 (run under `lua_pcall`, so a failing or looping one is contained). */
const callToString: LuaJsFunction = (L) => {
  if (!luaL_callmeta(L, 1, TOSTRING_EVENT)) lua_pushnil(L)
  return 1
}

/**
 * Message handler of every protected call: adds a traceback, and turns non-string error objects into text (through
 * their `__tostring`, called protected: an error or a runaway loop inside it does not escape the handler).
 */
const messageHandler: LuaJsFunction = (L) => {
  const t = lua_type(L, 1)
  if (t === LUA_TSTRING || t === LUA_TNUMBER) {
    lua_pushvalue(L, 1)
  } else {
    lua_pushjsfunction(L, callToString)
    lua_pushvalue(L, 1)
    const status = lua_pcall(L, 1, 1, 0)
    if (status !== LUA_OK || lua_type(L, -1) !== LUA_TSTRING) {
      const why = status !== LUA_OK ? "; its __tostring failed" : ""
      lua_pop(L, 1)
      lua_pushstring(L, to_luastring(`(error object is a ${typeName(t)} value${why})`))
    }
  }
  luaL_traceback(L, L, lua.lua_tostring(L, -1), 1)
  return 1
}

/** Converts a JS exception thrown inside a host function into a Lua error message (fengari's atnativeerror hook). */
const nativeErrorHandler: LuaJsFunction = (L) => {
  const e = lua_touserdata(L, 1)
  const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e)
  lua_pushstring(L, to_luastring(`host error: ${text}`))
  return 1
}

/** Raises a Lua error `<where>: message` from a JS function (level 1 = the Lua code that called it). */
const raise = (L: LuaState, message: string): never => {
  luaL_where(L, 1)
  lua_pushstring(L, to_luastring(message))
  lua_concat(L, 2)
  return lua_error(L)
}

/** Describes the argument at `idx` the way a Lua programmer would write it (`-3`, `2.5`, `string "x"`, `nil`). */
const describeArg = (L: LuaState, idx: number): string => {
  const t = lua_type(L, idx)
  if (t === LUA_TNUMBER) return numberText(L, idx)
  if (t === LUA_TSTRING) return `string ${JSON.stringify(lua_tojsstring(L, idx))}`
  if (t === lua.LUA_TNONE) return "no value"
  return typeName(t)
}

/** A number as Lua prints it (`3`, `2.5`, `1e+100`), without calling any metamethod. */
const numberText = (L: LuaState, idx: number): string => {
  const s = to_jsstring(luaL_tolstring(L, idx))
  lua_pop(L, 1)
  return s
}

/** Describes a returned Lua value for `invalid-action` errors (`a number (42)`, `a function`). */
const describeReturn = (L: LuaState, idx: number): string => {
  const t = lua_type(L, idx)
  if (t === LUA_TNUMBER) return `a number (${numberText(L, idx)})`
  if (t === LUA_TSTRING) {
    const s = lua_tojsstring(L, idx) ?? ""
    return `a string (${JSON.stringify(s.length > 40 ? s.slice(0, 40) + "…" : s)})`
  }
  if (t === LUA_TBOOLEAN) return `a boolean (${lua_toboolean(L, idx)})`
  return `a ${typeName(t)}`
}

type PeriodReader = (view: IndicatorView, period: number) => number | undefined

/**
 * Reads an indicator; a `RangeError` (a parameter the registry refuses, such as a period above 100000 or MACD's fast
 * period not below the slow one) becomes a Lua error at the caller's line, naming `indicators.<name>`.
 */
const readIndicator = <A>(L: LuaState, name: string, read: () => A): A => {
  try {
    return read()
  } catch (e) {
    return indicatorError(L, name, e)
  }
}

/** What {@link readIndicator} does with an error thrown by the view: a `RangeError` becomes a Lua error, the rest is rethrown. */
const indicatorError = (L: LuaState, name: string, e: unknown): never => {
  // The registry's messages start with the indicator's own name ("MACD: …", "sma: …"): name the Lua function instead.
  if (e instanceof RangeError) return raise(L, `indicators.${name}: ${e.message.replace(/^[\w ]+: /, "")}`)
  throw e
}

/** A fengari 0.1.5 value (`TValue`): its type tag (the low 4 bits are the basic type) and its JS value. */
interface TValueInternal {
  readonly type: number
  readonly value: unknown
}

// Argument names (as in the registry) and output fields of the indicators that return a table.
const MACD_ARGS = ["fastPeriod", "slowPeriod", "signalPeriod"]
const MACD_FIELDS = ["macd", "signal", "histogram"].map((f) => to_luastring(f))
const BBANDS_ARGS = ["period", "k"]
const BBANDS_FIELDS = ["upper", "middle", "lower"].map((f) => to_luastring(f))
const STOCH_ARGS = ["kPeriod", "kSlowing", "dPeriod"]
const STOCH_FIELDS = ["k", "d"].map((f) => to_luastring(f))

/** The window statistics of `indicators`, in the order `windowIndex` tests them. */
const WINDOW_NAMES = ["high", "low", "range", "avg_volume"] as const
const WINDOW_FIELDS = WINDOW_NAMES.map((n) => to_luastring(n))

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

const INT32_MIN = -2147483648
const INT32_MAX = 2147483647

/** Pushes a number as a Lua integer when it is one that fits fengari's 32-bit integers, else as a float. */
const pushIntegral = (L: LuaState, n: number): void => {
  if (Number.isInteger(n) && n >= INT32_MIN && n <= INT32_MAX) lua_pushinteger(L, n)
  else lua_pushnumber(L, n)
}

/** FNV-1a of a string: the default seed of a VM's `math.random` (deterministic, different per symbol). */
const hashSeed = (s: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h >>> 0
}

const PARAM_FIELDS = ["default", "type", "min", "max", "choices", "description"]
const PARAM_TYPES: ReadonlyArray<string> = ["integer", "number", "boolean", "string"]

/**
 * One strategy VM bound to one symbol. The constructor loads the prelude and the script and runs the script's
 * top-level code (collecting its parameters); it throws `makeError(...)` when any of it fails.
 */
export class LuaVm {
  private L: LuaState | undefined
  /** The IndicatorView of the call in progress; read by the indicator functions. */
  private view: IndicatorView | undefined = undefined
  /** The bar of the latest call: the engine clock behind `os.time()` / `os.date()`. */
  private bar: Bar | undefined = undefined
  private readonly limit: number
  private readonly interval: number
  /** `min(interval, limit)`: the hook count a call starts with. */
  private readonly firstCount: number
  private readonly timeoutMs: number
  private readonly maxStringBytes: number
  private readonly script: string
  private readonly symbol: string
  private readonly chunkPattern: RegExp
  private readonly tracePattern: RegExp
  private readonly makeError: (failure: VmFailure) => unknown
  private readonly memoryCheck: (() => string | undefined) | undefined

  // Per-call limit state, reset by `arm()`.
  /** Instructions counted by the hook in the current call. */
  private consumed = 0
  /** `performance.now()` past which the call times out; 0 until the hook first fires. */
  private deadline = 0
  /** A sticky failure (LIMIT, TIMEOUT, MEMORY, PARAMS) and its message, or NONE. */
  private exceeded = NONE
  private exceededMessage: LuaString = to_luastring("")
  /** `script:line:` where the sticky failure first happened (a handler or coroutine may carry it elsewhere). */
  private exceededWhere = ""

  /** Parameter declarations and values, collected while the top-level code runs. */
  private readonly paramSpecs: Array<StrategyParamSpec> = []
  private readonly paramValueMap: Record<string, StrategyParamValue> = {}
  private readonly overrides: Readonly<Record<string, StrategyParamValue>>
  private topLevel = false
  private reloadFlag = true
  private randomState: number

  /** An error thrown by the view during a light indicator call, for the regular call that follows (see `lightCall`). */
  private lightFailed = false
  private lightFailure: unknown = undefined

  /** Writes bars straight into `market_data` (fast path); `undefined` on the portable path. */
  private writer: MarketDataWriter | undefined = undefined

  constructor(source: LuaString, options: LuaVmOptions) {
    this.script = options.script
    this.symbol = options.symbol
    this.limit = options.instructionLimit
    this.interval = options.hookInterval
    this.firstCount = Math.min(options.hookInterval, options.instructionLimit)
    this.timeoutMs = options.timeoutMs
    this.maxStringBytes = options.maxStringBytes
    this.makeError = options.makeError
    this.memoryCheck = options.memoryCheck
    this.overrides = options.params
    this.randomState = hashSeed(options.symbol)
    const id = escapeRegExp(chunkId(options.script))
    this.chunkPattern = new RegExp(`^${id}:(\\d+): ([\\s\\S]*)$`)
    this.tracePattern = new RegExp(`\\n\\t${id}:(\\d+):`)
    installStringGuard()
    const L = luaL_newstate()
    this.L = L
    try {
      this.setup(L, source, options)
    } catch (e) {
      lua_close(L)
      this.L = undefined
      throw e
    }
  }

  /** The parameters the script declared, in declaration order. */
  get params(): ReadonlyArray<StrategyParamSpec> {
    return this.paramSpecs
  }

  /** The value of each declared parameter (its override, or its default). */
  get paramValues(): StrategyParamValues {
    return this.paramValueMap
  }

  /** The script's `reload_keeps_context` (default true). */
  get reloadKeepsContext(): boolean {
    return this.reloadFlag
  }

  /** Whether this VM uses the fast per-bar path (bar fields written straight into `market_data`). */
  get fastPath(): boolean {
    return this.writer !== undefined
  }

  private setup(L: LuaState, source: LuaString, options: LuaVmOptions): void {
    lua_atnativeerror(L, nativeErrorHandler)
    lua_checkstack(L, 40)
    openSandboxedLibs(L, options.coroutines)
    guardState(L, this)
    const print = options.print
    lua_pushjsfunction(L, (L) => {
      const n = lua_gettop(L)
      const parts: Array<string> = []
      for (let i = 1; i <= n; i++) {
        parts.push(to_jsstring(luaL_tolstring(L, i)))
        lua_pop(L, 1)
      }
      print(parts.join("\t"))
      return 0
    })
    lua_setglobal(L, "print")
    lua_pushjsfunction(L, this.paramFunction())
    lua_setglobal(L, "param")
    this.openOs(L)
    this.replaceRandom(L)

    lua_pushjsfunction(L, messageHandler) // slot MSGH
    if (luaL_loadbufferx(L, PRELUDE_BYTES, PRELUDE_BYTES.length, PRELUDE_NAME, TEXT_MODE) !== LUA_OK) {
      throw this.makeError({ kind: "load", detail: `host prelude failed to load: ${lua_tojsstring(L, -1)}` })
    }
    // The order of the prelude's arguments (see PRELUDE_SOURCE).
    lua_pushjsfunction(L, this.periodFunction("sma", (v, n) => v.sma(n)))
    lua_pushjsfunction(L, this.periodFunction("ema", (v, n) => v.ema(n)))
    lua_pushjsfunction(L, this.periodFunction("wma", (v, n) => v.wma(n)))
    lua_pushjsfunction(L, this.periodFunction("rsi", (v, n) => v.rsi(n)))
    lua_pushjsfunction(L, this.periodFunction("atr", (v, n) => v.atr(n)))
    lua_pushjsfunction(L, this.vwapFunction())
    lua_pushjsfunction(L, this.recordFunction("macd", MACD_ARGS, MACD_FIELDS, (v, a) => {
      const m = v.macd(a[0], a[1], a[2])
      return m === undefined ? undefined : [m.macd, m.signal, m.histogram]
    }))
    lua_pushjsfunction(L, this.recordFunction("bbands", BBANDS_ARGS, BBANDS_FIELDS, (v, a) => {
      const b = v.bbands(a[0], a[1])
      return b === undefined ? undefined : [b.upper, b.middle, b.lower]
    }))
    lua_pushjsfunction(L, this.recordFunction("stoch", STOCH_ARGS, STOCH_FIELDS, (v, a) => {
      const st = v.stoch(a[0], a[1], a[2])
      return st === undefined ? undefined : [st.k, st.d]
    }))
    lua_pushjsfunction(L, this.windowIndex())
    lua_pushstring(L, to_luastring(this.symbol))
    this.protectedCall(L, 11, 6) // → BIND, CTX, SETPOS, MD, IND, STEPPER

    const chunkname = to_luastring("@" + this.script)
    const status = luaL_loadbufferx(L, source, source.length, chunkname, TEXT_MODE)
    if (status !== LUA_OK) throw this.failure(L, status)
    this.topLevel = true
    try {
      this.protectedCall(L, 0, 0)
    } finally {
      this.topLevel = false
    }
    const resolved = resolveStrategyParams(this.paramSpecs, this.overrides)
    if (!resolved.ok) throw this.makeError({ kind: "params", detail: resolved.problems.join("; ") })

    lua_pushvalue(L, BIND)
    this.protectedCall(L, 0, 4) // → DETECT, FILTER, MANAGE, reload_keeps_context; or nil, missing
    if (lua_type(L, DETECT) === LUA_TNIL) {
      const missing = (lua_tojsstring(L, FILTER) ?? "?").split(", ")
      throw this.makeError({ kind: "missing-function", detail: missingFunctionsDetail(missing, ENTRY_POINTS, "a global function") })
    }
    const reload = lua_type(L, BASE + 1)
    if (reload === LUA_TBOOLEAN) this.reloadFlag = lua_toboolean(L, BASE + 1)
    else if (reload !== LUA_TNIL) {
      throw this.makeError({ kind: "runtime", detail: `reload_keeps_context must be true or false, got ${describeArg(L, BASE + 1)}` })
    }
    lua_settop(L, BASE)
    this.writer = options.portable ? undefined : MarketDataWriter.make(L, MD)
    if (this.writer === undefined) {
      // Portable path: wrap each user function in a stepper that takes the bar fields as arguments.
      for (const slot of [DETECT, FILTER, MANAGE]) {
        lua_pushvalue(L, STEPPER)
        lua_pushvalue(L, slot)
        this.protectedCall(L, 1, 1)
        lua_replace(L, slot)
      }
    }
    lua_settop(L, BASE)
  }

  // ---- limits -------------------------------------------------------------------------------------------------

  /** The count hook: instruction budget, wall clock, memory; re-raises a sticky failure. */
  private readonly hook: LuaHook = (L) => {
    if (this.exceeded !== NONE) return this.raiseSticky(L)
    this.consumed += lua_gethookcount(L)
    const now = performance.now()
    if (this.deadline === 0) this.deadline = now + this.timeoutMs
    else if (now > this.deadline) return this.stick(L, TIMEOUT, `time limit exceeded (${this.timeoutMs} ms per call)`)
    if (this.consumed >= this.limit) return this.stick(L, LIMIT, `instruction limit exceeded (${this.limit} instructions per call)`)
    if (this.memoryCheck !== undefined) {
      const over = this.memoryCheck()
      if (over !== undefined) return this.stick(L, MEMORY, over)
    }
    const want = Math.min(this.interval, this.limit - this.consumed)
    if (lua_gethookcount(L) !== want) lua_sethook(L, this.hook, LUA_MASKCOUNT, want)
  }

  /** Records a sticky failure and raises it (from the hook: the position is the running Lua function's). */
  private stick(L: LuaState, code: number, message: string): never {
    this.record(L, code, message, 0)
    return this.raiseSticky(L)
  }

  private record(L: LuaState, code: number, message: string, level: number): void {
    this.exceeded = code
    this.exceededMessage = to_luastring(message)
    luaL_where(L, level)
    this.exceededWhere = lua_tojsstring(L, -1) ?? ""
    lua_pop(L, 1)
  }

  private raiseSticky(L: LuaState, level = 0): never {
    // Fire again on the next instruction of this thread and of the main thread (a coroutine's error is returned to
    // the main thread by resume, which must not go on).
    lua_sethook(L, this.hook, LUA_MASKCOUNT, 1)
    if (this.L !== undefined && L !== this.L) lua_sethook(this.L, this.hook, LUA_MASKCOUNT, 1)
    // Inside a hook Lua disables hooks (`allowhook = 0`) until the hook returns, and an error raised here runs the
    // message handler (an xpcall handler, a __tostring called by ours) before unwinding: without this, a handler that
    // loops would run with no hook at all. A `pcall` restores the flag when it catches the error.
    ;(L as unknown as { allowhook: number }).allowhook = 1
    luaL_where(L, level)
    lua_pushstring(L, this.exceededMessage)
    lua_concat(L, 2)
    return lua_error(L)
  }

  /** A sticky failure raised by a host function (level 1: the Lua code that called it). */
  private stickFromHost(L: LuaState, code: number, message: string): never {
    this.record(L, code, message, 1)
    return this.raiseSticky(L, 1)
  }

  /** Resets the per-call limits and arms the hook on the main thread. */
  private arm(L: LuaState): void {
    this.exceeded = NONE
    this.consumed = 0
    this.deadline = 0
    lua_sethook(L, this.hook, LUA_MASKCOUNT, this.firstCount)
  }

  /**
   * Called by the string guard for a string or buffer over 1 MiB in this VM: refuses it above `maxStringBytes`, and
   * inside a worker checks the memory cap. Raised with fengari's own runtime-error path, which is safe in the middle
   * of `..` or of a library function.
   */
  onBigString(L: LuaState, bytes: number, _inLibrary: boolean): void {
    let message: string
    if (bytes > this.maxStringBytes) {
      message = `string of ${bytes} bytes refused: strings are limited to ${this.maxStringBytes} bytes (maxStringBytes)`
    } else if (this.memoryCheck !== undefined) {
      const over = this.memoryCheck()
      if (over === undefined) return
      message = over
    } else {
      return
    }
    this.exceeded = MEMORY
    this.exceededMessage = to_luastring(message)
    this.exceededWhere = ""
    lua_sethook(L, this.hook, LUA_MASKCOUNT, 1)
    if (this.L !== undefined && L !== this.L) lua_sethook(this.L, this.hook, LUA_MASKCOUNT, 1)
    runtimeError(L, this.exceededMessage)
  }

  // ---- calls ----------------------------------------------------------------------------------------------------

  /** `lua_pcall` with the message handler and fresh limits; throws `makeError(...)` on failure. */
  private protectedCall(L: LuaState, nargs: number, nresults: number): void {
    this.arm(L)
    const status = lua_pcall(L, nargs, nresults, MSGH)
    if (status !== LUA_OK) throw this.failure(L, status)
  }

  /** Builds the failure for the error message on top of the stack (and pops it). */
  private failure(L: LuaState, status: number): unknown {
    const raw = lua_type(L, -1) === LUA_TSTRING || lua_type(L, -1) === LUA_TNUMBER ? (lua_tojsstring(L, -1) ?? "") : "(no error message)"
    lua_pop(L, 1)
    const cut = raw.indexOf(STACK_TRACEBACK)
    const message = cut >= 0 ? raw.slice(0, cut) : raw
    const traceback = cut >= 0 ? raw.slice(cut + 1) : undefined
    let line: number | undefined
    let detail = message
    const m = this.chunkPattern.exec(message)
    if (m !== null) {
      line = Number(m[1])
      detail = m[2] ?? message
      // An error re-raised through nested `coroutine.wrap`s gains one position prefix per level: keep the first.
      for (let again = this.chunkPattern.exec(detail); again !== null; again = this.chunkPattern.exec(detail)) detail = again[2] ?? detail
    } else if (traceback !== undefined) {
      const t = this.tracePattern.exec("\n" + traceback)
      if (t !== null) line = Number(t[1])
    }
    // A broken limit is what ended the call, whatever error object the script raised or caught on the way, and
    // where it first broke is what the script's author needs to see.
    if (this.exceeded !== NONE) {
      detail = to_jsstring(this.exceededMessage)
      const first = this.chunkPattern.exec(this.exceededWhere + " ")
      if (first !== null) line = Number(first[1])
    }
    else if (status === LUA_ERRERR) detail = `${detail} (the error could not be reported: its message handler failed)`
    const kind = this.exceeded !== NONE ? STICKY_KIND[this.exceeded]! : status === LUA_ERRSYNTAX ? "syntax" : "runtime"
    this.exceeded = NONE
    return this.makeError({
      kind,
      detail,
      ...(line !== undefined ? { line } : {}),
      ...(traceback !== undefined ? { traceback } : {})
    })
  }

  /**
   * The per-bar call of the function in `slot` (`DETECT`, `FILTER`, `MANAGE`): `undefined` when it returned nil, else
   * the returned table copied to JS (a record, or an array for a list). Anything but nil or a table is an
   * `invalid-action` failure naming `fnName`.
   */
  step(slot: number, fnName: string, bar: Bar, view: IndicatorView): unknown {
    const L = this.L
    if (L === undefined) throw this.disposedError()
    this.view = view
    this.bar = bar
    this.lightFailed = false
    let nargs: number
    const writer = this.writer
    if (writer !== undefined) {
      writer.write(bar)
      lua_pushvalue(L, slot)
      lua_pushvalue(L, MD)
      lua_pushvalue(L, CTX)
      lua_pushvalue(L, IND)
      nargs = 3
    } else {
      lua_pushvalue(L, slot)
      lua_pushnumber(L, bar.timestamp)
      lua_pushnumber(L, bar.open)
      lua_pushnumber(L, bar.high)
      lua_pushnumber(L, bar.low)
      lua_pushnumber(L, bar.close)
      lua_pushnumber(L, bar.volume)
      const bid = bar.bid
      if (bid === undefined) lua_pushnil(L)
      else lua_pushnumber(L, bid)
      const ask = bar.ask
      if (ask === undefined) lua_pushnil(L)
      else lua_pushnumber(L, ask)
      lua_pushnumber(L, bar.mid)
      nargs = 9
    }
    this.exceeded = NONE
    this.consumed = 0
    this.deadline = 0
    lua_sethook(L, this.hook, LUA_MASKCOUNT, this.firstCount)
    const status = lua_pcall(L, nargs, 1, MSGH)
    this.view = undefined
    if (status !== LUA_OK) throw this.failure(L, status)
    if (lua_type(L, -1) === LUA_TNIL) {
      lua_settop(L, BASE)
      return undefined
    }
    return this.result(L, fnName)
  }

  private result(L: LuaState, fnName: string): unknown {
    if (lua_type(L, -1) !== LUA_TTABLE) {
      const what = describeReturn(L, -1)
      lua_settop(L, BASE)
      throw this.makeError({ kind: "invalid-action", detail: invalidReturnDetail(fnName, what) })
    }
    const raw = luaToJs(L, -1, { jsonSafe: false })
    lua_settop(L, BASE)
    return raw
  }

  /** Merges fields (an opportunity) into `context`. */
  mergeContext(fields: Readonly<Record<string, unknown>>): void {
    const L = this.L
    if (L === undefined) throw this.disposedError()
    try {
      for (const key of Object.keys(fields)) {
        lua_pushstring(L, to_luastring(key))
        pushJs(L, fields[key])
        lua_rawset(L, CTX)
      }
    } finally {
      lua_settop(L, BASE)
    }
  }

  /** Sets or clears `context.position`. */
  setPosition(position: PositionView | undefined): void {
    const L = this.L
    if (L === undefined) throw this.disposedError()
    lua_pushvalue(L, SETPOS)
    if (position === undefined) {
      lua_pushnil(L)
      this.protectedCall(L, 1, 0)
    } else {
      lua_pushinteger(L, position.side === "long" ? 1 : -1)
      lua_pushnumber(L, position.quantity)
      lua_pushnumber(L, position.entryPrice)
      lua_pushnumber(L, position.entryTime)
      if (position.stopLoss === undefined) lua_pushnil(L)
      else lua_pushnumber(L, position.stopLoss)
      if (position.takeProfit === undefined) lua_pushnil(L)
      else lua_pushnumber(L, position.takeProfit)
      this.protectedCall(L, 6, 0)
    }
    lua_settop(L, BASE)
  }

  /** A JSON-safe copy of `context`. */
  snapshotContext(): Record<string, unknown> {
    const L = this.L
    if (L === undefined) return {}
    const snap = luaToJs(L, CTX, { jsonSafe: true })
    lua_settop(L, BASE)
    if (Array.isArray(snap)) return Object.fromEntries(snap.map((v, i) => [String(i + 1), v]))
    return (snap ?? {}) as Record<string, unknown>
  }

  dispose(): void {
    if (this.L !== undefined) {
      lua_close(this.L)
      this.L = undefined
    }
  }

  private disposedError(): unknown {
    return this.makeError({ kind: "runtime", detail: `the strategy instance for ${this.symbol} was disposed` })
  }

  // ---- host functions -----------------------------------------------------------------------------------------

  /**
   * `indicators.<name>(n)`: validates `n`, reads the current IndicatorView, returns the value or nil. The function
   * also has a `lightcall` (see {@link lightCall}), which a patched fengari calls instead for `indicators.<name>(n)`.
   */
  private periodFunction(name: string, read: PeriodReader): LuaJsFunction {
    const full: LuaJsFunction = (L) => {
      const view = this.view
      if (view === undefined) return raise(L, `indicators.${name}: indicators are only available during a strategy call`)
      let n = NaN
      if (lua_type(L, 1) !== LUA_TNUMBER || !Number.isInteger((n = lua_tonumber(L, 1))) || n <= 0) {
        const hint = lua_type(L, 1) === LUA_TTABLE ? ` (call it as indicators.${name}(n), not indicators:${name}(n))` : ""
        return raise(L, `indicators.${name}: period must be a positive integer, got ${describeArg(L, 1)}${hint}`)
      }
      let v: number | undefined
      try {
        if (this.lightFailed) {
          // The light call just before this one read the view and it threw: report that, without reading again.
          const e = this.lightFailure
          this.lightFailed = false
          this.lightFailure = undefined
          throw e
        }
        v = read(view, n)
      } catch (e) {
        return indicatorError(L, name, e)
      }
      if (v === undefined) lua_pushnil(L)
      else lua_pushnumber(L, v)
      return 1
    }
    return Object.assign(full, { lightcall: this.lightCall(read) })
  }

  /**
   * The `lightcall` of a period function (fengari patch `light-calls`, docs/fengari-patches.md): called by fengari's
   * `OP_CALL` with the argument's `TValue` for a call with one argument and one result, without a call frame. Returns
   * the value (a float), `null` for nil, or `undefined` when the regular function must run instead (no call in
   * progress, an argument that is not a positive integer: the regular function raises the error with its position).
   * When the view throws, the error is kept for the regular call, which follows at once and reports it.
   */
  private lightCall(read: PeriodReader): (arg: TValueInternal) => number | null | undefined {
    return (arg) => {
      const view = this.view
      if (view === undefined || (arg.type & 15) !== LUA_TNUMBER) return undefined
      const n = arg.value as number
      if (!Number.isInteger(n) || n <= 0) return undefined
      let v: number | undefined
      try {
        v = read(view, n)
      } catch (e) {
        this.lightFailed = true
        this.lightFailure = e
        return undefined
      }
      return v === undefined ? null : v
    }
  }

  /** `indicators.vwap()` (session VWAP) and `indicators.vwap(n)` (rolling over n bars). */
  private vwapFunction(): LuaJsFunction {
    return (L) => {
      const view = this.view
      if (view === undefined) return raise(L, "indicators.vwap: indicators are only available during a strategy call")
      let v: number | undefined
      if (lua_type(L, 1) <= LUA_TNIL) {
        v = readIndicator(L, "vwap", () => view.vwap())
      } else {
        const n = lua_type(L, 1) === LUA_TNUMBER ? lua_tonumber(L, 1) : NaN
        if (!Number.isInteger(n) || n <= 0) {
          const hint = lua_type(L, 1) === LUA_TTABLE ? " (call it as indicators.vwap(n), not indicators:vwap(n))" : ""
          return raise(L, `indicators.vwap: period must be nil (session VWAP) or a positive integer, got ${describeArg(L, 1)}${hint}`)
        }
        v = readIndicator(L, "vwap", () => view.vwap(n))
      }
      if (v === undefined) lua_pushnil(L)
      else lua_pushnumber(L, v)
      return 1
    }
  }

  /**
   * `indicators.<name>(a, b, …)` for indicators with several outputs: each argument is nil (the registry default)
   * or a number; returns a new table of the outputs, or nil during warm-up.
   */
  private recordFunction(
    name: string,
    argNames: ReadonlyArray<string>,
    fields: ReadonlyArray<LuaString>,
    read: (view: IndicatorView, args: ReadonlyArray<number | undefined>) => ReadonlyArray<number> | undefined
  ): LuaJsFunction {
    return (L) => {
      const view = this.view
      if (view === undefined) return raise(L, `indicators.${name}: indicators are only available during a strategy call`)
      const args: Array<number | undefined> = []
      for (let i = 0; i < argNames.length; i++) {
        const t = lua_type(L, i + 1)
        if (t <= LUA_TNIL) {
          args.push(undefined)
        } else if (t === LUA_TNUMBER) {
          args.push(lua_tonumber(L, i + 1))
        } else {
          const hint = i === 0 && t === LUA_TTABLE ? ` (call it as indicators.${name}(...), not indicators:${name}(...))` : ""
          return raise(L, `indicators.${name}: ${argNames[i]} (argument ${i + 1}) must be a number or nil, got ${describeArg(L, i + 1)}${hint}`)
        }
      }
      if (lua_gettop(L) > argNames.length) {
        return raise(L, `indicators.${name}: takes at most ${argNames.length} arguments (${argNames.join(", ")}), got ${lua_gettop(L)}`)
      }
      const values = readIndicator(L, name, () => read(view, args))
      if (values === undefined) {
        lua_pushnil(L)
        return 1
      }
      lua_createtable(L, 0, fields.length)
      for (let i = 0; i < fields.length; i++) {
        lua_pushnumber(L, values[i]!)
        lua_setfield(L, -2, fields[i]!)
      }
      return 1
    }
  }

  /**
   * The `__index` of `indicators` (arguments: the table, the key): serves the window statistics `high`, `low`,
   * `range`, `avg_volume` from the current IndicatorView; any other key is nil. Keys are matched on their bytes
   * (`lua_tostring` returns the string's own buffer, no copy).
   */
  private windowIndex(): LuaJsFunction {
    return (L) => {
      if (lua_type(L, 2) !== LUA_TSTRING) {
        lua_pushnil(L)
        return 1
      }
      const k = lua.lua_tostring(L, 2)!
      let field = -1
      for (let i = 0; i < WINDOW_FIELDS.length; i++) {
        if (sameBytes(k, WINDOW_FIELDS[i]!)) {
          field = i
          break
        }
      }
      if (field < 0) {
        lua_pushnil(L)
        return 1
      }
      const view = this.view
      if (view === undefined) return raise(L, `indicators.${WINDOW_NAMES[field]}: indicators are only available during a strategy call`)
      const v = field === 0 ? view.high : field === 1 ? view.low : field === 2 ? view.range : view.avgVolume
      if (v === undefined) lua_pushnil(L)
      else lua_pushnumber(L, v)
      return 1
    }
  }

  /**
   * `param(name, spec)`: declares a parameter during the top-level code and returns its value (the override, or the
   * default). `spec` is a table `{ default =, type =, min =, max =, choices =, description = }` or just the default.
   */
  private paramFunction(): LuaJsFunction {
    return (L) => {
      const fail = (message: string): never => this.stickFromHost(L, PARAMS, message)
      if (lua_type(L, 1) !== LUA_TSTRING) return fail(`param: the name (argument 1) must be a string, got ${describeArg(L, 1)}`)
      const name = lua_tojsstring(L, 1) ?? ""
      const where = `param(${JSON.stringify(name)})`
      if (!this.topLevel) return fail(`${where}: parameters can only be declared by the script's top-level code, not during a strategy call`)
      const t = lua_type(L, 2)
      let spec: { -readonly [K in keyof StrategyParamSpec]: StrategyParamSpec[K] }
      if (t === LUA_TTABLE) {
        spec = this.readParamTable(L, where, fail)
      } else if (t === LUA_TNUMBER || t === LUA_TSTRING || t === LUA_TBOOLEAN) {
        const dflt = this.readScalar(L, 2)
        spec = { name, type: this.inferType(L, 2, dflt), default: dflt }
      } else {
        return fail(`${where}: expected a default value or a table { default = ..., ... } as argument 2, got ${describeArg(L, 2)}`)
      }
      spec.name = name
      if (lua_gettop(L) > 2) return fail(`${where}: takes 2 arguments (name, spec), got ${lua_gettop(L)}`)
      const problem = checkParamSpec(spec)
      if (problem !== undefined) return fail(`${where}: ${problem.replace(`parameter ${name}: `, "")}`)
      if (this.paramSpecs.some((s) => s.name === name)) return fail(`${where}: parameter ${name} is declared twice`)
      this.paramSpecs.push(spec)
      const given = Object.prototype.hasOwnProperty.call(this.overrides, name) ? this.overrides[name] : undefined
      const value = given === undefined ? spec.default : typeof given === "string" ? parseParamText(spec, given) : given
      const invalid = checkParamValue(spec, value)
      if (invalid !== undefined) return fail(`${name}: ${invalid}`)
      this.paramValueMap[name] = value
      if (typeof value === "boolean") lua_pushboolean(L, value)
      else if (typeof value === "string") lua_pushstring(L, to_luastring(value))
      else if (spec.type === "integer") pushIntegral(L, value)
      else lua_pushnumber(L, value)
      return 1
    }
  }

  private readScalar(L: LuaState, idx: number): StrategyParamValue {
    const t = lua_type(L, idx)
    return t === LUA_TNUMBER ? lua_tonumber(L, idx) : t === LUA_TBOOLEAN ? lua_toboolean(L, idx) : (lua_tojsstring(L, idx) ?? "")
  }

  /** integer for a Lua integer (`12`), number for a float (`0.5`, `2.0`), else boolean / string. */
  private inferType(L: LuaState, idx: number, dflt: StrategyParamValue): StrategyParamType {
    if (typeof dflt === "number") return lua_isinteger(L, idx) || (Number.isInteger(dflt) && Math.abs(dflt) > INT32_MAX) ? "integer" : "number"
    return typeof dflt === "boolean" ? "boolean" : "string"
  }

  private readParamTable(L: LuaState, where: string, fail: (message: string) => never): { -readonly [K in keyof StrategyParamSpec]: StrategyParamSpec[K] } {
    lua_checkstack(L, 6)
    const fields: Record<string, number> = {}
    // Every key must be one of PARAM_FIELDS (a typo such as `dflt` is an error, not a silent default).
    lua_pushnil(L)
    while (lua_next(L, 2) !== 0) {
      if (lua_type(L, -2) !== LUA_TSTRING || !PARAM_FIELDS.includes(lua_tojsstring(L, -2) ?? "")) {
        const key = lua_type(L, -2) === LUA_TSTRING ? `'${lua_tojsstring(L, -2)}'` : describeArg(L, -2)
        return fail(`${where}: unknown field ${key} (the fields are ${PARAM_FIELDS.join(", ")})`)
      }
      lua_pop(L, 1)
    }
    let top = lua_gettop(L)
    for (const f of PARAM_FIELDS) {
      lua_pushstring(L, to_luastring(f))
      lua.lua_rawget(L, 2)
      fields[f] = ++top
    }
    const dIdx = fields["default"]!
    const dt = lua_type(L, dIdx)
    if (dt !== LUA_TNUMBER && dt !== LUA_TSTRING && dt !== LUA_TBOOLEAN) {
      return fail(`${where}: default must be a number, a string or a boolean, got ${describeArg(L, dIdx)}`)
    }
    const dflt = this.readScalar(L, dIdx)
    const spec: { -readonly [K in keyof StrategyParamSpec]: StrategyParamSpec[K] } = { name: "", type: this.inferType(L, dIdx, dflt), default: dflt }
    const typeIdx = fields["type"]!
    if (lua_type(L, typeIdx) !== LUA_TNIL) {
      const ty = lua_type(L, typeIdx) === LUA_TSTRING ? lua_tojsstring(L, typeIdx) ?? "" : ""
      if (!PARAM_TYPES.includes(ty)) return fail(`${where}: type must be "integer", "number", "boolean" or "string", got ${describeArg(L, typeIdx)}`)
      spec.type = ty as StrategyParamType
    }
    for (const bound of ["min", "max"] as const) {
      const idx = fields[bound]!
      if (lua_type(L, idx) === LUA_TNIL) continue
      if (lua_type(L, idx) !== LUA_TNUMBER) return fail(`${where}: ${bound} must be a number, got ${describeArg(L, idx)}`)
      if (spec.type !== "integer" && spec.type !== "number") return fail(`${where}: ${bound} applies to number parameters only (this one is a ${spec.type})`)
      spec[bound] = lua_tonumber(L, idx)
    }
    const cIdx = fields["choices"]!
    if (lua_type(L, cIdx) !== LUA_TNIL) {
      if (spec.type !== "string") return fail(`${where}: choices apply to string parameters only (this one is a ${spec.type})`)
      if (lua_type(L, cIdx) !== LUA_TTABLE) return fail(`${where}: choices must be a list of strings, got ${describeArg(L, cIdx)}`)
      const list = luaToJs(L, cIdx, { jsonSafe: true })
      if (!Array.isArray(list) || list.length === 0 || !list.every((c) => typeof c === "string")) {
        return fail(`${where}: choices must be a non-empty list of strings`)
      }
      spec.choices = list as Array<string>
    }
    const descIdx = fields["description"]!
    if (lua_type(L, descIdx) !== LUA_TNIL) {
      if (lua_type(L, descIdx) !== LUA_TSTRING) return fail(`${where}: description must be a string, got ${describeArg(L, descIdx)}`)
      spec.description = lua_tojsstring(L, descIdx) ?? ""
    }
    lua_settop(L, 2)
    return spec
  }

  /** The engine-clock `os` subset: `os.time`, `os.date`, `os.difftime` (no `os.clock`: CPU time is not deterministic). */
  private openOs(L: LuaState): void {
    const now = (L: LuaState, what: string): number => {
      const bar = this.bar
      if (bar === undefined) return raise(L, `${what}: there is no current bar yet (the engine clock starts with the first strategy call; pass a time explicitly)`)
      return Math.floor(bar.timestamp / 1000)
    }
    const time: LuaJsFunction = (L) => {
      if (lua_type(L, 1) <= LUA_TNIL) {
        pushIntegral(L, now(L, "os.time()"))
        return 1
      }
      if (lua_type(L, 1) !== LUA_TTABLE) return raise(L, `bad argument #1 to 'time' (table expected, got ${describeArg(L, 1)})`)
      const read = (field: string, dflt: number | undefined): number => {
        lua.lua_getfield(L, 1, to_luastring(field))
        const t = lua_type(L, -1)
        const v = t === LUA_TNUMBER ? lua_tonumber(L, -1) : NaN
        lua_pop(L, 1)
        if (t === LUA_TNIL) {
          if (dflt === undefined) return raise(L, `field '${field}' missing in date table`)
          return dflt
        }
        if (!Number.isInteger(v)) return raise(L, `field '${field}' is not an integer`)
        return v
      }
      const fields = { year: read("year", undefined), month: read("month", undefined), day: read("day", undefined), hour: read("hour", 12), min: read("min", 0), sec: read("sec", 0) }
      const seconds = secondsOf(fields)
      if (seconds === undefined) return raise(L, "time result cannot be represented in this installation")
      // Like C's mktime: normalise the table's fields.
      const norm = dateFields(seconds)
      for (const [k, v] of Object.entries(norm)) {
        if (typeof v === "number") lua_pushinteger(L, v)
        else lua_pushboolean(L, v)
        lua_setfield(L, 1, to_luastring(k))
      }
      pushIntegral(L, seconds)
      return 1
    }
    const date: LuaJsFunction = (L) => {
      const format = lua_type(L, 1) <= LUA_TNIL ? "%c" : lua_type(L, 1) === LUA_TSTRING ? (lua_tojsstring(L, 1) ?? "") : raise(L, `bad argument #1 to 'date' (string expected, got ${describeArg(L, 1)})`)
      let seconds: number
      if (lua_type(L, 2) <= LUA_TNIL) seconds = now(L, "os.date()")
      else if (lua_type(L, 2) === LUA_TNUMBER && Number.isFinite(lua_tonumber(L, 2))) seconds = Math.floor(lua_tonumber(L, 2))
      else return raise(L, `bad argument #2 to 'date' (number expected, got ${describeArg(L, 2)})`)
      const f = format.startsWith("!") ? format.slice(1) : format
      if (f.startsWith("*t")) {
        const fields = dateFields(seconds)
        if (Number.isNaN(fields.year)) return raise(L, "bad argument #2 to 'date' (time out of range)")
        lua_createtable(L, 0, 9)
        for (const [k, v] of Object.entries(fields)) {
          if (typeof v === "number") lua_pushinteger(L, v)
          else lua_pushboolean(L, v)
          lua_setfield(L, -2, to_luastring(k))
        }
        return 1
      }
      const out = formatDate(f, seconds)
      if (!out.ok) return raise(L, `bad argument #1 to 'date' (${out.error})`)
      lua_pushstring(L, to_luastring(out.text))
      return 1
    }
    const difftime: LuaJsFunction = (L) => {
      if (lua_type(L, 1) !== LUA_TNUMBER) return raise(L, `bad argument #1 to 'difftime' (number expected, got ${describeArg(L, 1)})`)
      const t2 = lua_type(L, 2) <= LUA_TNIL ? 0 : lua_type(L, 2) === LUA_TNUMBER ? lua_tonumber(L, 2) : raise(L, `bad argument #2 to 'difftime' (number expected, got ${describeArg(L, 2)})`)
      lua_pushnumber(L, lua_tonumber(L, 1) - t2)
      return 1
    }
    lua_createtable(L, 0, 3)
    lua_pushjsfunction(L, time)
    lua_setfield(L, -2, to_luastring("time"))
    lua_pushjsfunction(L, date)
    lua_setfield(L, -2, to_luastring("date"))
    lua_pushjsfunction(L, difftime)
    lua_setfield(L, -2, to_luastring("difftime"))
    lua_setglobal(L, "os")
  }

  /**
   * `math.random` / `math.randomseed` with a per-VM generator. fengari's own use `Math.random()` until seeded and
   * keep their state in a module variable shared by every Lua state of the process: not deterministic, and one
   * symbol's `randomseed` would change another's sequence. Seeded from the symbol name by default.
   */
  private replaceRandom(L: LuaState): void {
    const next = (): number => {
      // mulberry32
      let t = (this.randomState = (this.randomState + 0x6d2b79f5) >>> 0)
      t = Math.imul(t ^ (t >>> 15), t | 1)
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296
    }
    const integerArg = (L: LuaState, idx: number): number => {
      const n = lua_type(L, idx) === LUA_TNUMBER ? lua_tonumber(L, idx) : NaN
      if (!Number.isInteger(n) || n < INT32_MIN || n > INT32_MAX) {
        return raise(L, `bad argument #${idx} to 'random' (number has no integer representation)`)
      }
      return n
    }
    const random: LuaJsFunction = (L) => {
      const r = next()
      const n = lua_gettop(L)
      if (n === 0) {
        lua_pushnumber(L, r)
        return 1
      }
      if (n > 2) return raise(L, "wrong number of arguments")
      const low = n === 1 ? 1 : integerArg(L, 1)
      const up = n === 1 ? integerArg(L, 1) : integerArg(L, 2)
      if (low > up) return raise(L, `bad argument #${n} to 'random' (interval is empty)`)
      lua_pushinteger(L, Math.floor(r * (up - low + 1)) + low)
      return 1
    }
    const randomseed: LuaJsFunction = (L) => {
      if (lua_type(L, 1) !== LUA_TNUMBER) return raise(L, `bad argument #1 to 'randomseed' (number expected, got ${describeArg(L, 1)})`)
      const x = lua_tonumber(L, 1)
      this.randomState = hashSeed(String(x))
      return 0
    }
    lua.lua_getglobal(L, to_luastring("math"))
    lua_pushjsfunction(L, random)
    lua_setfield(L, -2, to_luastring("random"))
    lua_pushjsfunction(L, randomseed)
    lua_setfield(L, -2, to_luastring("randomseed"))
    lua_pop(L, 1)
  }
}

/** fengari's runtime-error path (`luaG_runerror`): safe in the middle of the VM or of a library function. */
const runtimeError = (L: LuaState, message: LuaString): never => {
  ldebug.luaG_runerror(L, PERCENT_S, message)
  throw new Error("unreachable: luaG_runerror returned")
}
const PERCENT_S = to_luastring("%s")
