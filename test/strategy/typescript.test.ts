/**
 * The TypeScript strategy helper follows the same rules as the Lua host.
 */
import { describe, expect, it } from "vitest"
import type { Action } from "../../src/domain/action.ts"
import { StrategyError } from "../../src/domain/errors.ts"
import { SymbolName } from "../../src/domain/bar.ts"
import { defineStrategy, type StrategyReturn } from "../../src/strategy/typescript.ts"
import { actionOf, drive, fakeView, fieldsOf, mkBar, NaiveIndicators, SYM, syntheticBars, thrown } from "./support.ts"

const nothing = (): StrategyReturn => undefined

/** A strategy whose detectOpportunity returns `value`. */
const returning = (value: unknown) =>
  defineStrategy({ name: "ts", detectOpportunity: () => value as StrategyReturn, filterCommitment: nothing, managePosition: nothing }).instantiate(SYM)

describe("defineStrategy", () => {
  it.each<Action>([
    { action: "enter_long", quantity: 0.95, price: 100.5, stop_loss: 95, take_profit: 110, reason: "cross" },
    { action: "enter_short", quantity: 3 },
    { action: "exit", reason: "done" },
    { action: "update_stop_loss", new_stop: 97.5 },
    { action: "update_take_profit", new_target: 120 },
    { action: "start_analyzing" },
    { action: "cancel_analysis", reason: "no" }
  ])("returns $action validated", (action) => {
    expect(actionOf(returning(action).detectOpportunity(mkBar(), fakeView()))).toEqual(action)
  })

  it.each([
    [{ action: "buy" }, "action: unknown action \"buy\""],
    [{ action: "enter_long" }, "quantity: enter_long needs a positive quantity"],
    [{ action: "enter_long", quantity: 1, price: -1 }, "price: must be positive, got -1"],
    [{ action: "enter_long", quantity: 1, stop_loss: NaN }, "stop_loss: expected a finite number, got NaN"]
  ])("rejects %j naming the field", (raw, message) => {
    const e = thrown(() => returning(raw).detectOpportunity(mkBar(), fakeView()))
    expect(e.kind).toBe("invalid-action")
    expect(e.detail).toContain("detectOpportunity returned an invalid action")
    expect(e.detail).toContain(message)
  })

  it.each([[42, "a number (42)"], ["x", "a string (\"x\")"], [() => 1, "a function"], [[1, 2], "an array"], [true, "a boolean (true)"]])(
    "rejects %j as a return value",
    (value, what) => {
      const e = thrown(() => returning(value).detectOpportunity(mkBar(), fakeView()))
      expect(e.kind).toBe("invalid-action")
      expect(e.detail).toContain(`detectOpportunity returned ${what}`)
    }
  )

  it("a record without action is an opportunity from detectOpportunity only", () => {
    expect(fieldsOf(returning({ level: 5 }).detectOpportunity(mkBar(), fakeView()))).toEqual({ level: 5 })
    const inst = defineStrategy({ name: "ts", detectOpportunity: nothing, filterCommitment: () => ({ level: 1 }), managePosition: nothing }).instantiate(SYM)
    expect(thrown(() => inst.filterCommitment(mkBar(), fakeView())).detail).toContain("filterCommitment returned a table without an 'action' field")
  })

  it("an exception becomes a runtime StrategyError", () => {
    const inst = defineStrategy({ name: "boom", detectOpportunity: () => { throw new Error("bad") }, filterCommitment: nothing, managePosition: nothing }).instantiate(SYM)
    const e = thrown(() => inst.detectOpportunity(mkBar(), fakeView()))
    expect(e.kind).toBe("runtime")
    expect(e.script).toBe("boom")
    expect(e.detail).toBe("detectOpportunity threw: bad")
    expect(e.traceback).toContain("Error: bad")
  })

  it("context persists across calls and phases, opportunities merge, position is visible", () => {
    const def = defineStrategy<{ n: number; level?: number }>({
      name: "ctx",
      init: () => ({ n: 0 }),
      detectOpportunity: (_b, ctx) => {
        ctx.n++
        return { level: 5 }
      },
      filterCommitment: (_b, ctx) => (ctx.level === 5 ? { action: "enter_long", quantity: ctx.level } : undefined),
      managePosition: (_b, ctx) => ({ action: "exit", reason: `${ctx.n} ${ctx.position?.side} ${ctx.position?.entryPrice}` })
    })
    const inst = def.instantiate(SYM)
    inst.mergeContext(fieldsOf(inst.detectOpportunity(mkBar(), fakeView())))
    expect(actionOf(inst.filterCommitment(mkBar(), fakeView()))).toEqual({ action: "enter_long", quantity: 5 })
    inst.setPosition({ side: "long", quantity: 5, entryPrice: 101, entryTime: 1.7e12, stopLoss: undefined, takeProfit: undefined })
    expect(actionOf(inst.managePosition(mkBar(), fakeView())).reason).toBe("1 long 101")
    inst.setPosition(undefined)
    expect(actionOf(inst.managePosition(mkBar(), fakeView())).reason).toBe("1 undefined undefined")
  })

  it("instances of two symbols have separate contexts", () => {
    const def = defineStrategy<{ n: number }>({
      name: "iso",
      init: () => ({ n: 0 }),
      detectOpportunity: (b, ctx) => ({ n: ++ctx.n, symbol: b.symbol }),
      filterCommitment: nothing,
      managePosition: nothing
    })
    const a = def.instantiate(SymbolName("AAA"))
    const b = def.instantiate(SymbolName("BBB"))
    a.detectOpportunity(mkBar({ symbol: SymbolName("AAA") }), fakeView())
    a.detectOpportunity(mkBar({ symbol: SymbolName("AAA") }), fakeView())
    expect(fieldsOf(b.detectOpportunity(mkBar({ symbol: SymbolName("BBB") }), fakeView()))).toEqual({ n: 1, symbol: "BBB" })
  })

  it("indicators are the view passed to the call (undefined during warm-up)", () => {
    const def = defineStrategy({ name: "ind", detectOpportunity: (_b, _c, ind) => ({ e: ind.ema(12) ?? "warming", h: ind.high ?? "none" }), filterCommitment: nothing, managePosition: nothing })
    const inst = def.instantiate(SYM)
    expect(fieldsOf(inst.detectOpportunity(mkBar(), fakeView()))).toEqual({ e: "warming", h: "none" })
    expect(fieldsOf(inst.detectOpportunity(mkBar(), fakeView({ ema: (n) => n, high: 3 })))).toEqual({ e: 12, h: 3 })
  })

  it("snapshotContext is JSON-safe", () => {
    const def = defineStrategy<Record<string, unknown>>({
      name: "snap",
      init: () => {
        const ctx: Record<string, unknown> = { f: () => 1, nan: NaN, list: [1, undefined, 3], nested: { a: 1 } }
        ctx["self"] = ctx
        return ctx
      },
      detectOpportunity: nothing,
      filterCommitment: nothing,
      managePosition: nothing
    })
    const snap = def.instantiate(SYM).snapshotContext()
    expect(snap).toEqual({ nan: null, list: [1, null, 3], nested: { a: 1 } })
  })

  it("an EMA crossover written in TypeScript makes the same decisions as ema_crossover.lua", async () => {
    const fs = await import("node:fs")
    const { compileLuaStrategy } = await import("../../src/strategy/lua/host.ts")
    const lua = compileLuaStrategy(fs.readFileSync(new URL("../../strategies/ema_crossover.lua", import.meta.url), "utf8"), "ema_crossover.lua")
    const ts = defineStrategy<{ prev_diff?: number; direction?: string; waited?: number }>({
      name: "ema_crossover_ts",
      detectOpportunity: (b, ctx, ind) => {
        const fast = ind.ema(12)
        const slow = ind.ema(26)
        if (fast === undefined || slow === undefined) return
        const diff = fast - slow
        const prev = ctx.prev_diff
        ctx.prev_diff = diff
        if (prev !== undefined && prev <= 0 && diff > 0) return { direction: "long", cross_close: b.close, waited: 0 }
      },
      filterCommitment: (b, ctx, ind) => {
        const fast = ind.ema(12)
        const slow = ind.ema(26)
        if (fast === undefined || slow === undefined) return
        const diff = fast - slow
        ctx.prev_diff = diff
        ctx.waited = (ctx.waited ?? 0) + 1
        if (diff <= 0) return { action: "cancel_analysis", reason: "fast EMA fell back below slow EMA" }
        if (b.close > slow) return { action: "enter_long", quantity: 0.95, price: b.close, stop_loss: b.close * (1 - 0.05), reason: "EMA12 crossed above EMA26" }
        if (ctx.waited >= 3) return { action: "cancel_analysis", reason: "no confirmation within 3 bars" }
      },
      managePosition: (_b, ctx, ind) => {
        const fast = ind.ema(12)
        const slow = ind.ema(26)
        if (fast === undefined || slow === undefined) return
        const diff = fast - slow
        ctx.prev_diff = diff
        if (ctx.position?.side === "long" && diff < 0) return { action: "exit", reason: "EMA12 crossed below EMA26" }
      }
    })
    const bars = syntheticBars(600)
    const a = drive(lua.instantiate(SYM), bars, new NaiveIndicators())
    const b = drive(ts.instantiate(SYM), bars, new NaiveIndicators())
    expect(a.length).toBeGreaterThan(4)
    expect(b).toEqual(a)
  })

  describe("parity with the Lua host", () => {
    const lua = async (body: string) => {
      const { compileLuaStrategy } = await import("../../src/strategy/lua/host.ts")
      return compileLuaStrategy(`function filter_commitment() end\nfunction manage_position() end\nfunction detect_opportunity() ${body} end`, "ts").instantiate(SYM)
    }

    it.each<[unknown, string]>([
      [{ action: "buy" }, "return { action = 'buy' }"],
      [{ action: "enter_long" }, "return { action = 'enter_long' }"],
      [{ action: "enter_long", quantity: 1, price: -1 }, "return { action = 'enter_long', quantity = 1, price = -1 }"],
      [{ action: "enter_long", quantity: 1, stop_loss: NaN }, "return { action = 'enter_long', quantity = 1, stop_loss = 0/0 }"],
      [{ action: "exit", reason: 5 }, "return { action = 'exit', reason = 5 }"]
    ])("the same action check and message: %j", async (value, body) => {
      /** The output, or the error with the function's name taken out (Lua and TS spell it differently). */
      const outcome = (f: () => unknown): unknown => {
        try {
          return f()
        } catch (e) {
          if (!(e instanceof StrategyError)) throw e
          return { kind: e.kind, detail: e.detail.replace(/^(detect_opportunity|detectOpportunity) /, "") }
        }
      }
      const inLua = await lua(body)
      expect(outcome(() => returning(value).detectOpportunity(mkBar(), fakeView()))).toEqual(outcome(() => inLua.detectOpportunity(mkBar(), fakeView())))
    })

    it("an entry point that is not a function is kind missing-function, naming it", () => {
      const e = thrown(() => defineStrategy({ name: "partial", detectOpportunity: nothing, filterCommitment: nothing } as never))
      expect(e.kind).toBe("missing-function")
      expect(e.detail).toBe("missing function(s): managePosition (each of detectOpportunity, filterCommitment, managePosition must be defined as a function)")
    })

    it("a Promise is refused: strategy functions are synchronous", () => {
      const e = thrown(() => returning(Promise.resolve({ action: "exit" })).detectOpportunity(mkBar(), fakeView()))
      expect(e.kind).toBe("invalid-action")
      expect(e.detail).toBe("detectOpportunity returned a Promise (strategy functions must be synchronous); expected nil or a table")
    })

    it("an exception in init is a runtime StrategyError naming init", () => {
      const def = defineStrategy({ name: "bad-init", init: () => { throw new Error("no config") }, detectOpportunity: nothing, filterCommitment: nothing, managePosition: nothing })
      const e = thrown(() => def.instantiate(SYM))
      expect(e.kind).toBe("runtime")
      expect(e.detail).toBe("init threw: no config")
    })

    it("a thrown non-Error is described like a Lua error object", () => {
      const throwing = (v: unknown) =>
        defineStrategy({ name: "t", detectOpportunity: () => { throw v }, filterCommitment: nothing, managePosition: nothing }).instantiate(SYM)
      expect(thrown(() => throwing("plain text").detectOpportunity(mkBar(), fakeView())).detail).toBe("detectOpportunity threw: plain text")
      expect(thrown(() => throwing({ code: 1 }).detectOpportunity(mkBar(), fakeView())).detail).toBe("detectOpportunity threw: (error object is an object)")
      expect(thrown(() => throwing(undefined).detectOpportunity(mkBar(), fakeView())).detail).toBe("detectOpportunity threw: (error object is undefined)")
    })
  })
})
