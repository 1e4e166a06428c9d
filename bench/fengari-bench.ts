/**
 * One measurement process for the fengari patches (see docs/fengari-patches.md): runs a Lua workload on the fengari
 * found in `FENGARI_DIR` (a copy of the fengari package, e.g. a pristine or differently patched one; default: the
 * installed `node_modules/fengari`) and prints one JSON line of results. Driven by `bench/fengari-ab.ts`, which
 * alternates processes over several fengari copies; also usable alone, or with `--cpu-prof` for profiling.
 *
 * Cases (`--case`, default `engine,host,micro`):
 * - `engine`: `npm run bench` case (b): the engine with the Lua EMA-crossover strategy over the same simulated bars;
 * - `host`: the strategy host alone (as `bench/lua-host.ts`): the EMA-crossover script over synthetic bars with
 *   precomputed EMAs, one strategy call per bar, a minimal trade machine;
 * - `micro`: fengari's API alone: per iteration one `lua_sethook` + `lua_pcall` of a Lua function that calls two JS
 *   functions (the shape of the host's per-bar call);
 * - `parts`: the parts of that call, each timed alone (ns per operation, reported as "bars/s" = operations/s):
 *   `pcall0` (pcall of an empty Lua function), `pcall0hook` (the same after `lua_sethook`), `jscall` (a Lua loop
 *   calling a JS function, per call), `luaop` (a Lua loop of `x = x + i`, per iteration), `pushpop`
 *   (`lua_pushvalue` + `lua_settop`), `settable` (`t.k = i` in a Lua loop, per iteration).
 *
 * Run: `npx tsx bench/fengari-bench.ts [--case engine,host,micro] [--bars 1000000] [--runs 3] [--clock wall|cpu]`
 * with `FENGARI_DIR=/path/to/fengari` to measure another copy (its dependencies must resolve from there, e.g. through
 * a `node_modules` symlink next to it).
 */
import { registerHooks } from "node:module"
import * as fs from "node:fs"
import * as path from "node:path"
import { pathToFileURL } from "node:url"

const fengariDir = process.env.FENGARI_DIR
if (fengariDir !== undefined && fengariDir !== "") {
  const url = pathToFileURL(path.join(path.resolve(fengariDir), "src", "fengari.js")).href
  registerHooks({
    resolve(specifier, context, next) {
      if (specifier === "fengari") return { url, format: "commonjs", shortCircuit: true }
      return next(specifier, context)
    }
  })
}

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1]! : fallback
}
const cases = arg("case", "engine,host,micro").split(",")
const totalBars = Number(arg("bars", "1000000"))
const runs = Number(arg("runs", "3"))

// Everything that imports fengari is loaded after the hook is in place.
const { Effect, Layer, Stream } = await import("effect")
const { compileLuaStrategy } = await import("../src/strategy/lua/host.ts")
const luaSource = fs.readFileSync(new URL("../strategies/ema_crossover.lua", import.meta.url), "utf8")

type Bar = import("../src/domain/bar.ts").Bar
type IndicatorView = import("../src/domain/strategy.ts").IndicatorView
type StrategyDefinition = import("../src/domain/strategy.ts").StrategyDefinition
type SymbolName = import("../src/domain/bar.ts").SymbolName

/**
 * `--clock wall` (default) times with performance.now(); `--clock cpu` with the process's CPU time (user + system,
 * all threads), which other processes on a shared machine disturb much less.
 */
const clock = arg("clock", "wall")
if (clock !== "wall" && clock !== "cpu") throw new Error(`--clock must be wall or cpu, got ${clock}`)
const now = (): number => {
  if (clock === "wall") return performance.now() / 1000
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}
const time = (f: () => unknown): { seconds: number; check: unknown } => {
  const t0 = now()
  const check = f()
  return { seconds: now() - t0, check }
}
const timeAsync = async (f: () => Promise<unknown>): Promise<{ seconds: number; check: unknown }> => {
  const t0 = now()
  const check = await f()
  return { seconds: now() - t0, check }
}

/** Case (b) of bench/run.ts. */
const engineCase = async (): Promise<Array<{ seconds: number; check: unknown }>> => {
  const { indicatorEngineLayer } = await import("../src/backtest/run.ts")
  const { runEngine } = await import("../src/engine/Engine.ts")
  const { Execution } = await import("../src/execution/Execution.ts")
  const { MarketData } = await import("../src/market-data/MarketData.ts")
  const { simulateBars } = await import("../src/market-data/simulated.ts")
  const { Strategy } = await import("../src/strategy/Strategy.ts")
  const symbols = ["SIM-A", "SIM-B"]
  const bars: ReadonlyArray<Bar> = simulateBars({ symbols, bars: Math.floor(totalBars / symbols.length), seed: 7 })
  const data = Layer.succeed(MarketData, MarketData.of({
    bars: Stream.fromArray(bars).pipe(Stream.rechunk(4096)),
    quality: Effect.succeed({ symbols: [], skippedRows: 0, skippedSamples: [] })
  }))
  const out = []
  for (let r = 0; r < runs; r++) {
    out.push(await timeAsync(async () => {
      const result = await Effect.runPromise(runEngine({ initialCash: 10_000 }).pipe(
        Effect.provide(Layer.mergeAll(
          data,
          Strategy.layer(compileLuaStrategy(luaSource, "ema_crossover.lua")),
          Execution.layerSimulated({ commissionRate: 0.001 }),
          indicatorEngineLayer("typescript")
        ))
      ))
      return result.trades.length
    }))
  }
  return out.map((o) => ({ seconds: o.seconds * (1_000_000 / bars.length), check: o.check }))
}

/** The host alone, as bench/lua-host.ts (fast path). */
const hostCase = (): Array<{ seconds: number; check: unknown }> => {
  const N = totalBars
  let seed = 42
  const rand = (): number => {
    seed = (seed * 1664525 + 1013904223) >>> 0
    return seed / 4294967296
  }
  const open = new Float64Array(N), high = new Float64Array(N), low = new Float64Array(N), close = new Float64Array(N)
  let price = 100
  for (let i = 0; i < N; i++) {
    const o = price
    const c = o * (1 + Math.sin(i / 500) * 0.0005 + (rand() - 0.5) * 0.004)
    open[i] = o
    close[i] = c
    high[i] = Math.max(o, c) * (1 + rand() * 0.001)
    low[i] = Math.min(o, c) * (1 - rand() * 0.001)
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
  // Only `ema` is read by the script; the other IndicatorView members are never called here.
  const cursor = { i: 0 }
  const view = {
    ema(period: number): number | undefined {
      const v = period === 12 ? ema12[cursor.i]! : period === 26 ? ema26[cursor.i]! : NaN
      return Number.isNaN(v) ? undefined : v
    }
  } as unknown as IndicatorView
  const symbol = "BENCH" as SymbolName
  const def: StrategyDefinition = compileLuaStrategy(luaSource, "ema_crossover.lua", { print: () => {} })
  const once = (): number => {
    const instance = def.instantiate(symbol)
    const bar = { symbol, timestamp: 0, open: 0, high: 0, low: 0, close: 0, volume: 1000, mid: 0 } as { -readonly [K in keyof Bar]: Bar[K] }
    let state = 0
    let stop: number | undefined
    let trades = 0
    for (let i = 0; i < N; i++) {
      cursor.i = i
      bar.timestamp = 1.7e12 + i * 60_000
      bar.open = open[i]!
      bar.high = high[i]!
      bar.low = low[i]!
      bar.close = close[i]!
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
      if (a.action === "cancel_analysis") state = 0
      else if (a.action === "enter_long" || a.action === "enter_short") {
        trades++
        stop = a.stop_loss
        instance.setPosition({ side: "long", quantity: a.quantity!, entryPrice: bar.close, entryTime: bar.timestamp, stopLoss: stop, takeProfit: a.take_profit })
        state = 2
      } else if (a.action === "exit") {
        instance.setPosition(undefined)
        state = 0
      }
    }
    instance.dispose()
    return trades
  }
  once() // warm-up
  const out = []
  for (let r = 0; r < runs; r++) out.push(time(once))
  return out.map((o) => ({ seconds: o.seconds * (1_000_000 / N), check: o.check }))
}

/** fengari's API alone: sethook + pcall of a Lua function calling two JS functions, per iteration. */
const microCase = async (): Promise<Array<{ seconds: number; check: unknown }>> => {
  const { lauxlib, lua, lualib, to_luastring } = await import("fengari")
  const L = lauxlib.luaL_newstate()
  lauxlib.luaL_requiref(L, to_luastring("_G"), lualib.luaopen_base, 1)
  lua.lua_pop(L, 1)
  lua.lua_checkstack(L, 40)
  let x = 0
  const fn = (L: import("fengari").LuaState): number => {
    lua.lua_pushnumber(L, lua.lua_tonumber(L, 1) + x)
    return 1
  }
  const src = to_luastring(`
    local f = ...
    local t = { f = f }
    local ctx = {}
    return function(md, c, ind)
      local a = ind.f(12)
      local b = ind.f(26)
      if a == nil or b == nil then return nil end
      local d = a - b
      local p = c.prev
      c.prev = d
      if p == nil then return nil end
      if p <= 0 and d > 0 then return nil end
      return nil
    end, t, ctx
  `)
  lauxlib.luaL_loadbufferx(L, src, src.length, to_luastring("=micro"), null)
  lua.lua_pushjsfunction(L, fn)
  lua.lua_call(L, 1, 3) // 1 = step, 2 = ind, 3 = ctx
  const hook = (): void => {}
  const N = totalBars
  const once = (): number => {
    let nils = 0
    for (let i = 0; i < N; i++) {
      x = i
      lua.lua_pushvalue(L, 1)
      lua.lua_pushvalue(L, 3)
      lua.lua_pushvalue(L, 3)
      lua.lua_pushvalue(L, 2)
      lua.lua_sethook(L, hook, lua.LUA_MASKCOUNT, 1_000_000)
      if (lua.lua_pcall(L, 3, 1, 0) !== lua.LUA_OK) throw new Error(lua.lua_tojsstring(L, -1) ?? "?")
      if (lua.lua_type(L, -1) === lua.LUA_TNIL) nils++
      lua.lua_settop(L, 3)
    }
    return nils
  }
  once()
  const out = []
  for (let r = 0; r < runs; r++) out.push(time(once))
  return out.map((o) => ({ seconds: o.seconds * (1_000_000 / N), check: o.check }))
}

/** The parts of the per-bar call, each alone. Returns operations/s per part (as "bars/s"). */
const partsCase = async (): Promise<Record<string, Array<{ seconds: number; check: unknown }>>> => {
  const { lauxlib, lua, lualib, to_luastring } = await import("fengari")
  const L = lauxlib.luaL_newstate()
  lauxlib.luaL_requiref(L, to_luastring("_G"), lualib.luaopen_base, 1)
  lua.lua_pop(L, 1)
  lua.lua_checkstack(L, 40)
  const load = (code: string): void => {
    const src = to_luastring(code)
    if (lauxlib.luaL_loadbufferx(L, src, src.length, to_luastring("=parts"), null) !== lua.LUA_OK) throw new Error(lua.lua_tojsstring(L, -1) ?? "")
  }
  const hook = (): void => {}
  const N = totalBars
  const parts: Record<string, () => unknown> = {
    pcall0: () => {
      load("return function() end")
      lua.lua_call(L, 0, 1)
      for (let i = 0; i < N; i++) {
        lua.lua_pushvalue(L, -1)
        lua.lua_pcall(L, 0, 1, 0)
        lua.lua_settop(L, 1)
      }
      lua.lua_settop(L, 0)
    },
    pcall0hook: () => {
      load("return function() end")
      lua.lua_call(L, 0, 1)
      for (let i = 0; i < N; i++) {
        lua.lua_pushvalue(L, -1)
        lua.lua_sethook(L, hook, lua.LUA_MASKCOUNT, 1_000_000)
        lua.lua_pcall(L, 0, 1, 0)
        lua.lua_settop(L, 1)
      }
      lua.lua_sethook(L, null, 0, 0)
      lua.lua_settop(L, 0)
    },
    jscall: () => {
      load("local f, n = ... local x = 0 for i = 1, n do x = f(i) end return x")
      lua.lua_pushjsfunction(L, (L) => {
        lua.lua_pushnumber(L, lua.lua_tonumber(L, 1) + 0.5)
        return 1
      })
      lua.lua_pushinteger(L, N)
      lua.lua_call(L, 2, 1)
      lua.lua_settop(L, 0)
    },
    luaop: () => {
      load("local n = ... local x = 0 for i = 1, n do x = x + i end return x")
      lua.lua_pushinteger(L, N)
      lua.lua_call(L, 1, 1)
      lua.lua_settop(L, 0)
    },
    pushpop: () => {
      lua.lua_pushnumber(L, 1.5)
      for (let i = 0; i < N; i++) {
        lua.lua_pushvalue(L, 1)
        lua.lua_settop(L, 1)
      }
      lua.lua_settop(L, 0)
    },
    settable: () => {
      load("local n = ... local t = { k = 0 } for i = 1, n do t.k = i end return t.k")
      lua.lua_pushinteger(L, N)
      lua.lua_call(L, 1, 1)
      lua.lua_settop(L, 0)
    }
  }
  const out: Record<string, Array<{ seconds: number; check: unknown }>> = {}
  for (const [name, f] of Object.entries(parts)) {
    f()
    out[name] = []
    for (let r = 0; r < runs; r++) out[name].push(time(f))
    out[name] = out[name].map((o) => ({ seconds: o.seconds * (1_000_000 / N), check: 0 }))
  }
  return out
}

const results: Record<string, { best: number; all: Array<number>; check: unknown }> = {}
for (const c of cases) {
  if (c === "parts") {
    for (const [name, r] of Object.entries(await partsCase())) {
      const all = r.map((x) => x.seconds)
      results[name] = { best: 1_000_000 / Math.min(...all), all: all.map((s) => Math.round(1_000_000 / s)), check: 0 }
    }
    continue
  }
  const r = c === "engine" ? await engineCase() : c === "host" ? hostCase() : c === "micro" ? await microCase() : undefined
  if (r === undefined) throw new Error(`unknown case ${c}`)
  const all = r.map((x) => x.seconds)
  // seconds per 1M bars → bars/s
  results[c] = { best: 1_000_000 / Math.min(...all), all: all.map((s) => Math.round(1_000_000 / s)), check: r[0]!.check }
}
console.log(JSON.stringify({ fengari: fengariDir ?? "installed", clock, results }))
