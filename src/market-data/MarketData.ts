/**
 * The `MarketData` service: where bars come from. Historical (CSV, simulated) and live (a socket, a queue) sources
 * are Layers of this one service, so the engine never knows which it runs on.
 *
 * @module
 */
import { Context, type Effect, type Stream } from "effect"
import type { Bar, SymbolName } from "../domain/bar.ts"
import type { DataRowError, MarketDataError } from "../domain/errors.ts"

/** A hole in a symbol's time grid: `missingBars` bars should have opened between `after` and `next`. */
export interface Gap {
  readonly symbol: SymbolName
  /** Open time of the last bar before the gap (ms). */
  readonly after: number
  /** Open time of the first bar after the gap (ms). */
  readonly next: number
  readonly missingBars: number
}

/** A bar that exists but did not run its full interval (e.g. Binance's 2023-03-24 outage bar), or looks dead. */
export interface SuspectBar {
  readonly symbol: SymbolName
  readonly timestamp: number
  readonly file: string
  readonly line: number
  readonly reason: string
}

/** What a source noticed about its data. Nothing is filled in or dropped silently: it is all listed here. */
export interface SymbolQuality {
  readonly symbol: SymbolName
  readonly files: ReadonlyArray<string>
  readonly bars: number
  readonly first: number | undefined
  readonly last: number | undefined
  /** The bar interval in ms, inferred from the most common step between bars (or given by the source). */
  readonly intervalMs: number | undefined
  readonly gaps: ReadonlyArray<Gap>
  readonly suspectBars: ReadonlyArray<SuspectBar>
  readonly zeroVolumeBars: number
}

/** The data-quality report of one run over a source. */
export interface DataQualityReport {
  readonly symbols: ReadonlyArray<SymbolQuality>
  /** Rows skipped under the `skip` policy: the total, and the first {@link MAX_SKIPPED_SAMPLES} errors. */
  readonly skippedRows: number
  readonly skippedSamples: ReadonlyArray<DataRowError>
}

/** How many skipped-row errors a report keeps verbatim (the count is always exact). */
export const MAX_SKIPPED_SAMPLES = 100

/** What to do with a row that does not parse or fails validation. */
export type BadRowPolicy = "fail" | "skip"

/** The service: a stream of bars in timestamp order (ties broken by symbol name), and what was noticed on the way. */
export class MarketData extends Context.Service<MarketData, {
  /** Bars in `compareBars` order. Historical sources end; live sources end when their feed closes. */
  readonly bars: Stream.Stream<Bar, MarketDataError>
  /** The quality report, complete once `bars` has ended. */
  readonly quality: Effect.Effect<DataQualityReport>
}>()("trading-engine/MarketData") {}
