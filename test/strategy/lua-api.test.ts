/**
 * The Lua API as scripts see it: actions, opportunities, context, positions, market_data, indicators. Every test runs
 * on both per-bar paths: the fast one (bar fields written into `market_data` directly) and the portable one (public
 * C API only), which must behave identically.
 */
import { describe, expect, it } from "vitest"
import type { StrategyInstance } from "../../src/domain/strategy.ts"
import { compileLuaStrategy } from "../../src/strategy/lua/host.ts"
import { actionOf, fakeView, fieldsOf, mkBar, STUBS, SYM, thrown } from "./support.ts"


describe.each([
  { path: "fast", portable: false },
  { path: "portable", portable: true }
])("Lua API ($path path)", ({ portable }) => {
  const lua = (body: string): StrategyInstance => compileLuaStrategy(STUBS + body, "api.lua", { portable }).instantiate(SYM)
  const detect = (body: string, view = fakeView(), bar = mkBar()) => lua(`function detect_opportunity(market_data, context, indicators)\n${body}\nend`).detectOpportunity(bar, view)

  it("uses the expected per-bar path", () => {
    expect((lua("") as unknown as { fastPath: boolean }).fastPath).toBe(!portable)
  })

  describe("actions", () => {
    it("enter_long with every field", () => {
      const a = actionOf(detect(`return { action = "enter_long", quantity = 0.95, price = 100.5, stop_loss = 95, take_profit = 110, reason = "cross" }`))
      expect(a).toEqual({ action: "enter_long", quantity: 0.95, price: 100.5, stop_loss: 95, take_profit: 110, reason: "cross" })
    })
    it("enter_short with units", () => {
      expect(actionOf(detect(`return { action = "enter_short", quantity = 3 }`))).toEqual({ action: "enter_short", quantity: 3 })
    })
    it("exit, update_stop_loss, update_take_profit from manage_position", () => {
      const inst = lua(`
        local n = 0
        function manage_position(md, ctx, ind)
          n = n + 1
          if n == 1 then return { action = "exit", reason = "done" } end
          if n == 2 then return { action = "update_stop_loss", new_stop = 97.5 } end
          return { action = "update_take_profit", new_target = 120 }
        end`)
      expect(actionOf(inst.managePosition(mkBar(), fakeView()))).toEqual({ action: "exit", reason: "done" })
      expect(actionOf(inst.managePosition(mkBar(), fakeView()))).toEqual({ action: "update_stop_loss", new_stop: 97.5 })
      expect(actionOf(inst.managePosition(mkBar(), fakeView()))).toEqual({ action: "update_take_profit", new_target: 120 })
    })
    it("start_analyzing from detect_opportunity is an action, cancel_analysis from filter_commitment", () => {
      expect(actionOf(detect(`return { action = "start_analyzing", reason = "dip" }`))).toEqual({ action: "start_analyzing", reason: "dip" })
      const inst = lua(`function filter_commitment() return { action = "cancel_analysis" } end`)
      expect(actionOf(inst.filterCommitment(mkBar(), fakeView()))).toEqual({ action: "cancel_analysis" })
    })
    it("a non-string reason is converted to text", () => {
      expect(actionOf(detect(`return { action = "exit", reason = 42 }`)).reason).toBe("42")
    })
  })

  describe("invalid actions name the field", () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      [`return { action = "buy", quantity = 1 }`, "action: unknown action \"buy\""],
      [`return { action = 5 }`, "action: unknown action 5"],
      [`return { action = "enter_long" }`, "quantity: enter_long needs a positive quantity"],
      [`return { action = "enter_long", quantity = 1, price = -1 }`, "price: must be positive, got -1"],
      [`return { action = "enter_long", quantity = 1, stop_loss = 0/0 }`, "stop_loss: expected a finite number, got NaN"],
      [`return { action = "enter_long", quantity = 1, take_profit = 1/0 }`, "take_profit: expected a finite number, got Infinity"],
      [`return { action = "enter_long", quantity = "lots" }`, "quantity: expected a finite number, got lots"],
      [`return { action = "update_stop_loss" }`, "new_stop: update_stop_loss needs new_stop"],
      [`return { action = "update_take_profit", new_target = 0 }`, "new_target: must be positive, got 0"]
    ]
    it.each(cases)("%s", (body, message) => {
      const e = thrown(() => detect(body))
      expect(e.kind).toBe("invalid-action")
      expect(e.detail).toContain("detect_opportunity returned an invalid action")
      expect(e.detail).toContain(message)
    })
  })

  describe("other return values", () => {
    it.each([
      ["return 42", "a number (42)"],
      ["return 2.5", "a number (2.5)"],
      [`return "enter_long"`, `a string ("enter_long")`],
      ["return function() end", "a function"],
      ["return false", "a boolean (false)"],
      ["return { 1, 2 }", "a list"]
    ])("%s is an invalid-action error naming what and where", (body, what) => {
      const e = thrown(() => detect(body))
      expect(e.kind).toBe("invalid-action")
      expect(e.detail).toContain(`detect_opportunity returned ${what}`)
    })
    it("a table without action from detect_opportunity is an opportunity", () => {
      expect(fieldsOf(detect("return { level = 5, label = 'x', deep = { a = { 1, 2 } } }"))).toEqual({ level: 5, label: "x", deep: { a: [1, 2] } })
    })
    it("a table without action from filter_commitment or manage_position is an error", () => {
      const inst = lua("function filter_commitment() return { level = 1 } end function manage_position() return {} end")
      expect(thrown(() => inst.filterCommitment(mkBar(), fakeView())).detail).toContain("filter_commitment returned a table without an 'action' field")
      expect(thrown(() => inst.managePosition(mkBar(), fakeView())).detail).toContain("manage_position returned a table without an 'action' field")
    })
    it("nil, or no return at all, is nothing", () => {
      expect(detect("return nil")).toBeUndefined()
      expect(detect("local x = 1")).toBeUndefined()
    })
  })

  describe("indicators", () => {
    it("values during warm-up reach Lua as nil", () => {
      const f = fieldsOf(detect(`return {
        sma = indicators.sma(5) == nil, ema = indicators.ema(5) == nil, rsi = indicators.rsi(14) == nil,
        high = indicators.high == nil, low = indicators.low == nil, range = indicators.range == nil,
        avg = indicators.avg_volume == nil, other = indicators.nothing == nil }`))
      expect(f).toEqual({ sma: true, ema: true, rsi: true, high: true, low: true, range: true, avg: true, other: true })
    })
    it("values are delegated to the view passed to the call, with the period", () => {
      const view = fakeView({ sma: (n) => n * 10, ema: (n) => n + 0.5, rsi: (n) => 100 - n, high: 110, low: 90, range: 20, avgVolume: 1234.5 })
      const f = fieldsOf(detect(`return {
        sma = indicators.sma(3), ema = indicators.ema(12), rsi = indicators.rsi(14),
        high = indicators.high, low = indicators.low, range = indicators.range, avg = indicators.avg_volume }`, view))
      expect(f).toEqual({ sma: 30, ema: 12.5, rsi: 86, high: 110, low: 90, range: 20, avg: 1234.5 })
    })
    it("each call sees its own view", () => {
      const inst = lua("function detect_opportunity(md, ctx, ind) return { e = ind.ema(2) } end")
      expect(fieldsOf(inst.detectOpportunity(mkBar(), fakeView({ ema: () => 1 })))).toEqual({ e: 1 })
      expect(fieldsOf(inst.detectOpportunity(mkBar(), fakeView({ ema: () => 2 })))).toEqual({ e: 2 })
    })
    it.each([
      ["indicators.ema(-3)", "indicators.ema: period must be a positive integer, got -3"],
      ["indicators.sma(0)", "indicators.sma: period must be a positive integer, got 0"],
      ["indicators.rsi(2.5)", "indicators.rsi: period must be a positive integer, got 2.5"],
      ["indicators.ema('12')", "indicators.ema: period must be a positive integer, got string \"12\""],
      ["indicators.ema()", "indicators.ema: period must be a positive integer, got no value"],
      ["indicators:ema(12)", "not indicators:ema(n)"]
    ])("%s is a runtime error with a clear message", (expr, message) => {
      const e = thrown(() => detect(`local v = ${expr}`))
      expect(e.kind).toBe("runtime")
      expect(e.detail).toContain(message)
      expect(e.line).toBe(5)
    })
    it("wma, atr, vwap, macd, bbands and stoch reach the view with their arguments; tables for several outputs", () => {
      const calls: Array<string> = []
      const view = fakeView({
        wma: (n) => n * 2,
        atr: (n) => n / 2,
        vwap: (n) => (calls.push(`vwap(${n})`), n === undefined ? 101.5 : n + 0.25),
        macd: (a, b, c) => (calls.push(`macd(${a},${b},${c})`), { macd: 1.5, signal: 1, histogram: 0.5 }),
        bbands: (n, k) => (calls.push(`bbands(${n},${k})`), { upper: 110, middle: 100, lower: 90 }),
        stoch: (a, b, c) => (calls.push(`stoch(${a},${b},${c})`), { k: 25, d: 30 })
      })
      const f = fieldsOf(detect(`return {
        wma = indicators.wma(10), atr = indicators.atr(14), session = indicators.vwap(), rolling = indicators.vwap(24),
        macd = indicators.macd(12, 26, 9), bands = indicators.bbands(20, 2.5), st = indicators.stoch(14, 3, 3),
        defaults = { indicators.macd(), indicators.bbands(), indicators.stoch(5) } }`, view))
      expect(f).toEqual({
        wma: 20, atr: 7, session: 101.5, rolling: 24.25,
        macd: { macd: 1.5, signal: 1, histogram: 0.5 }, bands: { upper: 110, middle: 100, lower: 90 }, st: { k: 25, d: 30 },
        defaults: [{ macd: 1.5, signal: 1, histogram: 0.5 }, { upper: 110, middle: 100, lower: 90 }, { k: 25, d: 30 }]
      })
      expect(calls).toEqual([
        "vwap(undefined)", "vwap(24)", "macd(12,26,9)", "bbands(20,2.5)", "stoch(14,3,3)",
        "macd(undefined,undefined,undefined)", "bbands(undefined,undefined)", "stoch(5,undefined,undefined)"
      ])
    })
    it("several-output indicators are nil during warm-up", () => {
      const f = fieldsOf(detect(`return { m = indicators.macd() == nil, b = indicators.bbands() == nil, s = indicators.stoch() == nil,
        v = indicators.vwap() == nil, w = indicators.wma(3) == nil, a = indicators.atr(3) == nil }`))
      expect(f).toEqual({ m: true, b: true, s: true, v: true, w: true, a: true })
    })
    it.each([
      ["indicators.wma(0)", "indicators.wma: period must be a positive integer, got 0"],
      ["indicators.atr(-1)", "indicators.atr: period must be a positive integer, got -1"],
      ["indicators.vwap(0)", "indicators.vwap: period must be nil (session VWAP) or a positive integer, got 0"],
      ["indicators.vwap('24')", "indicators.vwap: period must be nil (session VWAP) or a positive integer, got string \"24\""],
      ["indicators.macd('12')", "indicators.macd: fastPeriod (argument 1) must be a number or nil, got string \"12\""],
      ["indicators.bbands(20, true)", "indicators.bbands: k (argument 2) must be a number or nil, got boolean"],
      ["indicators.stoch(14, 3, 3, 1)", "indicators.stoch: takes at most 3 arguments (kPeriod, kSlowing, dPeriod), got 4"],
      ["indicators:macd(12, 26, 9)", "not indicators:macd(...)"]
    ])("%s is a runtime error with a clear message", (expr, message) => {
      const e = thrown(() => detect(`local v = ${expr}`))
      expect(e.kind).toBe("runtime")
      expect(e.detail).toContain(message)
      expect(e.line).toBe(5)
    })
    it("a parameter the registry refuses (a RangeError from the view) is a Lua error at the calling line", () => {
      const view = fakeView({
        macd: () => {
          throw new RangeError("MACD: fastPeriod must be less than slowPeriod, got fastPeriod 26 and slowPeriod 12")
        }
      })
      const e = thrown(() => detect("local m = indicators.macd(26, 12, 9)", view))
      expect(e.kind).toBe("runtime")
      expect(e.detail).toContain("indicators.macd: fastPeriod must be less than slowPeriod, got fastPeriod 26 and slowPeriod 12")
      expect(e.line).toBe(5)
    })
    it("accepts an integral float period", () => {
      expect(fieldsOf(detect("return { v = indicators.ema(12.0) }", fakeView({ ema: (n) => n })))).toEqual({ v: 12 })
    })
    it("indicators is read-only", () => {
      expect(thrown(() => detect("indicators.high = 3")).detail).toContain("indicators is read-only")
    })
  })

  describe("context", () => {
    it("persists between calls and across phases", () => {
      const inst = lua(`
        function detect_opportunity(md, ctx) ctx.n = (ctx.n or 0) + 1 end
        function filter_commitment(md, ctx) ctx.n = ctx.n + 10 end
        function manage_position(md, ctx) return { action = "exit", reason = tostring(ctx.n) } end`)
      inst.detectOpportunity(mkBar(), fakeView())
      inst.detectOpportunity(mkBar(), fakeView())
      inst.filterCommitment(mkBar(), fakeView())
      expect(actionOf(inst.managePosition(mkBar(), fakeView())).reason).toBe("12")
    })
    it("an opportunity merged with mergeContext is visible to filter_commitment", () => {
      const inst = lua(`
        function detect_opportunity() return { level = 5 } end
        function filter_commitment(md, ctx)
          if ctx.level == 5 then return { action = "enter_long", quantity = ctx.level } end
        end`)
      const out = inst.detectOpportunity(mkBar(), fakeView())
      inst.mergeContext(fieldsOf(out))
      expect(actionOf(inst.filterCommitment(mkBar(), fakeView()))).toEqual({ action: "enter_long", quantity: 5 })
    })
    it("mergeContext copies numbers, strings, booleans, nested objects and arrays", () => {
      const inst = lua(`function detect_opportunity(md, ctx)
        return { checks = {
          ctx.int == 7, math.type(ctx.int) == "integer", ctx.ts == 1.7e12 + 123, ctx.frac == 0.25, ctx.s == "héllo",
          ctx.yes == true, ctx.no == false, ctx.obj.a.b == 2, #ctx.arr == 3, ctx.arr[3].x == "y", ctx.gone == nil } }
      end`)
      inst.mergeContext({ int: 7, ts: 1.7e12 + 123, frac: 0.25, s: "héllo", yes: true, no: false, obj: { a: { b: 2 } }, arr: [1, 2, { x: "y" }], gone: undefined })
      expect(fieldsOf(inst.detectOpportunity(mkBar(), fakeView()))).toEqual({ checks: Array(11).fill(true) })
    })
    it("setPosition is visible as context.position and can be cleared", () => {
      const inst = lua(`function manage_position(md, ctx)
        local p = ctx.position
        if p == nil then return { action = "exit", reason = "none" } end
        return { action = "exit", reason = table.concat({ p.side, p.quantity, string.format("%.0f", p.entry_time), p.entry_price, tostring(p.stop_loss), tostring(p.take_profit) }, ",") }
      end`)
      inst.setPosition({ side: "short", quantity: 0.5, entryPrice: 101.25, entryTime: 1.7e12 + 1, stopLoss: 105, takeProfit: undefined })
      expect(actionOf(inst.managePosition(mkBar(), fakeView())).reason).toBe("short,0.5,1700000000001,101.25,105.0,nil")
      inst.setPosition(undefined)
      expect(actionOf(inst.managePosition(mkBar(), fakeView())).reason).toBe("none")
    })
    it("snapshotContext is JSON-safe: no functions, cycles cut, NaN as null, position included", () => {
      const inst = lua(`function detect_opportunity(md, ctx)
        ctx.f = function() end
        ctx.self = ctx
        ctx.nan = 0/0
        ctx.list = { 1, 2, 3 }
        ctx.nested = { a = { b = "c" }, [5] = "five" }
      end`)
      inst.detectOpportunity(mkBar(), fakeView())
      inst.setPosition({ side: "long", quantity: 2, entryPrice: 100, entryTime: 1.7e12, stopLoss: undefined, takeProfit: 110 })
      const snap = inst.snapshotContext()
      expect(snap).toEqual({
        nan: null,
        list: [1, 2, 3],
        nested: { a: { b: "c" }, "5": "five" },
        position: { side: "long", quantity: 2, entry_price: 100, entry_time: 1.7e12, take_profit: 110 }
      })
      expect(JSON.parse(JSON.stringify(snap))).toEqual(snap)
    })
  })

  describe("market_data", () => {
    const read = `return { symbol = market_data.symbol, timestamp = market_data.timestamp, open = market_data.open,
      high = market_data.high, low = market_data.low, close = market_data.close, volume = market_data.volume,
      bid = market_data.bid, ask = market_data.ask, mid_price = market_data.mid_price,
      no_bid = market_data.bid == nil, is_float = math.type(market_data.timestamp) == "float",
      ts_exact = market_data.timestamp == 1700000000000 }`

    it("has every field; bid/ask are nil without quotes and mid_price is the close", () => {
      const f = fieldsOf(detect(read, fakeView(), mkBar({ timestamp: 1.7e12, open: 1, high: 4, low: 0.5, close: 2, volume: 1e9 })))
      expect(f).toEqual({ symbol: "BTCUSDT", timestamp: 1.7e12, open: 1, high: 4, low: 0.5, close: 2, volume: 1e9, mid_price: 2, no_bid: true, is_float: true, ts_exact: true })
    })
    it("has bid, ask and their mid when quoted", () => {
      const f = fieldsOf(detect(read, fakeView(), mkBar({ close: 2, bid: 1.75, ask: 2.5 })))
      expect(f).toMatchObject({ bid: 1.75, ask: 2.5, mid_price: 2.125, no_bid: false })
    })
    it("keeps millisecond timestamps exact (no 32-bit wrap)", () => {
      const inst = lua(`function detect_opportunity(md) return { ts = md.timestamp, next = md.timestamp + 1, check = md.timestamp == 1700000000123 } end`)
      expect(fieldsOf(inst.detectOpportunity(mkBar({ timestamp: 1_700_000_000_123 }), fakeView()))).toEqual({ ts: 1_700_000_000_123, next: 1_700_000_000_124, check: true })
    })
    it("is refreshed on every bar, also when quotes come and go", () => {
      const inst = lua(`function detect_opportunity(md) return { c = md.close, bid = md.bid, ask = md.ask } end`)
      const seq = [mkBar({ close: 1 }), mkBar({ close: 2, bid: 1.5, ask: 2.5 }), mkBar({ close: 3 }), mkBar({ close: 4, bid: 3.5, ask: 4.5 })]
      expect(seq.map((b) => fieldsOf(inst.detectOpportunity(b, fakeView())))).toEqual([
        { c: 1 }, { c: 2, bid: 1.5, ask: 2.5 }, { c: 3 }, { c: 4, bid: 3.5, ask: 4.5 }
      ])
    })
    it("survives a script that overwrites or deletes its fields", () => {
      const inst = lua(`function detect_opportunity(md)
        local r = { c = md.close, o = md.open }
        md.close = nil
        md.open = "x"
        md.extra = 1
        return r
      end`)
      expect(fieldsOf(inst.detectOpportunity(mkBar({ open: 10, close: 11 }), fakeView()))).toEqual({ c: 11, o: 10 })
      expect(fieldsOf(inst.detectOpportunity(mkBar({ open: 12, close: 13 }), fakeView()))).toEqual({ c: 13, o: 12 })
    })
    it("is the same table with the same symbol in every phase", () => {
      const inst = lua(`local seen
        function detect_opportunity(md) seen = md end
        function filter_commitment(md) return { action = "cancel_analysis", reason = tostring(rawequal(seen, md)) .. md.symbol } end`)
      inst.detectOpportunity(mkBar(), fakeView())
      expect(actionOf(inst.filterCommitment(mkBar(), fakeView())).reason).toBe("trueBTCUSDT")
    })
  })

  it("a disposed instance fails with a StrategyError", () => {
    const inst = lua("")
    inst.dispose()
    inst.dispose()
    expect(thrown(() => inst.detectOpportunity(mkBar(), fakeView())).detail).toContain("disposed")
    expect(inst.snapshotContext()).toEqual({})
  })
})
