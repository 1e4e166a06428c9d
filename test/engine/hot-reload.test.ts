/**
 * Hot reload (issue 4, item 5): a changed strategy is re-validated and swapped in at a bar boundary; the symbols'
 * contexts survive unless the new version opts out; a broken edit keeps the previous version running and is reported.
 * Three levels: the engine core's swap (deterministic), the Effect pipeline fed by a live queue with new versions
 * arriving on `StrategyReloads`, and the file watcher Layer on a real file.
 */
import { assert, describe, it } from "@effect/vitest"
import { type Cause, Deferred, Effect, Fiber, Layer, Queue, Stream } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { bar, type Bar, SymbolName } from "../../src/domain/bar.ts"
import { StrategyError, type MarketDataError } from "../../src/domain/errors.ts"
import type { StrategyDefinition } from "../../src/domain/strategy.ts"
import { EngineCore } from "../../src/engine/core.ts"
import { runEngine } from "../../src/engine/Engine.ts"
import { Execution } from "../../src/execution/Execution.ts"
import { queueMarketData } from "../../src/market-data/layers.ts"
import type { DataQualityReport } from "../../src/market-data/MarketData.ts"
import { watchLuaStrategy, luaFileVersions } from "../../src/strategy/hot-reload.ts"
import { compileLuaStrategy } from "../../src/strategy/lua/host.ts"
import { Strategy } from "../../src/strategy/Strategy.ts"
import { type StrategyReload, StrategyReloads } from "../../src/strategy/StrategyReloads.ts"

const H = 3_600_000
const A = SymbolName("AAA")
const B = SymbolName("BBB")
const noQuality: DataQualityReport = { symbols: [], skippedRows: 0, skippedSamples: [] }
const flatBars = (symbol: SymbolName, from: number, n: number, price = 100): Array<Bar> =>
  Array.from({ length: n }, (_, i) => bar({ symbol, timestamp: (from + i) * H, open: price, high: price, low: price, close: price, volume: 1 }))
const both = (from: number, n: number): Array<Bar> =>
  flatBars(A, from, n).flatMap((a, i) => [a, flatBars(B, from + i, 1)[0]!])

/**
 * A Lua strategy that counts its calls in `context.n`, tags them with its version, enters on the 3rd bar and, as
 * version 2, exits on the next bar.
 */
const version = (v: number, extra = ""): string => `
${extra}
function detect_opportunity(md, ctx)
  ctx.n = (ctx.n or 0) + 1
  ctx.v = ${v}
  if ctx.n == 3 then return { action = "enter_long", quantity = 1, reason = "v${v}" } end
end
function filter_commitment() end
function manage_position(md, ctx)
  ctx.n = (ctx.n or 0) + 1
  ctx.v = ${v}
  if ${v} >= 2 then return { action = "exit", reason = "v${v} exits" } end
end`

const lua = (source: string): StrategyDefinition => compileLuaStrategy(source, "reload.lua")

describe("EngineCore.reloadStrategy", () => {
  it("swaps every symbol to the new version at the bar boundary, carrying contexts and open positions over", () => {
    const core = new EngineCore(lua(version(1)), { commissionRate: 0 }, { initialCash: 10_000 })
    core.processChunk(both(0, 5)) // enters on bar 2, fills on bar 3, InTrade on bars 3 and 4
    assert.isTrue(core.reloadStrategy(lua(version(2)), "reload.lua"))
    const snapshot = core.snapshot()
    assert.deepStrictEqual(snapshot.runners.map((r) => [r.symbol, r.context?.["n"], r.context?.["v"], r.state]), [
      ["AAA", 5, 1, "InTrade"],
      ["BBB", 5, 1, "InTrade"]
    ])
    // The new version sees the position (context.position re-published), decides to exit on its first call (bar 5),
    // and the exit fills at the next open.
    core.processChunk(both(5, 3))
    const r = core.finish(noQuality)
    assert.deepStrictEqual(r.trades.map((t) => [t.symbol, t.entryReason, t.exitTime / H, t.exitNote]), [
      ["AAA", "v1", 6, "v2 exits"],
      ["BBB", "v1", 6, "v2 exits"]
    ])
    assert.deepStrictEqual(r.reloads, [{ timestamp: 4 * H, source: "reload.lua", ok: true, message: "reloaded reload" }])
    const after = core.snapshot().runners.map((x) => [x.context?.["n"], x.context?.["v"]])
    assert.deepStrictEqual(after, [[8, 2], [8, 2]])
  })

  it("a version that opts out (reload_keeps_context = false) starts from an empty context", () => {
    const core = new EngineCore(lua(version(1)), { commissionRate: 0 }, { initialCash: 10_000 })
    core.processChunk(flatBars(A, 0, 2))
    const def: StrategyDefinition = { ...lua(version(3)), reloadKeepsContext: false }
    core.reloadStrategy(def, "reload.lua")
    core.processChunk(flatBars(A, 2, 1))
    assert.deepStrictEqual(core.snapshot().runners[0]!.context, { n: 1, v: 3 })
    assert.strictEqual(core.finish(noQuality).reloads[0]!.message, "reloaded reload (context reset)")
  })

  it("all or nothing: if the new version cannot start for one symbol, the old one keeps running everywhere", () => {
    const core = new EngineCore(lua(version(1)), { commissionRate: 0 }, { initialCash: 10_000 })
    core.processChunk(both(0, 2))
    const v2 = lua(version(2))
    const brokenForB: StrategyDefinition = {
      name: "half-broken",
      instantiate: (symbol) => {
        if (symbol === B) throw new StrategyError({ kind: "runtime", script: "reload.lua", line: 4, detail: "boom" })
        return v2.instantiate(symbol)
      }
    }
    assert.isFalse(core.reloadStrategy(brokenForB, "reload.lua"))
    core.processChunk(both(2, 1))
    const r = core.finish(noQuality)
    assert.deepStrictEqual(r.reloads.map((x) => [x.ok, x.message]), [[false, "kept the running version: reload.lua:4: runtime: boom"]])
    assert.deepStrictEqual(r.trades.map((t) => t.entryReason), [])
    assert.deepStrictEqual(core.snapshot().runners.map((x) => x.context?.["v"]), [1, 1])
  })

  it("a symbol halted by a failing version runs again after a fixed version is loaded", () => {
    const failing = lua("function detect_opportunity() error('bug') end function filter_commitment() end function manage_position() end")
    const core = new EngineCore(failing, { commissionRate: 0 }, { initialCash: 10_000 })
    core.processChunk(flatBars(A, 0, 2))
    core.reloadStrategy(lua(version(1)), "reload.lua")
    core.processChunk(flatBars(A, 2, 4))
    const r = core.finish(noQuality)
    assert.strictEqual(r.failures.length, 1)
    assert.include(r.failures[0]!.message, "bug")
    assert.deepStrictEqual(r.trades.map((t) => t.entryReason), ["v1"])
  })
})

describe("runEngine with StrategyReloads", () => {
  it.effect("a live run swaps the version arriving between two bars; a broken version is reported and changes nothing", () =>
    Effect.gen(function*() {
      const bars = yield* Queue.unbounded<Bar, MarketDataError | Cause.Done>()
      const updates = yield* Queue.unbounded<StrategyReload>()
      const seen = yield* Deferred.make<void>()
      const received = yield* Deferred.make<void>()
      let count = 0
      let processed = 0
      const engine = yield* Effect.forkChild(runEngine({
        initialCash: 10_000,
        onProgress: (n) => {
          processed = n
          if (n === 3) Deferred.doneUnsafe(seen, Effect.void)
        }
      }).pipe(Effect.provide(Layer.mergeAll(
        queueMarketData(bars),
        Strategy.layer(lua(version(1))),
        Execution.layerSimulated({ commissionRate: 0 }),
        Layer.succeed(StrategyReloads, {
          updates: Stream.fromQueue(updates).pipe(Stream.tap(() => Effect.sync(() => {
            if (++count === 2) Deferred.doneUnsafe(received, Effect.void)
          })))
        })
      ))))
      yield* Queue.offerAll(bars, flatBars(A, 0, 3))
      yield* Deferred.await(seen)
      const broken = new StrategyError({ kind: "syntax", script: "reload.lua", line: 2, detail: "unexpected symbol near 'then'" })
      yield* Queue.offer(updates, { _tag: "Failed", source: "reload.lua", error: broken })
      yield* Queue.offer(updates, { _tag: "Loaded", source: "reload.lua", definition: lua(version(2)) })
      yield* Deferred.await(received)
      yield* Effect.yieldNow
      yield* Queue.offerAll(bars, flatBars(A, 3, 3))
      yield* Queue.end(bars)
      const r = yield* Fiber.join(engine)
      assert.strictEqual(processed, 6)
      // Both are handled at the boundary before bar 3, in order: the broken one reported, the valid one swapped in.
      assert.deepStrictEqual(r.reloads.map((x) => [x.timestamp, x.ok, x.message]), [
        [2 * H, false, "kept the running version: reload.lua:2: syntax: unexpected symbol near 'then'"],
        [2 * H, true, "reloaded reload"]
      ])
      assert.deepStrictEqual(r.trades.map((t) => [t.entryReason, t.exitNote]), [["v1", "v2 exits"]])
    }))
})

describe("watchLuaStrategy", () => {
  const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), "te-reload-"))

  it.live("emits a new version for each content change, a Failed one for a broken edit, nothing for an identical save", () =>
    Effect.gen(function*() {
      const dir = tmp()
      const file = path.join(dir, "strategy.lua")
      fs.writeFileSync(file, version(1))
      const collected = yield* Effect.forkChild(
        Stream.runCollect(Stream.take(luaFileVersions(file, { debounceMs: 20 }, version(1)), 3))
      )
      const save = (text: string) => Effect.flatMap(Effect.sleep("150 millis"), () => Effect.sync(() => fs.writeFileSync(file, text)))
      yield* save(version(1)) // unchanged: ignored
      yield* save(version(2))
      yield* save("function detect_opportunity(\n  broken")
      // An editor-style save: write a temporary file and rename it over the strategy.
      yield* Effect.sleep("150 millis")
      fs.writeFileSync(path.join(dir, ".strategy.lua.tmp"), version(4))
      fs.renameSync(path.join(dir, ".strategy.lua.tmp"), file)
      const versions = yield* Fiber.join(collected).pipe(Effect.timeout("10 seconds"))
      assert.deepStrictEqual(versions.map((v) => v._tag), ["Loaded", "Failed", "Loaded"])
      const failed = versions[1]!
      if (failed._tag !== "Failed") throw new Error("expected a failure")
      assert.strictEqual(failed.error.kind, "syntax")
      assert.strictEqual(failed.error.line, 2)
      const v4 = versions[2]!
      if (v4._tag !== "Loaded") throw new Error("expected a version")
      const instance = v4.definition.instantiate(A)
      instance.detectOpportunity(flatBars(A, 0, 1)[0]!, {} as never)
      assert.strictEqual(instance.snapshotContext()["v"], 4)
      instance.dispose()
      fs.rmSync(dir, { recursive: true, force: true })
    }))

  it.effect("fails at start with a StrategyError naming the file when the script is broken or missing", () =>
    Effect.gen(function*() {
      const dir = tmp()
      const file = path.join(dir, "bad.lua")
      fs.writeFileSync(file, "function detect_opportunity(")
      const bad = yield* Effect.flip(Layer.build(watchLuaStrategy(file)).pipe(Effect.scoped))
      assert.strictEqual(bad.kind, "syntax")
      const missing = yield* Effect.flip(Layer.build(watchLuaStrategy(path.join(dir, "nope.lua"))).pipe(Effect.scoped))
      assert.strictEqual(missing.kind, "load")
      assert.include(missing.detail, "nope.lua")
      fs.rmSync(dir, { recursive: true, force: true })
    }))
})
