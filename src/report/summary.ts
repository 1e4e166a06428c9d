/**
 * A fixed-width text summary of a run, for stdout.
 *
 * @module
 */
import type { BacktestResult, Metrics } from "../backtest/result.ts"
import { formatCount, formatElapsed, formatNumber, formatPercent, formatTime, NOT_AVAILABLE } from "./format.ts"

/** One labelled, formatted metric. */
export interface MetricRow {
  readonly label: string
  readonly value: string
}

/**
 * The metrics, formatted the same way for the text summary and the HTML report, in this order:
 * - returns and risk: total return and annual return (CAGR) as signed %, volatility (annualised %), max drawdown (as
 *   a negative %), the longest drawdown and the recovery time of the maximum drawdown (`843d 4h`; recovery is
 *   `not recovered` when the equity never got back to that peak, `n/a` without a drawdown);
 * - ratios with 2 decimals: Sharpe, Sortino, Calmar (`∞` where the formula gives it, see docs/metrics.md);
 * - trades: count, win rate (%), profit factor, average win, average loss and expectancy (money, 2 decimals), all
 *   `n/a` without trades; exposure (% of the time with an open position);
 * - money: fees, initial and final equity (2 decimals).
 */
export const metricRows = (m: Metrics): ReadonlyArray<MetricRow> => {
  const noTrades = m.tradeCount === 0
  const perTrade = (x: number): string => (noTrades ? NOT_AVAILABLE : formatNumber(x, 2))
  const recovery = m.maxDrawdown === 0
    ? NOT_AVAILABLE
    : m.recoveryTime === undefined
    ? "not recovered"
    : formatElapsed(m.recoveryTime)
  return [
    { label: "Total return", value: formatPercent(m.totalReturn, true) },
    { label: "Annual return", value: formatPercent(m.annualReturn, true) },
    { label: "Volatility", value: formatPercent(m.volatility) },
    { label: "Max drawdown", value: formatPercent(m.maxDrawdown === 0 ? 0 : -m.maxDrawdown) },
    { label: "Longest drawdown", value: formatElapsed(m.maxDrawdownDuration) },
    { label: "Recovery time", value: recovery },
    { label: "Sharpe ratio", value: formatNumber(m.sharpe, 2) },
    { label: "Sortino ratio", value: formatNumber(m.sortino, 2) },
    { label: "Calmar ratio", value: formatNumber(m.calmar, 2) },
    { label: "Trades", value: formatCount(m.tradeCount) },
    { label: "Win rate", value: noTrades ? NOT_AVAILABLE : formatPercent(m.winRate) },
    { label: "Profit factor", value: noTrades ? NOT_AVAILABLE : formatNumber(m.profitFactor, 2) },
    { label: "Average win", value: perTrade(m.avgWin) },
    { label: "Average loss", value: perTrade(m.avgLoss) },
    { label: "Expectancy", value: perTrade(m.expectancy) },
    { label: "Exposure", value: formatPercent(m.exposure) },
    { label: "Fees", value: formatNumber(m.totalFees, 2) },
    { label: "Initial equity", value: formatNumber(m.initialCash, 2) },
    { label: "Final equity", value: formatNumber(m.finalEquity, 2) }
  ]
}

/** `first → last` in UTC ISO, or `n/a` for an empty run. */
export const formatPeriod = (m: Metrics): string =>
  m.start === undefined ? NOT_AVAILABLE : `${formatTime(m.start)} → ${formatTime(m.end)}`

/** Replaces control characters (newlines, ANSI escapes) so names from the data cannot rewrite the terminal. */
const printable = (s: string): string => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?")

const pad = (s: string, width: number, right: boolean): string => {
  const fill = " ".repeat(Math.max(0, width - [...s].length))
  return right ? fill + s : s + fill
}

/**
 * The metrics as a fixed-width table (labels left-aligned, values right-aligned), preceded by the strategy, the
 * symbols and the period. Lines are separated by `\n`, with no trailing newline.
 *
 * ```text
 * Strategy  ema_crossover
 * Symbols   SIM-A, SIM-B
 * Period    2024-01-01T00:00:00Z → 2024-03-01T00:00:00Z (1,440 bars)
 * +----------------+-----------+
 * | Metric         |     Value |
 * +----------------+-----------+
 * | Total return   |   +12.34% |
 * ...
 * ```
 */
export const formatSummaryTable = (result: BacktestResult): string => {
  const m = result.metrics
  const rows = metricRows(m)
  const labelWidth = Math.max("Metric".length, ...rows.map((r) => [...r.label].length))
  const valueWidth = Math.max("Value".length, ...rows.map((r) => [...r.value].length))
  const rule = `+${"-".repeat(labelWidth + 2)}+${"-".repeat(valueWidth + 2)}+`
  const line = (label: string, value: string) => `| ${pad(label, labelWidth, false)} | ${pad(value, valueWidth, true)} |`
  const symbols = result.symbols.length > 0 ? printable(result.symbols.join(", ")) : NOT_AVAILABLE
  const out = [
    `Strategy  ${printable(result.strategy)}`,
    `Symbols   ${symbols}`,
    `Period    ${formatPeriod(m)} (${formatCount(m.bars)} bars)`,
    rule,
    line("Metric", "Value"),
    rule,
    ...rows.map((r) => line(r.label, r.value)),
    rule
  ]
  return out.join("\n")
}
