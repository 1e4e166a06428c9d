/**
 * The HTML report of a run: one standalone file that opens offline.
 *
 * - uPlot (JS and CSS) is read from the installed `uplot` package at render time and inlined;
 * - the data is embedded as JSON in a `<script type="application/json" id="report-data">` tag ({@link ReportData})
 *   and drawn by a small inline script (`client.ts`); the tables (metrics, trades, data quality) are plain HTML,
 *   readable without JavaScript; with it, the trade table sorts by any column and a button downloads the metrics and
 *   trades as JSON (the complete result, every bar and order included, is the `result.json` the CLI writes beside
 *   the report);
 * - each symbol's price candles are aggregated into at most {@link DEFAULT_MAX_CANDLES} calendar-aligned buckets
 *   (`candles.ts`), with each trade's entry and exit marked on the bucket holding its fill time, at its fill price;
 * - equity and drawdown curves are downsampled to at most {@link DEFAULT_MAX_POINTS} points with a min/max per
 *   bucket, so a million-bar run still gives a small file and keeps every peak and trough;
 * - a Content-Security-Policy forbids any network access; times are UTC ISO-8601.
 *
 * Rendering is pure (no clock, no randomness): the same result gives the same bytes.
 *
 * @module
 */
import * as fs from "node:fs"
import { createRequire } from "node:module"
import type { BacktestResult, Trade } from "../backtest/result.ts"
import { aggregateCandles, type Candles, DEFAULT_MAX_CANDLES, type Markers, tradeMarkers } from "./candles.ts"
import { CLIENT_SCRIPT } from "./client.ts"
import { escapeHtml, formatCount, formatDuration, formatNumber, formatTime, NOT_AVAILABLE } from "./format.ts"
import { formatPeriod, metricRows } from "./summary.ts"
import {
  encodeMetrics,
  type EncodedMetrics,
  keptIndices,
  renderTradeTable,
  TRADE_FIELDS,
  TRADE_TABLE_CSS,
  tradeColumns,
  type TradeColumns
} from "./trades.ts"

export { DEFAULT_MAX_CANDLES } from "./candles.ts"
export { escapeHtml } from "./format.ts"

/** Default cap on the number of points per equity or drawdown chart. */
export const DEFAULT_MAX_POINTS = 4000

/** Default cap on the rows of the trade table (the first and last halves are shown beyond it). */
export const DEFAULT_MAX_TRADE_ROWS = 5000

/**
 * Default cap on the trades embedded as JSON (chart markers, sorting, download): all of them, or the first and last
 * halves beyond it. Never below the table's cap, so every row shown has its data.
 */
export const DEFAULT_MAX_EMBEDDED_TRADES = 20_000

/** Default cap on the gaps, suspect bars and skipped rows listed per section. */
export const DEFAULT_MAX_QUALITY_ROWS = 200

/** A time series as two parallel arrays; `null` stands for a missing (non-finite) value, as in JSON. */
export interface Series {
  readonly t: ReadonlyArray<number>
  readonly v: ReadonlyArray<number | null>
}

/** One symbol's price chart: its candles and the markers of its embedded trades. */
export interface PriceChart extends Candles {
  /** Entry and exit markers; `trade` indexes {@link ReportData.trades}. */
  readonly markers: Markers
}

/**
 * The data embedded in the report as JSON and drawn by its inline script. Non-finite numbers of the metrics and
 * trades are strings (`"Infinity"`), as in `result.json`.
 */
export interface ReportData {
  readonly version: 2
  readonly strategy: string
  readonly symbols: ReadonlyArray<string>
  readonly metrics: EncodedMetrics
  /** Number of points of the full equity curve (before downsampling). */
  readonly points: number
  /** Equity after each timestamp (ms), downsampled. */
  readonly equity: Series
  /** Drawdown from the running peak as a fraction (≤ 0), downsampled. */
  readonly drawdown: Series
  /**
   * Each symbol's P&L (realised after fees plus unrealised) on the account's time axis, downsampled together;
   * present when the run traded several symbols in one account.
   */
  readonly symbolPnl?: MultiSeries | undefined
  /** One chart per symbol with recorded prices, in the result's order. */
  readonly prices: ReadonlyArray<PriceChart>
  /** The run's trade count ({@link ReportData.trades} holds fewer beyond the embedding cap). */
  readonly tradeCount: number
  /** The fields of {@link ReportData.trades} in `Trade` order (the key order of the downloaded trades). */
  readonly tradeFields: ReadonlyArray<keyof Trade>
  /** The trades as columns: all, or the first and last halves beyond the embedding cap. */
  readonly trades: TradeColumns
}

/** Options of {@link renderHtmlReport} and {@link buildReportData}. */
export interface HtmlReportOptions {
  /** Maximum points per equity or drawdown chart (default {@link DEFAULT_MAX_POINTS}, at least 4). */
  readonly maxPoints?: number
  /** Maximum candles per symbol (default {@link DEFAULT_MAX_CANDLES}, at least 1). */
  readonly maxCandles?: number
  /** Maximum rows of the trade table (default {@link DEFAULT_MAX_TRADE_ROWS}, at least 2). */
  readonly maxTradeRows?: number
  /** Maximum trades embedded as JSON (default {@link DEFAULT_MAX_EMBEDDED_TRADES}, at least `maxTradeRows`). */
  readonly maxEmbeddedTrades?: number
  /** Maximum rows per data-quality list (default {@link DEFAULT_MAX_QUALITY_ROWS}). */
  readonly maxQualityRows?: number
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null)

/**
 * Min/max downsampling: keeps the first and last points and, for each of `floor((maxPoints - 2) / 2)` equal buckets
 * of the points in between, the minimum and the maximum (in time order; once when they coincide). The global
 * minimum and maximum always survive, and the result has at most `maxPoints` points. Series of at most `maxPoints`
 * points are returned whole. Non-finite values become `null` and are never chosen as a bucket's min or max (a bucket
 * of only non-finite values keeps its first point, as a gap).
 */
export const downsampleMinMax = (
  t: ArrayLike<number>,
  v: ArrayLike<number>,
  maxPoints: number = DEFAULT_MAX_POINTS
): Series => {
  const one = downsampleMultiMinMax(t, [""], [v], maxPoints)
  return { t: one.t, v: one.v[0]! }
}

/** Several series on one time axis (`v[k][i]` is series `k` at `t[i]`). */
export interface MultiSeries {
  readonly names: ReadonlyArray<string>
  readonly t: ReadonlyArray<number>
  readonly v: ReadonlyArray<ReadonlyArray<number | null>>
}

/**
 * Min/max downsampling of several series sharing one time axis: the first and last points and, per bucket, the
 * points holding each series' minimum and maximum (in time order, each once). Every series' global minimum and
 * maximum survive (non-finite values become `null`; a bucket where no series has a finite value keeps its first point,
 * as a gap), and the result has at most `max(maxPoints, 2 + 2 · series)` points (`floor((maxPoints - 2) /
 * (2 · series))` buckets, at least one).
 */
export const downsampleMultiMinMax = (
  t: ArrayLike<number>,
  names: ReadonlyArray<string>,
  values: ReadonlyArray<ArrayLike<number>>,
  maxPoints: number = DEFAULT_MAX_POINTS
): MultiSeries => {
  const n = Math.min(t.length, ...values.map((v) => v.length))
  const cap = Math.max(4, 2 + 2 * values.length, Math.floor(maxPoints))
  const keep: Array<number> = []
  if (n <= cap) {
    for (let i = 0; i < n; i++) keep.push(i)
  } else {
    const buckets = Math.floor((cap - 2) / (2 * Math.max(1, values.length)))
    const inner = n - 2
    keep.push(0)
    for (let b = 0; b < buckets; b++) {
      const start = 1 + Math.floor((b * inner) / buckets)
      const end = 1 + Math.floor(((b + 1) * inner) / buckets)
      const chosen = new Set<number>()
      for (const v of values) {
        let iMin = -1
        let iMax = -1
        for (let i = start; i < end; i++) {
          const x = v[i]!
          if (!Number.isFinite(x)) continue
          if (iMin === -1 || x < v[iMin]!) iMin = i
          if (iMax === -1 || x > v[iMax]!) iMax = i
        }
        if (iMin !== -1) chosen.add(iMin).add(iMax)
      }
      if (chosen.size === 0 && start < end) chosen.add(start)
      keep.push(...[...chosen].sort((a, b) => a - b))
    }
    keep.push(n - 1)
  }
  return {
    names: [...names],
    t: keep.map((i) => t[i]!),
    v: values.map((v) => keep.map((i) => finiteOrNull(v[i]!)))
  }
}

/**
 * Drawdown from the running peak, as a fraction ≤ 0: `(e - peak) / peak` (exactly `-(peak - e) / peak`, but `+0` at
 * a peak), 0 while the peak is not positive. Its minimum is exactly `-maxDrawdown` of the metrics.
 */
export const drawdownCurve = (equity: ArrayLike<number>): Float64Array => {
  const out = new Float64Array(equity.length)
  let peak = -Infinity
  for (let i = 0; i < equity.length; i++) {
    const e = equity[i]!
    if (e > peak) peak = e
    out[i] = peak > 0 ? (e - peak) / peak : 0
  }
  return out
}

interface Caps {
  readonly maxPoints: number
  readonly maxCandles: number
  readonly maxTradeRows: number
  readonly maxEmbeddedTrades: number
  readonly maxQualityRows: number
}

const capsOf = (options: HtmlReportOptions): Caps => {
  const maxTradeRows = Math.max(2, Math.floor(options.maxTradeRows ?? DEFAULT_MAX_TRADE_ROWS))
  return {
    maxPoints: options.maxPoints ?? DEFAULT_MAX_POINTS,
    maxCandles: options.maxCandles ?? DEFAULT_MAX_CANDLES,
    maxTradeRows,
    maxEmbeddedTrades: Math.max(maxTradeRows, Math.floor(options.maxEmbeddedTrades ?? DEFAULT_MAX_EMBEDDED_TRADES)),
    maxQualityRows: Math.max(1, options.maxQualityRows ?? DEFAULT_MAX_QUALITY_ROWS)
  }
}

/**
 * The JSON data of a report: metrics, downsampled equity and drawdown, candles with trade markers per symbol, and the
 * trades (all, or the first and last halves beyond `maxEmbeddedTrades`).
 */
export const buildReportData = (result: BacktestResult, options: HtmlReportOptions = {}): ReportData => {
  const caps = capsOf(options)
  const { timestamps, equity } = result.equity
  const embedded = keptIndices(result.trades.length, caps.maxEmbeddedTrades).map((i) => result.trades[i]!)
  return {
    version: 2,
    strategy: result.strategy,
    symbols: [...result.symbols],
    metrics: encodeMetrics(result.metrics),
    points: Math.min(timestamps.length, equity.length),
    equity: downsampleMinMax(timestamps, equity, caps.maxPoints),
    drawdown: downsampleMinMax(timestamps, drawdownCurve(equity), caps.maxPoints),
    ...(result.symbolEquity !== undefined && result.symbolEquity.length > 1
      ? {
        symbolPnl: downsampleMultiMinMax(
          timestamps,
          result.symbolEquity.map((c) => c.symbol),
          result.symbolEquity.map((c) => c.pnl),
          caps.maxPoints
        )
      }
      : {}),
    prices: result.prices.map((p) => {
      const candles = aggregateCandles(p, caps.maxCandles)
      return { ...candles, markers: tradeMarkers(candles, embedded) }
    }),
    tradeCount: result.trades.length,
    tradeFields: [...TRADE_FIELDS],
    trades: tradeColumns(embedded)
  }
}

/**
 * JSON safe to place inside a `<script>` element: `<`, `>`, `&`, U+2028 and U+2029 are written as `\uXXXX`
 * escapes, so no string in the data can close the element or open a comment.
 */
export const jsonForScript = (value: unknown): string =>
  JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"))

/**
 * Makes third-party code safe to inline in a `<script>` (or `<style>`) element: `</script` becomes `<\/script` and
 * `<!--` becomes `<\!--` (the same text inside JS strings and regular expressions; neither can appear elsewhere in
 * valid code).
 */
export const escapeInlineCode = (code: string, tag: "script" | "style" = "script"): string =>
  code.replace(new RegExp(`</(${tag})`, "gi"), "<\\/$1").replace(/<!--/g, "<\\!--")

const require = createRequire(import.meta.url)

let uplotAssets: { readonly js: string; readonly css: string } | undefined

/** uPlot's minified IIFE build and stylesheet, read once from the installed package. */
export const loadUplotAssets = (): { readonly js: string; readonly css: string } => {
  if (uplotAssets === undefined) {
    const js = fs.readFileSync(require.resolve("uplot/dist/uPlot.iife.min.js"), "utf8")
    const css = fs.readFileSync(require.resolve("uplot/dist/uPlot.min.css"), "utf8")
    uplotAssets = { js, css }
  }
  return uplotAssets
}

const CSS = `
:root { --fg: #1f2328; --muted: #656d76; --line: #d0d7de; --bg: #ffffff; --alt: #f6f8fa; --pos: #1a7f37;
  --neg: #cf222e; --accent: #0969da; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 14px/1.45 -apple-system, BlinkMacSystemFont, "Segoe UI", Helvetica, Arial, sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 24px 20px 48px; }
header h1 { font-size: 22px; margin: 0 0 4px; word-break: break-word; }
header p { margin: 2px 0; color: var(--muted); }
h2 { font-size: 17px; margin: 32px 0 10px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 20px 0 8px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 10px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
th { background: var(--alt); font-weight: 600; position: sticky; top: 0; }
td.num, th.num { text-align: right; }
tbody tr:nth-child(even) td { background: #fbfcfd; }
.metrics { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 10px; }
.metric { border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
.metric .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
.metric .value { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
.pos { color: var(--pos); } .neg { color: var(--neg); }
.chart { width: 100%; min-height: 60px; }
.scroll { max-height: 520px; overflow: auto; border: 1px solid var(--line); border-radius: 6px; }
.scroll table th, .scroll table td { border-bottom-color: #eaeef2; }
.note { color: var(--muted); font-size: 13px; margin: 6px 0; }
.ok { color: var(--pos); }
td.wrap { white-space: normal; word-break: break-word; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
button { font: inherit; color: var(--accent); background: var(--bg); border: 1px solid var(--line); border-radius: 6px;
  padding: 3px 10px; cursor: pointer; }
button:hover { background: var(--alt); }
.toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 18px; margin: 0 0 8px; }
.toolbar select { font: inherit; padding: 2px 6px; }
.key span { margin-right: 12px; }
.key .long { color: var(--pos); } .key .short { color: var(--neg); } .key .exit { color: var(--fg); font-weight: 700; }
.price-chart { position: relative; }
.price-chart .u-legend { pointer-events: none; }
.tip { position: absolute; z-index: 10; pointer-events: none; background: var(--bg); border: 1px solid var(--line);
  border-radius: 6px; padding: 6px 9px; font-size: 12px; line-height: 1.4; white-space: nowrap;
  box-shadow: 0 2px 8px rgba(31,35,40,.15); }
.tip .tip-title { font-weight: 600; }
table.sortable th[data-key] { cursor: pointer; user-select: none; }
table.sortable th[data-key]:hover { background: #eaeef2; }
th[aria-sort=ascending]::after { content: " \\25B2"; font-size: 10px; }
th[aria-sort=descending]::after { content: " \\25BC"; font-size: 10px; }
tr.skipped td { text-align: center; }
${TRADE_TABLE_CSS}
`

const signClass = (x: number): string => (x > 0 ? "pos" : x < 0 ? "neg" : "")

const td = (text: string, cls = ""): string => `<td${cls ? ` class="${cls}"` : ""}>${escapeHtml(text)}</td>`

const th = (text: string, cls = ""): string => `<th${cls ? ` class="${cls}"` : ""}>${escapeHtml(text)}</th>`

/** A file name from the strategy's name: letters, digits, `.`, `_` and `-` kept, the rest as `_`. */
const downloadName = (strategy: string): string => `${strategy.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 80) || "report"}-summary.json`

const renderHeader = (result: BacktestResult): string => {
  const m = result.metrics
  const symbols = result.symbols.length > 0 ? result.symbols.join(", ") : NOT_AVAILABLE
  return `<header>
<h1>${escapeHtml(result.strategy)}</h1>
<p>Symbols: <strong>${escapeHtml(symbols)}</strong></p>
<p>Period (UTC): ${escapeHtml(formatPeriod(m))} · ${escapeHtml(formatCount(m.bars))} bars · ${
    escapeHtml(formatCount(result.equity.equity.length))
  } equity points</p>
<p><button type="button" id="download-json" data-file="${escapeHtml(downloadName(result.strategy))}" hidden>Download JSON</button>
The metrics and trades as JSON; the complete result (every bar, equity point and order) is the <code>result.json</code>
that <code>trading-engine backtest</code> writes beside this report.</p>
</header>`
}

/** What each metric means, shown as the card's tooltip. */
const METRIC_HINTS: Readonly<Record<string, string>> = {
  "Total return": "Final equity / initial cash − 1",
  "Annual return": "Compound annual growth rate over the run",
  "Volatility": "Annualised standard deviation of the per-observation returns",
  "Max drawdown": "Largest fall of the equity from a running peak",
  "Longest drawdown": "Longest time from an equity peak until equity is back at it (or the end of the run)",
  "Recovery time": "From the maximum drawdown's trough until equity is back at its peak",
  "Sharpe ratio": "Mean return / standard deviation, annualised, risk-free rate 0",
  "Sortino ratio": "Mean return / downside deviation, annualised, target 0",
  "Calmar ratio": "Annual return / max drawdown",
  "Win rate": "Share of the trades with a positive P&L",
  "Profit factor": "Gross profit / gross loss",
  "Average win": "Mean P&L of the winning trades",
  "Average loss": "Mean P&L of the losing trades",
  "Expectancy": "Mean P&L per trade",
  "Exposure": "Share of the equity observations with an open position"
}

const renderMetrics = (result: BacktestResult): string => {
  const m = result.metrics
  const cls: Record<string, string> = {
    "Total return": signClass(m.totalReturn),
    "Annual return": signClass(m.annualReturn),
    "Max drawdown": m.maxDrawdown > 0 ? "neg" : "",
    "Expectancy": m.tradeCount > 0 ? signClass(m.expectancy) : "",
    "Average win": m.tradeCount > 0 ? signClass(m.avgWin) : "",
    "Average loss": m.tradeCount > 0 ? signClass(m.avgLoss) : ""
  }
  const cards = metricRows(m)
    .map((r) => {
      const c = cls[r.label] ?? ""
      const hint = METRIC_HINTS[r.label]
      return `<div class="metric"${hint ? ` title="${escapeHtml(hint)}"` : ""}><div class="label">${
        escapeHtml(r.label)
      }</div><div class="value${c ? " " + c : ""}">${escapeHtml(r.value)}</div></div>`
    })
    .join("\n")
  return `<section id="metrics"><h2>Metrics</h2>
<div class="metrics">
${cards}
</div>
<p class="note">Ratios annualised with ${escapeHtml(formatNumber(m.periodsPerYear, 1))} observations per year; `
    + `drawdowns measured on the equity curve; formulas in docs/metrics.md.</p>
</section>`
}

const describeCandles = (p: PriceChart): string => {
  const bars = `${formatCount(p.bars)} bar${p.bars === 1 ? "" : "s"}${p.barInterval > 0 ? ` of ${formatDuration(p.barInterval)}` : ""}`
  const markers = `${formatCount(p.markers.kind.length)} trade markers`
  return p.aggregated
    ? `${p.symbol}: ${bars} shown as ${formatCount(p.t.length)} candles of ${formatDuration(p.interval)}, ${markers}`
    : `${p.symbol}: ${bars}, one candle each, ${markers}`
}

const renderPrices = (data: ReportData): string => {
  if (data.prices.length === 0) {
    return `<section id="prices"><h2>Price and trades</h2><p class="note">No price data in this result.</p></section>`
  }
  const select = data.prices.length > 1
    ? `<label>Symbol <select id="price-symbol">${
      data.prices.map((p, i) => `<option value="${i}">${escapeHtml(p.symbol)}</option>`).join("")
    }</select></label>`
    : `<strong>${escapeHtml(data.prices[0]!.symbol)}</strong>`
  const aggregated = data.prices.some((p) => p.aggregated)
  return `<section id="prices"><h2>Price and trades</h2>
<div class="toolbar">${select}
<span class="key"><span class="long">▲</span> long entry <span class="short">▼</span> short entry <span class="exit">✕</span> exit</span></div>
<div id="price-chart" class="chart price-chart"></div>
<p class="note">${data.prices.map((p) => escapeHtml(describeCandles(p))).join("; ")}.${
    aggregated ? " An aggregated candle has the first open, highest high, lowest low and last close of its bars." : ""
  } Markers sit on the candle holding the fill time, at the fill price; hover one for the trade. Drag to zoom, `
    + `double-click to reset.</p>
</section>`
}

const renderCharts = (data: ReportData): string => {
  const note = data.equity.t.length < data.points
    ? `<p class="note">Curves downsampled from ${escapeHtml(formatCount(data.points))} to ${
      escapeHtml(formatCount(data.equity.t.length))
    } points (minimum and maximum kept per bucket).</p>`
    : ""
  return `<section id="charts"><h2>Equity</h2>
<div id="equity-chart" class="chart"></div>
<h2>Drawdown</h2>
<div id="drawdown-chart" class="chart"></div>
${
    data.symbolPnl !== undefined
      ? `<h2>P&amp;L by symbol</h2>
<div id="symbol-pnl-chart" class="chart"></div>
<p class="note">Each symbol's realised P&amp;L after fees plus its unrealised P&amp;L at the bar closes; they add up to the
equity minus the initial cash.</p>
`
      : ""
  }${note}
</section>`
}

const renderTrades = (result: BacktestResult, caps: Caps): string => {
  const trades = result.trades
  if (trades.length === 0) return `<section id="trades"><h2>Trades</h2><p class="note">No trades.</p></section>`
  const shown = keptIndices(trades.length, caps.maxTradeRows)
  const embedded = keptIndices(trades.length, caps.maxEmbeddedTrades)
  // Both keep the first and last halves, so a trade's position in the embedded list follows from its index.
  const lastHalf = trades.length - embedded.length
  const embeddedIndex = (i: number): number => (i < embedded.length / 2 ? i : i - lastHalf)
  const note = shown.length < trades.length
    ? `<p class="note">Showing the first and last ${escapeHtml(formatCount(shown.length / 2))} of ${
      escapeHtml(formatCount(trades.length))
    } trades (sorting orders these); the full list is in result.json.</p>\n`
    : ""
  return `<section id="trades"><h2>Trades (${escapeHtml(formatCount(trades.length))})</h2>
${note}<p class="note">Click a column header to sort by it (again to reverse). MAE and MFE: the worst and best unrealised
result while the trade was open.</p>
<div class="scroll">${renderTradeTable(trades, shown, embeddedIndex)}</div>
</section>`
}

const limited = <A>(items: ReadonlyArray<A>, max: number): { readonly shown: ReadonlyArray<A>; readonly more: number } =>
  items.length <= max ? { shown: items, more: 0 } : { shown: items.slice(0, max), more: items.length - max }

const moreNote = (more: number, what: string): string =>
  more > 0 ? `<p class="note">… and ${escapeHtml(formatCount(more))} more ${what}.</p>` : ""

const renderQuality = (result: BacktestResult, maxRows: number): string => {
  const q = result.quality
  const parts: Array<string> = [`<section id="data-quality"><h2>Data quality</h2>`]
  if (q.symbols.length === 0) parts.push(`<p class="note">No data-quality information.</p>`)
  else {
    parts.push(`<table><thead><tr>${
      th("Symbol") + th("Bars", "num") + th("First (UTC)") + th("Last (UTC)") + th("Interval") + th("Gaps", "num") +
      th("Missing bars", "num") + th("Suspect bars", "num") + th("Zero-volume bars", "num")
    }</tr></thead><tbody>`)
    for (const s of q.symbols) {
      const missing = s.gaps.reduce((a, g) => a + g.missingBars, 0)
      parts.push(
        "<tr>" + td(s.symbol) + td(formatCount(s.bars), "num") + td(formatTime(s.first)) + td(formatTime(s.last)) +
          td(formatDuration(s.intervalMs)) + td(formatCount(s.gaps.length), "num") + td(formatCount(missing), "num") +
          td(formatCount(s.suspectBars.length), "num") + td(formatCount(s.zeroVolumeBars), "num") + "</tr>"
      )
    }
    parts.push(`</tbody></table>`)
    for (const s of q.symbols) {
      if (s.gaps.length > 0) {
        const { more, shown } = limited(s.gaps, maxRows)
        parts.push(`<h3>${escapeHtml(s.symbol)}: gaps (${escapeHtml(formatCount(s.gaps.length))})</h3>
<div class="scroll"><table><thead><tr>${
          th("Last bar before (UTC)") + th("First bar after (UTC)") + th("Missing bars", "num")
        }</tr></thead><tbody>
${shown.map((g) => "<tr>" + td(formatTime(g.after)) + td(formatTime(g.next)) + td(formatCount(g.missingBars), "num") + "</tr>").join("\n")}
</tbody></table></div>${moreNote(more, "gaps")}`)
      }
      if (s.suspectBars.length > 0) {
        const { more, shown } = limited(s.suspectBars, maxRows)
        parts.push(`<h3>${escapeHtml(s.symbol)}: suspect bars (${escapeHtml(formatCount(s.suspectBars.length))})</h3>
<div class="scroll"><table><thead><tr>${th("Bar (UTC)") + th("Where") + th("Reason")}</tr></thead><tbody>
${shown.map((b) => "<tr>" + td(formatTime(b.timestamp)) + td(`${b.file}:${b.line}`) + td(b.reason, "wrap") + "</tr>").join("\n")}
</tbody></table></div>${moreNote(more, "suspect bars")}`)
      }
    }
  }
  if (q.skippedRows === 0) parts.push(`<p class="ok">No rows skipped.</p>`)
  else {
    const { more, shown } = limited(q.skippedSamples, maxRows)
    parts.push(`<h3>Skipped rows (${escapeHtml(formatCount(q.skippedRows))})</h3>
<div class="scroll"><table><thead><tr>${th("File") + th("Line", "num") + th("Column", "num") + th("Field") + th("Reason")}</tr></thead><tbody>
${shown.map((e) => "<tr>" + td(e.file) + td(String(e.line), "num") + td(String(e.column), "num") + td(e.field) + td(e.reason, "wrap") + "</tr>").join("\n")}
</tbody></table></div>${moreNote(more + Math.max(0, q.skippedRows - q.skippedSamples.length), "skipped rows")}`)
  }
  parts.push(`</section>`)
  return parts.join("\n")
}

const renderProblems = (result: BacktestResult, maxRows: number): string => {
  if (result.failures.length === 0 && result.rejections.length === 0) return ""
  const parts: Array<string> = [`<section id="problems"><h2>Strategy failures and rejected actions</h2>`]
  if (result.failures.length > 0) {
    const { more, shown } = limited(result.failures, maxRows)
    parts.push(`<h3>Strategy failures (${escapeHtml(formatCount(result.failures.length))})</h3>
<div class="scroll"><table><thead><tr>${th("Time (UTC)") + th("Symbol") + th("Message")}</tr></thead><tbody>
${shown.map((f) => "<tr>" + td(formatTime(f.timestamp)) + td(f.symbol) + td(f.message, "wrap") + "</tr>").join("\n")}
</tbody></table></div>${moreNote(more, "failures")}`)
  }
  if (result.rejections.length > 0) {
    const { more, shown } = limited(result.rejections, maxRows)
    parts.push(`<h3>Rejected actions (${escapeHtml(formatCount(result.rejections.length))})</h3>
<div class="scroll"><table><thead><tr>${th("Time (UTC)") + th("Symbol") + th("Action") + th("Reason")}</tr></thead><tbody>
${shown.map((r) => "<tr>" + td(formatTime(r.timestamp)) + td(r.symbol) + td(r.action) + td(r.reason, "wrap") + "</tr>").join("\n")}
</tbody></table></div>${moreNote(more, "rejections")}`)
  }
  parts.push(`</section>`)
  return parts.join("\n")
}

/** The Content-Security-Policy of the report: inline code only, no network. */
export const REPORT_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"

/**
 * Renders a run as one standalone HTML document (uPlot inlined, data embedded, no external resource).
 * Pure and deterministic: the same result and options give the same string.
 */
export const renderHtmlReport = (result: BacktestResult, options: HtmlReportOptions = {}): string => {
  const caps = capsOf(options)
  const uplot = loadUplotAssets()
  const data = buildReportData(result, options)
  const title = [result.strategy, result.symbols.join(", "), "backtest report"].filter((s) => s !== "").join(" · ")
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="generator" content="trading-engine">
<title>${escapeHtml(title)}</title>
<style>
${escapeInlineCode(uplot.css, "style")}
</style>
<style>${escapeInlineCode(CSS, "style")}</style>
</head>
<body>
<main>
${renderHeader(result)}
${renderMetrics(result)}
${renderPrices(data)}
${renderCharts(data)}
${renderTrades(result, caps)}
${renderQuality(result, caps.maxQualityRows)}
${renderProblems(result, caps.maxQualityRows)}
<footer>Generated by trading-engine. Times are UTC (ISO 8601). Charts drawn with uPlot (MIT licence), inlined.</footer>
</main>
<script type="application/json" id="report-data">${jsonForScript(data)}</script>
<script>
${escapeInlineCode(uplot.js)}
</script>
<script>${CLIENT_SCRIPT}</script>
</body>
</html>
`
}

/** Reads back the JSON embedded by {@link renderHtmlReport} (for tests and tools); `undefined` when absent. */
export const extractReportData = (html: string): ReportData | undefined => {
  const m = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)
  return m === null ? undefined : (JSON.parse(m[1]!) as ReportData)
}
