/**
 * Data quality: interval inference, gaps, suspect bars. Nothing here changes the data: gaps are never filled and
 * suspect bars are never dropped; they are listed so a person can decide.
 *
 * One {@link SymbolQualityTracker} per symbol takes bars one at a time (CSV loaders push whole columns, the live
 * queue pushes each arriving chunk) and keeps only a run-length encoding of the steps between bars, so it stays
 * small on long or endless feeds. The interval and the gap rules are applied when a report is asked for, so a gap
 * at the very start of a feed is judged against the interval seen later.
 *
 * Gap rules, by the symbol's calendar:
 * - `24x7` (crypto, FX, intraday): a step of n intervals (n = step / interval, rounded) is a gap of n - 1 bars.
 * - `weekdays` (chosen automatically when no bar falls on a Saturday or Sunday, UTC): slots on weekends are not
 *   expected. For daily or longer bars a run of at most {@link HOLIDAY_TOLERANCE_DAYS} missing weekday is taken
 *   for an exchange holiday and not reported; longer runs (9/11, Hurricane Sandy) are.
 * - `monthly` (inferred when the most common step is 28–31 days): a gap is a calendar month without a bar.
 *
 * @module
 */
import type { SymbolName } from "../domain/bar.ts"
import type { DataRowError } from "../domain/errors.ts"
import type { BarColumns } from "./csv.ts"
import { formatTimestamp } from "./csv.ts"
import { type DataQualityReport, type Gap, MAX_SKIPPED_SAMPLES, type SuspectBar, type SymbolQuality } from "./MarketData.ts"

/** One day in milliseconds. */
export const DAY_MS = 86_400_000

/**
 * Weekday calendars with daily (or longer) bars: this many missing weekdays in a row are an exchange holiday and
 * not a gap. One day covers the regular US/EU holidays; two or more (a market closure) are reported.
 */
export const HOLIDAY_TOLERANCE_DAYS = 1

/** Which time slots a symbol is expected to have a bar in. */
export type Calendar = "24x7" | "weekdays" | "monthly"

/** `auto` picks `weekdays` when no bar falls on a weekend, else `24x7`; a monthly step always gives `monthly`. */
export type SessionsOption = "auto" | "24x7" | "weekdays"

/** A {@link SymbolQuality} that also says which calendar its gaps were judged against. */
export interface SymbolQualityDetail extends SymbolQuality {
  readonly calendar: Calendar | undefined
}

/** How a tracker judges its symbol. */
export interface QualityOptions {
  /** Default `auto`. */
  readonly sessions?: SessionsOption | undefined
  /** The bar interval when the source knows it (a live feed subscribed to 1m bars); otherwise it is inferred. */
  readonly intervalMs?: number | undefined
  /** Used only when nothing can be inferred (a file with a single bar). */
  readonly intervalHintMs?: number | undefined
}

/** The reason given for a zero-volume bar that is followed by a gap. */
export const ZERO_VOLUME_BEFORE_GAP = "zero volume before a gap: likely exchange outage"

const dayOfWeek = (ms: number): number => (((Math.floor(ms / DAY_MS) + 4) % 7) + 7) % 7 // 0 = Sunday

const monthIndex = (ms: number): number => {
  const d = new Date(ms)
  return d.getUTCFullYear() * 12 + d.getUTCMonth()
}

/** `1h`, `39m 43.061s`, `31d`: a duration for messages. */
export const formatDuration = (ms: number): string => {
  if (!Number.isFinite(ms)) return String(ms)
  const sign = ms < 0 ? "-" : ""
  let rest = Math.abs(ms)
  const parts: Array<string> = []
  for (const [unit, size] of [["d", DAY_MS], ["h", 3_600_000], ["m", 60_000]] as const) {
    const n = Math.floor(rest / size)
    if (n > 0) parts.push(`${n}${unit}`)
    rest -= n * size
  }
  if (rest > 0 || parts.length === 0) parts.push(`${Number((rest / 1000).toFixed(3))}s`)
  return sign + parts.join(" ")
}

/** Number of slots `after + k * interval`, k = 1..n, that fall on a Saturday or Sunday (UTC). */
const weekendSlots = (after: number, interval: number, n: number): number => {
  const endT = after + (n + 1) * interval
  const day = Math.floor(after / DAY_MS)
  const sinceSaturday = (dayOfWeek(after) + 1) % 7 // Saturday → 0, Sunday → 1, Monday → 2, …
  let saturday = (day - sinceSaturday) * DAY_MS
  let count = 0
  for (; saturday < endT; saturday += 7 * DAY_MS) {
    const kmin = Math.max(1, Math.ceil((saturday - after) / interval))
    const kmax = Math.min(n, Math.ceil((saturday + 2 * DAY_MS - after) / interval) - 1)
    if (kmax >= kmin) count += kmax - kmin + 1
  }
  return count
}

/** Missing bars between two consecutive bars `after` and `next` under a calendar (0: not a gap). */
export const missingBars = (calendar: Calendar, intervalMs: number, after: number, next: number): number => {
  if (calendar === "monthly") return Math.max(0, monthIndex(next) - monthIndex(after) - 1)
  const n = Math.round((next - after) / intervalMs) - 1
  if (n <= 0) return 0
  if (calendar === "24x7") return n
  const missing = n - weekendSlots(after, intervalMs, n)
  return intervalMs >= DAY_MS && missing <= HOLIDAY_TOLERANCE_DAYS ? 0 : missing
}

interface ZeroThenStep {
  readonly timestamp: number
  readonly step: number
  readonly file: string
  readonly line: number
}

/**
 * Quality of one symbol, built incrementally. The caller guarantees increasing timestamps (the CSV parser and the
 * queue source check order before pushing).
 */
export class SymbolQualityTracker {
  readonly symbol: SymbolName
  private readonly options: QualityOptions
  private readonly files: Array<string> = []
  private bars = 0
  private first: number | undefined = undefined
  private last = Number.NaN
  private lastVolume = Number.NaN
  private lastFile = ""
  private lastLine = 0
  private zeroVolume = 0
  private weekendBars = 0
  // Run-length encoding of the steps between consecutive bars.
  private readonly runAfter: Array<number> = []
  private readonly runStep: Array<number> = []
  private readonly runCount: Array<number> = []
  private readonly zeroThenStep: Array<ZeroThenStep> = []
  private readonly suspects: Array<SuspectBar> = []

  constructor(symbol: SymbolName, options: QualityOptions = {}) {
    this.symbol = symbol
    this.options = options
  }

  /** Records that bars of this symbol come from `file` (listed once, in order of first use). */
  addFile(file: string): void {
    if (!this.files.includes(file)) this.files.push(file)
  }

  /** Takes the next bar. `file`/`line` say where it came from, for suspect-bar reports. */
  push(timestamp: number, volume: number, file: string, line: number): void {
    if (this.bars > 0) {
      const step = timestamp - this.last
      const k = this.runStep.length - 1
      if (k >= 0 && this.runStep[k] === step) this.runCount[k]!++
      else {
        this.runAfter.push(this.last)
        this.runStep.push(step)
        this.runCount.push(1)
      }
      if (this.lastVolume === 0) this.zeroThenStep.push({ timestamp: this.last, step, file: this.lastFile, line: this.lastLine })
    } else {
      this.first = timestamp
    }
    if (volume === 0) this.zeroVolume++
    const dow = dayOfWeek(timestamp)
    if (dow === 0 || dow === 6) this.weekendBars++
    this.last = timestamp
    this.lastVolume = volume
    this.lastFile = file
    this.lastLine = line
    this.bars++
  }

  /** Takes rows `[from, to)` of a parsed file. */
  pushColumns(columns: BarColumns, from: number, to: number, file: string): void {
    this.addFile(file)
    const ts = columns.timestamp
    const vol = columns.volume
    const line = columns.line
    for (let i = from; i < to; i++) this.push(ts[i]!, vol[i]!, file, line[i]!)
  }

  /** Adds a suspect bar found by the source itself (e.g. a truncated Binance kline). */
  addSuspect(suspect: SuspectBar): void {
    this.suspects.push(suspect)
  }

  /** The given interval, else the most common step (ties: the shorter), else the hint. */
  intervalMs(): number | undefined {
    if (this.options.intervalMs !== undefined) return this.options.intervalMs
    const counts = new Map<number, number>()
    for (let r = 0; r < this.runStep.length; r++) {
      const s = this.runStep[r]!
      counts.set(s, (counts.get(s) ?? 0) + this.runCount[r]!)
    }
    let best: number | undefined
    let bestCount = 0
    for (const [step, count] of counts) {
      if (count > bestCount || (count === bestCount && best !== undefined && step < best)) {
        best = step
        bestCount = count
      }
    }
    return best ?? this.options.intervalHintMs
  }

  /** The calendar gaps are judged against (see the module comment). */
  calendar(): Calendar | undefined {
    const interval = this.intervalMs()
    if (interval === undefined) return undefined
    if (this.options.intervalMs === undefined && interval >= 28 * DAY_MS && interval <= 31 * DAY_MS) return "monthly"
    const sessions = this.options.sessions ?? "auto"
    if (sessions !== "auto") return sessions
    return this.weekendBars === 0 ? "weekdays" : "24x7"
  }

  /** The report as of now. */
  report(): SymbolQualityDetail {
    const intervalMs = this.intervalMs()
    const calendar = this.calendar()
    const gaps: Array<Gap> = []
    const suspects = new Map<number, SuspectBar>()
    const addSuspect = (s: SuspectBar): void => {
      const prev = suspects.get(s.timestamp)
      suspects.set(s.timestamp, prev === undefined ? s : { ...prev, reason: `${prev.reason}; ${s.reason}` })
    }
    for (const s of this.suspects) addSuspect(s)
    if (intervalMs !== undefined && calendar !== undefined) {
      for (let r = 0; r < this.runStep.length; r++) {
        const step = this.runStep[r]!
        if (calendar !== "monthly" && Math.round(step / intervalMs) <= 1) continue
        let after = this.runAfter[r]!
        for (let j = 0; j < this.runCount[r]!; j++, after += step) {
          const missing = missingBars(calendar, intervalMs, after, after + step)
          if (missing > 0) gaps.push({ symbol: this.symbol, after, next: after + step, missingBars: missing })
        }
      }
      for (const z of this.zeroThenStep) {
        if (missingBars(calendar, intervalMs, z.timestamp, z.timestamp + z.step) > 0) {
          addSuspect({ symbol: this.symbol, timestamp: z.timestamp, file: z.file, line: z.line, reason: ZERO_VOLUME_BEFORE_GAP })
        }
      }
    }
    return {
      symbol: this.symbol,
      files: [...this.files],
      bars: this.bars,
      first: this.first,
      last: this.bars > 0 ? this.last : undefined,
      intervalMs,
      gaps,
      suspectBars: [...suspects.values()].sort((a, b) => a.timestamp - b.timestamp),
      zeroVolumeBars: this.zeroVolume,
      calendar
    }
  }
}

/**
 * Binance klines whose `close_time` is not `open_time + interval - 1`: the exchange closed the bar early (the
 * 2023-03-24 outage bar closes at 12:39:43.061 instead of 12:59:59.999). Rows `[from, to)` are checked.
 */
export const closeTimeSuspects = (
  symbol: SymbolName,
  columns: BarColumns,
  file: string,
  intervalMs: number,
  from = 0,
  to = columns.length
): Array<SuspectBar> => {
  const out: Array<SuspectBar> = []
  const ct = columns.closeTime
  if (ct === undefined) return out
  const ts = columns.timestamp
  for (let i = from; i < to; i++) {
    const open = ts[i]!
    const close = ct[i]!
    if (close === open + intervalMs - 1) continue
    const early = open + intervalMs - 1 - close
    out.push({
      symbol,
      timestamp: open,
      file,
      line: columns.line[i]!,
      reason: early > 0
        ? `truncated bar: close_time ${formatTimestamp(close)} is not open_time + ${formatDuration(intervalMs)} - 1 ms (closed ${formatDuration(early)} early)`
        : `close_time ${formatTimestamp(close)} is not open_time + ${formatDuration(intervalMs)} - 1 ms`
    })
  }
  return out
}

/** Assembles the report of a run: symbols by name, skipped rows counted exactly and sampled. */
export const makeReport = (
  symbols: ReadonlyArray<SymbolQuality>,
  skippedRows = 0,
  skippedSamples: ReadonlyArray<DataRowError> = []
): DataQualityReport => ({
  symbols: [...symbols].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0)),
  skippedRows,
  skippedSamples: skippedSamples.slice(0, MAX_SKIPPED_SAMPLES)
})

/** The report of a source that has produced nothing yet. */
export const emptyReport: DataQualityReport = { symbols: [], skippedRows: 0, skippedSamples: [] }
