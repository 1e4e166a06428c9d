/**
 * The hostile suite: scripts in `test/strategy/hostile/` that try to escape the sandbox, hang the engine, exhaust its
 * memory, or feed it garbage. Each one is run in both isolations (in-process and in a worker thread) where it
 * applies, and must end in a precise StrategyError (kind, line, message) or a contained, correct result; after each,
 * a healthy strategy in the same isolation still answers.
 */
import * as fs from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeBar, SymbolName, type Bar } from "../../src/domain/bar.ts"
import { StrategyError } from "../../src/domain/errors.ts"
import type { StrategyInstance } from "../../src/domain/strategy.ts"
import { compileLuaStrategy, type LuaIsolation, type LuaStrategyOptions } from "../../src/strategy/lua/host.ts"
import { fakeView, fieldsOf, thrown } from "./support.ts"

const A = SymbolName("AAA")
const B = SymbolName("BBB")
const source = (file: string): string => fs.readFileSync(new URL(`./hostile/${file}`, import.meta.url), "utf8")
const bar = (f: Partial<{ symbol: SymbolName; close: number; volume: number }> = {}): Bar =>
  makeBar({ symbol: f.symbol ?? A, timestamp: 1.7e12, open: 100, high: 101, low: 99, close: f.close ?? 100.5, volume: f.volume ?? 10 })
const view = fakeView({ ema: (n) => n * 2 })

const HEALTHY = `
function detect_opportunity(market_data, context, indicators)
  context.n = (context.n or 0) + 1
  return { close = market_data.close, ema = indicators.ema(10), n = context.n, upper = ("ok"):upper() }
end
function filter_commitment() end
function manage_position() end
`

describe.each<LuaIsolation>(["none", "worker"])("hostile scripts (isolation %s)", (isolation) => {
  const worker = isolation === "worker"
  const live: Array<StrategyInstance> = []
  let healthy: StrategyInstance

  /** Compiles a hostile script; its instances are disposed after the suite. */
  const load = (file: string, options: LuaStrategyOptions = {}) => {
    // A generous time budget unless a test is about time: on a loaded machine 1M allocating instructions can take
    // longer than the default, and these tests are about the instruction budget.
    const def = compileLuaStrategy(source(file), `hostile/${file}`, { isolation, memoryLimitMb: 64, timeoutMs: 60_000, print: () => {}, ...options })
    return {
      def,
      instantiate: (symbol = A): StrategyInstance => {
        const inst = def.instantiate(symbol)
        live.push(inst)
        return inst
      }
    }
  }
  const instance = (file: string, options: LuaStrategyOptions = {}): StrategyInstance => load(file, options).instantiate()
  const failure = (file: string, options: LuaStrategyOptions = {}, b: Bar = bar()): StrategyError => {
    const inst = instance(file, options)
    return thrown(() => inst.detectOpportunity(b, view))
  }
  const expectFailure = (e: StrategyError, kind: StrategyError["kind"], file: string, line: number | undefined, detail: string | RegExp): void => {
    expect(e.kind).toBe(kind)
    expect(e.script).toBe(`hostile/${file}`)
    if (line !== undefined) expect(e.line).toBe(line)
    if (typeof detail === "string") expect(e.detail).toBe(detail)
    else expect(e.detail).toMatch(detail)
  }

  let healthyCalls = 0
  const expectHealthy = (): void => {
    healthyCalls++
    expect(fieldsOf(healthy.detectOpportunity(bar({ close: 7 }), view))).toEqual({ close: 7, ema: 20, n: healthyCalls, upper: "OK" })
  }

  beforeAll(() => {
    healthy = compileLuaStrategy(HEALTHY, "healthy.lua", { isolation }).instantiate(B)
    live.push(healthy)
  })
  afterAll(() => {
    for (const inst of live) inst.dispose()
  })

  const LIMIT = "instruction limit exceeded (1000000 instructions per call)"

  describe("escapes", () => {
    it("the string metatable is protected: indexing it fails at the line", () => {
      expectFailure(failure("string_metatable.lua"), "runtime", "string_metatable.lua", 4, "attempt to index a boolean value")
      expectHealthy()
    })

    it("probing the string metatable finds nothing to change; replacing string.upper stays in this VM", () => {
      const report = fieldsOf(instance("string_metatable_probe.lua").detectOpportunity(bar(), view))
      expect(report).toEqual({
        metatable: "false",
        set_index: expect.stringContaining("attempt to index a boolean value"),
        setmetatable: "bad argument #1 to 'setmetatable' (table expected, got string)",
        upper: "pwned"
      })
      expectHealthy() // its ("ok"):upper() is still "OK"
    })

    it("binary chunks are refused by every route; text chunks load", () => {
      const report = fieldsOf(instance("binary_chunk.lua").detectOpportunity(bar(), view))
      const refused = "attempt to load a binary chunk (mode is 't')"
      expect(report).toEqual({ direct: refused, mode_b: refused, reader: refused, dump: "nil", text_ok: 42 })
      expectHealthy()
    })

    it("_ENV = nil breaks only the script itself, at its first global access", () => {
      expectFailure(failure("env_nil.lua"), "runtime", "env_nil.lua", 4, /attempt to index a nil value \(upvalue '_ENV'\)/)
      expectHealthy()
    })

    it("entry points hidden in a private _ENV are not globals", () => {
      const e = thrown(() => load("env_hidden.lua"))
      expect(e.kind).toBe("missing-function")
      expect(e.detail).toBe("missing function(s): detect_opportunity, filter_commitment, manage_position (each of detect_opportunity, filter_commitment, manage_position must be defined as a global function)")
    })

    it("nothing of the host is reachable from _G, indicators or market_data", () => {
      const report = fieldsOf(instance("globals.lua").detectOpportunity(bar(), view))
      expect(report["odd"]).toBe("")
      expect(report["names"]).toBe(
        "_G,_VERSION,assert,detect_opportunity,error,filter_commitment,getmetatable,ipairs,load,manage_position,math,next,os,pairs,param,pcall,print,rawequal,rawget,rawlen,rawset,select,setmetatable,string,table,tonumber,tostring,type,utf8,xpcall"
      )
    })

    it("indicators and market_data cannot be tampered with; another symbol's VM is untouched", () => {
      const script = load("shared_tables.lua")
      const a = script.instantiate(A)
      const report = fieldsOf(a.detectOpportunity(bar(), view))
      expect(report).toEqual({
        ind_metatable: "false",
        ind_setmetatable: "cannot change a protected metatable",
        ind_new_key: expect.stringContaining("indicators is read-only (tried to set 'evil')"),
        ind_rawset: expect.stringContaining("indicators is read-only (tried to set 'ema')"),
        ind_insert: expect.stringContaining("indicators is read-only (tried to set '1')"),
        md_setmetatable: "cannot change a protected metatable",
        md_metatable: "false",
        ema: 6,
        ema_replaced: -1
      })
      // The next bar rewrites market_data's prices (its symbol field and its own indicators.ema are the script's business).
      expect(a.filterCommitment(bar({ close: 55 }), view)).toEqual({ _tag: "Action", action: { action: "cancel_analysis", reason: "55.0 OTHER -1" } })
      const b = script.instantiate(B)
      expect(b.filterCommitment(bar({ symbol: B, close: 56 }), view)).toEqual({ _tag: "Action", action: { action: "cancel_analysis", reason: "56.0 BBB 6.0" } })
      expectHealthy()
    })

    it("rawset on indicators is refused at the line", () => {
      expectFailure(failure("rawset_indicators.lua"), "runtime", "rawset_indicators.lua", 3, "indicators is read-only (tried to set 'ema')")
      expectHealthy()
    })

    it("math.random is per VM: one symbol's randomseed does not move another's sequence", () => {
      const script = load("random_isolation.lua")
      const first = fieldsOf(script.instantiate(A).detectOpportunity(bar(), view))["xs"]
      const seeder = script.instantiate(SymbolName("SEEDER"))
      fieldsOf(seeder.detectOpportunity(bar({ symbol: SymbolName("SEEDER") }), view))
      const again = fieldsOf(script.instantiate(A).detectOpportunity(bar(), view))["xs"]
      expect(again).toBe(first) // deterministic, and not disturbed by SEEDER's seed
      expect(fieldsOf(seeder.detectOpportunity(bar({ symbol: SymbolName("SEEDER") }), view))["xs"]).not.toBe(first)
    })
  })

  describe("runaway code", () => {
    it.each([
      ["loop_plain.lua", 3],
      ["loop_pcall.lua", 4],
      ["loop_xpcall_handler.lua", 4],
      ["loop_error_handler.lua", 3],
      ["loop_index.lua", 3],
      ["loop_gsub.lua", 3],
      ["loop_sort.lua", 4],
      ["loop_tostring.lua", 3],
      ["loop_print.lua", 3],
      ["loop_load_reader.lua", 3]
    ])("%s ends with kind limit at its line", (file, line) => {
      const e = failure(file)
      expectFailure(e, "limit", file, line, LIMIT)
      expect(e.traceback).toContain("stack traceback:")
      expectHealthy()
    })

    it("infinite loops in coroutines end with kind limit", () => {
      expectFailure(failure("loop_coroutine.lua", { coroutines: true }), "limit", "loop_coroutine.lua", 5, LIMIT)
      expectHealthy()
    })

    it("a coroutine created at load time and resumed on later bars is still bounded", () => {
      const inst = instance("loop_coroutine_wrap.lua", { coroutines: true })
      for (let n = 1; n <= 3; n++) expect(fieldsOf(inst.detectOpportunity(bar(), view))).toEqual({ n })
      expectFailure(thrown(() => inst.detectOpportunity(bar(), view)), "limit", "loop_coroutine_wrap.lua", 6, LIMIT)
      expectHealthy()
    })

    it("an __index chain that loops back is stopped by Lua itself", () => {
      expectFailure(failure("index_chain.lua"), "runtime", "index_chain.lua", 6, "'__index' chain too long; possible loop")
    })

    it("__gc never runs, so its loop cannot either", () => {
      expect(fieldsOf(instance("loop_gc.lua").detectOpportunity(bar(), view))).toEqual({ collectgarbage: "nil" })
    })

    it("a loop in the top-level code fails the load with kind limit", () => {
      const e = thrown(() => load("loop_top_level.lua"))
      expectFailure(e, "limit", "loop_top_level.lua", 2, LIMIT)
      expectHealthy()
    })

    it("a loop within the instruction budget but past the time budget ends with kind timeout", () => {
      expectFailure(failure("slow_loop.lua", { instructionLimit: 1_000_000_000, timeoutMs: 200 }), "timeout", "slow_loop.lua", 5, "time limit exceeded (200 ms per call)")
      expectHealthy()
    })

    it.runIf(worker)("a call stuck inside one library call is stopped by the watchdog: kind timeout, the instance is dead", () => {
      const inst = instance("stuck_pattern.lua", { timeoutMs: 100 })
      const e = thrown(() => inst.detectOpportunity(bar(), view))
      expect(e.kind).toBe("timeout")
      expect(e.detail).toBe("detect_opportunity did not return within 1200 ms (stuck inside one library call, where the time budget cannot interrupt it); the worker was stopped and the strategy for AAA is dead")
      expect(thrown(() => inst.detectOpportunity(bar(), view))).toBe(e)
      expectHealthy()
    })
  })

  describe("recursion", () => {
    it("unbounded Lua recursion is a clean stack overflow", () => {
      expectFailure(failure("recursion_lua.lua", { instructionLimit: 100_000_000, memoryLimitMb: 512 }), "runtime", "recursion_lua.lua", 3, /stack overflow/)
      expectHealthy()
    })

    it("recursion through a library function is stopped by the C-stack guard", () => {
      expectFailure(failure("recursion_c.lua"), "runtime", "recursion_c.lua", 2, /stack overflow/)
      expectHealthy()
    })

    it("recursion through pcall returns normally", () => {
      expect(fieldsOf(instance("recursion_pcall.lua").detectOpportunity(bar(), view))).toEqual({ n: 1 })
    })

    it("recursion through nested coroutines is a clean error with one position", () => {
      expectFailure(failure("recursion_coroutine.lua", { coroutines: true }), "runtime", "recursion_coroutine.lua", 2, /stack overflow/)
      expectHealthy()
    })
  })

  describe("memory", () => {
    it.each([
      ["rep_bomb.lua", 3, 2147483647],
      ["concat_bomb.lua", 4, 33554432],
      ["table_concat_bomb.lua", 5, 16777216],
      ["gsub_bomb.lua", 3, 16777216],
      ["format_bomb.lua", 6, 16777216],
      ["pack_bomb.lua", 3, 16777216]
    ])("%s: strings over maxStringBytes are refused, kind memory", (file, line, atLeast) => {
      const e = failure(file)
      expectFailure(e, "memory", file, line, /^string of \d+ bytes refused: strings are limited to 16777216 bytes \(maxStringBytes\)$/)
      expect(Number(/string of (\d+)/.exec(e.detail)![1])).toBeGreaterThanOrEqual(atLeast)
      expectHealthy()
    })

    it("a table growing within one call is ended by the instruction budget (in a worker, by the memory cap first)", () => {
      const e = failure("table_bomb.lua")
      if (worker) expectFailure(e, "memory", "table_bomb.lua", 5, /^out of memory: .* \(heap .*; memoryLimitMb 64\)$/)
      else expectFailure(e, "limit", "table_bomb.lua", 5, LIMIT)
      expectHealthy()
    })

    it.runIf(worker)("a table growing across calls hits the worker's memory cap: kind memory, the instance is dead", () => {
      const inst = instance("table_bomb_across_calls.lua", { memoryLimitMb: 32 })
      let e: StrategyError | undefined
      for (let i = 0; i < 200 && e === undefined; i++) {
        try {
          inst.detectOpportunity(bar(), view)
        } catch (x) {
          if (!(x instanceof StrategyError)) throw x
          e = x
        }
      }
      expect(e).toBeDefined()
      expect(e!.kind).toBe("memory")
      expect(e!.detail).toMatch(/^out of memory: \d+\.\d MiB in use \(heap \d+\.\d MiB, strings \d+\.\d MiB; memoryLimitMb 32\)$/)
      expect(e!.line).toBe(6)
      expect(thrown(() => inst.detectOpportunity(bar(), view))).toBe(e)
      expect(inst.snapshotContext()).toEqual({})
      expectHealthy()
    })

    it.runIf(worker)("strings kept across calls hit the worker's memory cap: kind memory, the instance is dead", () => {
      const inst = instance("string_bomb_across_calls.lua", { memoryLimitMb: 64 })
      let e: StrategyError | undefined
      for (let i = 0; i < 20 && e === undefined; i++) {
        try {
          inst.detectOpportunity(bar(), view)
        } catch (x) {
          if (!(x instanceof StrategyError)) throw x
          e = x
        }
      }
      expect(e).toBeDefined()
      expectFailure(e!, "memory", "string_bomb_across_calls.lua", undefined, /^out of memory: \d+\.\d MiB in use \(heap \d+\.\d MiB, strings \d+\.\d MiB; memoryLimitMb 64\)$/)
      expect(thrown(() => inst.detectOpportunity(bar(), view))).toBe(e)
      expectHealthy()
    })
  })

  describe("errors with non-string values", () => {
    it.each([
      [1, "(error object is a table value)"],
      [2, "(error object is a nil value)"],
      [3, "(error object is a function value)"],
      [4, "(error object is a boolean value)"],
      [5, "(error object is a table value; its __tostring failed)"],
      [6, "(error object is a table value)"],
      [7, "custom message"],
      [8, "42"]
    ])("case %i: %s", (volume, detail) => {
      const e = failure("error_values.lua", {}, bar({ volume }))
      expectFailure(e, "runtime", "error_values.lua", 14, detail)
      expect(e.traceback).toContain("in function 'detect_opportunity'")
    })
  })

  describe("garbage returns", () => {
    const run = (volume: number) => instance("garbage_returns.lua", { coroutines: true, memoryLimitMb: 256 }).detectOpportunity(bar({ volume }), view)
    it.each([
      [1, "detect_opportunity returned a function; expected nil or a table"],
      [2, "detect_opportunity returned a thread; expected nil or a table"],
      [4, "detect_opportunity returned an invalid action: quantity: expected a finite number, got Infinity"],
      [5, "detect_opportunity returned an invalid action: quantity: expected a finite number, got NaN"],
      [8, "detect_opportunity returned a list (a table with only numeric keys); expected nil or a table"],
      [9, "detect_opportunity returned a number (Infinity); expected nil or a table"],
      [10, /^detect_opportunity returned an invalid action: action: /],
      [11, "detect_opportunity returned an invalid action: stop_loss: must be positive, got -5"]
    ])("case %i is an invalid-action naming what came back", (volume, detail) => {
      const e = thrown(() => run(volume))
      expect(e.kind).toBe("invalid-action")
      if (typeof detail === "string") expect(e.detail).toBe(detail)
      else expect(e.detail).toMatch(detail)
    })

    it("a cyclic table is copied with the cycle cut", () => {
      expect(fieldsOf(run(3))).toEqual({ a: 1 })
    })

    it("a very deep table is cut at the snapshot depth", () => {
      let depth = 0
      for (let t = fieldsOf(run(6)) as Record<string, unknown> | undefined; t !== undefined; t = t["n"] as Record<string, unknown> | undefined) depth++
      expect(depth).toBe(16)
    })

    it("a table whose metamethods loop is copied raw, without calling them", () => {
      expect(fieldsOf(run(7))).toEqual({ level: 3 })
      expectHealthy()
    })
  })
})
