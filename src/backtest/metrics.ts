/**
 * Performance metrics computed from an equity curve and a trade list. Pure functions; formulas in docs/metrics.md.
 *
 * @module
 */
import type { EquityCurve, Metrics, Trade } from "./result.ts"

/** Milliseconds in a mean Julian year (365.25 days). */
export const YEAR_MS = 365.25 * 24 * 3600 * 1000

/** Largest peak-to-trough fall of the equity curve, as a fraction of the peak (0.25 = 25%). */
export const maxDrawdown = (equity: ReadonlyArray<number>): number => {
  let peak = -Infinity
  let worst = 0
  for (const e of equity) {
    if (e > peak) peak = e
    if (peak > 0) {
      const dd = (peak - e) / peak
      if (dd > worst) worst = dd
    }
  }
  return worst
}

/**
 * Equity observations per year, measured from the data: `returns / elapsed years`. This annualises correctly for
 * 24/7 crypto bars and for exchange-hours stock bars alike (daily stock data gives ≈ 252, not 365).
 */
export const periodsPerYear = (timestamps: ReadonlyArray<number>): number => {
  const n = timestamps.length
  if (n < 2) return 0
  const elapsed = timestamps[n - 1]! - timestamps[0]!
  return elapsed > 0 ? (n - 1) / (elapsed / YEAR_MS) : 0
}

/**
 * Annualised Sharpe ratio of simple per-observation returns, with a zero risk-free rate:
 * `mean / sampleStd × sqrt(periodsPerYear)`. Zero when there are fewer than two returns or no variance.
 */
export const sharpeRatio = (equity: ReadonlyArray<number>, perYear: number): number => {
  const n = equity.length - 1
  if (n < 2) return 0
  let sum = 0
  for (let i = 1; i <= n; i++) sum += equity[i]! / equity[i - 1]! - 1
  const mean = sum / n
  let sq = 0
  for (let i = 1; i <= n; i++) {
    const d = equity[i]! / equity[i - 1]! - 1 - mean
    sq += d * d
  }
  const std = Math.sqrt(sq / (n - 1))
  return std > 0 && Number.isFinite(std) ? (mean / std) * Math.sqrt(perYear) : 0
}

/** All metrics of a run. */
export const computeMetrics = (input: {
  readonly initialCash: number
  readonly equity: EquityCurve
  readonly trades: ReadonlyArray<Trade>
  readonly bars: number
}): Metrics => {
  const { equity, trades, initialCash } = input
  const values = equity.equity
  const finalEquity = values.length > 0 ? values[values.length - 1]! : initialCash
  const perYear = periodsPerYear(equity.timestamps)
  let wins = 0
  let grossProfit = 0
  let grossLoss = 0
  let totalFees = 0
  for (const t of trades) {
    totalFees += t.fees
    if (t.pnl > 0) {
      wins++
      grossProfit += t.pnl
    } else {
      grossLoss -= t.pnl
    }
  }
  return {
    initialCash,
    finalEquity,
    totalReturn: finalEquity / initialCash - 1,
    maxDrawdown: maxDrawdown(values),
    sharpe: sharpeRatio(values, perYear),
    periodsPerYear: perYear,
    tradeCount: trades.length,
    winRate: trades.length > 0 ? wins / trades.length : 0,
    profitFactor: grossLoss > 0 ? grossProfit / grossLoss : grossProfit > 0 ? Infinity : 0,
    totalFees,
    bars: input.bars,
    start: equity.timestamps[0],
    end: equity.timestamps[equity.timestamps.length - 1]
  }
}
