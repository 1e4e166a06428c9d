/**
 * The text summary and the shared number formatting.
 */
import { describe, expect, it } from "vitest"
import {
  formatCount,
  formatDuration,
  formatElapsed,
  formatNumber,
  formatPercent,
  formatPrice,
  formatQuantity,
  formatTime
} from "../../src/report/format.ts"
import { formatSummaryTable, metricRows } from "../../src/report/summary.ts"
import { sampleResult } from "./fixture.ts"

describe("formatSummaryTable", () => {
  it("prints the metrics as a fixed-width table", () => {
    expect(formatSummaryTable(sampleResult())).toBe(
      [
        "Strategy  ema_crossover",
        "Symbols   SIM-A, SIM-B",
        "Period    2024-01-01T00:00:00Z → 2024-01-01T09:00:00Z (20 bars)",
        "+------------------+-----------+",
        "| Metric           |     Value |",
        "+------------------+-----------+",
        "| Total return     |    +3.47% |",
        "| Annual return    |   +43.21% |",
        "| Volatility       |    25.00% |",
        "| Max drawdown     |    -1.49% |",
        "| Longest drawdown |        3h |",
        "| Recovery time    |        2h |",
        "| Sharpe ratio     |      1.23 |",
        "| Sortino ratio    |      2.50 |",
        "| Calmar ratio     |     28.95 |",
        "| Trades           |         3 |",
        "| Win rate         |    66.67% |",
        "| Profit factor    |      2.50 |",
        "| Average win      |     20.00 |",
        "| Average loss     |    -11.50 |",
        "| Expectancy       |      9.50 |",
        "| Exposure         |    40.00% |",
        "| Fees             |  1,234.57 |",
        "| Initial equity   | 10,000.00 |",
        "| Final equity     | 10,346.79 |",
        "+------------------+-----------+"
      ].join("\n")
    )
  })

  it("all table lines have the same width", () => {
    const lines = formatSummaryTable(sampleResult()).split("\n").slice(3)
    expect(new Set(lines.map((l) => [...l].length)).size).toBe(1)
  })

  it("shows n/a for win rate and profit factor without trades, ∞ with no losing trade", () => {
    const base = sampleResult().metrics
    const none = metricRows({ ...base, tradeCount: 0, winRate: 0, profitFactor: 0 })
    expect(none.find((r) => r.label === "Win rate")!.value).toBe("n/a")
    expect(none.find((r) => r.label === "Profit factor")!.value).toBe("n/a")
    const allWins = metricRows({ ...base, profitFactor: Infinity, winRate: 1 })
    expect(allWins.find((r) => r.label === "Profit factor")!.value).toBe("∞")
    expect(allWins.find((r) => r.label === "Win rate")!.value).toBe("100.00%")
    const flat = metricRows({ ...base, maxDrawdown: 0, totalReturn: 0 })
    expect(flat.find((r) => r.label === "Max drawdown")!.value).toBe("0.00%")
    expect(flat.find((r) => r.label === "Total return")!.value).toBe("0.00%")
    const loss = metricRows({ ...base, totalReturn: -0.5, finalEquity: 5000, sharpe: -1.5 })
    expect(loss.find((r) => r.label === "Total return")!.value).toBe("-50.00%")
    expect(loss.find((r) => r.label === "Sharpe ratio")!.value).toBe("-1.50")
  })

  it("the new metrics: durations in days and hours, an unrecovered drawdown, ∞ ratios, n/a per-trade values without trades", () => {
    const base = sampleResult().metrics
    const row = (m: typeof base, label: string) => metricRows(m).find((r) => r.label === label)!.value
    const DAY = 86_400_000
    const long = { ...base, maxDrawdownDuration: 843 * DAY + 4 * 3_600_000, recoveryTime: undefined }
    expect(row(long, "Longest drawdown")).toBe("843d 4h")
    expect(row(long, "Recovery time")).toBe("not recovered")
    expect(row({ ...base, maxDrawdown: 0, maxDrawdownDuration: 0, recoveryTime: undefined }, "Recovery time")).toBe("n/a")
    expect(row({ ...base, maxDrawdown: 0, maxDrawdownDuration: 0 }, "Longest drawdown")).toBe("0s")
    expect(row({ ...base, recoveryTime: 1_500 * DAY }, "Recovery time")).toBe("1,500d")
    expect(row({ ...base, sortino: Infinity, calmar: Infinity }, "Sortino ratio")).toBe("∞")
    expect(row({ ...base, sortino: Infinity, calmar: Infinity }, "Calmar ratio")).toBe("∞")
    expect(row({ ...base, annualReturn: -1 }, "Annual return")).toBe("-100.00%")
    const none = { ...base, tradeCount: 0, avgWin: 0, avgLoss: 0, expectancy: 0, exposure: 0 }
    for (const label of ["Average win", "Average loss", "Expectancy"]) expect(row(none, label)).toBe("n/a")
    expect(row(none, "Exposure")).toBe("0.00%")
    expect(metricRows(base).map((r) => r.label)).toEqual([
      "Total return", "Annual return", "Volatility", "Max drawdown", "Longest drawdown", "Recovery time",
      "Sharpe ratio", "Sortino ratio", "Calmar ratio", "Trades", "Win rate", "Profit factor", "Average win",
      "Average loss", "Expectancy", "Exposure", "Fees", "Initial equity", "Final equity"
    ])
  })

  it("neutralises control characters in names", () => {
    const out = formatSummaryTable(sampleResult({ strategy: "evil\u001b[2J\nname" }))
    expect(out.split("\n")[0]).toBe("Strategy  evil?[2J?name")
  })
})

describe("formatting", () => {
  it("numbers, counts and percentages", () => {
    expect(formatNumber(1234567.891)).toBe("1,234,567.89")
    expect(formatNumber(-1234.5)).toBe("-1,234.50")
    expect(formatNumber(-0.001)).toBe("0.00")
    expect(formatNumber(999.999)).toBe("1,000.00")
    expect(formatNumber(Number.NaN)).toBe("n/a")
    expect(formatNumber(-Infinity)).toBe("-∞")
    expect(formatCount(1234567)).toBe("1,234,567")
    expect(formatPercent(0.123456)).toBe("12.35%")
    expect(formatPercent(0.123456, true)).toBe("+12.35%")
    expect(formatPercent(-0.00001, true)).toBe("0.00%")
  })

  it("prices, quantities, times and durations", () => {
    expect(formatPrice(43250.5)).toBe("43,250.50")
    expect(formatPrice(1.23456789)).toBe("1.2345679")
    expect(formatPrice(0.000012345)).toBe("0.000012345")
    expect(formatPrice(100)).toBe("100.00")
    expect(formatPrice(0)).toBe("0.00")
    expect(formatQuantity(3)).toBe("3")
    expect(formatQuantity(0.00125)).toBe("0.00125")
    expect(formatTime(0)).toBe("1970-01-01T00:00:00Z")
    expect(formatTime(1_700_000_000_123)).toBe("2023-11-14T22:13:20.123Z")
    expect(formatTime(undefined)).toBe("n/a")
    expect(formatDuration(60_000)).toBe("1m")
    expect(formatDuration(3_600_000)).toBe("1h")
    expect(formatDuration(86_400_000)).toBe("1d")
    expect(formatDuration(90_000)).toBe("1m 30s")
    expect(formatDuration(undefined)).toBe("n/a")
    expect(formatElapsed(45 * 60_000)).toBe("45m")
    expect(formatElapsed(5.5 * 3_600_000)).toBe("5h 30m")
    expect(formatElapsed(86_400_000)).toBe("1d")
    expect(formatElapsed(3 * 86_400_000 + 4 * 3_600_000 + 20 * 60_000)).toBe("3d 4h")
    expect(formatElapsed(1234 * 86_400_000)).toBe("1,234d")
    expect(formatElapsed(undefined)).toBe("n/a")
    expect(formatElapsed(-1)).toBe("n/a")
  })
})
