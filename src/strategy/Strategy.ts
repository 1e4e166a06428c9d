/**
 * The `Strategy` service: which strategy a run uses. The engine reads `definition` and instantiates it once per
 * symbol; the Layers choose where the definition comes from (a Lua file, or a definition built in code).
 *
 * @module
 */
import { Context, Effect, Layer } from "effect"
import type { StrategyError } from "../domain/errors.ts"
import type { StrategyDefinition } from "../domain/strategy.ts"
import type { StrategyParamValue } from "../domain/params.ts"
import { loadLuaStrategy, type LuaStrategyOptions } from "./lua/host.ts"
import { loadStrategyModule } from "./module.ts"

/** The strategy of a run. */
export class Strategy extends Context.Service<Strategy, {
  /** The strategy definition; the engine calls `instantiate(symbol)` for each symbol it sees. */
  readonly definition: StrategyDefinition
}>()("trading-engine/Strategy") {
  /** A Layer providing an already built definition (a TypeScript strategy, or a compiled Lua one). */
  static layer(definition: StrategyDefinition): Layer.Layer<Strategy> {
    return Layer.succeed(Strategy, Strategy.of({ definition }))
  }

  /** A Layer loading a Lua strategy file; fails with a StrategyError (load, syntax, missing-function, …). */
  static layerLua(path: string, options?: LuaStrategyOptions): Layer.Layer<Strategy, StrategyError> {
    return Layer.effect(Strategy, Effect.map(loadLuaStrategy(path, options), (definition) => Strategy.of({ definition })))
  }

  /**
   * A Layer importing a TypeScript or JavaScript strategy module (`file.ts`, or `file.ts#exportName`); see
   * `module.ts` for which export is taken. `params` go through the definition's `withParams`.
   */
  static layerModule(
    target: string,
    options: { readonly params?: Readonly<Record<string, StrategyParamValue>> | undefined } = {}
  ): Layer.Layer<Strategy, StrategyError> {
    return Layer.effect(Strategy, Effect.map(loadStrategyModule(target, options), (definition) => Strategy.of({ definition })))
  }
}
