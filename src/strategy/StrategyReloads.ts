/**
 * The `StrategyReloads` service: new versions of the running strategy, for hot reload in live and paper runs. The
 * engine swaps a new version in at the next bar boundary (between two chunks of bars); a version that failed to load
 * is reported and the running one stays. Without a Layer there are no reloads (backtests).
 *
 * The Layer that watches a Lua file is `watchLuaStrategy` (`strategy/hot-reload.ts`).
 *
 * @module
 */
import { Context, Stream } from "effect"
import type { StrategyError } from "../domain/errors.ts"
import type { StrategyDefinition } from "../domain/strategy.ts"

/** One new version: the definition, or why it could not be loaded. */
export type StrategyReload =
  | { readonly _tag: "Loaded"; readonly source: string; readonly definition: StrategyDefinition }
  | { readonly _tag: "Failed"; readonly source: string; readonly error: StrategyError }

/** What the service gives: the stream of new versions. */
export interface StrategyReloadSource {
  readonly updates: Stream.Stream<StrategyReload>
}

/** The stream of new versions of the run's strategy; empty unless a Layer provides one. */
export const StrategyReloads: Context.Reference<StrategyReloadSource> = Context.Reference<StrategyReloadSource>(
  "trading-engine/StrategyReloads",
  { defaultValue: () => ({ updates: Stream.empty }) }
)
