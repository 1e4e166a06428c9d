/**
 * Isolation: a strategy in worker threads (`isolation: "worker"`) behaves exactly like in-process, and at the engine
 * level one symbol's failing script (an error, a runaway loop, garbage, a memory bomb) is recorded and stops only that
 * symbol while the others keep trading, in both isolations.
 */
import * as fs from "node:fs"
import { afterAll, describe, expect, it } from "vitest"
import { compareBars, makeBar, SymbolName, type Bar } from "../../src/domain/bar.ts"
import type { StrategyDefinition, StrategyInstance } from "../../src/domain/strategy.ts"
import { EngineCore } from "../../src/engine/core.ts"
import { compileLuaStrategy, type LuaIsolation, type LuaStrategyOptions } from "../../src/strategy/lua/host.ts"
import { defineStrategy } from "../../src/strategy/typescript.ts"
import { drive, EngineIndicators, fakeView, fieldsOf, mkBar, STUBS, SYM, syntheticBars, thrown } from "./support.ts"

const here = (file: string): string => fs.readFileSync(new URL(file, import.meta.url), "utf8")
const TWO_FACED = here("./isolation/two_faced.lua")
const ALL_INDICATORS = here("./isolation/all_indicators.lua")
const EMA_CROSSOVER = here("../../strategies/ema_crossover.lua")

const live: Array<StrategyInstance> = []
afterAll(() => {
  for (const inst of live) inst.dispose()
})
const keep = (inst: StrategyInstance): StrategyInstance => {
  live.push(inst)
  return inst
}

describe("worker isolation behaves like in-process", () => {
  /** Drives a script over bars with the engine's own indicators, recording the outputs and print lines. */
  const trace = (source: string, isolation: LuaIsolation, bars: ReadonlyArray<Bar>) => {
    const lines: Array<string> = []
    const inst = keep(compileLuaStrategy(source, "trace.lua", { isolation, print: (line, symbol) => lines.push(`${symbol} ${line}`) }).instantiate(SYM))
    const events = drive(inst, bars, new EngineIndicators(20))
    return { events, lines, snapshot: inst.snapshotContext() }
  }

  it("every indicator, market_data field, print, context merge and position update: the same trace", () => {
    const bars = syntheticBars(400)
    const inProcess = trace(ALL_INDICATORS, "none", bars)
    const worker = trace(ALL_INDICATORS, "worker", bars)
    expect(inProcess.events.length).toBeGreaterThan(20)
    expect(inProcess.events.some((e) => e.what.includes("update_stop_loss"))).toBe(true)
    expect(inProcess.lines.length).toBeGreaterThan(0)
    expect(worker).toEqual(inProcess)
  })

  it("the bundled EMA crossover makes the same trades", () => {
    const bars = syntheticBars(1500, 3)
    const a = trace(EMA_CROSSOVER, "none", bars)
    const b = trace(EMA_CROSSOVER, "worker", bars)
    expect(a.events.filter((e) => e.what === "filled").length).toBeGreaterThan(3)
    expect(b).toEqual(a)
  })

  it("errors raised by the view reach the script the same way, at the same line", () => {
    const source = STUBS + "function detect_opportunity(md, ctx, ind)\n  return { v = ind.ema(5) }\nend"
    const view = fakeView({ ema: () => { throw new RangeError("ema: period must be at most 100000, got 5") } })
    const errors = (["none", "worker"] as const).map((isolation) =>
      thrown(() => keep(compileLuaStrategy(source, "v.lua", { isolation }).instantiate(SYM)).detectOpportunity(mkBar(), view)))
    expect(errors[0]!.detail).toBe("indicators.ema: period must be at most 100000, got 5")
    expect(errors[1]!.message).toBe(errors[0]!.message)
    expect(errors[1]!.line).toBe(5)
    const other = fakeView({ ema: () => { throw new TypeError("view broke") } })
    const hostErrors = (["none", "worker"] as const).map((isolation) =>
      thrown(() => keep(compileLuaStrategy(source, "v.lua", { isolation }).instantiate(SYM)).detectOpportunity(mkBar(), other)).detail)
    expect(hostErrors).toEqual(["host error: TypeError: view broke", "host error: TypeError: view broke"])
  })

  it("an indicator read that fails once (then works) is asked again rather than cached", () => {
    let calls = 0
    const flaky = fakeView({ sma: () => { calls++; if (calls === 2) throw new RangeError("sma: flaky"); return calls } })
    const inst = keep(compileLuaStrategy(STUBS + "function detect_opportunity(md, ctx, ind)\n  local ok, v = pcall(ind.sma, 3)\n  return { ok = ok, v = v }\nend", "f.lua", { isolation: "worker" }).instantiate(SYM))
    expect(fieldsOf(inst.detectOpportunity(mkBar(), flaky))).toEqual({ ok: true, v: 1 })
    // Bar 2: the prefetch read throws, so the worker asks again during the call (read 3 succeeds).
    expect(fieldsOf(inst.detectOpportunity(mkBar(), flaky))).toEqual({ ok: true, v: 3 })
  })

  it("parameters, reload policy and the fast path come back from the worker", () => {
    const def = compileLuaStrategy(`local F = param("fast", { default = 12, min = 2 })\nreload_keeps_context = false\n${STUBS}`, "p.lua", { isolation: "worker", params: { fast: "30" } })
    expect(def.params).toEqual([{ name: "fast", type: "integer", default: 12, min: 2 }])
    expect(def.paramValues).toEqual({ fast: 30 })
    expect(def.reloadKeepsContext).toBe(false)
    expect((keep(def.instantiate(SYM)) as unknown as { fastPath: boolean }).fastPath).toBe(true)
    expect(thrown(() => compileLuaStrategy(`local F = param("fast", { default = 12, min = 2 })\n${STUBS}`, "p.lua", { isolation: "worker", params: { fast: 1 } })).detail)
      .toBe("fast: must be >= 2, got 1")
  })

  it("load errors are the same StrategyErrors", () => {
    for (const source of ["local x = = 1", "local t = nil\nlocal y = t.x\n" + STUBS, "function detect_opportunity() end"]) {
      const a = thrown(() => compileLuaStrategy(source, "l.lua"))
      const b = thrown(() => compileLuaStrategy(source, "l.lua", { isolation: "worker" }))
      expect({ ...b, traceback: undefined }).toEqual({ ...a, traceback: undefined })
    }
  })

  it("a disposed instance fails with a StrategyError; disposing twice is harmless", () => {
    const inst = compileLuaStrategy(STUBS, "d.lua", { isolation: "worker" }).instantiate(SYM)
    inst.dispose()
    inst.dispose()
    const e = thrown(() => inst.detectOpportunity(mkBar(), fakeView()))
    expect(e.kind).toBe("runtime")
    expect(e.detail).toBe("the strategy instance for BTCUSDT was disposed")
    expect(inst.snapshotContext()).toEqual({})
  })
})

/** Two symbols over the same synthetic walk (different seeds), merged in the engine's order. */
const twoSymbols = (n: number): Array<Bar> => {
  const a = syntheticBars(n, 11).map((b) => makeBar({ ...b, symbol: SymbolName("AAA") }))
  const b = syntheticBars(n, 12).map((b) => makeBar({ ...b, symbol: SymbolName("BBB") }))
  return [...a, ...b].sort(compareBars)
}

const runEngine = (definition: StrategyDefinition, bars: ReadonlyArray<Bar>) => {
  const core = new EngineCore(definition, { commissionRate: 0 }, { initialCash: 100_000 })
  try {
    core.processChunk(bars)
    return core.finish({ symbols: [], skippedRows: 0, skippedSamples: [] })
  } finally {
    core.dispose()
  }
}

describe("engine: one symbol's failure stops only that symbol", () => {
  const bars = twoSymbols(900)
  const turnsAt = bars.filter((b) => b.symbol === "BBB")[119]!.timestamp

  const cases: ReadonlyArray<{ mode: string; isolation: LuaIsolation; message: RegExp; options?: LuaStrategyOptions }> = [
    { mode: "loop", isolation: "none", message: /two_faced\.lua:14: limit: instruction limit exceeded \(1000000 instructions per call\)/ },
    { mode: "loop", isolation: "worker", message: /two_faced\.lua:14: limit: instruction limit exceeded/ },
    { mode: "error", isolation: "none", message: /two_faced\.lua:15: runtime: \(error object is a table value\)/ },
    { mode: "garbage", isolation: "worker", message: /two_faced\.lua: invalid-action: (detect_opportunity|manage_position) returned a function; expected nil or a table/ },
    { mode: "string", isolation: "none", message: /two_faced\.lua:17: memory: string of 1000000000 bytes refused/ },
    { mode: "heap", isolation: "worker", message: /two_faced\.lua:20: memory: out of memory: .* \(heap .*; memoryLimitMb 32\)/, options: { memoryLimitMb: 32 } }
  ]

  it.each(cases)("$mode in isolation $isolation", ({ mode, isolation, message, options }) => {
    const definition = compileLuaStrategy(TWO_FACED, "two_faced.lua", { isolation, params: { mode }, timeoutMs: 60_000, ...options })
    const result = runEngine(definition, bars)
    expect(result.failures).toHaveLength(1)
    const failure = result.failures[0]!
    expect(failure.symbol).toBe("BBB")
    expect(failure.message).toMatch(message)
    if (mode !== "heap") expect(failure.timestamp).toBe(turnsAt)
    // BBB opened nothing after its failure; AAA kept trading after it.
    expect(result.trades.filter((t) => t.symbol === "BBB" && t.entryTime > failure.timestamp)).toEqual([])
    expect(result.trades.filter((t) => t.symbol === "AAA" && t.entryTime > failure.timestamp).length).toBeGreaterThan(2)
  })

  it("AAA's trades are the same as in a run where nothing fails", () => {
    const healthy = runEngine(compileLuaStrategy(TWO_FACED, "two_faced.lua", { params: { victim: "NONE" } }), bars)
    const failing = runEngine(compileLuaStrategy(TWO_FACED, "two_faced.lua", { params: { mode: "loop" } }), bars)
    expect(healthy.failures).toEqual([])
    const aaa = (r: typeof healthy) => r.trades.filter((t) => t.symbol === "AAA").map((t) => [t.entryTime, t.exitTime, t.entryPrice, t.exitPrice])
    expect(aaa(failing)).toEqual(aaa(healthy))
  })

  it("a TypeScript strategy that throws for one symbol: the same containment", () => {
    const definition = defineStrategy<{ n: number }>({
      name: "ts-two-faced",
      init: () => ({ n: 0 }),
      detectOpportunity: (bar, ctx, ind) => {
        ctx.n++
        if (bar.symbol === "BBB" && ctx.n >= 120) throw new Error("boom")
        const fast = ind.ema(5)
        const slow = ind.ema(20)
        return fast !== undefined && slow !== undefined && fast > slow * 1.002 ? { action: "enter_long", quantity: 0.2 } : undefined
      },
      filterCommitment: () => ({ action: "cancel_analysis" }),
      managePosition: (_bar, _ctx, ind) => {
        const fast = ind.ema(5)
        const slow = ind.ema(20)
        return fast !== undefined && slow !== undefined && fast < slow ? { action: "exit" } : undefined
      }
    })
    const result = runEngine(definition, bars)
    expect(result.failures.map((f) => [f.symbol, f.message])).toEqual([["BBB", "ts-two-faced: runtime: detectOpportunity threw: boom"]])
    expect(result.trades.filter((t) => t.symbol === "AAA" && t.entryTime > result.failures[0]!.timestamp).length).toBeGreaterThan(2)
  })
})
