/**
 * A size check on the strings a strategy VM builds, so `string.rep("x", 2^31 - 1)`, `s = s .. s` doubling, or a
 * `table.concat` / `string.gsub` / `string.format` / `string.pack` blow-up fails with a Lua error instead of asking
 * the process for gigabytes.
 *
 * Why here: fengari stores a Lua string's bytes in a `Uint8Array`, whose memory is outside the V8 heap: neither the
 * instruction budget (one `string.rep` is one instruction) nor a worker's `resourceLimits` (heap only) bounds it, and
 * a typed array of 8 GB is handed out lazily by the OS, so the process would be killed from outside while it fills
 * the pages. fengari has no allocator hook; every big string, however, is born in one of two places of fengari 0.1.5:
 * - the `luaL_Buffer` of the string, table and os libraries (`rep`, `format`, `gsub`, `concat`, `pack`, `char`, …),
 *   which grows by assigning a larger array to `B.b` (`luaL_prepbuffsize`);
 * - `luaV_concat` (the `..` operator), which allocates the result and stores it with `lobject.setsvalue2s`.
 * This module intercepts both: an accessor on `luaL_Buffer.prototype.b` and a wrapper around `lobject.setsvalue2s`
 * (which `lvm.js` reads from the module object at each call). Below {@link BIG_STRING} bytes they cost one length
 * comparison; above it they ask the {@link StringGuardTarget} registered for the Lua state (our VMs only; other
 * fengari states in the process are left alone), which raises a Lua error when the string is too large. An oversized
 * buffer is refused right after `new Uint8Array(n)` and before anything is written to it, so the pages are never
 * touched; a `..` result is refused once built (at most twice the limit, as both operands were within it).
 *
 * Like `market-data-writer.ts`, this reaches into fengari's internals; the dependency is pinned to 0.1.5 and
 * {@link installStringGuard} verifies on a scratch state that both checks fire, returning `false` otherwise (the
 * host then reports the guard as unavailable and relies on the instruction budget alone).
 *
 * @module
 */
import { createRequire } from "node:module"
import { lauxlib, lua, lualib, to_luastring, type LuaState } from "fengari"

/** Strings up to this many bytes are never checked (one comparison on each buffer growth or concatenation). */
export const BIG_STRING = 1 << 20

/** What a VM registers to be asked about big strings. */
export interface StringGuardTarget {
  /**
   * Called when a string or buffer of `bytes` (> {@link BIG_STRING}) is about to exist in the VM of `L` (running a
   * library function when `inLibrary`, else the `..` of a Lua function). Raises a Lua error to refuse it.
   */
  onBigString(L: LuaState, bytes: number, inLibrary: boolean): void
}

interface GlobalStateOwner {
  readonly l_G: object
}

interface FengariBuffer {
  L: LuaState | null
  /** Backing store of the accessor below. */
  __guardedBytes?: Uint8Array
}

/**
 * The registry and install state live on a global symbol: fengari is one CommonJS instance per process, while this
 * module may be evaluated more than once (test runners re-import modules per file).
 */
interface GuardRegistry {
  readonly targets: WeakMap<object, StringGuardTarget>
  installed: boolean | undefined
}
const REGISTRY = Symbol.for("trading-engine/lua-string-guard")
const registry: GuardRegistry = ((globalThis as Record<symbol, GuardRegistry | undefined>)[REGISTRY] ??= { targets: new WeakMap(), installed: undefined })
const targets = registry.targets

const globalOf = (L: LuaState): object => (L as unknown as GlobalStateOwner).l_G

/** Registers `target` for the Lua state `L` (and every coroutine of it: they share the global state). */
export const guardState = (L: LuaState, target: StringGuardTarget): void => {
  targets.set(globalOf(L), target)
}

/**
 * Installs the two checks (once per process) and verifies them. Returns whether the guard is active.
 */
export const installStringGuard = (): boolean => {
  if (registry.installed !== undefined) return registry.installed
  registry.installed = false
  try {
    const require = createRequire(import.meta.url)
    const lauxlibModule = require("fengari/src/lauxlib.js") as { luaL_Buffer?: { prototype: object } }
    const lobject = require("fengari/src/lobject.js") as { setsvalue2s?: (L: LuaState, idx: number, ts: { realstring?: Uint8Array }) => void }
    const Buffer = lauxlibModule.luaL_Buffer
    const setsvalue2s = lobject.setsvalue2s
    if (Buffer === undefined || typeof setsvalue2s !== "function") return false
    if (Object.getOwnPropertyDescriptor(Buffer.prototype, "b") !== undefined) return false

    Object.defineProperty(Buffer.prototype, "b", {
      configurable: true,
      get(this: FengariBuffer): Uint8Array | undefined {
        return this.__guardedBytes
      },
      set(this: FengariBuffer, bytes: Uint8Array) {
        if (bytes.length > BIG_STRING && this.L !== null) {
          const target = targets.get(globalOf(this.L))
          if (target !== undefined) target.onBigString(this.L, bytes.length, true)
        }
        this.__guardedBytes = bytes
      }
    })
    lobject.setsvalue2s = function(L, idx, ts) {
      setsvalue2s(L, idx, ts)
      const bytes = ts.realstring
      if (bytes !== undefined && bytes.length > BIG_STRING) {
        const target = targets.get(globalOf(L))
        if (target !== undefined) target.onBigString(L, bytes.length, false)
      }
    }
    registry.installed = selfTest()
  } catch {
    registry.installed = false
  }
  return registry.installed
}

/** Both checks fire on a scratch state: a buffer growth (`string.rep`) and a `..` result. */
const selfTest = (): boolean => {
  const L = lauxlib.luaL_newstate()
  try {
    lauxlib.luaL_requiref(L, to_luastring("_G"), lualib.luaopen_base, 1)
    lauxlib.luaL_requiref(L, to_luastring("string"), lualib.luaopen_string, 1)
    lua.lua_settop(L, 0)
    const seen: Array<boolean> = []
    guardState(L, {
      onBigString: (L2, _bytes, inLibrary) => {
        seen.push(inLibrary)
        lua.lua_pushstring(L2, to_luastring("refused"))
        lua.lua_error(L2)
      }
    })
    const half = BIG_STRING / 2 + 1
    const run = (code: string): void => {
      const src = to_luastring(code)
      if (lauxlib.luaL_loadbufferx(L, src, src.length, to_luastring("=guard"), to_luastring("t")) !== lua.LUA_OK) throw new Error("guard self-test: load")
      lua.lua_pcall(L, 0, 0, 0)
      lua.lua_settop(L, 0)
    }
    run(`local s = string.rep("x", ${BIG_STRING + 1})`)
    run(`local a = string.rep("x", ${half}) local b = a .. a`)
    return seen.length === 2 && seen[0] === true && seen[1] === false
  } finally {
    lua.lua_close(L)
  }
}
