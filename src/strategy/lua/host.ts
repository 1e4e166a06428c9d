/**
 * The Lua strategy host: runs strategy scripts written against the Lua API (see `docs/strategy-guide.md`) on
 * fengari (Lua 5.3 in JavaScript), one sandboxed VM per symbol.
 *
 * Each VM runs a small prelude (`prelude.ts`) before the user script; it finishes the sandbox and owns the persistent
 * `market_data`, `context` and `indicators` tables. These, the user's three functions and the message handler sit
 * in fixed slots at the bottom of the VM's stack.
 *
 * Hot path (see MEASUREMENTS.md, fengari section): no table is built per bar and no string crosses the API.
 * - Fast path (default): `MarketDataWriter` overwrites the number inside each `market_data` field, then one
 *   `lua_pcall` calls the user function with three `lua_pushvalue`d arguments (~0.6 µs per bar for a script that
 *   returns nil, against ~2 µs when the fields are passed as arguments).
 * - Portable path (`portable: true`, or when fengari's internals differ): one call with nine positional numbers into
 *   a Lua stepper that assigns the fields with constant keys.
 * Results are copied to JS only when the script returns something. Indicators are JS functions reading the
 * IndicatorView of the call in progress; the window statistics go through a JS `__index`, so only the fields a script
 * reads cost a call.
 *
 * @module
 */
import * as fs from "node:fs/promises"
import * as nodePath from "node:path"
import { Effect } from "effect"
import { lauxlib, lua, lualib, to_jsstring, to_luastring, type LuaHook, type LuaJsFunction, type LuaState, type LuaString } from "fengari"
import type { StrategyOutput } from "../../domain/action.ts"
import type { Bar, SymbolName } from "../../domain/bar.ts"
import { StrategyError } from "../../domain/errors.ts"
import type { IndicatorView, PositionView, StrategyDefinition, StrategyInstance } from "../../domain/strategy.ts"
import { interpretRecord, invalidReturn, type StrategyPhase } from "../output.ts"
import { luaToJs, pushJs, typeName } from "./marshal.ts"
import { MarketDataWriter } from "./market-data-writer.ts"
import { PRELUDE_CHUNKNAME, PRELUDE_SOURCE } from "./prelude.ts"

const {
  LUA_ERRSYNTAX,
  LUA_MASKCOUNT,
  LUA_OK,
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
  lua_gettop,
  lua_pcall,
  lua_pop,
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
  lua_tojsstring,
  lua_tonumber,
  lua_touserdata,
  lua_type
} = lua
const { luaL_callmeta, luaL_loadbufferx, luaL_newstate, luaL_requiref, luaL_tolstring, luaL_traceback, luaL_where } = lauxlib

/** Default instruction budget of one strategy call (and of the script's top-level code). */
export const DEFAULT_INSTRUCTION_LIMIT = 1_000_000

/** Options of {@link compileLuaStrategy} and {@link loadLuaStrategy}. */
export interface LuaStrategyOptions {
  /** The definition's name; defaults to the script's file name without `.lua`. */
  readonly name?: string
  /** Lua VM instructions allowed per call (default {@link DEFAULT_INSTRUCTION_LIMIT}); exceeding it fails with kind `limit`. */
  readonly instructionLimit?: number
  /** Where the script's `print` goes; defaults to standard error, prefixed with the script and symbol. */
  readonly print?: (line: string, symbol: string) => void
  /**
   * Use only fengari's public C API for the per-bar call (bar fields passed as arguments to a Lua stepper), instead
   * of writing them straight into the `market_data` table (see `market-data-writer.ts`). Slower; for testing and as
   * the fallback the host picks by itself when fengari's internals do not match.
   */
  readonly portable?: boolean
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
const DETECT = 8
const FILTER = 9
const MANAGE = 10
const BASE = 10

const PRELUDE_BYTES = to_luastring(PRELUDE_SOURCE)
const PRELUDE_NAME = to_luastring(PRELUDE_CHUNKNAME)
const TEXT_MODE = to_luastring("t")
const TOSTRING_EVENT = to_luastring("__tostring")
const STACK_TRACEBACK = "\nstack traceback:\n"

/** LUA_IDSIZE of fengari: chunk ids longer than this are cut to `...` + their tail. */
const LUA_IDSIZE = 59

/** How Lua shows a chunk loaded as `@name` in messages (luaO_chunkid), so we can find `name:line:` in them. */
const chunkId = (name: string): string => {
  const bytes = to_luastring("@" + name)
  if (bytes.length <= LUA_IDSIZE) return name
  return "..." + to_jsstring(bytes.subarray(bytes.length - (LUA_IDSIZE - 3)))
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** Opens the allowed standard libraries only: base, string, table, math, utf8 (no io, os, package, debug, coroutine). */
const openSandboxedLibs = (L: LuaState): void => {
  const libs: ReadonlyArray<readonly [string, LuaJsFunction]> = [
    ["_G", lualib.luaopen_base],
    ["string", lualib.luaopen_string],
    ["table", lualib.luaopen_table],
    ["math", lualib.luaopen_math],
    ["utf8", lualib.luaopen_utf8]
  ]
  for (const [name, open] of libs) {
    luaL_requiref(L, to_luastring(name), open, 1)
    lua_pop(L, 1)
  }
}

/** Message handler of every protected call: adds a traceback, and turns non-string error objects into text. */
const messageHandler: LuaJsFunction = (L) => {
  if (lua_type(L, 1) !== LUA_TSTRING && lua_type(L, 1) !== LUA_TNUMBER) {
    if (!(luaL_callmeta(L, 1, TOSTRING_EVENT) && lua_type(L, -1) === LUA_TSTRING)) {
      lua_pushstring(L, to_luastring(`(error object is a ${typeName(lua_type(L, 1))} value)`))
    }
  } else {
    lua_pushvalue(L, 1)
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
  if (t === LUA_TNUMBER) {
    const s = to_jsstring(luaL_tolstring(L, idx))
    lua_pop(L, 1)
    return s
  }
  if (t === LUA_TSTRING) return `string ${JSON.stringify(lua_tojsstring(L, idx))}`
  if (t === lua.LUA_TNONE) return "no value"
  return typeName(t)
}

/** Describes a returned Lua value for `invalid-action` errors (`a number (42)`, `a function`). */
const describeReturn = (L: LuaState, idx: number): string => {
  const t = lua_type(L, idx)
  if (t === LUA_TNUMBER) return `a number (${to_jsstring(luaL_tolstring(L, idx))})`
  if (t === LUA_TSTRING) {
    const s = lua_tojsstring(L, idx) ?? ""
    return `a string (${JSON.stringify(s.length > 40 ? s.slice(0, 40) + "…" : s)})`
  }
  if (t === lua.LUA_TBOOLEAN) return `a boolean (${lua.lua_toboolean(L, idx)})`
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
    // The registry's messages start with the indicator's own name ("MACD: …", "sma: …"): name the Lua function instead.
    if (e instanceof RangeError) return raise(L, `indicators.${name}: ${e.message.replace(/^[\w ]+: /, "")}`)
    throw e
  }
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

/**
 * One strategy VM bound to one symbol. Created by {@link StrategyDefinition.instantiate}; throws a
 * {@link StrategyError} when the script does not load.
 */
class LuaStrategyInstance implements StrategyInstance {
  readonly symbol: SymbolName
  private L: LuaState | undefined
  /** The IndicatorView of the call in progress; read by the indicator functions. */
  private view: IndicatorView | undefined = undefined
  /** Set by the count hook: the failing call ran out of instructions. */
  private limitHit = false
  private readonly limit: number
  private readonly script: string
  private readonly chunkPattern: RegExp
  private readonly tracePattern: RegExp
  private readonly hook: LuaHook
  private readonly limitMessage: LuaString

  /** Writes bars straight into `market_data` (fast path); `undefined` on the portable path. */
  private writer: MarketDataWriter | undefined = undefined

  constructor(source: LuaString, script: string, symbol: SymbolName, limit: number, print: (line: string, symbol: string) => void, portable: boolean) {
    this.symbol = symbol
    this.script = script
    this.limit = limit
    const id = escapeRegExp(chunkId(script))
    this.chunkPattern = new RegExp(`^${id}:(\\d+): ([\\s\\S]*)$`)
    this.tracePattern = new RegExp(`\\n\\t${id}:(\\d+):`)
    this.limitMessage = to_luastring(`instruction limit exceeded (${limit} instructions per call)`)
    this.hook = (L) => {
      this.limitHit = true
      // Re-arm with count 1: if the script catches this error with pcall, it fires again on the next instruction.
      lua_sethook(L, this.hook, LUA_MASKCOUNT, 1)
      luaL_where(L, 0)
      lua_pushstring(L, this.limitMessage)
      lua_concat(L, 2)
      lua_error(L)
    }
    const L = luaL_newstate()
    this.L = L
    try {
      this.setup(L, source, print, portable)
    } catch (e) {
      lua_close(L)
      this.L = undefined
      throw e
    }
  }

  private setup(L: LuaState, source: LuaString, print: (line: string, symbol: string) => void, portable: boolean): void {
    lua_atnativeerror(L, nativeErrorHandler)
    lua_checkstack(L, 40)
    openSandboxedLibs(L)
    const symbol = this.symbol
    lua_pushjsfunction(L, (L) => {
      const n = lua_gettop(L)
      const parts: Array<string> = []
      for (let i = 1; i <= n; i++) {
        parts.push(to_jsstring(luaL_tolstring(L, i)))
        lua_pop(L, 1)
      }
      print(parts.join("\t"), symbol)
      return 0
    })
    lua_setglobal(L, "print")

    lua_pushjsfunction(L, messageHandler) // slot MSGH
    if (luaL_loadbufferx(L, PRELUDE_BYTES, PRELUDE_BYTES.length, PRELUDE_NAME, TEXT_MODE) !== LUA_OK) {
      throw new StrategyError({ kind: "load", script: this.script, detail: `host prelude failed to load: ${lua_tojsstring(L, -1)}` })
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
    lua_pushstring(L, to_luastring(symbol))
    this.protectedCall(L, 11, 6) // → BIND, CTX, SETPOS, MD, IND, STEPPER

    const chunkname = to_luastring("@" + this.script)
    const status = luaL_loadbufferx(L, source, source.length, chunkname, TEXT_MODE)
    if (status !== LUA_OK) throw this.failure(L, status)
    this.protectedCall(L, 0, 0)

    lua_pushvalue(L, BIND)
    this.protectedCall(L, 0, 3) // → DETECT, FILTER, MANAGE or nil, missing
    if (lua_type(L, DETECT) === LUA_TNIL) {
      const missing = lua_tojsstring(L, FILTER) ?? "?"
      throw new StrategyError({
        kind: "missing-function",
        script: this.script,
        detail: `missing function(s): ${missing} (each of detect_opportunity, filter_commitment, manage_position must be defined as a global function)`
      })
    }
    lua_settop(L, BASE)
    this.writer = portable ? undefined : MarketDataWriter.make(L, MD)
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

  /** Whether this instance uses the fast per-bar path (bar fields written straight into `market_data`). */
  get fastPath(): boolean {
    return this.writer !== undefined
  }

  /** `lua_pcall` with the message handler and a fresh instruction budget; throws a StrategyError on failure. */
  private protectedCall(L: LuaState, nargs: number, nresults: number): void {
    this.limitHit = false
    lua_sethook(L, this.hook, LUA_MASKCOUNT, this.limit)
    const status = lua_pcall(L, nargs, nresults, MSGH)
    if (status !== LUA_OK) throw this.failure(L, status)
  }

  /** Builds the StrategyError for the error message on top of the stack (and pops it). */
  private failure(L: LuaState, status: number): StrategyError {
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
    } else if (traceback !== undefined) {
      const t = this.tracePattern.exec("\n" + traceback)
      if (t !== null) line = Number(t[1])
    }
    const kind = this.limitHit ? "limit" : status === LUA_ERRSYNTAX ? "syntax" : "runtime"
    this.limitHit = false
    return new StrategyError({
      kind,
      script: this.script,
      detail,
      ...(line !== undefined ? { line } : {}),
      ...(traceback !== undefined ? { traceback } : {})
    })
  }

  /** `indicators.<name>(n)`: validates `n`, reads the current IndicatorView, returns the value or nil. */
  private periodFunction(name: string, read: PeriodReader): LuaJsFunction {
    return (L) => {
      const view = this.view
      if (view === undefined) return raise(L, `indicators.${name}: indicators are only available during a strategy call`)
      let n = NaN
      if (lua_type(L, 1) !== LUA_TNUMBER || !Number.isInteger((n = lua_tonumber(L, 1))) || n <= 0) {
        const hint = lua_type(L, 1) === LUA_TTABLE ? ` (call it as indicators.${name}(n), not indicators:${name}(n))` : ""
        return raise(L, `indicators.${name}: period must be a positive integer, got ${describeArg(L, 1)}${hint}`)
      }
      const v = readIndicator(L, name, () => read(view, n))
      if (v === undefined) lua_pushnil(L)
      else lua_pushnumber(L, v)
      return 1
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

  /** The per-bar call: one JS→Lua call with positional numbers; the result is copied only when it is not nil. */
  private step(slot: number, phase: StrategyPhase, fnName: string, bar: Bar, view: IndicatorView): StrategyOutput {
    const L = this.L
    if (L === undefined) throw this.disposedError()
    this.view = view
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
    this.limitHit = false
    lua_sethook(L, this.hook, LUA_MASKCOUNT, this.limit)
    const status = lua_pcall(L, nargs, 1, MSGH)
    this.view = undefined
    if (status !== LUA_OK) throw this.failure(L, status)
    if (lua_type(L, -1) === LUA_TNIL) {
      lua_settop(L, BASE)
      return undefined
    }
    return this.result(L, phase, fnName)
  }

  private result(L: LuaState, phase: StrategyPhase, fnName: string): StrategyOutput {
    if (lua_type(L, -1) !== LUA_TTABLE) {
      const what = describeReturn(L, -1)
      lua_settop(L, BASE)
      throw invalidReturn(this.script, fnName, what)
    }
    const raw = luaToJs(L, -1, { jsonSafe: false })
    lua_settop(L, BASE)
    if (Array.isArray(raw)) throw invalidReturn(this.script, fnName, "a list (a table with only numeric keys)")
    return interpretRecord(raw as Record<string, unknown>, phase, this.script, fnName)
  }

  detectOpportunity(bar: Bar, indicators: IndicatorView): StrategyOutput {
    return this.step(DETECT, "detect", "detect_opportunity", bar, indicators)
  }

  filterCommitment(bar: Bar, indicators: IndicatorView): StrategyOutput {
    return this.step(FILTER, "filter", "filter_commitment", bar, indicators)
  }

  managePosition(bar: Bar, indicators: IndicatorView): StrategyOutput {
    return this.step(MANAGE, "manage", "manage_position", bar, indicators)
  }

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

  private disposedError(): StrategyError {
    return new StrategyError({ kind: "runtime", script: this.script, detail: `the strategy instance for ${this.symbol} was disposed` })
  }
}

const defaultPrint = (script: string) => (line: string, symbol: string): void => {
  process.stderr.write(`[${script} ${symbol}] ${line}\n`)
}

/** The definition name for a script path: its file name without the `.lua` extension. */
const nameOf = (scriptName: string): string => nodePath.basename(scriptName).replace(/\.lua$/i, "")

/**
 * Compiles a Lua strategy. The script is loaded once in a probe VM to report, as a thrown {@link StrategyError}:
 * syntax errors (kind `syntax`, with the line), errors or runaway loops in its top-level code (`runtime` / `limit`),
 * and missing entry points (kind `missing-function`, naming which of `detect_opportunity`, `filter_commitment`,
 * `manage_position` is missing). Each `instantiate(symbol)` then runs the script in a fresh VM of its own.
 *
 * @param source the Lua source text
 * @param scriptName the name used in messages and tracebacks (chunk `@scriptName`), usually the file path
 */
export const compileLuaStrategy = (source: string, scriptName: string, options: LuaStrategyOptions = {}): StrategyDefinition => {
  const limit = options.instructionLimit ?? DEFAULT_INSTRUCTION_LIMIT
  if (!Number.isInteger(limit) || limit <= 0) {
    throw new StrategyError({ kind: "load", script: scriptName, detail: `instructionLimit must be a positive integer, got ${limit}` })
  }
  const print = options.print ?? defaultPrint(scriptName)
  const bytes = to_luastring(source)
  const portable = options.portable ?? false
  const make = (symbol: SymbolName): StrategyInstance => new LuaStrategyInstance(bytes, scriptName, symbol, limit, print, portable)
  make("(compile)" as SymbolName).dispose()
  return { name: options.name ?? nameOf(scriptName), instantiate: make }
}

/**
 * Reads and compiles a Lua strategy file. Fails with a {@link StrategyError}: kind `load` when the file cannot be
 * read, otherwise as {@link compileLuaStrategy}.
 */
export const loadLuaStrategy = (path: string, options: LuaStrategyOptions = {}): Effect.Effect<StrategyDefinition, StrategyError> =>
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
