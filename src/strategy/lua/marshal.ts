/**
 * Copying values between Lua and JavaScript. Used off the hot path only: for returned tables (a few per trade),
 * opportunity merges, positions and context snapshots. The per-bar call never goes through here.
 *
 * @module
 */
import { lua, to_luastring, type LuaState } from "fengari"
import { setOwn, MAX_SNAPSHOT_DEPTH } from "../json.ts"

const {
  LUA_TBOOLEAN,
  LUA_TNIL,
  LUA_TNUMBER,
  LUA_TSTRING,
  LUA_TTABLE,
  lua_absindex,
  lua_checkstack,
  lua_createtable,
  lua_next,
  lua_pop,
  lua_pushboolean,
  lua_pushinteger,
  lua_pushnil,
  lua_pushnumber,
  lua_pushstring,
  lua_rawset,
  lua_rawseti,
  lua_toboolean,
  lua_tojsstring,
  lua_tonumber,
  lua_topointer,
  lua_type
} = lua

const INT32_MIN = -2147483648
const INT32_MAX = 2147483647

/** Options of {@link luaToJs}. */
export interface LuaToJsOptions {
  /** Replace non-finite numbers by `null` (for JSON snapshots). */
  readonly jsonSafe: boolean
}

/**
 * Copies the Lua value at `idx` into a JS value: numbers, strings, booleans, tables (a table whose keys are exactly
 * 1..n becomes an array, any other table an object with string keys). Functions, userdata and threads become
 * `undefined` (and are dropped from tables); so are tables met again on the current path (cycles) or nested deeper
 * than {@link MAX_SNAPSHOT_DEPTH}.
 */
export const luaToJs = (L: LuaState, idx: number, options: LuaToJsOptions, depth = 0, seen: Set<object> = new Set()): unknown => {
  switch (lua_type(L, idx)) {
    case LUA_TNUMBER: {
      const n = lua_tonumber(L, idx)
      return options.jsonSafe && !Number.isFinite(n) ? null : n
    }
    case LUA_TSTRING:
      return lua_tojsstring(L, idx)
    case LUA_TBOOLEAN:
      return lua_toboolean(L, idx)
    case LUA_TTABLE:
      return tableToJs(L, idx, options, depth, seen)
    default:
      return undefined
  }
}

const tableToJs = (L: LuaState, idx: number, options: LuaToJsOptions, depth: number, seen: Set<object>): unknown => {
  const ptr = lua_topointer(L, idx)
  if (ptr === null || depth >= MAX_SNAPSHOT_DEPTH || seen.has(ptr)) return undefined
  seen.add(ptr)
  const t = lua_absindex(L, idx)
  lua_checkstack(L, 4)
  const out: Record<string, unknown> = {}
  let count = 0
  let maxIndex = 0
  let sequence = true
  lua_pushnil(L)
  while (lua_next(L, t) !== 0) {
    // key at -2, value at -1. Never convert the key in place (lua_tolstring on a number key breaks lua_next).
    const kt = lua_type(L, -2)
    let key: string | undefined
    if (kt === LUA_TSTRING) {
      key = lua_tojsstring(L, -2) ?? undefined
      sequence = false
    } else if (kt === LUA_TNUMBER) {
      const k = lua_tonumber(L, -2)
      key = String(k)
      if (Number.isInteger(k) && k >= 1) maxIndex = Math.max(maxIndex, k)
      else sequence = false
    } else if (kt === LUA_TBOOLEAN) {
      key = String(lua_toboolean(L, -2))
      sequence = false
    }
    if (key !== undefined) {
      const v = luaToJs(L, -1, options, depth + 1, seen)
      if (v !== undefined) {
        setOwn(out, key, v)
        count++
      }
    }
    lua_pop(L, 1)
  }
  seen.delete(ptr)
  if (sequence && count > 0 && maxIndex === count) {
    const arr: Array<unknown> = new Array(count)
    for (let i = 1; i <= count; i++) arr[i - 1] = out[String(i)]
    return arr
  }
  return out
}

/**
 * Pushes a JS value as a Lua value: numbers (32-bit integers as Lua integers, the rest as floats, so millisecond
 * timestamps are not wrapped), strings, booleans, arrays (as 1-based sequences) and plain objects (as tables).
 * `undefined`, `null`, functions, symbols, cycles and values nested deeper than {@link MAX_SNAPSHOT_DEPTH} become nil.
 */
export const pushJs = (L: LuaState, v: unknown, depth = 0, seen: Set<object> = new Set()): void => {
  switch (typeof v) {
    case "number":
      if (Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX) lua_pushinteger(L, v)
      else lua_pushnumber(L, v)
      return
    case "string":
      lua_pushstring(L, to_luastring(v))
      return
    case "boolean":
      lua_pushboolean(L, v)
      return
    case "bigint":
      lua_pushnumber(L, Number(v))
      return
    case "object": {
      if (v === null || depth >= MAX_SNAPSHOT_DEPTH || seen.has(v)) {
        lua_pushnil(L)
        return
      }
      seen.add(v)
      lua_checkstack(L, 4)
      if (Array.isArray(v)) {
        lua_createtable(L, v.length, 0)
        for (let i = 0; i < v.length; i++) {
          pushJs(L, v[i], depth + 1, seen)
          lua_rawseti(L, -2, i + 1)
        }
      } else {
        const entries = Object.entries(v)
        lua_createtable(L, 0, entries.length)
        for (const [k, x] of entries) {
          if (x === undefined || typeof x === "function" || typeof x === "symbol") continue
          lua_pushstring(L, to_luastring(k))
          pushJs(L, x, depth + 1, seen)
          lua_rawset(L, -3)
        }
      }
      seen.delete(v)
      return
    }
    default:
      lua_pushnil(L)
  }
}

/** Lua's type name of `t` as a JS string. */
export const typeName = (t: number): string =>
  t === LUA_TNIL ? "nil" : t === LUA_TNUMBER ? "number" : t === LUA_TSTRING ? "string" : t === LUA_TBOOLEAN ? "boolean" : t === LUA_TTABLE ? "table" : t === lua.LUA_TFUNCTION ? "function" : t === lua.LUA_TUSERDATA || t === lua.LUA_TLIGHTUSERDATA ? "userdata" : t === lua.LUA_TTHREAD ? "thread" : "no value"
