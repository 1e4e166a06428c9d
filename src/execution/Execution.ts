/**
 * The `Execution` service: how orders become fills. Backtests and paper runs use the simulated venue
 * (`layerSimulated`): an order book per symbol (`orders.ts`) with the configured match model, costs and instrument
 * rules; broker adapters provide the same service later.
 *
 * ```ts
 * Execution.layerSimulated({ commission: { takerRate: 0.001, makerRate: 0.0008 }, slippage: { kind: "bps", bps: 2 }, maxParticipation: 0.1 })
 * ```
 *
 * @module
 */
import { Context, Effect, Layer } from "effect"
import { ConfigError } from "../domain/errors.ts"
import { checkFillModel, type FillModelConfig } from "./fill-model.ts"

/** The service: the venue configuration the engine simulates its orders with. */
export class Execution extends Context.Service<Execution, {
  readonly kind: "simulated"
  readonly fillModel: FillModelConfig
}>()("trading-engine/Execution") {
  /**
   * Simulated fills chosen by config (see {@link FillModelConfig}; the defaults are next-bar-open market fills, the
   * conservative intrabar rule, no slippage, spread or volume cap, no instrument rules). An invalid config fails
   * with a `ConfigError` naming the field.
   */
  static readonly layerSimulated = (config: FillModelConfig): Layer.Layer<Execution, ConfigError> => {
    const problem = checkFillModel(config)
    if (problem !== undefined) return Layer.effect(Execution, Effect.fail(new ConfigError(problem)))
    return Layer.succeed(Execution, Execution.of({ kind: "simulated", fillModel: config }))
  }
}
