/**
 * The Strategy service and its Layers.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { StrategyError } from "../../src/domain/errors.ts"
import { Strategy } from "../../src/strategy/Strategy.ts"
import { loadLuaStrategy } from "../../src/strategy/lua/host.ts"
import { defineStrategy } from "../../src/strategy/typescript.ts"
import { repoFile } from "../support/data.ts"

const failureOf = <A>(exit: Exit.Exit<A, StrategyError>): StrategyError => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const error = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (error === undefined || error._tag !== "Fail") throw new Error("expected a typed failure")
  return error.error
}

describe("Strategy", () => {
  it.effect("layerLua loads a strategy file", () =>
    Effect.gen(function*() {
      const strategy = yield* Strategy
      assert.strictEqual(strategy.definition.name, "ema_crossover")
    }).pipe(Effect.provide(Strategy.layerLua(repoFile("strategies", "ema_crossover.lua")))))

  it.effect("layer provides a given definition", () => {
    const definition = defineStrategy({ name: "inline", detectOpportunity: () => undefined, filterCommitment: () => undefined, managePosition: () => undefined })
    return Effect.gen(function*() {
      const strategy = yield* Strategy
      assert.strictEqual(strategy.definition, definition)
    }).pipe(Effect.provide(Strategy.layer(definition)))
  })

  it.effect("layerLua fails with kind load for a missing file", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Effect.provide(Effect.gen(function*() { return yield* Strategy }), Strategy.layerLua("strategies/does-not-exist.lua")))
      const e = failureOf(exit)
      assert.instanceOf(e, StrategyError)
      assert.strictEqual(e.kind, "load")
      assert.strictEqual(e.script, "strategies/does-not-exist.lua")
      assert.include(e.detail, "cannot read the strategy file")
    }))

  it.effect("loadLuaStrategy fails with the compile error of a broken script", () =>
    Effect.gen(function*() {
      const fs = yield* Effect.promise(() => import("node:fs/promises"))
      const os = yield* Effect.promise(() => import("node:os"))
      const path = yield* Effect.promise(() => import("node:path"))
      const dir = yield* Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "strategy-")))
      const file = path.join(dir, "broken.lua")
      yield* Effect.promise(() => fs.writeFile(file, "function detect_opportunity()\n  return {\nend\n"))
      const e = failureOf(yield* Effect.exit(loadLuaStrategy(file)))
      assert.strictEqual(e.kind, "syntax")
      assert.strictEqual(e.script, file)
      assert.strictEqual(e.line, 3)
      yield* Effect.promise(() => fs.rm(dir, { recursive: true }))
    }))
})
