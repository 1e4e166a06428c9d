/**
 * The report's trade list: the trades as JSON columns (embedded in the page for the chart markers, the sortable
 * table and the JSON download) and the HTML trade table, readable without JavaScript and sortable with it.
 *
 * @module
 */
import type { Metrics, Trade } from "../backtest/result.ts"
import {
  escapeHtml,
  formatCount,
  formatElapsed,
  formatNumber,
  formatPercent,
  formatPrice,
  formatQuantity,
  formatTime
} from "./format.ts"

/** A number as JSON can hold it: a non-finite value is written as a string (`"Infinity"`), as in `result.json`. */
export type JsonNumber = number | "Infinity" | "-Infinity" | "NaN"

/** `T` with its numbers as {@link JsonNumber}s. */
export type Encoded<T> = T extends number ? JsonNumber : T

/** Encodes a number for JSON: finite numbers as they are, others as strings. */
export const encodeNumber = (x: number): JsonNumber =>
  Number.isFinite(x) ? x : Number.isNaN(x) ? "NaN" : x > 0 ? "Infinity" : "-Infinity"

/** The metrics with non-finite numbers as strings (absent values stay absent). */
export type EncodedMetrics = { readonly [K in keyof Metrics]: Encoded<Metrics[K]> }

/** The metrics as JSON values. */
export const encodeMetrics = (m: Metrics): EncodedMetrics => {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(m)) out[k] = typeof v === "number" ? encodeNumber(v) : v
  return out as unknown as EncodedMetrics
}

/** Every field of a {@link Trade}, in declaration order (the order of the downloaded JSON objects). */
export const TRADE_FIELDS = [
  "id",
  "symbol",
  "side",
  "quantity",
  "entryTime",
  "entryPrice",
  "exitTime",
  "exitPrice",
  "fees",
  "pnl",
  "returnPct",
  "barsHeld",
  "holdingMs",
  "mae",
  "mfe",
  "maePct",
  "mfePct",
  "entryReason",
  "exitReason",
  "exitNote"
] as const satisfies ReadonlyArray<keyof Trade>

/** Fails to compile when {@link TRADE_FIELDS} misses a field of {@link Trade}. */
const allTradeFields: Exclude<keyof Trade, (typeof TRADE_FIELDS)[number]> extends never ? true : never = true
void allTradeFields

/** Trades as columns: one array per field, non-finite numbers as strings. */
export type TradeColumns = { readonly [K in keyof Trade]: ReadonlyArray<Encoded<Trade[K]>> }

/** The trades as columns (see {@link TradeColumns}). */
export const tradeColumns = (trades: ReadonlyArray<Trade>): TradeColumns => {
  const out: Record<string, Array<unknown>> = {}
  for (const f of TRADE_FIELDS) {
    const col: Array<unknown> = new Array(trades.length)
    for (let i = 0; i < trades.length; i++) {
      const v: unknown = trades[i]![f]
      col[i] = typeof v === "number" ? encodeNumber(v) : v
    }
    out[f] = col
  }
  return out as unknown as TradeColumns
}

/**
 * The indices of the items kept from a list of `n` under a cap of `max` (at least 2): all of them, or the first and
 * the last `floor(max / 2)`.
 */
export const keptIndices = (n: number, max: number): Array<number> => {
  if (n <= max) return Array.from({ length: n }, (_, i) => i)
  const half = Math.max(1, Math.floor(max / 2))
  const out: Array<number> = []
  for (let i = 0; i < half; i++) out.push(i)
  for (let i = n - half; i < n; i++) out.push(i)
  return out
}

/** How the table sorts a column: as numbers (times are ms) or as text. */
type SortType = "num" | "time" | "text"

interface Column {
  readonly key: keyof Trade
  readonly label: string
  readonly type: SortType
  readonly title?: string
  readonly cell: (t: Trade) => string
  /** A class for the cell (sign colours). */
  readonly cls?: (t: Trade) => string
}

const signClass = (x: number): string => (x > 0 ? "pos" : x < 0 ? "neg" : "")

/** The columns of the trade table, in order. */
const COLUMNS: ReadonlyArray<Column> = [
  { key: "id", label: "#", type: "num", cell: (t) => String(t.id) },
  { key: "symbol", label: "Symbol", type: "text", cell: (t) => t.symbol },
  { key: "side", label: "Side", type: "text", cell: (t) => t.side },
  { key: "quantity", label: "Qty", type: "num", cell: (t) => formatQuantity(t.quantity) },
  { key: "entryTime", label: "Entry (UTC)", type: "time", cell: (t) => formatTime(t.entryTime) },
  { key: "entryPrice", label: "Entry price", type: "num", cell: (t) => formatPrice(t.entryPrice) },
  { key: "exitTime", label: "Exit (UTC)", type: "time", cell: (t) => formatTime(t.exitTime) },
  { key: "exitPrice", label: "Exit price", type: "num", cell: (t) => formatPrice(t.exitPrice) },
  {
    key: "pnl",
    label: "P&L",
    type: "num",
    title: "Net profit or loss after fees",
    cell: (t) => formatNumber(t.pnl, 2),
    cls: (t) => signClass(t.pnl)
  },
  {
    key: "returnPct",
    label: "Return",
    type: "num",
    title: "P&L relative to the entry notional",
    cell: (t) => formatPercent(t.returnPct, true),
    cls: (t) => signClass(t.returnPct)
  },
  { key: "fees", label: "Fees", type: "num", cell: (t) => formatNumber(t.fees, 2) },
  { key: "holdingMs", label: "Held", type: "num", title: "Holding time: exit time − entry time", cell: (t) => formatElapsed(t.holdingMs) },
  { key: "barsHeld", label: "Bars", type: "num", cell: (t) => formatCount(t.barsHeld) },
  {
    key: "mae",
    label: "MAE",
    type: "num",
    title: "Maximum adverse excursion: the worst unrealised loss while the trade was open (≥ 0)",
    cell: (t) => formatNumber(t.mae, 2)
  },
  { key: "maePct", label: "MAE %", type: "num", title: "MAE relative to the entry notional", cell: (t) => formatPercent(t.maePct) },
  {
    key: "mfe",
    label: "MFE",
    type: "num",
    title: "Maximum favourable excursion: the best unrealised gain while the trade was open (≥ 0)",
    cell: (t) => formatNumber(t.mfe, 2)
  },
  { key: "mfePct", label: "MFE %", type: "num", title: "MFE relative to the entry notional", cell: (t) => formatPercent(t.mfePct) },
  { key: "exitReason", label: "Exit reason", type: "text", cell: (t) => t.exitReason }
]

/** Right-aligns the numeric columns of the trade table (by position, so cells need no class). */
export const TRADE_TABLE_CSS = COLUMNS.flatMap((c, i) => (c.type === "text" ? [] : [`#trade-table td:nth-child(${i + 1})`]))
  .join(", ") + " { text-align: right; }\n" +
  COLUMNS.flatMap((c, i) => (c.type === "num" ? [`#trade-table th:nth-child(${i + 1})`] : [])).join(", ") +
  " { text-align: right; }"

const row = (t: Trade, index: number): string => {
  const cells = COLUMNS.map((c) => {
    const cls = c.cls?.(t) ?? ""
    const title = c.key === "exitReason" && t.exitNote !== "" ? ` title="${escapeHtml(t.exitNote)}"` : ""
    return `<td${cls ? ` class="${cls}"` : ""}${title}>${escapeHtml(c.cell(t))}</td>`
  })
  return `<tr data-i="${index}">${cells.join("")}</tr>`
}

/**
 * The trade table. `shown` are the indices (into `trades`) of the rows to show, ascending; a gap between two of them
 * gets a "… n trades not shown …" row. `embeddedIndex` maps a trade's index to its position in the embedded JSON
 * columns (the row's `data-i`, which the sorting script reads the values from). Each header names the column it
 * sorts (`data-key`) and how (`data-type`).
 */
export const renderTradeTable = (
  trades: ReadonlyArray<Trade>,
  shown: ReadonlyArray<number>,
  embeddedIndex: (tradeIndex: number) => number
): string => {
  const head = COLUMNS.map((c) =>
    `<th data-key="${c.key}" data-type="${c.type}"${c.title ? ` title="${escapeHtml(c.title)}"` : ""}>${escapeHtml(c.label)}</th>`
  ).join("")
  const body: Array<string> = []
  let previous = -1
  for (const i of shown) {
    if (i !== previous + 1) {
      body.push(`<tr class="skipped"><td colspan="${COLUMNS.length}" class="note">… ${
        escapeHtml(formatCount(i - previous - 1))
      } trades not shown …</td></tr>`)
    }
    body.push(row(trades[i]!, embeddedIndex(i)))
    previous = i
  }
  if (previous !== trades.length - 1) {
    body.push(`<tr class="skipped"><td colspan="${COLUMNS.length}" class="note">… ${
      escapeHtml(formatCount(trades.length - 1 - previous))
    } trades not shown …</td></tr>`)
  }
  return `<table id="trade-table">
<thead><tr>${head}</tr></thead>
<tbody>
${body.join("\n")}
</tbody></table>`
}
