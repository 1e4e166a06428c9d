/**
 * Loading errors, runtime errors, the sandbox, the instruction budget and VM isolation of the Lua host.
 */
import { describe, expect, it } from "vitest"
import { StrategyError } from "../../src/domain/errors.ts"
import { compileLuaStrategy, DEFAULT_INSTRUCTION_LIMIT } from "../../src/strategy/lua/host.ts"
import { SymbolName } from "../../src/domain/bar.ts"
import { fakeView, fieldsOf, mkBar, STUBS, SYM, thrown } from "./support.ts"


describe("loading", () => {
  it("a syntax error is kind syntax with the line", () => {
    const e = thrown(() => compileLuaStrategy("local x = 1\nlocal y = 2\nlocal = 3\n", "ema.lua"))
    expect(e.kind).toBe("syntax")
    expect(e.script).toBe("ema.lua")
    expect(e.line).toBe(3)
    expect(e.message).toMatch(/^ema\.lua:3: syntax: /)
  })

  it("an unfinished block reports the line where the file ends", () => {
    const e = thrown(() => compileLuaStrategy("function detect_opportunity()\n  if true then\n", "strategies/x.lua"))
    expect(e.kind).toBe("syntax")
    expect(e.line).toBe(3)
    expect(e.detail).toContain("expected")
  })

  it.each(["detect_opportunity", "filter_commitment", "manage_position"])("a missing %s is named", (name) => {
    const source = ["detect_opportunity", "filter_commitment", "manage_position"].filter((n) => n !== name).map((n) => `function ${n}() end`).join("\n")
    const e = thrown(() => compileLuaStrategy(source, "s.lua"))
    expect(e.kind).toBe("missing-function")
    expect(e.detail).toContain(`missing function(s): ${name} `)
  })

  it("several missing functions are all named; a local function does not count", () => {
    const e = thrown(() => compileLuaStrategy("local function detect_opportunity() end", "s.lua"))
    expect(e.detail).toContain("detect_opportunity, filter_commitment, manage_position")
  })

  it("an entry point that is not a function is missing", () => {
    const e = thrown(() => compileLuaStrategy(STUBS + "filter_commitment = 5", "s.lua"))
    expect(e.kind).toBe("missing-function")
    expect(e.detail).toContain("filter_commitment")
  })

  it("a runtime error in the top-level code is reported at load time with its line", () => {
    const e = thrown(() => compileLuaStrategy(STUBS + "local t = nil\nlocal x = t.field", "top.lua"))
    expect(e.kind).toBe("runtime")
    expect(e.line).toBe(5)
    expect(e.message).toContain("top.lua:5:")
  })

  it("a binary chunk is refused", () => {
    const e = thrown(() => compileLuaStrategy("\x1bLua\x53\x00", "bin.lua"))
    expect(e.kind).toBe("syntax")
    expect(e.detail).toContain("binary chunk")
  })

  it.each([
    [{ instructionLimit: 0 }, "instructionLimit must be a positive integer, got 0"],
    [{ timeoutMs: -1 }, "timeoutMs must be a positive number, got -1"],
    [{ maxStringBytes: 1.5 }, "maxStringBytes must be a positive integer, got 1.5"],
    [{ memoryLimitMb: 0 }, "memoryLimitMb must be a positive number, got 0"],
    [{ isolation: "thread" as never }, "isolation must be \"none\" or \"worker\", got \"thread\""]
  ])("rejects bad options %j", (options, detail) => {
    const e = thrown(() => compileLuaStrategy(STUBS, "s.lua", options))
    expect(e.kind).toBe("load")
    expect(e.detail).toBe(detail)
  })

  it("names the definition after the file", () => {
    expect(compileLuaStrategy(STUBS, "strategies/my_strategy.lua").name).toBe("my_strategy")
    expect(compileLuaStrategy(STUBS, "x.lua", { name: "custom" }).name).toBe("custom")
  })
})

describe("runtime errors", () => {
  const run = (source: string) => compileLuaStrategy(source, "ema.lua").instantiate(SYM)

  it("carry script, line and traceback; the message reads script:line", () => {
    const inst = run("function detect_opportunity(md, ctx, ind)\n  local x = nil\n  return x + 1\nend\n" + STUBS.split("\n").slice(1).join("\n"))
    const e = thrown(() => inst.detectOpportunity(mkBar(), fakeView()))
    expect(e.kind).toBe("runtime")
    expect(e.script).toBe("ema.lua")
    expect(e.line).toBe(3)
    expect(e.detail).toContain("attempt to perform arithmetic on a nil value (local 'x')")
    expect(e.message).toContain("ema.lua:3: runtime: attempt to perform arithmetic")
    expect(e.traceback).toContain("stack traceback:")
    expect(e.traceback).toContain("in function 'detect_opportunity'")
  })

  it("error() with a message and a level points at the caller's line", () => {
    const inst = run(STUBS + "local function check(v)\n  if v == nil then error('value required', 2) end\nend\nfunction filter_commitment()\n  check(nil)\nend")
    const e = thrown(() => inst.filterCommitment(mkBar(), fakeView()))
    expect(e.line).toBe(8)
    expect(e.detail).toBe("value required")
  })

  it("error() without position takes the line from the traceback", () => {
    const inst = run(STUBS + "function manage_position()\n  error('plain', 0)\nend")
    const e = thrown(() => inst.managePosition(mkBar(), fakeView()))
    expect(e.detail).toBe("plain")
    expect(e.line).toBe(5)
  })

  it("a non-string error object is described", () => {
    const inst = run(STUBS + "function detect_opportunity() error({ code = 1 }) end")
    expect(thrown(() => inst.detectOpportunity(mkBar(), fakeView())).detail).toContain("(error object is a table value)")
    const inst2 = run(STUBS + "function detect_opportunity() error(setmetatable({}, { __tostring = function() return 'custom' end })) end")
    expect(thrown(() => inst2.detectOpportunity(mkBar(), fakeView())).detail).toBe("custom")
  })

  it("a JS exception inside a host function becomes a Lua runtime error", () => {
    const inst = run(STUBS + "function detect_opportunity(md, ctx, ind)\n  return { v = ind.rsi(14) }\nend")
    const e = thrown(() => inst.detectOpportunity(mkBar(), fakeView({ rsi: () => { throw new TypeError("view broke") } })))
    expect(e.kind).toBe("runtime")
    expect(e.detail).toContain("host error: TypeError: view broke")
    expect(e.line).toBe(5)
  })

  it("the script can catch a JS exception with pcall", () => {
    const inst = run(STUBS + "function detect_opportunity(md, ctx, ind)\n  local ok, err = pcall(ind.rsi, 14)\n  return { ok = ok, err = tostring(err) }\nend")
    const f = fieldsOf(inst.detectOpportunity(mkBar(), fakeView({ rsi: () => { throw new Error("nope") } })))
    expect(f).toEqual({ ok: false, err: "host error: Error: nope" })
  })

  it("an instance keeps working after a runtime error", () => {
    const inst = run(STUBS + "local n = 0\nfunction detect_opportunity()\n  n = n + 1\n  if n == 1 then error('first') end\n  return { n = n }\nend")
    expect(thrown(() => inst.detectOpportunity(mkBar(), fakeView())).kind).toBe("runtime")
    expect(fieldsOf(inst.detectOpportunity(mkBar(), fakeView()))).toEqual({ n: 2 })
  })
})

describe("sandbox", () => {
  const probe = (expr: string) => {
    const inst = compileLuaStrategy(STUBS + `function detect_opportunity() return { v = ${expr} } end`, "sb.lua").instantiate(SYM)
    return fieldsOf(inst.detectOpportunity(mkBar(), fakeView()))["v"]
  }

  it.each(["io", "os.exit", "os.getenv", "os.execute", "os.remove", "os.clock", "require", "package", "debug", "dofile", "loadfile", "collectgarbage", "coroutine", "js", "fengari", "string.dump", "(''):dump"])(
    "%s is unavailable", (name) => {
      const expr = name === "(''):dump" ? "type(('').dump)" : `type(${name})`
      expect(probe(expr)).toBe("nil")
    }
  )

  it.each(["string.format", "table.concat", "math.floor", "utf8.char", "pcall", "setmetatable", "load", "tostring", "select"])("%s is available", (name) => {
    expect(probe(`type(${name})`)).toBe("function")
  })

  it("os has only the engine-clock functions: os.time() is the current bar's open time in seconds", () => {
    const inst = compileLuaStrategy(STUBS + `function detect_opportunity(md)
  return { t = os.time(), d = os.date("%Y-%m-%d %H:%M:%S"), bang = os.date("!%H:%M"), keys = (function() local k = {} for n in pairs(os) do k[#k + 1] = n end table.sort(k) return table.concat(k, ",") end)() }
end`, "os.lua").instantiate(SYM)
    expect(fieldsOf(inst.detectOpportunity(mkBar({ timestamp: Date.UTC(2024, 2, 15, 13, 45, 30, 500) }), fakeView())))
      .toEqual({ t: 1710510330, d: "2024-03-15 13:45:30", bang: "13:45", keys: "date,difftime,time" })
    // The next bar moves the clock.
    expect(fieldsOf(inst.detectOpportunity(mkBar({ timestamp: Date.UTC(2024, 2, 15, 14, 0, 0) }), fakeView()))["t"]).toBe(1710511200)
  })

  it("os.time(table) and os.date(format, time) are UTC and deterministic; os.date('*t') gives the fields", () => {
    expect(probe("os.time({ year = 2024, month = 1, day = 1, hour = 0 })")).toBe(1704067200)
    expect(probe("os.time({ year = 2024, month = 13, day = 1, hour = 0 })")).toBe(1735689600) // normalised like mktime
    expect(probe("os.date('%A %d %B %Y, week %V, day %j', 1704067200)")).toBe("Monday 01 January 2024, week 01, day 001")
    expect(probe("os.date('%c', 0)")).toBe("Thu Jan  1 00:00:00 1970")
    expect(probe("os.date('*t', 1710510330).hour")).toBe(13)
    expect(probe("os.difftime(10, 4)")).toBe(6)
    expect(probe("select(2, pcall(os.date, '%Q', 0))")).toContain("invalid conversion specifier '%Q'")
  })

  it("os.time() in the top-level code fails: there is no bar yet", () => {
    const e = thrown(() => compileLuaStrategy("local started = os.time()\n" + STUBS, "clock.lua"))
    expect(e.kind).toBe("runtime")
    expect(e.line).toBe(1)
    expect(e.detail).toContain("os.time(): there is no current bar yet")
  })

  it("math.random is deterministic per symbol and seedable", () => {
    const def = compileLuaStrategy(STUBS + "function detect_opportunity() return { a = math.random(1000), b = math.random() } end", "r.lua")
    const first = fieldsOf(def.instantiate(SYM).detectOpportunity(mkBar(), fakeView()))
    expect(fieldsOf(def.instantiate(SYM).detectOpportunity(mkBar(), fakeView()))).toEqual(first)
    expect(fieldsOf(def.instantiate(SymbolName("OTHER")).detectOpportunity(mkBar(), fakeView()))).not.toEqual(first)
    expect(probe("(function() math.randomseed(7) local a = math.random(100) math.randomseed(7) return a == math.random(100) end)()")).toBe(true)
  })

  it("coroutine is opened on request, and runs under the same limits", () => {
    const source = STUBS + "function detect_opportunity()\n  local co = coroutine.wrap(function() coroutine.yield(1) while true do end end)\n  return { first = co(), second = co() }\nend"
    const inst = compileLuaStrategy(source, "co.lua", { coroutines: true }).instantiate(SYM)
    const e = thrown(() => inst.detectOpportunity(mkBar(), fakeView()))
    expect(e.kind).toBe("limit")
    expect(e.line).toBe(5)
  })

  it("load runs text chunks, with an environment when given", () => {
    expect(probe("load('return 1 + 2')()")).toBe(3)
    expect(probe("load('return x', 'chunk', 't', { x = 42 })()")).toBe(42)
    expect(probe("select(2, load('return x', 'chunk', 'bt', nil))")).toBe(undefined)
  })

  it("load refuses a binary chunk even when asked for mode 'b'", () => {
    expect(probe("select(2, load('\\27Lua\\83\\0', 'x', 'b'))")).toBe("attempt to load a binary chunk (mode is 't')")
    expect(probe("select(2, load('\\27Lua\\83\\0'))")).toBe("attempt to load a binary chunk (mode is 't')")
  })

  it("print goes to the configured sink with the symbol", () => {
    const lines: Array<string> = []
    const inst = compileLuaStrategy(STUBS + "function detect_opportunity(md) print('close', md.close, nil, true) end", "p.lua", {
      print: (line, symbol) => lines.push(`${symbol}: ${line}`)
    }).instantiate(SYM)
    inst.detectOpportunity(mkBar({ close: 101 }), fakeView())
    expect(lines).toEqual(["BTCUSDT: close\t101.0\tnil\ttrue"])
  })
})

describe("instruction budget", () => {
  it("has a documented default", () => {
    expect(DEFAULT_INSTRUCTION_LIMIT).toBe(1_000_000)
  })

  it("is exact whatever the hook interval: the largest loop that fits 1,000 instructions is the same", () => {
    // 2 instructions per iteration (ADD, FORLOOP) and a fixed few around them.
    const source = (n: number) => STUBS + `function detect_opportunity()\n  local s = 0\n  for i = 1, ${n} do s = s + i end\n  return nil\nend`
    for (const hookInterval of [7, 100, 10_000]) {
      const fits = (n: number) => {
        const inst = compileLuaStrategy(source(n), "exact.lua", { instructionLimit: 1000, hookInterval }).instantiate(SYM)
        try {
          inst.detectOpportunity(mkBar(), fakeView())
          return true
        } catch (e) {
          if (e instanceof StrategyError && e.kind === "limit") return false
          throw e
        }
      }
      let lo = 1
      let hi = 1000
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2)
        if (fits(mid)) lo = mid
        else hi = mid - 1
      }
      expect(lo, `hookInterval ${hookInterval}`).toBe(495)
    }
  })

  it("an infinite loop ends with kind limit", () => {
    const inst = compileLuaStrategy(STUBS + "function detect_opportunity()\n  while true do end\nend", "loop.lua").instantiate(SYM)
    const e = thrown(() => inst.detectOpportunity(mkBar(), fakeView()))
    expect(e.kind).toBe("limit")
    expect(e.line).toBe(5)
    expect(e.detail).toContain("instruction limit exceeded")
  })

  it("pcall cannot swallow the limit", () => {
    const inst = compileLuaStrategy(
      STUBS + "function filter_commitment()\n  while true do pcall(function() while true do end end) end\nend",
      "loop.lua"
    ).instantiate(SYM)
    expect(thrown(() => inst.filterCommitment(mkBar(), fakeView())).kind).toBe("limit")
  })

  it("nor can a pcall that retries in a loop, or xpcall", () => {
    const inst = compileLuaStrategy(
      STUBS + "function manage_position()\n  local n = 0\n  while true do\n    local ok = xpcall(function() while true do end end, function(m) return m end)\n    n = n + 1\n  end\nend",
      "loop.lua"
    ).instantiate(SYM)
    expect(thrown(() => inst.managePosition(mkBar(), fakeView())).kind).toBe("limit")
  })

  it("an infinite loop in the top-level code fails compilation with kind limit", () => {
    expect(thrown(() => compileLuaStrategy("while true do end\n" + STUBS, "top.lua")).kind).toBe("limit")
  })

  it("is per call: many cheap calls never hit it, and the instance recovers after a limit", () => {
    const inst = compileLuaStrategy(
      STUBS + "local calls = 0\nfunction detect_opportunity()\n  calls = calls + 1\n  if calls == 3 then while true do end end\n  local s = 0\n  for i = 1, 300 do s = s + i end\n  return { calls = calls }\nend",
      "budget.lua",
      { instructionLimit: 5_000 }
    ).instantiate(SYM)
    expect(fieldsOf(inst.detectOpportunity(mkBar(), fakeView()))).toEqual({ calls: 1 })
    expect(fieldsOf(inst.detectOpportunity(mkBar(), fakeView()))).toEqual({ calls: 2 })
    expect(thrown(() => inst.detectOpportunity(mkBar(), fakeView())).kind).toBe("limit")
    expect(fieldsOf(inst.detectOpportunity(mkBar(), fakeView()))).toEqual({ calls: 4 })
  })

  it("a small limit stops a long loop that a larger one allows", () => {
    const source = STUBS + "function detect_opportunity()\n  local s = 0\n  for i = 1, 10000 do s = s + i end\n  return { s = s }\nend"
    expect(fieldsOf(compileLuaStrategy(source, "l.lua").instantiate(SYM).detectOpportunity(mkBar(), fakeView()))).toEqual({ s: 50005000 })
    const small = compileLuaStrategy(source, "l.lua", { instructionLimit: 1000 }).instantiate(SYM)
    expect(thrown(() => small.detectOpportunity(mkBar(), fakeView())).kind).toBe("limit")
  })
})

describe("isolation", () => {
  it("two symbols' instances do not share globals, upvalues or context", () => {
    const def = compileLuaStrategy(
      STUBS + "counter = 0\nlocal hidden = 0\nfunction detect_opportunity(md, ctx)\n  counter = counter + 1\n  hidden = hidden + 1\n  ctx.n = (ctx.n or 0) + 1\n  return { counter = counter, hidden = hidden, n = ctx.n, symbol = md.symbol }\nend",
      "iso.lua"
    )
    const a = def.instantiate(SymbolName("AAA"))
    const b = def.instantiate(SymbolName("BBB"))
    for (let i = 0; i < 3; i++) a.detectOpportunity(mkBar({ symbol: SymbolName("AAA") }), fakeView())
    expect(fieldsOf(b.detectOpportunity(mkBar({ symbol: SymbolName("BBB") }), fakeView()))).toEqual({ counter: 1, hidden: 1, n: 1, symbol: "BBB" })
    expect(fieldsOf(a.detectOpportunity(mkBar({ symbol: SymbolName("AAA") }), fakeView()))).toEqual({ counter: 4, hidden: 4, n: 4, symbol: "AAA" })
    expect(a.symbol).toBe("AAA")
    expect(b.symbol).toBe("BBB")
  })

  it("a script that clobbers globals and library tables cannot break the host", () => {
    const inst = compileLuaStrategy(
      STUBS + "setmetatable = nil; rawget = nil; table = nil; string = nil; type = nil; error = nil\nfunction detect_opportunity(md, ctx, ind) return { c = md.close, e = ind.ema(3) } end",
      "clobber.lua"
    ).instantiate(SYM)
    expect(fieldsOf(inst.detectOpportunity(mkBar({ close: 7 }), fakeView({ ema: () => 1 })))).toEqual({ c: 7, e: 1 })
    inst.setPosition({ side: "long", quantity: 1, entryPrice: 1, entryTime: 1, stopLoss: undefined, takeProfit: undefined })
    expect(inst.snapshotContext()).toMatchObject({ position: { side: "long" } })
  })
})
