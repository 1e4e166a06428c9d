/**
 * From parsed files to one ordered bar stream: files of the same symbol are put end to end (sorted by their first
 * timestamp, overlaps rejected), cut to the requested time range, measured for quality, and merged across symbols
 * in `compareBars` order a chunk at a time.
 *
 * Pure functions; `layers.ts` wraps them in Effects and Streams.
 *
 * @module
 */
import type { Bar, SymbolName } from "../domain/bar.ts"
import { DataFileError, type DataRowError } from "../domain/errors.ts"
import { barAt, formatTimestamp, type ParsedCsv } from "./csv.ts"
import type { DataQualityReport } from "./MarketData.ts"
import { closeTimeSuspects, makeReport, type SessionsOption, SymbolQualityTracker } from "./quality.ts"

/** Rows `[from, to)` of one parsed file. */
export interface Segment {
  readonly part: ParsedCsv
  readonly from: number
  readonly to: number
}

/** One symbol's bars: segments of files in time order, not overlapping. */
export interface SymbolSeries {
  readonly symbol: SymbolName
  readonly segments: ReadonlyArray<Segment>
  /** Total number of bars. */
  readonly length: number
}

/** What the CSV source emits and reports. */
export interface CsvDataset {
  /** Sorted by symbol name. */
  readonly series: ReadonlyArray<SymbolSeries>
  readonly quality: DataQualityReport
}

/** Range and calendar options of {@link buildDataset}. */
export interface DatasetOptions {
  /** First bar time to keep (inclusive, ms). */
  readonly from?: number | undefined
  /** End of the range (exclusive, ms). */
  readonly to?: number | undefined
  /**
   * `all` (default): every symbol's bars in `[from, to)`. `common`: only the period every symbol covers, from the
   * latest first bar to the earliest last bar (within `[from, to)`), so that a shared account never trades one
   * symbol while another has not started yet or has already ended.
   */
  readonly period?: "all" | "common" | undefined
  readonly sessions?: SessionsOption | undefined
}

const compareSymbols = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** First index whose timestamp is `>= t`. */
const lowerBound = (ts: Float64Array, t: number): number => {
  let lo = 0
  let hi = ts.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (ts[mid]! < t) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * Groups parsed files by symbol, orders each symbol's files by their first bar, rejects overlaps (naming both
 * files), keeps bars in `[from, to)`, and computes the quality report over what is kept.
 */
export const buildDataset = (
  parsed: ReadonlyArray<ParsedCsv>,
  options: DatasetOptions = {}
): { readonly ok: true; readonly value: CsvDataset } | { readonly ok: false; readonly error: DataFileError } => {
  const bySymbol = new Map<SymbolName, Array<ParsedCsv>>()
  for (const p of parsed) {
    const list = bySymbol.get(p.symbol)
    if (list === undefined) bySymbol.set(p.symbol, [p])
    else list.push(p)
  }
  let from = options.from ?? Number.NEGATIVE_INFINITY
  let to = options.to ?? Number.POSITIVE_INFINITY
  if (options.period === "common" && bySymbol.size > 1) {
    const common = commonPeriod(bySymbol, from, to)
    if (!common.ok) return common
    from = common.from
    to = common.to
  }
  const series: Array<SymbolSeries> = []
  const qualities = []
  let skippedRows = 0
  const skippedSamples: Array<DataRowError> = []
  for (const symbol of [...bySymbol.keys()].sort(compareSymbols)) {
    const parts = [...bySymbol.get(symbol)!].sort((a, b) =>
      a.columns.timestamp[0]! - b.columns.timestamp[0]! || compareSymbols(a.file, b.file))
    for (let i = 1; i < parts.length; i++) {
      const prev = parts[i - 1]!
      const cur = parts[i]!
      const prevLast = prev.columns.timestamp[prev.columns.length - 1]!
      const curFirst = cur.columns.timestamp[0]!
      if (curFirst <= prevLast) {
        return {
          ok: false,
          error: new DataFileError({
            file: cur.file,
            reason: `overlaps ${prev.file}: both have ${symbol} bars between ${formatTimestamp(curFirst)} and ${
              formatTimestamp(Math.min(prevLast, cur.columns.timestamp[cur.columns.length - 1]!))
            }`
          })
        }
      }
    }
    const hint = parts.find((p) => p.intervalHintMs !== undefined)?.intervalHintMs
    const tracker = new SymbolQualityTracker(symbol, { sessions: options.sessions, intervalHintMs: hint })
    const segments: Array<Segment> = []
    let length = 0
    for (const part of parts) {
      skippedRows += part.skippedRows
      for (const s of part.skippedSamples) skippedSamples.push(s)
      const lo = lowerBound(part.columns.timestamp, from)
      const hi = lowerBound(part.columns.timestamp, to)
      if (hi <= lo) continue
      segments.push({ part, from: lo, to: hi })
      tracker.pushColumns(part.columns, lo, hi, part.file)
      length += hi - lo
    }
    const interval = tracker.intervalMs()
    if (interval !== undefined && tracker.calendar() !== "monthly") {
      for (const seg of segments) {
        for (const s of closeTimeSuspects(symbol, seg.part.columns, seg.part.file, interval, seg.from, seg.to)) tracker.addSuspect(s)
      }
    }
    series.push({ symbol, segments, length })
    qualities.push(tracker.report())
  }
  return { ok: true, value: { series, quality: makeReport(qualities, skippedRows, skippedSamples) } }
}

/** The first and last bar time of a symbol's files within `[from, to)`, or `undefined` when it has none there. */
const spanWithin = (parts: ReadonlyArray<ParsedCsv>, from: number, to: number): { first: number; last: number } | undefined => {
  let first = Number.POSITIVE_INFINITY
  let last = Number.NEGATIVE_INFINITY
  for (const part of parts) {
    const ts = part.columns.timestamp
    const lo = lowerBound(ts, from)
    const hi = lowerBound(ts, to)
    if (hi <= lo) continue
    first = Math.min(first, ts[lo]!)
    last = Math.max(last, ts[hi - 1]!)
  }
  return first <= last ? { first, last } : undefined
}

/** `[latest first bar, earliest last bar]` over the symbols, as a half-open range; an error when it is empty. */
const commonPeriod = (
  bySymbol: ReadonlyMap<SymbolName, ReadonlyArray<ParsedCsv>>,
  from: number,
  to: number
): { readonly ok: true; readonly from: number; readonly to: number } | { readonly ok: false; readonly error: DataFileError } => {
  const spans = [...bySymbol.entries()].sort((a, b) => compareSymbols(a[0], b[0])).map(([symbol, parts]) => ({ symbol, span: spanWithin(parts, from, to) }))
  const start = Math.max(...spans.map((s) => s.span?.first ?? Number.POSITIVE_INFINITY))
  const end = Math.min(...spans.map((s) => s.span?.last ?? Number.NEGATIVE_INFINITY))
  if (start <= end) return { ok: true, from: start, to: end + 1 }
  const describe = spans
    .map((s) => (s.span === undefined ? `${s.symbol} has no bars` : `${s.symbol} ${formatTimestamp(s.span.first)} → ${formatTimestamp(s.span.last)}`))
    .join(", ")
  return {
    ok: false,
    error: new DataFileError({ file: "(all data files)", reason: `the symbols have no common period: ${describe}` })
  }
}

interface Cursor {
  readonly symbol: SymbolName
  readonly segments: ReadonlyArray<Segment>
  seg: number
  i: number
  ts: number
}

/**
 * A function returning the next chunk of bars (at most `chunkSize`, in `compareBars` order), or `undefined` at the
 * end. Runs of one symbol that precede every other symbol's next bar are copied without comparisons, so a single
 * symbol costs nothing to merge.
 */
export const mergeSeries = (series: ReadonlyArray<SymbolSeries>, chunkSize = 4096): (() => Array<Bar> | undefined) => {
  const cursors: Array<Cursor> = [...series]
    .filter((s) => s.length > 0)
    .sort((a, b) => compareSymbols(a.symbol, b.symbol))
    .map((s) => {
      const first = s.segments[0]!
      return { symbol: s.symbol, segments: s.segments, seg: 0, i: first.from, ts: first.part.columns.timestamp[first.from]! }
    })
  return () => {
    if (cursors.length === 0) return undefined
    const out: Array<Bar> = []
    while (out.length < chunkSize && cursors.length > 0) {
      // Cursors stay sorted by symbol, so on equal timestamps the lower index wins: that is the compareBars tie-break.
      let m = 0
      for (let c = 1; c < cursors.length; c++) if (cursors[c]!.ts < cursors[m]!.ts) m = c
      let boundTs = Number.POSITIVE_INFINITY
      let boundIdx = cursors.length
      for (let c = 0; c < cursors.length; c++) {
        if (c !== m && cursors[c]!.ts < boundTs) {
          boundTs = cursors[c]!.ts
          boundIdx = c
        }
      }
      const cur = cursors[m]!
      const winsTies = m < boundIdx
      let exhausted = false
      for (;;) {
        const seg = cur.segments[cur.seg]!
        const cols = seg.part.columns
        const ts = cols.timestamp
        let i = cur.i
        while (i < seg.to && out.length < chunkSize) {
          const t = ts[i]!
          if (t > boundTs || (t === boundTs && !winsTies)) break
          out.push(barAt(cur.symbol, cols, i))
          i++
        }
        cur.i = i
        if (i < seg.to) {
          cur.ts = ts[i]!
          break
        }
        cur.seg++
        if (cur.seg === cur.segments.length) {
          exhausted = true
          break
        }
        const next = cur.segments[cur.seg]!
        cur.i = next.from
        cur.ts = next.part.columns.timestamp[next.from]!
      }
      if (exhausted) cursors.splice(m, 1)
    }
    return out.length > 0 ? out : undefined
  }
}

/** All bars of a dataset in `compareBars` order, for tests and tools (the Layers stream them instead). */
export const datasetBars = (dataset: CsvDataset): Array<Bar> => {
  const next = mergeSeries(dataset.series, 65_536)
  const out: Array<Bar> = []
  for (let c = next(); c !== undefined; c = next()) for (const b of c) out.push(b)
  return out
}
