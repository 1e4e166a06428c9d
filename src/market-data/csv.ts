/**
 * CSV parsing for market data: the Binance kline dump (no header, 12 columns) and generic headered OHLCV files.
 *
 * The parser is a hand-rolled byte scanner (no CSV library, no per-row string splitting) that writes valid rows
 * into `Float64Array` columns; `Bar` objects are only made when a chunk is emitted. Every rejected row becomes a
 * {@link DataRowError} naming file, line, column, field and reason. Ordering problems (a duplicate or earlier
 * timestamp) are always fatal: skipping would hide which of the two rows is wrong.
 *
 * Pure functions only (no Effect, no I/O): the Layers in `layers.ts` read the files and call these.
 *
 * @module
 */
import { type Bar, checkBar, makeBar, type SymbolName } from "../domain/bar.ts"
import { DataFileError, DataRowError, type MarketDataError } from "../domain/errors.ts"
import { type BadRowPolicy, MAX_SKIPPED_SAMPLES } from "./MarketData.ts"

/** The two supported layouts. */
export type CsvFormat = "binance" | "ohlcv"

/** A format, or `auto`: a first line of 12 numbers means `binance`, anything else must be an OHLCV header. */
export type CsvFormatOption = CsvFormat | "auto"

/** Options of {@link parseCsv}. */
export interface CsvParseOptions {
  /** Default `auto`. */
  readonly format?: CsvFormatOption | undefined
  /** Symbol of every bar in the file; default: derived from the file name ({@link symbolFromFileName}). */
  readonly symbol?: string | undefined
  /** Default `fail`. */
  readonly badRows?: BadRowPolicy | undefined
}

/**
 * The valid rows of one file, column by column. Typed arrays instead of one object per row keep big files compact
 * and out of the garbage collector's way; `Bar`s are made lazily, a chunk at a time.
 */
export interface BarColumns {
  readonly length: number
  readonly timestamp: Float64Array
  readonly open: Float64Array
  readonly high: Float64Array
  readonly low: Float64Array
  readonly close: Float64Array
  readonly volume: Float64Array
  readonly bid: Float64Array | undefined
  readonly ask: Float64Array | undefined
  /** Binance `close_time` in ms: the quality report uses it to find truncated bars. */
  readonly closeTime: Float64Array | undefined
  /** 1-based line of each row, so later reports (suspect bars) can point into the file. */
  readonly line: Uint32Array
}

/** One parsed file. */
export interface ParsedCsv {
  readonly file: string
  readonly format: CsvFormat
  readonly symbol: SymbolName
  /** Interval named by a Binance file name (`ETHUSDT-1h-2023-03.csv` → 3,600,000), used when it cannot be inferred. */
  readonly intervalHintMs: number | undefined
  readonly columns: BarColumns
  /** Rows skipped under the `skip` policy (exact), with the first {@link MAX_SKIPPED_SAMPLES} errors. */
  readonly skippedRows: number
  readonly skippedSamples: ReadonlyArray<DataRowError>
}

/** Outcome of {@link parseCsv}: the file, or the error that stopped it. */
export type CsvParseResult =
  | { readonly ok: true; readonly value: ParsedCsv }
  | { readonly ok: false; readonly error: MarketDataError }

// ---------------------------------------------------------------------------------------------------------------
// File names

const SYMBOL_CUT = /[_\s.(]/

/**
 * The symbol a file name implies, or `undefined`. The base name is cut at the first `_`, space or dot; of the
 * `-`-separated tokens, those before the first one starting with a digit are kept and upper-cased:
 * `ETHUSDT-1h-2023-03.csv` → `ETHUSDT`, `BTCUSDT_1h_2018….csv` → `BTCUSDT`, `orcl-1995-2014.csv` → `ORCL`,
 * `SIM-A_1h.csv` → `SIM-A`, `GOOG.csv` → `GOOG`. Dashes are kept because real symbols have them (`BTC-USD`).
 */
export const symbolFromFileName = (file: string): string | undefined => {
  const base = file.split(/[\\/]/).pop() ?? ""
  const head = base.split(SYMBOL_CUT)[0] ?? ""
  const tokens: Array<string> = []
  for (const token of head.split("-")) {
    if (token === "" || /^[0-9]/.test(token)) break
    tokens.push(token)
  }
  const symbol = tokens.join("-").toUpperCase()
  return /^[A-Z0-9][A-Z0-9-]*$/.test(symbol) ? symbol : undefined
}

const BINANCE_INTERVALS: Readonly<Record<string, number>> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000
}

/** The interval named in a Binance dump file name (`ETHUSDT-1h-2023-03.csv` → 3,600,000); months give `undefined`. */
export const intervalFromFileName = (file: string): number | undefined => {
  const base = file.split(/[\\/]/).pop() ?? ""
  const m = /^[A-Za-z0-9]+-(\d+)([smhdw])-/.exec(base)
  if (m === null) return undefined
  const unit = BINANCE_INTERVALS[m[2]!]
  return unit === undefined ? undefined : Number(m[1]) * unit
}

// ---------------------------------------------------------------------------------------------------------------
// Scanning primitives. They work on bytes and report where the field ended through `fieldEnd` (a module-level
// scratch variable: returning a pair would allocate once per field).

const COMMA = 44
const LF = 10
const CR = 13
const MINUS = 45
const PLUS = 43
const DOT = 46
const QUOTE = 34
const ZERO = 48
const MAX_EXACT = 9_007_199_254_740_992 // 2^53
const POW10: ReadonlyArray<number> = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`))

let fieldEnd = 0

const decoder = new TextDecoder("utf-8")
const encoder = new TextEncoder()

/** The text of a field, trimmed and without surrounding double quotes. */
const fieldText = (buf: Uint8Array, start: number, end: number): string => {
  let s = decoder.decode(buf.subarray(start, end)).trim()
  if (s.length >= 2 && s.startsWith("\"") && s.endsWith("\"")) s = s.slice(1, -1).trim()
  return s
}

const NUMBER_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/

/** Slow path: any number JavaScript's `Number` reads correctly from a plain decimal literal; NaN otherwise. */
const slowNumber = (buf: Uint8Array, start: number, end: number): number => {
  const text = fieldText(buf, start, end)
  return NUMBER_TEXT.test(text) ? Number(text) : Number.NaN
}

const skipField = (buf: Uint8Array, p: number, end: number): void => {
  while (p < end && buf[p] !== COMMA) p++
  fieldEnd = p
}

/**
 * Reads a decimal number from `p` up to the next comma or `end`. Digits are accumulated into an integer mantissa
 * and divided once by a power of ten: exact operands and one IEEE division give the correctly rounded result (the
 * same double as `Number(text)`) while the mantissa stays below 2^53. Longer mantissas, exponents, quotes and
 * spaces take the `Number()` path. Returns NaN for anything that is not a number.
 */
const scanNumber = (buf: Uint8Array, p: number, end: number): number => {
  const start = p
  let neg = false
  let c = buf[p]!
  if (c === MINUS) {
    neg = true
    p++
  } else if (c === PLUS) p++
  let mant = 0
  let digits = 0
  let frac = 0
  let dot = false
  for (; p < end; p++) {
    c = buf[p]!
    const d = c - ZERO
    if (d >= 0 && d <= 9) {
      mant = mant * 10 + d
      digits++
      if (dot) frac++
    } else if (c === COMMA) {
      break
    } else if (c === DOT && !dot) {
      dot = true
    } else {
      skipField(buf, p, end)
      return slowNumber(buf, start, fieldEnd)
    }
  }
  fieldEnd = p
  if (digits === 0) return Number.NaN
  if (mant > MAX_EXACT || frac > 22) return slowNumber(buf, start, p)
  const v = frac === 0 ? mant : mant / POW10[frac]!
  return neg ? -v : v
}

const digitsAt = (buf: Uint8Array, p: number, n: number): number => {
  let v = 0
  for (let i = 0; i < n; i++) {
    const d = buf[p + i]! - ZERO
    if (!(d >= 0 && d <= 9)) return -1
    v = v * 10 + d
  }
  return v
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`). */
const daysFromCivil = (y: number, m: number, d: number): number => {
  y -= m <= 2 ? 1 : 0
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146_097 + doe - 719_468
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0

/**
 * Reads an ISO-8601-like date/time from bytes `[p, end)`: `YYYY-MM-DD`, then optionally `T` or a space and
 * `HH:MM[:SS[.fff…]]`, then optionally `Z` or an offset `±HH[:]MM` / `±HH`. No offset means UTC. NaN otherwise.
 */
const parseIsoBytes = (buf: Uint8Array, p: number, end: number): number => {
  if (end - p < 10 || buf[p + 4] !== MINUS || buf[p + 7] !== MINUS) return Number.NaN
  const y = digitsAt(buf, p, 4)
  const mo = digitsAt(buf, p + 5, 2)
  const d = digitsAt(buf, p + 8, 2)
  if (y < 0 || mo < 1 || mo > 12 || d < 1) return Number.NaN
  const dim = mo === 2 && isLeap(y) ? 29 : DAYS_IN_MONTH[mo - 1]!
  if (d > dim) return Number.NaN
  let ms = daysFromCivil(y, mo, d) * 86_400_000
  let i = p + 10
  if (i === end) return ms
  const sep = buf[i]
  if (sep !== 84 /* T */ && sep !== 32 /* space */) return Number.NaN
  i++
  if (end - i < 5 || buf[i + 2] !== 58 /* : */) return Number.NaN
  const hh = digitsAt(buf, i, 2)
  const mm = digitsAt(buf, i + 3, 2)
  if (hh < 0 || hh > 23 || mm < 0 || mm > 59) return Number.NaN
  ms += hh * 3_600_000 + mm * 60_000
  i += 5
  if (i < end && buf[i] === 58) {
    const ss = digitsAt(buf, i + 1, 2)
    if (ss < 0 || ss > 59 || i + 3 > end) return Number.NaN
    ms += ss * 1000
    i += 3
    if (i < end && buf[i] === DOT) {
      i++
      let scale = 100
      let any = false
      while (i < end) {
        const dd = buf[i]! - ZERO
        if (!(dd >= 0 && dd <= 9)) break
        ms += dd * scale // digits past milliseconds are truncated
        scale /= 10
        any = true
        i++
      }
      if (!any) return Number.NaN
      ms = Math.floor(ms)
    }
  }
  if (i === end) return ms
  const z = buf[i]
  if (z === 90 /* Z */ && i + 1 === end) return ms
  if (z !== PLUS && z !== MINUS) return Number.NaN
  const oh = digitsAt(buf, i + 1, 2)
  if (oh < 0 || oh > 23) return Number.NaN
  let om = 0
  let j = i + 3
  if (j < end) {
    if (buf[j] === 58) j++
    om = digitsAt(buf, j, 2)
    if (om < 0 || om > 59 || j + 2 !== end) return Number.NaN
  } else if (j !== end) return Number.NaN
  const offset = (oh * 60 + om) * 60_000
  return z === PLUS ? ms - offset : ms + offset
}

/** Epoch numbers by magnitude: below 1e11 seconds, below 1e14 milliseconds, below 1e17 microseconds, else ns. */
const epochToMs = (v: number): number =>
  Math.abs(v) < 1e11 ? v * 1000 : Math.abs(v) < 1e14 ? v : Math.abs(v) < 1e17 ? v / 1000 : v / 1e6

/** A timestamp field of a headered file: ISO date/time text or an epoch number (unit by magnitude). */
const scanTime = (buf: Uint8Array, p: number, end: number): number => {
  let e = p
  while (e < end && buf[e] !== COMMA) e++
  const first = buf[p]
  const last = buf[e - 1]
  if (e === p || first === QUOTE || first === 32 || last === QUOTE || last === 32) {
    const bytes = encoder.encode(fieldText(buf, p, e))
    const v = bytes.length > 0 ? parseTimeField(bytes, 0, bytes.length) : Number.NaN
    fieldEnd = e
    return v
  }
  const v = parseTimeField(buf, p, e)
  fieldEnd = e
  return v
}

const parseTimeField = (buf: Uint8Array, p: number, e: number): number => {
  if (e - p >= 10 && buf[p + 4] === MINUS) return parseIsoBytes(buf, p, e)
  const v = scanNumber(buf, p, e)
  return Number.isNaN(v) || fieldEnd !== e ? Number.NaN : epochToMs(v)
}

/** Parses one timestamp the way headered files are read: ISO-8601 text (UTC unless an offset is given) or epoch. */
export const parseTimestamp = (text: string): number | undefined => {
  const bytes = encoder.encode(text.trim())
  if (bytes.length === 0) return undefined
  const v = parseTimeField(bytes, 0, bytes.length)
  return Number.isNaN(v) ? undefined : v
}

/** `2023-03-24T12:00:00Z` (milliseconds only when present): how timestamps are written in messages and fixtures. */
export const formatTimestamp = (ms: number): string =>
  Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString().replace(".000Z", "Z") : String(ms)

// ---------------------------------------------------------------------------------------------------------------
// Layouts

const SKIP = 0
const TIME = 1
const OPEN = 2
const HIGH = 3
const LOW = 4
const CLOSE = 5
const VOLUME = 6
const BID = 7
const ASK = 8
const CLOSE_TIME = 9
const ROLE_COUNT = 10

const ROLE_FIELD = ["", "timestamp", "open", "high", "low", "close", "volume", "bid", "ask", "close_time"] as const

interface Layout {
  readonly format: CsvFormat
  readonly columns: number
  /** Role of each column (SKIP, TIME, …). */
  readonly roles: Uint8Array
  /** Name of each column as shown in errors. */
  readonly names: ReadonlyArray<string>
  /** Column index of each role, -1 when absent. */
  readonly columnOf: Int32Array
  /** Byte offset and line number of the first data row. */
  readonly dataStart: number
  readonly dataLine: number
}

/** Column names of the dump as shown in errors; the time column uses the canonical name `timestamp`. */
const BINANCE_NAMES = [
  "timestamp", "open", "high", "low", "close", "volume", "close_time", "quote_volume", "trades",
  "taker_buy_base_volume", "taker_buy_quote_volume", "ignore"
]

const makeLayout = (
  format: CsvFormat,
  names: ReadonlyArray<string>,
  roleList: ReadonlyArray<number>,
  dataStart: number,
  dataLine: number
): Layout => {
  const roles = Uint8Array.from(roleList)
  const columnOf = new Int32Array(ROLE_COUNT).fill(-1)
  roles.forEach((r, i) => {
    if (r !== SKIP && columnOf[r] === -1) columnOf[r] = i
  })
  return { format, columns: names.length, roles, names, columnOf, dataStart, dataLine }
}

const binanceLayout = (dataStart: number, dataLine: number): Layout =>
  makeLayout("binance", BINANCE_NAMES, [TIME, OPEN, HIGH, LOW, CLOSE, VOLUME, CLOSE_TIME, SKIP, SKIP, SKIP, SKIP, SKIP], dataStart, dataLine)

/** Header names that hold the bar time, in order of preference (compared lower-case, without spaces/underscores). */
const TIME_NAMES = ["datetime", "timestamp", "opentime", "date", "time"] as const

const normalizeHeader = (name: string): string => name.toLowerCase().replace(/[\s_]/g, "")

const ohlcvLayout = (file: string, header: ReadonlyArray<string>, dataStart: number, dataLine: number): Layout | DataFileError => {
  const norm = header.map(normalizeHeader)
  const roles: Array<number> = header.map(() => SKIP)
  const find = (name: string): number => norm.indexOf(name)
  const present = TIME_NAMES.filter((n) => find(n) >= 0)
  let timeCol: number
  if (present.includes("date") && present.includes("time") && !present.includes("datetime") && !present.includes("timestamp")) {
    return new DataFileError({ file, reason: "separate date and time columns are not supported: join them into one datetime column" })
  } else if (present.length > 0) {
    timeCol = find(present[0]!)
  } else if (norm[0] === "") {
    timeCol = 0 // pandas writes its index (the dates) as an unnamed first column
  } else {
    return new DataFileError({
      file,
      reason: `no time column: expected one named datetime, date, time, timestamp or open_time, or an unnamed first column (found ${header.map((h) => JSON.stringify(h)).join(", ")})`
    })
  }
  roles[timeCol] = TIME
  const missing: Array<string> = []
  for (const [name, role] of [["open", OPEN], ["high", HIGH], ["low", LOW], ["close", CLOSE], ["volume", VOLUME]] as const) {
    const i = find(name)
    if (i < 0) missing.push(name)
    else roles[i] = role
  }
  if (missing.length > 0) {
    return new DataFileError({
      file,
      reason: `missing column(s) ${missing.join(", ")} (found ${header.map((h) => JSON.stringify(h)).join(", ")})`
    })
  }
  const bid = find("bid")
  const ask = find("ask")
  if ((bid >= 0) !== (ask >= 0)) return new DataFileError({ file, reason: "a bid column needs an ask column and vice versa" })
  if (bid >= 0) roles[bid] = BID
  if (ask >= 0) roles[ask] = ASK
  const names = header.map((h, i) => (roles[i] === SKIP ? (h === "" ? `column ${i + 1}` : h) : ROLE_FIELD[roles[i]!]!))
  return makeLayout("ohlcv", names, roles, dataStart, dataLine)
}

/** Byte range of the first non-blank line, after an optional UTF-8 BOM. */
const firstLine = (buf: Uint8Array): { start: number; end: number; next: number; line: number } | undefined => {
  let p = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0
  let line = 1
  while (p < buf.length) {
    let nl = buf.indexOf(LF, p)
    if (nl < 0) nl = buf.length
    let e = nl
    if (e > p && buf[e - 1] === CR) e--
    if (fieldText(buf, p, e) !== "") return { start: p, end: e, next: nl + 1, line }
    p = nl + 1
    line++
  }
  return undefined
}

const detectLayout = (buf: Uint8Array, file: string, format: CsvFormatOption): Layout | DataFileError => {
  const first = firstLine(buf)
  if (first === undefined) return new DataFileError({ file, reason: "the file is empty" })
  const cells = decoder.decode(buf.subarray(first.start, first.end)).split(",").map((c) => {
    const t = c.trim()
    return t.length >= 2 && t.startsWith("\"") && t.endsWith("\"") ? t.slice(1, -1).trim() : t
  })
  const numeric = cells.every((c) => NUMBER_TEXT.test(c))
  if (format === "binance") return binanceLayout(first.start, first.line)
  if (format === "auto" && numeric) {
    if (cells.length === 12) return binanceLayout(first.start, first.line)
    return new DataFileError({
      file,
      reason: `cannot detect the format: the first line has ${cells.length} numeric columns and no header (a Binance kline dump has 12); add a header or pass format`
    })
  }
  return ohlcvLayout(file, cells, first.next, first.line + 1)
}

// ---------------------------------------------------------------------------------------------------------------
// The row loop

interface MutableFields {
  symbol: SymbolName
  timestamp: number
  open: number
  high: number
  low: number
  close: number
  volume: number
  bid: number | undefined
  ask: number | undefined
}

const countLines = (buf: Uint8Array, from: number): number => {
  let n = 1
  let i = buf.indexOf(LF, from)
  while (i >= 0) {
    n++
    i = buf.indexOf(LF, i + 1)
  }
  return n
}

const describeBad = (buf: Uint8Array, start: number, end: number, role: number): string => {
  const text = fieldText(buf, start, end)
  if (text === "") return "missing value"
  return role === TIME ? `not a timestamp: ${JSON.stringify(text)}` : `not a number: ${JSON.stringify(text)}`
}

/**
 * Parses one CSV file held in memory. `file` is only used in messages and reports. Under `fail` the first bad row
 * ends the parse with its error; under `skip` bad rows are counted and sampled. An empty file, an unknown layout,
 * rows out of time order or a file without a single valid row are errors under both policies.
 */
export const parseCsv = (input: Uint8Array | string, file: string, options: CsvParseOptions = {}): CsvParseResult => {
  const buf = typeof input === "string" ? encoder.encode(input) : input
  const policy = options.badRows ?? "fail"
  const symbolText = options.symbol ?? symbolFromFileName(file)
  if (symbolText === undefined || !/^[^\s,]+$/.test(symbolText)) {
    return {
      ok: false,
      error: new DataFileError({
        file,
        reason: symbolText === undefined
          ? "cannot derive a symbol from the file name: pass symbol"
          : `invalid symbol ${JSON.stringify(symbolText)}`
      })
    }
  }
  const symbol = symbolText as SymbolName
  const layout = detectLayout(buf, file, options.format ?? "auto")
  if (layout instanceof DataFileError) return { ok: false, error: layout }

  const capacity = countLines(buf, layout.dataStart)
  const ts = new Float64Array(capacity)
  const open = new Float64Array(capacity)
  const high = new Float64Array(capacity)
  const low = new Float64Array(capacity)
  const close = new Float64Array(capacity)
  const volume = new Float64Array(capacity)
  const hasQuote = layout.columnOf[BID]! >= 0
  const bid = hasQuote ? new Float64Array(capacity) : undefined
  const ask = hasQuote ? new Float64Array(capacity) : undefined
  const isBinance = layout.format === "binance"
  const closeTime = isBinance ? new Float64Array(capacity) : undefined
  const lines = new Uint32Array(capacity)

  const roles = layout.roles
  const names = layout.names
  const ncols = layout.columns
  const vals = new Float64Array(ROLE_COUNT)
  const fields: MutableFields = {
    symbol, timestamp: 0, open: 0, high: 0, low: 0, close: 0, volume: 0, bid: undefined, ask: undefined
  }
  let count = 0
  let skipped = 0
  const samples: Array<DataRowError> = []
  let dataRows = 0
  let lastTs = Number.NEGATIVE_INFINITY
  let lastLine = 0

  const len = buf.length
  let pos = layout.dataStart
  let lineNo = layout.dataLine - 1
  while (pos < len) {
    lineNo++
    let nl = buf.indexOf(LF, pos)
    if (nl < 0) nl = len
    let lineEnd = nl
    if (lineEnd > pos && buf[lineEnd - 1] === CR) lineEnd--
    const lineStart = pos
    pos = nl + 1
    if (lineEnd === lineStart) continue
    dataRows++

    // Scan the fields left to right; the first problem wins.
    let errCol = -1
    let errField = ""
    let errReason = ""
    let p = lineStart
    for (let col = 0; col < ncols; col++) {
      if (p > lineEnd) {
        errCol = col
        errField = names[col]!
        errReason = `expected ${ncols} columns, found ${col}`
        break
      }
      const role = roles[col]!
      let v: number
      if (role === SKIP) {
        skipField(buf, p, lineEnd)
        v = 0
      } else if (role === TIME && !isBinance) {
        v = scanTime(buf, p, lineEnd)
      } else {
        v = p < lineEnd && buf[p] !== COMMA ? scanNumber(buf, p, lineEnd) : ((fieldEnd = p), Number.NaN)
      }
      if (v !== v) {
        errCol = col
        errField = names[col]!
        errReason = describeBad(buf, p, fieldEnd, role)
        break
      }
      vals[role] = v
      p = fieldEnd + 1
    }
    if (errCol < 0 && p <= lineEnd) {
      let found = ncols
      for (let i = p - 1; i < lineEnd; i++) if (buf[i] === COMMA) found++
      errCol = ncols
      errField = "row"
      errReason = `expected ${ncols} columns, found ${found}`
    }
    if (errCol < 0) {
      let t = vals[TIME]!
      if (isBinance && Math.abs(t) >= 1e14) t /= 1000 // data.binance.vision writes microseconds from 2025 on
      fields.timestamp = t
      fields.open = vals[OPEN]!
      fields.high = vals[HIGH]!
      fields.low = vals[LOW]!
      fields.close = vals[CLOSE]!
      fields.volume = vals[VOLUME]!
      if (hasQuote) {
        fields.bid = vals[BID]!
        fields.ask = vals[ASK]!
      }
      const problem = checkBar(fields)
      if (problem !== undefined) {
        errField = problem.field
        errCol = layout.columnOf[ROLE_FIELD.indexOf(problem.field)]!
        errReason = problem.reason
      }
    }
    if (errCol >= 0) {
      const error = new DataRowError({ file, line: lineNo, column: errCol + 1, field: errField, reason: errReason })
      if (policy === "fail") return { ok: false, error }
      skipped++
      if (samples.length < MAX_SKIPPED_SAMPLES) samples.push(error)
      continue
    }
    const t = fields.timestamp
    if (t <= lastTs) {
      return {
        ok: false,
        error: new DataRowError({
          file,
          line: lineNo,
          column: layout.columnOf[TIME]! + 1,
          field: "timestamp",
          reason: t === lastTs
            ? `duplicate timestamp ${formatTimestamp(t)} (also on line ${lastLine})`
            : `timestamp ${formatTimestamp(t)} is before ${formatTimestamp(lastTs)} on line ${lastLine}: rows must be in time order`
        })
      }
    }
    lastTs = t
    lastLine = lineNo
    ts[count] = t
    open[count] = fields.open
    high[count] = fields.high
    low[count] = fields.low
    close[count] = fields.close
    volume[count] = fields.volume
    if (bid !== undefined && ask !== undefined) {
      bid[count] = fields.bid!
      ask[count] = fields.ask!
    }
    if (closeTime !== undefined) {
      const ct = vals[CLOSE_TIME]!
      closeTime[count] = Math.abs(ct) >= 1e14 ? ct / 1000 : ct
    }
    lines[count] = lineNo
    count++
  }
  if (count === 0) {
    return {
      ok: false,
      error: new DataFileError({
        file,
        reason: dataRows === 0
          ? "no data rows"
          : `no valid rows: all ${skipped} were skipped (first: ${samples[0]?.message ?? "?"})`
      })
    }
  }
  const columns: BarColumns = {
    length: count,
    timestamp: ts.subarray(0, count),
    open: open.subarray(0, count),
    high: high.subarray(0, count),
    low: low.subarray(0, count),
    close: close.subarray(0, count),
    volume: volume.subarray(0, count),
    bid: bid?.subarray(0, count),
    ask: ask?.subarray(0, count),
    closeTime: closeTime?.subarray(0, count),
    line: lines.subarray(0, count)
  }
  return {
    ok: true,
    value: {
      file,
      format: layout.format,
      symbol,
      intervalHintMs: isBinance ? intervalFromFileName(file) : undefined,
      columns,
      skippedRows: skipped,
      skippedSamples: samples
    }
  }
}

/** The bar at row `i` of a column store. */
export const barAt = (symbol: SymbolName, c: BarColumns, i: number): Bar =>
  makeBar({
    symbol,
    timestamp: c.timestamp[i]!,
    open: c.open[i]!,
    high: c.high[i]!,
    low: c.low[i]!,
    close: c.close[i]!,
    volume: c.volume[i]!,
    bid: c.bid?.[i],
    ask: c.ask?.[i]
  })

/** All bars of a parsed file, for tests and tools; the Layers never materialize a whole file like this. */
export const barsOf = (parsed: ParsedCsv): Array<Bar> => {
  const out = new Array<Bar>(parsed.columns.length)
  for (let i = 0; i < parsed.columns.length; i++) out[i] = barAt(parsed.symbol, parsed.columns, i)
  return out
}

/** What {@link parseCsvText} returns: the bars, the skipped-row errors, and the fatal error if there was one. */
export interface CsvTextResult {
  readonly bars: Array<Bar>
  /** Skipped rows (skip policy), at most {@link MAX_SKIPPED_SAMPLES}; `skippedRows` has the exact count. */
  readonly errors: ReadonlyArray<DataRowError>
  readonly skippedRows: number
  /** Why the file could not be used (fail policy: the first bad row). `bars` is empty then. */
  readonly error: MarketDataError | undefined
  readonly parsed: ParsedCsv | undefined
}

/** Convenience over {@link parseCsv} for tests, benchmarks and scripts that want plain `Bar` arrays. */
export const parseCsvText = (text: string | Uint8Array, file: string, options: CsvParseOptions = {}): CsvTextResult => {
  const r = parseCsv(text, file, options)
  if (!r.ok) return { bars: [], errors: [], skippedRows: 0, error: r.error, parsed: undefined }
  return { bars: barsOf(r.value), errors: r.value.skippedSamples, skippedRows: r.value.skippedRows, error: undefined, parsed: r.value }
}

// ---------------------------------------------------------------------------------------------------------------
// Writing

/**
 * Bars as a generic OHLCV CSV (`timestamp,open,high,low,close,volume[,bid,ask]`, ISO timestamps, numbers in
 * JavaScript's shortest round-trip form), so reading the text back gives the same doubles. Used for fixtures.
 */
export const formatOhlcvCsv = (bars: ReadonlyArray<Bar>): string => {
  const quotes = bars.length > 0 && bars.every((b) => b.bid !== undefined && b.ask !== undefined)
  const parts: Array<string> = [quotes ? "timestamp,open,high,low,close,volume,bid,ask\n" : "timestamp,open,high,low,close,volume\n"]
  for (const b of bars) {
    const row = `${formatTimestamp(b.timestamp)},${b.open},${b.high},${b.low},${b.close},${b.volume}`
    parts.push(quotes ? `${row},${b.bid},${b.ask}\n` : `${row}\n`)
  }
  return parts.join("")
}
