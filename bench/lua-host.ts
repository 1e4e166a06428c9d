/**
 * Micro benchmark of the Lua strategy host: the bundled EMA-crossover strategy over 1e6 synthetic bars, driven by a
 * minimal Watch / CloseWatch / InTrade loop with a fake IndicatorView (precomputed EMAs), so only the strategy call
 * path is measured. Baselines in the same run: the same script on the portable path (public C API only), a Lua
 * script that returns nil, and the same strategy in TypeScript; then the cost of isolation (the same script with
 * `isolation: "worker"`, over a tenth of the bars) and of the instruction budget (a Lua loop run through fengari's
 * API with and without a count hook).
 *
 * Bars per second are wall-clock; CPU ms per 100k bars (this thread only, `process.cpuUsage`) are printed beside
 * them because they are less disturbed by other processes on a busy machine.
 *
 * Run: `npx tsx bench/lua-host.ts [bars]`
 */
import * as fs from "node:fs"
import { lauxlib, lua, lualib, to_luastring } from "fengari"
import type { Bar, SymbolName } from "../src/domain/bar.ts"
import type { IndicatorView, StrategyDefinition } from "../src/domain/strategy.ts"
import { compileLuaStrategy } from "../src/strategy/lua/host.ts"
import { defineStrategy } from "../src/strategy/typescript.ts"

const N = Number(process.argv[2] ?? 1_000_000)

// Synthetic prices: a seeded random walk with slow regime changes (so crossovers happen).
let seed = 42
const rand = (): number => {
  seed = (seed * 1664525 + 1013904223) >>> 0
  return seed / 4294967296
}
const open = new Float64Array(N), high = new Float64Array(N), low = new Float64Array(N), close = new Float64Array(N)
const volume = new Float64Array(N)
let price = 100
for (let i = 0; i < N; i++) {
  const drift = Math.sin(i / 500) * 0.0005
  const o = price
  const c = o * (1 + drift + (rand() - 0.5) * 0.004)
  open[i] = o
  close[i] = c
  high[i] = Math.max(o, c) * (1 + rand() * 0.001)
  low[i] = Math.min(o, c) * (1 - rand() * 0.001)
  volume[i] = 1000 + rand() * 100
  price = c
}
const ema = (period: number): Float64Array => {
  const out = new Float64Array(N).fill(NaN)
  const k = 2 / (period + 1)
  let e = 0
  for (let i = 0; i < N; i++) {
    if (i < period) {
      e += close[i]! / period
      if (i === period - 1) out[i] = e
    } else {
      e = close[i]! * k + e * (1 - k)
      out[i] = e
    }
  }
  return out
}
const ema12 = ema(12), ema26 = ema(26)

class FakeView implements IndicatorView {
  i = 0
  sma(): number | undefined { return undefined }
  ema(period: number): number | undefined {
    const v = period === 12 ? ema12[this.i]! : period === 26 ? ema26[this.i]! : NaN
    return Number.isNaN(v) ? undefined : v
  }
  rsi(): number | undefined { return undefined }
  wma(): number | undefined { return undefined }
  atr(): number | undefined { return undefined }
  macd(): undefined { return undefined }
  bbands(): undefined { return undefined }
  stoch(): undefined { return undefined }
  vwap(): number | undefined { return undefined }
  get high(): number | undefined { return high[this.i] }
  get low(): number | undefined { return low[this.i] }
  get range(): number | undefined { return high[this.i]! - low[this.i]! }
  get avgVolume(): number | undefined { return volume[this.i] }
}

const symbol = "BENCH" as SymbolName
type MutableBar = { -readonly [K in keyof Bar]: Bar[K] }

/** A minimal trade machine: one strategy call per bar, stop-loss check, opportunity merge, position updates. */
const run = (definition: StrategyDefinition, bars = N): { barsPerSecond: number; cpuPer100k: number; trades: number } => {
  const instance = definition.instantiate(symbol)
  const view = new FakeView()
  const bar: MutableBar = { symbol, timestamp: 0, open: 0, high: 0, low: 0, close: 0, volume: 0, mid: 0 }
  let state = 0 // 0 Watch, 1 CloseWatch, 2 InTrade
  let stop: number | undefined
  let trades = 0
  const t0 = performance.now()
  const c0 = process.cpuUsage()
  for (let i = 0; i < bars; i++) {
    view.i = i
    bar.timestamp = 1.7e12 + i * 60_000
    bar.open = open[i]!
    bar.high = high[i]!
    bar.low = low[i]!
    bar.close = close[i]!
    bar.volume = volume[i]!
    bar.mid = close[i]!
    if (state === 2 && stop !== undefined && bar.low <= stop) {
      instance.setPosition(undefined)
      state = 0
      continue
    }
    const out = state === 0 ? instance.detectOpportunity(bar, view) : state === 1 ? instance.filterCommitment(bar, view) : instance.managePosition(bar, view)
    if (out === undefined) continue
    if (out._tag === "Opportunity") {
      instance.mergeContext(out.fields)
      state = 1
      continue
    }
    const a = out.action
    switch (a.action) {
      case "start_analyzing": state = 1; break
      case "cancel_analysis": state = 0; break
      case "enter_long":
      case "enter_short":
        trades++
        stop = a.stop_loss
        instance.setPosition({ side: a.action === "enter_long" ? "long" : "short", quantity: a.quantity!, entryPrice: bar.close, entryTime: bar.timestamp, stopLoss: stop, takeProfit: a.take_profit })
        state = 2
        break
      case "exit":
        instance.setPosition(undefined)
        state = 0
        break
      default:
        break
    }
  }
  const seconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(c0)
  instance.dispose()
  return { barsPerSecond: bars / seconds, cpuPer100k: (cpu.user + cpu.system) / 1000 / (bars / 100_000), trades }
}

const quiet = { print: () => {} }
const luaEma = compileLuaStrategy(fs.readFileSync(new URL("../strategies/ema_crossover.lua", import.meta.url), "utf8"), "ema_crossover.lua", quiet)
const luaEmaPortable = compileLuaStrategy(fs.readFileSync(new URL("../strategies/ema_crossover.lua", import.meta.url), "utf8"), "ema_crossover.lua", { ...quiet, portable: true })
const luaNil = compileLuaStrategy(
  "function detect_opportunity() end\nfunction filter_commitment() end\nfunction manage_position() end",
  "nil.lua",
  quiet
)
const tsEma = defineStrategy<{ prevDiff?: number; direction?: string; waited?: number }>({
  name: "ts-ema",
  detectOpportunity: (b, ctx, ind) => {
    const f = ind.ema(12), s = ind.ema(26)
    if (f === undefined || s === undefined) return
    const d = f - s, p = ctx.prevDiff
    ctx.prevDiff = d
    if (p !== undefined && p <= 0 && d > 0) return { direction: "long", cross_close: b.close, waited: 0 }
  },
  filterCommitment: (b, ctx, ind) => {
    const f = ind.ema(12), s = ind.ema(26)
    if (f === undefined || s === undefined) return
    const d = f - s
    ctx.prevDiff = d
    ctx.waited = (ctx.waited ?? 0) + 1
    if (d <= 0) return { action: "cancel_analysis" }
    if (b.close > s) return { action: "enter_long", quantity: 0.95, price: b.close, stop_loss: b.close * 0.95 }
    if (ctx.waited >= 3) return { action: "cancel_analysis" }
  },
  managePosition: (_b, ctx, ind) => {
    const f = ind.ema(12), s = ind.ema(26)
    if (f === undefined || s === undefined) return
    const d = f - s
    ctx.prevDiff = d
    if (ctx.position?.side === "long" && d < 0) return { action: "exit" }
  }
})

const luaEmaWorker = compileLuaStrategy(fs.readFileSync(new URL("../strategies/ema_crossover.lua", import.meta.url), "utf8"), "ema_crossover.lua", { ...quiet, isolation: "worker" })

const report = (label: string, r: { barsPerSecond: number; cpuPer100k: number; trades: number }): void => {
  const bps = Math.round(r.barsPerSecond).toLocaleString("en-US").padStart(12)
  console.log(`${label.padEnd(22)} ${bps} bars/s  ${r.cpuPer100k.toFixed(1).padStart(7)} CPU ms/100k bars  (${r.trades} trades)`)
}

console.log(`bars: ${N}`)
for (const [label, def] of [["lua ema_crossover", luaEma], ["lua ema (portable)", luaEmaPortable], ["lua returns nil", luaNil], ["ts ema crossover", tsEma]] as const) {
  run(def) // warm-up pass
  report(label, run(def))
}
const workerBars = Math.max(1000, Math.floor(N / 10))
run(luaEmaWorker, workerBars) // warm-up pass
report(`lua ema (worker) ${workerBars / 1000}k`, run(luaEmaWorker, workerBars))

/**
 * The instruction budget's own cost: fengari calls its hook check on every instruction once any count hook is set
 * (whatever the count), so compare the same Lua loop without a hook and with the host's (10,000-instruction) one.
 */
const hookCost = (): void => {
  const L = lauxlib.luaL_newstate()
  lauxlib.luaL_requiref(L, to_luastring("_G"), lualib.luaopen_base, 1)
  lua.lua_settop(L, 0)
  const src = to_luastring("local s = 0 for i = 1, 5000000 do s = s + i % 7 end return s")
  const time = (hooked: boolean): number => {
    lauxlib.luaL_loadbufferx(L, src, src.length, to_luastring("=hook"), to_luastring("t"))
    if (hooked) lua.lua_sethook(L, () => {}, lua.LUA_MASKCOUNT, 10_000)
    else lua.lua_sethook(L, null, 0, 0)
    const c0 = process.cpuUsage()
    lua.lua_pcall(L, 0, 1, 0)
    const c = process.cpuUsage(c0)
    lua.lua_settop(L, 0)
    return (c.user + c.system) / 1000
  }
  const without: Array<number> = []
  const withHook: Array<number> = []
  for (let i = 0; i < 5; i++) {
    without.push(time(false))
    withHook.push(time(true))
  }
  const min = (xs: Array<number>): number => Math.min(...xs)
  console.log(`instruction hook: a 20M-instruction Lua loop takes ${min(without).toFixed(0)} CPU ms without a count hook, ${min(withHook).toFixed(0)} with (${(100 * (min(withHook) / min(without) - 1)).toFixed(1)}%)`)
  lua.lua_close(L)
}
hookCost()
