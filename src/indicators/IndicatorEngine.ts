/**
 * The `IndicatorEngine` service: which implementation computes the indicators a strategy asks for.
 *
 * Two backends give bit-identical values (the property tests in `property-tests/` prove it for every registry entry):
 * - `typescript` (the default): the classes of `src/indicators/`, the fast path;
 * - `ocaml`: the OCaml reference library compiled by js_of_ocaml (`src/indicators/ocaml/backend.ts`), slower but an
 *   independent implementation, so a backtest run on it cross-checks every decision that depends on an indicator.
 *
 * The service is a `Context.Reference`: a run that provides nothing uses the TypeScript backend.
 *
 * ```ts
 * import { Effect } from "effect"
 * import { backtest } from "trading-engine"
 *
 * // the same backtest, computed with the OCaml build: trades are identical
 * const result = await Effect.runPromise(backtest({ data: { files: ["BTCUSDT-1h-2022-01.csv"] },
 *   strategy: "strategies/ema_crossover.lua", indicators: "ocaml" }))
 * ```
 *
 * @module
 */
import { Context } from "effect"
import type { BarIndicator, StreamingIndicator } from "./contract.ts"
import type { BarIndicatorSpec, IndicatorParams, SeriesIndicatorSpec } from "./registry.ts"

/** The names of the indicator backends. */
export type IndicatorBackendName = "typescript" | "ocaml"

/** The indicator backends, for CLI and config validation. */
export const INDICATOR_BACKENDS: ReadonlyArray<IndicatorBackendName> = ["typescript", "ocaml"]

/**
 * Makes streaming indicators for registry entries. `params` come from `resolveParams` (already validated); the
 * instances follow the contracts of `contract.ts` (`NaN` during warm-up, `replace` revises the last input).
 */
export interface IndicatorBackend {
  readonly name: IndicatorBackendName
  /** A one-input indicator (`sma`, `ema`, `rsi`, `highest`, …) fed with `update(x)`. */
  readonly series: (spec: SeriesIndicatorSpec, params: IndicatorParams) => StreamingIndicator
  /** A several-input or several-output indicator (`macd`, `atr`, `vwap`, …) fed with `updateBar(bar)`. */
  readonly bar: (spec: BarIndicatorSpec, params: IndicatorParams) => BarIndicator
}

/** The TypeScript backend: the registry's own classes. */
export const typescriptIndicatorBackend: IndicatorBackend = {
  name: "typescript",
  series: (spec, params) => spec.create(params),
  bar: (spec, params) => spec.create(params)
}

/** The indicator backend of a run; TypeScript unless a Layer provides another. */
export const IndicatorEngine: Context.Reference<IndicatorBackend> = Context.Reference<IndicatorBackend>(
  "trading-engine/IndicatorEngine",
  { defaultValue: () => typescriptIndicatorBackend }
)
