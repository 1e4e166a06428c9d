/**
 * The strategies shipped in `strategies/`: each one loads, and runs over synthetic bars through a minimal trade
 * machine without errors, identically on the fast and the portable per-bar path.
 */
import * as fs from "node:fs"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { loadLuaStrategy } from "../../src/strategy/lua/host.ts"
import { repoFile } from "../support/data.ts"
import { drive, EngineIndicators, SYM, syntheticBars } from "./support.ts"

const dir = repoFile("strategies")
const files = fs.readdirSync(dir).filter((f) => f.endsWith(".lua")).sort()
const bars = syntheticBars(600)

describe("bundled strategies", () => {
  it("are the expected set", () => {
    for (const f of ["bollinger_reversion.lua", "ema_crossover.lua", "macd_trend.lua", "range_breakout.lua", "rsi_mean_reversion.lua", "template.lua"]) assert.include(files, f)
  })

  it.effect.each(files)("%s loads and runs 600 bars on both paths with the same decisions", (file) =>
    Effect.gen(function*() {
      const fast = yield* loadLuaStrategy(`${dir}/${file}`)
      const portable = yield* loadLuaStrategy(`${dir}/${file}`, { portable: true })
      assert.strictEqual(fast.name, file.replace(/\.lua$/, ""))
      const a = fast.instantiate(SYM)
      const b = portable.instantiate(SYM)
      const eventsFast = drive(a, bars, new EngineIndicators(20))
      const eventsPortable = drive(b, bars, new EngineIndicators(20))
      assert.deepStrictEqual(eventsFast, eventsPortable)
      assert.deepStrictEqual(a.snapshotContext(), b.snapshotContext())
      a.dispose()
      b.dispose()
    }))

  const trades = (file: string) =>
    Effect.gen(function*() {
      const def = yield* loadLuaStrategy(`${dir}/${file}`)
      const events = drive(def.instantiate(SYM), bars, new EngineIndicators(20))
      return events
    })

  it.effect("ema_crossover enters long on crosses and exits on the opposite cross", () =>
    Effect.gen(function*() {
      const events = yield* trades("ema_crossover.lua")
      const entries = events.filter((e) => e.what.includes("enter_long"))
      assert.isAbove(entries.length, 0)
      assert.isTrue(entries.every((e) => e.state === "CloseWatch" && e.what.includes("\"quantity\":0.95") && e.what.includes("stop_loss")))
      assert.isAbove(events.filter((e) => e.what.includes("\"action\":\"exit\"")).length, 0)
      assert.isTrue(events.every((e) => !e.what.includes("enter_short")))
    }))

  it.effect("rsi_mean_reversion starts analysing on oversold RSI and enters with stop and target", () =>
    Effect.gen(function*() {
      const events = yield* trades("rsi_mean_reversion.lua")
      assert.isAbove(events.filter((e) => e.what.includes("start_analyzing")).length, 0)
      const entries = events.filter((e) => e.what.includes("enter_long"))
      assert.isAbove(entries.length, 0)
      assert.isTrue(entries.every((e) => e.what.includes("take_profit") && e.what.includes("stop_loss")))
    }))

  it.effect("range_breakout finds tight ranges and trails its stop", () =>
    Effect.gen(function*() {
      const events = yield* trades("range_breakout.lua")
      assert.isAbove(events.filter((e) => e.what.startsWith("opportunity") && e.what.includes("range_high")).length, 0)
      assert.isAbove(events.filter((e) => e.what.includes("enter_long")).length, 0)
      assert.isAbove(events.filter((e) => e.what.includes("update_stop_loss")).length, 0)
    }))

  it.effect("template never trades", () =>
    Effect.gen(function*() {
      const events = yield* trades("template.lua")
      assert.isTrue(events.every((e) => !e.what.includes("enter_")))
    }))
})
