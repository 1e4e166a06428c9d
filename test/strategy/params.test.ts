/**
 * Strategy parameters: Lua's `param(...)` and `defineStrategy({ params })` declare them, overrides (values or CLI text)
 * are validated against the declarations with the same rules and messages, and the definition exposes both.
 */
import * as fs from "node:fs"
import { describe, expect, it } from "vitest"
import { compileLuaStrategy } from "../../src/strategy/lua/host.ts"
import { defineStrategy } from "../../src/strategy/typescript.ts"
import { actionOf, fakeView, fieldsOf, mkBar, STUBS, SYM, thrown } from "./support.ts"


/** The test script of this suite: every kind of declaration, and the values reported back by detect_opportunity. */
const PARAMS_LUA = fs.readFileSync(new URL("./params/params.lua", import.meta.url), "utf8")

describe("Lua param()", () => {
  it("declares parameters with defaults, inferred types and bounds; the definition lists them in order", () => {
    const def = compileLuaStrategy(PARAMS_LUA, "params.lua")
    expect(def.params).toEqual([
      { name: "fast", type: "integer", default: 12, min: 2, max: 200, description: "fast EMA period" },
      { name: "slow", type: "integer", default: 26 },
      { name: "stop_pct", type: "number", default: 0.05, min: 0, max: 0.5 },
      { name: "k", type: "number", default: 2 },
      { name: "allow_short", type: "boolean", default: false },
      { name: "mode", type: "string", default: "trend", choices: ["trend", "reversion"] },
      { name: "label", type: "string", default: "ema" }
    ])
    expect(def.paramValues).toEqual({ fast: 12, slow: 26, stop_pct: 0.05, k: 2, allow_short: false, mode: "trend", label: "ema" })
    expect(def.reloadKeepsContext).toBe(false)
  })

  it("the script sees the values with their Lua types (integer, float, boolean, string)", () => {
    const inst = compileLuaStrategy(PARAMS_LUA, "params.lua").instantiate(SYM)
    expect(fieldsOf(inst.detectOpportunity(mkBar(), fakeView()))).toEqual({
      fast: "12 integer", slow: "26 integer", stop_pct: "0.05 float", k: "2.0 float", allow_short: "false", mode: "trend", label: "ema"
    })
  })

  it("overrides are typed values or text read by the declared type", () => {
    const def = compileLuaStrategy(PARAMS_LUA, "params.lua", { params: { fast: "20", stop_pct: 0.1, k: "2.5", allow_short: "true", mode: "reversion" } })
    expect(def.paramValues).toEqual({ fast: 20, slow: 26, stop_pct: 0.1, k: 2.5, allow_short: true, mode: "reversion", label: "ema" })
    const f = fieldsOf(def.instantiate(SYM).detectOpportunity(mkBar(), fakeView()))
    expect(f).toMatchObject({ fast: "20 integer", k: "2.5 float", allow_short: "true", mode: "reversion" })
  })

  it("withParams re-validates and rebuilds", () => {
    const def = compileLuaStrategy(PARAMS_LUA, "params.lua")
    expect(def.withParams({ slow: 50 }).paramValues).toMatchObject({ fast: 12, slow: 50 })
    expect(thrown(() => def.withParams({ slow: 2.5 })).detail).toBe("slow: expected an integer, got 2.5")
  })

  it.each([
    [{ fast: 1 }, "fast: must be >= 2, got 1"],
    [{ fast: "abc" }, "fast: expected a finite number, got \"abc\""],
    [{ fast: 12.5 }, "fast: expected an integer, got 12.5"],
    [{ allow_short: "yes" }, "allow_short: expected true or false, got \"yes\""],
    [{ mode: "scalp" }, "mode: expected one of \"trend\", \"reversion\", got \"scalp\""],
    [{ stop_pct: 0.9 }, "stop_pct: must be <= 0.5, got 0.9"]
  ])("an invalid override %j is kind params, naming the parameter and the reason", (params, message) => {
    const e = thrown(() => compileLuaStrategy(PARAMS_LUA, "params.lua", { params }))
    expect(e.kind).toBe("params")
    expect(e.script).toBe("params.lua")
    expect(e.detail).toBe(message)
    expect(e.line).toBeGreaterThan(0) // the param(...) call that read it
  })

  it("unknown override names are listed with the declared ones", () => {
    const e = thrown(() => compileLuaStrategy(PARAMS_LUA, "params.lua", { params: { fats: 3, sloow: 4 } }))
    expect(e.kind).toBe("params")
    expect(e.detail).toBe(
      "fats: unknown parameter (declared: fast, slow, stop_pct, k, allow_short, mode, label); sloow: unknown parameter (declared: fast, slow, stop_pct, k, allow_short, mode, label)"
    )
    const none = thrown(() => compileLuaStrategy(STUBS, "none.lua", { params: { x: 1 } }))
    expect(none.detail).toBe("x: unknown parameter (the strategy declares no parameters)")
  })

  it.each([
    ["param('fast', { default = 12 })\nparam('fast', { default = 13 })", 2, "param(\"fast\"): parameter fast is declared twice"],
    ["param('fast', { dflt = 12 })", 1, "param(\"fast\"): unknown field 'dflt' (the fields are default, type, min, max, choices, description)"],
    ["param('fast', {})", 1, "param(\"fast\"): default must be a number, a string or a boolean, got nil"],
    ["param('fast', { default = 1, min = 2 })", 1, "param(\"fast\"): default must be >= 2, got 1"],
    ["param('fast', { default = 5, min = 9, max = 3 })", 1, "param(\"fast\"): min 9 is above max 3"],
    ["param('fast', { default = 5, type = 'int' })", 1, "param(\"fast\"): type must be \"integer\", \"number\", \"boolean\" or \"string\", got string \"int\""],
    ["param('fast', { default = 5.5, type = 'integer' })", 1, "param(\"fast\"): default expected an integer, got 5.5"],
    ["param('fast', { default = 'x', min = 1 })", 1, "param(\"fast\"): min applies to number parameters only (this one is a string)"],
    ["param('fast', { default = 1, choices = { 'a' } })", 1, "param(\"fast\"): choices apply to string parameters only (this one is a integer)"],
    ["param('m', { default = 'c', choices = { 'a', 'b' } })", 1, "param(\"m\"): default expected one of \"a\", \"b\", got \"c\""],
    ["param('2fast', 1)", 1, "param(\"2fast\"): parameter name \"2fast\" must be an identifier"],
    ["param(12, 1)", 1, "param: the name (argument 1) must be a string, got 12"],
    ["param('x')", 1, "param(\"x\"): expected a default value or a table { default = ..., ... } as argument 2, got no value"],
    ["param('x', 1, 2)", 1, "param(\"x\"): takes 2 arguments (name, spec), got 3"]
  ])("an invalid declaration %j is kind params at its line", (decl, line, message) => {
    const e = thrown(() => compileLuaStrategy(`${decl}\n${STUBS}`, "decl.lua"))
    expect(e.kind).toBe("params")
    expect(e.line).toBe(line)
    expect(e.detail).toBe(message)
  })

  it("a declaration error caught with pcall still fails the load", () => {
    const e = thrown(() => compileLuaStrategy(`local ok = pcall(param, 'fast', { default = 1, min = 2 })\nlocal x = 1\n${STUBS}`, "p.lua"))
    expect(e.kind).toBe("params")
    expect(e.detail).toBe("param(\"fast\"): default must be >= 2, got 1")
  })

  it("param() during a bar call is kind params", () => {
    const inst = compileLuaStrategy(`${STUBS}function detect_opportunity()\n  local n = param("late", 1)\nend`, "late.lua").instantiate(SYM)
    const e = thrown(() => inst.detectOpportunity(mkBar(), fakeView()))
    expect(e.kind).toBe("params")
    expect(e.line).toBe(5)
    expect(e.detail).toBe("param(\"late\"): parameters can only be declared by the script's top-level code, not during a strategy call")
  })

  it("the shorthand param(name, default) infers the type", () => {
    const def = compileLuaStrategy(`local a = param("a", 3)\nlocal b = param("b", 0.5)\nlocal c = param("c", true)\nlocal d = param("d", "x")\n${STUBS}`, "s.lua")
    expect(def.params.map((p) => [p.name, p.type, p.default])).toEqual([["a", "integer", 3], ["b", "number", 0.5], ["c", "boolean", true], ["d", "string", "x"]])
  })

  it("every symbol's instance gets the same values", () => {
    const def = compileLuaStrategy(`local FAST = param("fast", { default = 12 })\n${STUBS}function detect_opportunity() return { fast = FAST } end`, "s.lua", { params: { fast: 30 } })
    for (const s of ["AAA", "BBB"]) expect(fieldsOf(def.instantiate(s as never).detectOpportunity(mkBar(), fakeView()))).toEqual({ fast: 30 })
  })

  it("reload_keeps_context: default true, a boolean global, anything else refused", () => {
    expect(compileLuaStrategy(STUBS, "s.lua").reloadKeepsContext).toBe(true)
    expect(compileLuaStrategy(`reload_keeps_context = false\n${STUBS}`, "s.lua").reloadKeepsContext).toBe(false)
    const e = thrown(() => compileLuaStrategy(`reload_keeps_context = "no"\n${STUBS}`, "s.lua"))
    expect(e.kind).toBe("runtime")
    expect(e.detail).toBe("reload_keeps_context must be true or false, got string \"no\"")
  })

  it("the guide's parameter example compiles with its declared parameters", () => {
    const guide = fs.readFileSync(new URL("../../docs/strategy-guide.md", import.meta.url), "utf8")
    const block = [...guide.matchAll(/```lua\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.startsWith("-- ema_params.lua"))
    expect(block).toBeDefined()
    const def = compileLuaStrategy(block!, "ema_params.lua", { params: { fast: "8", slow: "21" } })
    expect(def.params.map((p) => p.name)).toEqual(["fast", "slow", "quantity", "stop_pct"])
    expect(def.paramValues).toMatchObject({ fast: 8, slow: 21 })
  })
})

describe("defineStrategy params", () => {
  const nothing = () => undefined

  it("declares parameters; the functions and init receive the resolved values, typed", () => {
    const seen: Array<unknown> = []
    const def = defineStrategy({
      name: "ts-params",
      params: {
        fast: { default: 12, min: 2, max: 200, description: "fast EMA period" },
        k: { default: 2.5 },
        short: { default: false },
        mode: { default: "trend", choices: ["trend", "reversion"] }
      },
      init: (_symbol, p) => ({ fastAtInit: p.fast }),
      detectOpportunity: (_bar, ctx, _ind, p) => {
        const fast: number = p.fast // typed from the declaration
        const short: boolean = p.short
        seen.push([fast, p.k, short, p.mode, ctx.fastAtInit])
        return { action: "enter_long", quantity: fast }
      },
      filterCommitment: nothing,
      managePosition: nothing
    }, { fast: "20", mode: "reversion" })
    expect(def.params).toEqual([
      { name: "fast", type: "integer", default: 12, min: 2, max: 200, description: "fast EMA period" },
      { name: "k", type: "number", default: 2.5 },
      { name: "short", type: "boolean", default: false },
      { name: "mode", type: "string", default: "trend", choices: ["trend", "reversion"] }
    ])
    expect(def.paramValues).toEqual({ fast: 20, k: 2.5, short: false, mode: "reversion" })
    expect(actionOf(def.instantiate(SYM).detectOpportunity(mkBar(), fakeView()))).toEqual({ action: "enter_long", quantity: 20 })
    expect(seen).toEqual([[20, 2.5, false, "reversion", 20]])
    expect(def.withParams({ fast: 3 }).paramValues).toMatchObject({ fast: 3, mode: "trend" })
  })

  it("the same messages as Lua for invalid overrides, unknown names and declarations", () => {
    const spec = { name: "ts", params: { fast: { default: 12, min: 2 } }, detectOpportunity: nothing, filterCommitment: nothing, managePosition: nothing }
    const lua = (params: Record<string, string | number>) => thrown(() => compileLuaStrategy(`local F = param("fast", { default = 12, min = 2 })\n${STUBS}`, "ts", { params }))
    for (const overrides of [{ fast: 1 }, { fast: "x" }, { fst: 3 }]) {
      const e = thrown(() => defineStrategy(spec, overrides))
      expect(e.kind).toBe("params")
      expect(e.detail).toBe(lua(overrides).detail)
    }
    const bad = thrown(() => defineStrategy({ ...spec, params: { fast: { default: 1, min: 2 } } }))
    expect(bad.kind).toBe("params")
    expect(bad.detail).toBe("param(\"fast\"): default must be >= 2, got 1")
    const typo = thrown(() => defineStrategy({ ...spec, params: { fast: { dflt: 1 } as never } }))
    expect(typo.detail).toBe("param(\"fast\"): unknown field 'dflt' (the fields are default, type, min, max, choices, description)")
  })

  it("without declarations, any override is unknown; the values are empty", () => {
    const def = defineStrategy({ name: "plain", detectOpportunity: nothing, filterCommitment: nothing, managePosition: nothing })
    expect(def.params).toEqual([])
    expect(def.paramValues).toEqual({})
    expect(def.reloadKeepsContext).toBe(true)
    expect(thrown(() => defineStrategy({ name: "plain", detectOpportunity: nothing, filterCommitment: nothing, managePosition: nothing }, { x: 1 })).detail)
      .toBe("x: unknown parameter (the strategy declares no parameters)")
  })
})
