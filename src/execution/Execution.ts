/**
 * The `Execution` service: how orders become fills. The backtest and paper runs use the simulated fill model;
 * broker adapters provide the same service later.
 *
 * @module
 */
import { Context, Effect, Layer } from "effect"
import { ConfigError } from "../domain/errors.ts"
import { type FillModelConfig } from "./fill-model.ts"

/** The service: the fill model the engine applies to its orders. */
export class Execution extends Context.Service<Execution, {
  readonly kind: "simulated"
  readonly fillModel: FillModelConfig
}>()("trading-engine/Execution") {
  /** Simulated fills at the next bar's open with a commission rate (a fraction of notional). */
  static readonly layerSimulated = (config: FillModelConfig): Layer.Layer<Execution, ConfigError> => {
    if (!Number.isFinite(config.commissionRate) || config.commissionRate < 0 || config.commissionRate >= 1) {
      return Layer.effect(Execution, Effect.fail(new ConfigError({ field: "commission", reason: `must be a fraction in [0, 1), got ${config.commissionRate}` })))
    }
    return Layer.succeed(Execution, Execution.of({ kind: "simulated", fillModel: config }))
  }
}
