/**
 * Minimal type declarations for the parts of fengari 0.1.5 (Lua 5.3 in JavaScript) used by the Lua strategy host.
 * fengari ships no types; this covers only what `src/strategy/lua/*` calls. Lua strings are `Uint8Array`s.
 */
declare module "fengari" {
  /** An opaque Lua state (`lua_State *`). */
  export interface LuaState {
    readonly __fengariLuaState: unique symbol
  }
  /** A Lua string: UTF-8 bytes. */
  export type LuaString = Uint8Array
  /** A JS function callable from Lua: reads its arguments from the stack, returns the number of results pushed. */
  export type LuaJsFunction = (L: LuaState) => number
  /** A debug hook. */
  export type LuaHook = (L: LuaState, ar: unknown) => void

  export interface LuaApi {
    readonly LUA_OK: number
    readonly LUA_ERRRUN: number
    readonly LUA_ERRSYNTAX: number
    readonly LUA_ERRMEM: number
    readonly LUA_ERRERR: number
    readonly LUA_TNONE: number
    readonly LUA_TNIL: number
    readonly LUA_TBOOLEAN: number
    readonly LUA_TLIGHTUSERDATA: number
    readonly LUA_TNUMBER: number
    readonly LUA_TSTRING: number
    readonly LUA_TTABLE: number
    readonly LUA_TFUNCTION: number
    readonly LUA_TUSERDATA: number
    readonly LUA_TTHREAD: number
    readonly LUA_MASKCOUNT: number
    readonly LUA_MULTRET: number
    readonly LUA_REGISTRYINDEX: number

    lua_absindex(L: LuaState, idx: number): number
    lua_atnativeerror(L: LuaState, f: LuaJsFunction | null): LuaJsFunction | null
    lua_call(L: LuaState, nargs: number, nresults: number): void
    lua_checkstack(L: LuaState, n: number): boolean
    lua_close(L: LuaState): void
    lua_concat(L: LuaState, n: number): void
    lua_createtable(L: LuaState, narr: number, nrec: number): void
    lua_error(L: LuaState): never
    lua_getfield(L: LuaState, idx: number, k: LuaString | string): number
    lua_getglobal(L: LuaState, name: LuaString | string): number
    lua_gethookcount(L: LuaState): number
    lua_gettop(L: LuaState): number
    lua_isinteger(L: LuaState, idx: number): boolean
    lua_next(L: LuaState, idx: number): number
    lua_pcall(L: LuaState, nargs: number, nresults: number, msgh: number): number
    lua_pop(L: LuaState, n: number): void
    lua_pushboolean(L: LuaState, b: boolean): void
    lua_pushinteger(L: LuaState, n: number): void
    lua_pushjsfunction(L: LuaState, f: LuaJsFunction): void
    lua_pushliteral(L: LuaState, s: string): LuaString
    lua_pushnil(L: LuaState): void
    lua_pushnumber(L: LuaState, n: number): void
    lua_pushstring(L: LuaState, s: LuaString | string): LuaString
    lua_pushvalue(L: LuaState, idx: number): void
    lua_rawequal(L: LuaState, a: number, b: number): boolean
    lua_rawget(L: LuaState, idx: number): number
    lua_rawset(L: LuaState, idx: number): void
    lua_rawseti(L: LuaState, idx: number, n: number): void
    lua_remove(L: LuaState, idx: number): void
    lua_replace(L: LuaState, idx: number): void
    lua_setfield(L: LuaState, idx: number, k: LuaString | string): void
    lua_setglobal(L: LuaState, name: LuaString | string): void
    lua_sethook(L: LuaState, f: LuaHook | null, mask: number, count: number): void
    lua_settop(L: LuaState, idx: number): void
    lua_toboolean(L: LuaState, idx: number): boolean
    lua_tojsstring(L: LuaState, idx: number): string | null
    lua_tonumber(L: LuaState, idx: number): number
    lua_topointer(L: LuaState, idx: number): object | null
    lua_tostring(L: LuaState, idx: number): LuaString | null
    lua_touserdata(L: LuaState, idx: number): unknown
    lua_type(L: LuaState, idx: number): number
    lua_typename(L: LuaState, t: number): LuaString
  }

  export interface LauxlibApi {
    luaL_newstate(): LuaState
    luaL_callmeta(L: LuaState, obj: number, event: LuaString | string): boolean
    luaL_loadbufferx(L: LuaState, buff: LuaString, size: number, name: LuaString, mode: LuaString | string | null): number
    luaL_requiref(L: LuaState, modname: LuaString, openf: LuaJsFunction, glb: boolean | number): void
    luaL_tolstring(L: LuaState, idx: number): LuaString
    luaL_traceback(L: LuaState, L1: LuaState, msg: LuaString | null, level: number): void
    luaL_typename(L: LuaState, idx: number): LuaString
    luaL_where(L: LuaState, level: number): void
  }

  export interface LualibApi {
    luaopen_base: LuaJsFunction
    luaopen_coroutine: LuaJsFunction
    luaopen_debug: LuaJsFunction
    luaopen_os: LuaJsFunction
    luaopen_math: LuaJsFunction
    luaopen_string: LuaJsFunction
    luaopen_table: LuaJsFunction
    luaopen_utf8: LuaJsFunction
  }

  export const lua: LuaApi
  export const lauxlib: LauxlibApi
  export const lualib: LualibApi
  export function to_luastring(s: string, cache?: boolean): LuaString
  export function to_jsstring(s: LuaString, from?: number, to?: number, replacement_char?: boolean): string
}
