/**
 * The `MarketData` Layers: CSV files, a seeded simulation, and a queue fed by a live adapter. The CLI, the HTTP API
 * and tests choose one; the engine only sees `MarketData`.
 *
 * All three emit chunks (arrays of bars), never one Effect per bar, and fill the quality report as they run.
 *
 * @module
 */
import { readFile } from "node:fs/promises"
import { Cause, Effect, Layer, type Queue, Ref, Stream } from "effect"
import type { NonEmptyReadonlyArray } from "effect/Array"
import { type Bar, checkBar, type SymbolName } from "../domain/bar.ts"
import { DataFileError, DataRowError, type MarketDataError } from "../domain/errors.ts"
import { type CsvFormatOption, formatTimestamp, parseCsv, type ParsedCsv } from "./csv.ts"
import { type BadRowPolicy, type DataQualityReport, MarketData } from "./MarketData.ts"
import { emptyReport, makeReport, type SessionsOption, SymbolQualityTracker } from "./quality.ts"
import { buildDataset, type CsvDataset, mergeSeries } from "./series.ts"
import { checkSimulationOptions, type SimulationOptions, Simulator } from "./simulated.ts"

/** Bars per emitted chunk: Effect's default chunk size. */
export const CHUNK_SIZE = 4096

/**
 * A stream over a chunk producer made fresh for each run. One Effect per chunk; the producer returns `undefined`
 * (or an empty array) at the end.
 */
export const streamChunks = <A>(make: () => () => ReadonlyArray<A> | undefined): Stream.Stream<A> =>
  Stream.fromPull(Effect.sync(() => {
    const next = make()
    return Effect.suspend(() => {
      const chunk = next()
      return chunk === undefined || chunk.length === 0
        ? Cause.done()
        : Effect.succeed(chunk as NonEmptyReadonlyArray<A>)
    })
  }))

// ---------------------------------------------------------------------------------------------------------------
// CSV

/** Options of {@link csvMarketData}. */
export interface CsvMarketDataOptions {
  readonly files: ReadonlyArray<string>
  /** Default `auto` (see `docs/data-formats.md`). */
  readonly format?: CsvFormatOption | undefined
  /** One symbol for every file; default: each file's name. */
  readonly symbol?: string | undefined
  /** Default `fail`. */
  readonly badRows?: BadRowPolicy | undefined
  /** First bar time to emit (inclusive, ms). */
  readonly from?: number | undefined
  /** End of the time range (exclusive, ms). */
  readonly to?: number | undefined
  /** `common`: only the period every symbol covers (see `DatasetOptions.period`); default `all`. */
  readonly period?: "all" | "common" | undefined
  /** Calendar for gap detection; default `auto`. */
  readonly sessions?: SessionsOption | undefined
  /** Default {@link CHUNK_SIZE}. */
  readonly chunkSize?: number | undefined
}

const describeFsError = (e: unknown): string => {
  const code = typeof e === "object" && e !== null && "code" in e ? String(e.code) : ""
  switch (code) {
    case "ENOENT":
      return "no such file"
    case "EACCES":
    case "EPERM":
      return "permission denied"
    case "EISDIR":
      return "is a directory, not a file"
    default:
      return `cannot read: ${e instanceof Error ? e.message : String(e)}`
  }
}

/** Reads and parses one file; the error names the file (and line, for a bad row). */
export const readCsvFile = (
  file: string,
  options: Pick<CsvMarketDataOptions, "format" | "symbol" | "badRows"> = {}
): Effect.Effect<ParsedCsv, MarketDataError> =>
  Effect.tryPromise({
    try: () => readFile(file),
    catch: (e) => new DataFileError({ file, reason: describeFsError(e) })
  }).pipe(Effect.flatMap((bytes) => {
    const r = parseCsv(bytes, file, options)
    return r.ok ? Effect.succeed(r.value) : Effect.fail(r.error)
  }))

/**
 * Reads every file, orders them per symbol and computes the quality report: everything {@link csvMarketData}
 * does before it emits its first bar. Useful on its own to inspect data without running a strategy.
 */
export const loadCsv = (options: CsvMarketDataOptions): Effect.Effect<CsvDataset, MarketDataError> =>
  Effect.gen(function*() {
    if (options.files.length === 0) return yield* new DataFileError({ file: "(none)", reason: "no data files given" })
    const parsed = yield* Effect.forEach(options.files, (file) => readCsvFile(file, options), { concurrency: 4 })
    const r = buildDataset(parsed, options)
    return r.ok ? r.value : yield* Effect.fail(r.error)
  })

/**
 * Bars from CSV files (Binance dumps or headered OHLCV, mixed freely). The files are read when `bars` runs, so a
 * missing file or a bad row is an error of the stream, not of building the Layer. `quality` holds the report of
 * the last run (empty before the first).
 */
export const csvMarketData = (options: CsvMarketDataOptions): Layer.Layer<MarketData> =>
  Layer.effect(MarketData, Effect.gen(function*() {
    const quality = yield* Ref.make<DataQualityReport>(emptyReport)
    const chunkSize = options.chunkSize ?? CHUNK_SIZE
    const bars = Stream.unwrap(
      loadCsv(options).pipe(
        Effect.tap((dataset) => Ref.set(quality, dataset.quality)),
        Effect.map((dataset) => streamChunks(() => mergeSeries(dataset.series, chunkSize)))
      )
    )
    return MarketData.of({ bars, quality: Ref.get(quality) })
  }))

// ---------------------------------------------------------------------------------------------------------------
// Simulated

/**
 * Bars from the seeded simulation ({@link Simulator}): same options, same bars. Invalid options fail the stream
 * with a `DataFileError` for file `simulated`.
 */
export const simulatedMarketData = (options: SimulationOptions & { readonly chunkSize?: number | undefined }): Layer.Layer<MarketData> =>
  Layer.effect(MarketData, Effect.gen(function*() {
    const current = yield* Ref.make<Simulator | undefined>(undefined)
    const problems = checkSimulationOptions(options)
    const bars = problems.length > 0
      ? Stream.fail(new DataFileError({ file: "simulated", reason: problems.join("; ") }))
      : Stream.unwrap(Effect.gen(function*() {
        const sim = new Simulator(options, options.chunkSize ?? CHUNK_SIZE)
        yield* Ref.set(current, sim)
        return streamChunks(() => () => sim.nextChunk())
      }))
    return MarketData.of({
      bars,
      quality: Effect.map(Ref.get(current), (sim) => (sim === undefined ? emptyReport : makeReport(sim.quality())))
    })
  }))

// ---------------------------------------------------------------------------------------------------------------
// Queue (live)

/** Options of {@link queueMarketData}. */
export interface QueueMarketDataOptions {
  /** The feed's bar interval when known (a subscription to 1m bars); otherwise inferred from the bars. */
  readonly intervalMs?: number | undefined
  readonly sessions?: SessionsOption | undefined
}

/**
 * Columns reported by live-source errors: a bar is treated as the record `symbol,timestamp,open,high,low,close,
 * volume,bid,ask`, and its line is its 1-based sequence number in the feed.
 */
export const LIVE_COLUMNS: Readonly<Record<string, number>> = {
  symbol: 1, timestamp: 2, open: 3, high: 4, low: 5, close: 6, volume: 7, bid: 8, ask: 9
}

/** The file name live-source errors and reports use. */
export const LIVE_FILE = "live"

/**
 * Checks live bars in arrival order: valid fields (`checkBar`) and, per symbol, strictly increasing timestamps.
 * Feeds the quality trackers. Made fresh per stream run.
 */
class LiveValidator {
  readonly trackers = new Map<SymbolName, SymbolQualityTracker>()
  private readonly last = new Map<SymbolName, { timestamp: number; seq: number }>()
  private seq = 0
  private readonly options: QueueMarketDataOptions

  constructor(options: QueueMarketDataOptions) {
    this.options = options
  }

  /** Index of the first bad bar in `chunk` and its error, or `undefined` when all are good (and recorded). */
  check(chunk: ReadonlyArray<Bar>): { readonly index: number; readonly error: DataRowError } | undefined {
    for (let i = 0; i < chunk.length; i++) {
      const bar = chunk[i]!
      const seq = ++this.seq
      const problem = checkBar(bar)
      if (problem !== undefined) {
        return {
          index: i,
          error: new DataRowError({ file: LIVE_FILE, line: seq, column: LIVE_COLUMNS[problem.field]!, field: problem.field, reason: problem.reason })
        }
      }
      const prev = this.last.get(bar.symbol)
      if (prev !== undefined && bar.timestamp <= prev.timestamp) {
        return {
          index: i,
          error: new DataRowError({
            file: LIVE_FILE,
            line: seq,
            column: LIVE_COLUMNS["timestamp"]!,
            field: "timestamp",
            reason: bar.timestamp === prev.timestamp
              ? `duplicate ${bar.symbol} timestamp ${formatTimestamp(bar.timestamp)} (also bar ${prev.seq})`
              : `${bar.symbol} timestamp ${formatTimestamp(bar.timestamp)} is before ${formatTimestamp(prev.timestamp)} of bar ${prev.seq}: bars of a symbol must arrive in time order`
          })
        }
      }
      this.last.set(bar.symbol, { timestamp: bar.timestamp, seq })
      let tracker = this.trackers.get(bar.symbol)
      if (tracker === undefined) {
        tracker = new SymbolQualityTracker(bar.symbol, this.options)
        tracker.addFile(LIVE_FILE)
        this.trackers.set(bar.symbol, tracker)
      }
      tracker.push(bar.timestamp, bar.volume, LIVE_FILE, seq)
    }
    return undefined
  }
}

/**
 * The live source: bars offered one by one to `queue` (by a websocket adapter, or a test) come out in arrival
 * order, in whatever chunks the queue yields. Each bar is validated; a bad one, or one not after its symbol's
 * previous bar, ends the stream with a `DataRowError` (file `live`, line = sequence number) after the good bars
 * before it. End the feed with `Queue.end`; a queue failure with a `MarketDataError` fails the stream with it.
 * Cross-symbol order is the order of arrival.
 */
export const queueMarketData = (
  queue: Queue.Dequeue<Bar, MarketDataError | Cause.Done>,
  options: QueueMarketDataOptions = {}
): Layer.Layer<MarketData> =>
  Layer.effect(MarketData, Effect.gen(function*() {
    const current = yield* Ref.make<LiveValidator | undefined>(undefined)
    const bars = Stream.transformPull(Stream.fromQueue(queue), (pull) =>
      Effect.gen(function*() {
        const validator = new LiveValidator(options)
        yield* Ref.set(current, validator)
        let pending: DataRowError | undefined
        return Effect.suspend(() => {
          if (pending !== undefined) return Effect.fail(pending)
          return Effect.flatMap(pull, (chunk) => {
            const bad = validator.check(chunk)
            if (bad === undefined) return Effect.succeed(chunk)
            if (bad.index === 0) return Effect.fail(bad.error)
            pending = bad.error
            return Effect.succeed(chunk.slice(0, bad.index) as unknown as NonEmptyReadonlyArray<Bar>)
          })
        })
      }))
    return MarketData.of({
      bars,
      quality: Effect.map(Ref.get(current), (v) =>
        v === undefined ? emptyReport : makeReport([...v.trackers.values()].map((t) => t.report())))
    })
  }))
