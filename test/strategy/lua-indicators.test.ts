/**
 * The Lua indicator functions against the real per-symbol indicators (not a fake view): on 400 real BTCUSDT hourly
 * bars, what a script reads from `indicators.*` equals, bit for bit, the registry's batch computation over the same
 * bars, for indicators asked from the first bar and for ones first asked on bar 250 (warmed up from the kept bars);
 * and parameters the registry refuses end the call with a Lua error naming the function, the parameter and the value.
 */
import * as fs from "node:fs"
import { describe, expect, it } from "vitest"
import { StrategyError } from "../../src/domain/errors.ts"
import { batchIndicator, type BarColumns, findIndicator, resolveParams } from "../../src/indicators/registry.ts"
import { parseCsvText } from "../../src/market-data/csv.ts"
import { compileLuaStrategy } from "../../src/strategy/lua/host.ts"
import { dataFile } from "../support/data.ts"
import { EngineIndicators, fakeView, fieldsOf, mkBar, SYM } from "./support.ts"

const file = dataFile("market", "binance_spot_klines_dump", "BTCUSDT-1h-2022-01.csv")
const bars = parseCsvText(fs.readFileSync(file), file).bars.slice(0, 400)
const columns: BarColumns = {
  open: Float64Array.from(bars, (b) => b.open),
  high: Float64Array.from(bars, (b) => b.high),
  low: Float64Array.from(bars, (b) => b.low),
  close: Float64Array.from(bars, (b) => b.close),
  volume: Float64Array.from(bars, (b) => b.volume),
  timestamp: Float64Array.from(bars, (b) => b.timestamp)
}

/** The batch series of one output of a registry entry. */
const batch = (name: string, given: Record<string, number>, output = "value"): Float64Array => {
  const spec = findIndicator(name)!
  return batchIndicator(spec, columns, resolveParams(spec, given))[output]!
}

// Each bar the script returns the values it sees as `{ row = { ... } }` (NaN for nil), in a fixed order.
const SCRIPT = `
local NAN = 0/0
local function n(x) if x == nil then return NAN end return x end
function detect_opportunity(md, ctx, ind)
  ctx.i = (ctx.i or 0) + 1
  local row = { n(ind.wma(10)), n(ind.atr(14)), n(ind.vwap()), n(ind.vwap(24)) }
  local m, b, s = ind.macd(12, 26, 9), ind.bbands(20, 2), ind.stoch(14, 3, 3)
  row[#row + 1] = m and m.macd or NAN
  row[#row + 1] = m and m.signal or NAN
  row[#row + 1] = m and m.histogram or NAN
  row[#row + 1] = b and b.upper or NAN
  row[#row + 1] = b and b.middle or NAN
  row[#row + 1] = b and b.lower or NAN
  row[#row + 1] = s and s.k or NAN
  row[#row + 1] = s and s.d or NAN
  if ctx.i >= 250 then
    local late = ind.macd(5, 35, 5)
    row[#row + 1] = late and late.signal or NAN
    row[#row + 1] = n(ind.wma(50))
    row[#row + 1] = n(ind.atr(7))
  end
  return { row = row }
end
function filter_commitment() end
function manage_position() end
`

describe("Lua indicators on the engine's per-symbol indicators", () => {
  it("equal the registry's batch values bit for bit, including indicators first asked on bar 250", () => {
    const seen: Array<Array<number>> = []
    const def = compileLuaStrategy(SCRIPT, "ind.lua")
    const inst = def.instantiate(SYM)
    const view = new EngineIndicators(20)
    for (const bar of bars) {
      view.push(bar)
      seen.push(fieldsOf(inst.detectOpportunity(bar, view))["row"] as Array<number>)
    }
    inst.dispose()
    const expected: Array<Float64Array> = [
      batch("wma", { period: 10 }),
      batch("atr", { period: 14 }),
      batch("vwap", {}),
      batch("vwap_rolling", { period: 24 }),
      batch("macd", { fastPeriod: 12, slowPeriod: 26, signalPeriod: 9 }, "macd"),
      batch("macd", { fastPeriod: 12, slowPeriod: 26, signalPeriod: 9 }, "signal"),
      batch("macd", { fastPeriod: 12, slowPeriod: 26, signalPeriod: 9 }, "histogram"),
      batch("bbands", { period: 20, k: 2 }, "upper"),
      batch("bbands", { period: 20, k: 2 }, "middle"),
      batch("bbands", { period: 20, k: 2 }, "lower"),
      batch("stoch", { kPeriod: 14, kSlowing: 3, dPeriod: 3 }, "k"),
      batch("stoch", { kPeriod: 14, kSlowing: 3, dPeriod: 3 }, "d"),
      batch("macd", { fastPeriod: 5, slowPeriod: 35, signalPeriod: 5 }, "signal"),
      batch("wma", { period: 50 }),
      batch("atr", { period: 7 })
    ]
    let compared = 0
    seen.forEach((row, i) => {
      expect(row.length).toBe(i >= 249 ? 15 : 12)
      row.forEach((v, j) => {
        const want = expected[j]![i]!
        if (!Object.is(v, want)) expect.fail(`bar ${i}, column ${j}: Lua saw ${v}, batch gives ${want}`)
        if (!Number.isNaN(want)) compared++
      })
    })
    expect(compared).toBeGreaterThan(400 * 11)
  })

  const failure = (expr: string): StrategyError => {
    const inst = compileLuaStrategy(
      `function detect_opportunity(md, ctx, ind)\n  local v = ${expr}\nend\nfunction filter_commitment() end\nfunction manage_position() end`,
      "bad.lua"
    ).instantiate(SYM)
    const view = new EngineIndicators(20)
    view.push(bars[0]!)
    try {
      inst.detectOpportunity(bars[0]!, view)
    } catch (e) {
      if (e instanceof StrategyError) return e
      throw e
    } finally {
      inst.dispose()
    }
    throw new Error(`${expr} did not fail`)
  }

  it.each([
    ["ind.sma(200000)", "indicators.sma: period must be an integer from 1 to 100000, got 200000"],
    ["ind.macd(26, 12, 9)", "indicators.macd: fastPeriod must be less than slowPeriod, got fastPeriod 26 and slowPeriod 12"],
    ["ind.macd(0)", "indicators.macd: fastPeriod must be an integer from 1 to 100000, got 0"],
    ["ind.bbands(20, -1)", "indicators.bbands: k must be a number > 0 and <= "],
    ["ind.bbands(2.5)", "indicators.bbands: period must be an integer from 1 to 100000, got 2.5"],
    ["ind.stoch(14, 0, 3)", "indicators.stoch: kSlowing must be an integer from 1 to 100000, got 0"],
    ["ind.vwap(1e6)", "indicators.vwap: period must be an integer from 1 to 100000, got 1000000"]
  ])("%s is a Lua error at the calling line: %s", (expr, message) => {
    const e = failure(expr)
    expect(e.kind).toBe("runtime")
    expect(e.detail).toContain(message)
    expect(e.line).toBe(2)
  })

  // `local x = indicators.ema(n)` is served by the function's light call on a patched fengari (docs/fengari-patches.md,
  // `light-calls`); the regular call takes over for anything else. Either way the view is read once per call.
  it("reads the view once per call, in every call shape, also when the view throws", () => {
    const asked: Array<number> = []
    const view = fakeView({
      ema: (n) => {
        asked.push(n)
        if (n === 7) throw new RangeError("ema: period must be an integer from 1 to 100000, got 7")
        return n === 12 ? 1.5 : undefined
      }
    })
    const inst = compileLuaStrategy(
      "function detect_opportunity(md, ctx, ind)\n  local a = ind.ema(12)\n  local b = ind.ema(26.0)\n  local c, d = ind.ema(12)\n" +
        "  return { a = a, b = tostring(b), c = c, d = tostring(d), e = (ind.ema(12)), t = math.type(a) }\nend\n" +
        "function filter_commitment(md, ctx, ind)\n  local x = 1\n  local v = ind.ema(7)\nend\nfunction manage_position() end",
      "once.lua"
    ).instantiate(SYM)
    try {
      expect(fieldsOf(inst.detectOpportunity(mkBar(), view))).toEqual({ a: 1.5, b: "nil", c: 1.5, d: "nil", e: 1.5, t: "float" })
      expect(asked).toEqual([12, 26, 12, 12])
      asked.length = 0
      let error: unknown
      try {
        inst.filterCommitment(mkBar(), view)
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(StrategyError)
      expect((error as StrategyError).detail).toBe("indicators.ema: period must be an integer from 1 to 100000, got 7")
      expect((error as StrategyError).line).toBe(9)
      expect(asked).toEqual([7])
    } finally {
      inst.dispose()
    }
  })
})
