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
  for (let i = 0; i < equity.length; i++) {
    const e = equity[i]!
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
export const sharpeRatio = (equity: ReadonlyArray<number>, perYear: number): number => returnRatios(equity, perYear).sharpe

/** Annualised standard deviation of simple per-observation returns (sample, n − 1). */
export const volatility = (equity: ReadonlyArray<number>, perYear: number): number => returnRatios(equity, perYear).volatility

/**
 * Annualised Sortino ratio with a target return of 0: `mean(r) / sqrt(Σ min(r, 0)² / n) × sqrt(periodsPerYear)`.
 * `Infinity` when the mean is positive and no observation lost; 0 with fewer than two returns.
 */
export const sortinoRatio = (equity: ReadonlyArray<number>, perYear: number): number => returnRatios(equity, perYear).sortino

/** Compound annual growth rate from the first to the last observation (`(E_n / initial)^(1 / years) − 1`). */
export const annualReturn = (initialCash: number, curve: EquityCurve): number => {
  const n = curve.timestamps.length
  if (n < 2) return 0
  const years = (curve.timestamps[n - 1]! - curve.timestamps[0]!) / YEAR_MS
  const growth = curve.equity[n - 1]! / initialCash
  if (!(years > 0)) return 0
  if (!(growth > 0)) return -1
  return Math.pow(growth, 1 / years) - 1
}

/**
 * Drawdown durations: the longest time under water, from a peak until the equity is back at that level (to the end
 * of the curve when it never is; 0 when the equity never falls below a peak), and for the maximum drawdown (the
 * deepest fall), the time from its trough back to its peak level (`undefined` when it has not recovered).
 */
export const drawdownDurations = (curve: EquityCurve): { readonly longest: number; readonly recovery: number | undefined } => {
  const { timestamps: ts, equity } = curve
  let peak = -Infinity
  let peakTime = 0
  let underwater = false
  let longest = 0
  let worst = 0
  let worstPeak = 0
  let worstTroughTime = 0
  let recovery: number | undefined = undefined
  let recovered = true
  for (let i = 0; i < equity.length; i++) {
    const e = equity[i]!
    const t = ts[i]!
    if (e >= peak) {
      if (underwater) longest = Math.max(longest, t - peakTime)
      if (!recovered && e >= worstPeak) {
        recovery = t - worstTroughTime
        recovered = true
      }
      underwater = false
      peak = e
      peakTime = t
      continue
    }
    underwater = true
    const dd = peak > 0 ? (peak - e) / peak : 0
    if (dd > worst) {
      worst = dd
      worstPeak = peak
      worstTroughTime = t
      recovery = undefined
      recovered = false
    }
  }
  if (underwater) longest = Math.max(longest, ts[ts.length - 1]! - peakTime)
  return { longest, recovery }
}

/**
 * Volatility, Sharpe and Sortino of simple per-observation returns, together in two passes over the curve (the mean
 * and the downside sum, then the squared deviations); {@link volatility}, {@link sharpeRatio} and
 * {@link sortinoRatio} are its parts.
 */
export const returnRatios = (equity: ReadonlyArray<number>, perYear: number): { volatility: number; sharpe: number; sortino: number } => {
  const n = equity.length - 1
  if (n < 2) return { volatility: 0, sharpe: 0, sortino: 0 }
  let sum = 0
  let downside = 0
  for (let i = 1; i <= n; i++) {
    const r = equity[i]! / equity[i - 1]! - 1
    sum += r
    if (r < 0) downside += r * r
  }
  const mean = sum / n
  let sq = 0
  for (let i = 1; i <= n; i++) {
    const d = equity[i]! / equity[i - 1]! - 1 - mean
    sq += d * d
  }
  const std = Math.sqrt(sq / (n - 1))
  const sd = std * Math.sqrt(perYear)
  const dd = Math.sqrt(downside / n)
  return {
    volatility: Number.isFinite(sd) ? sd : 0,
    sharpe: std > 0 && Number.isFinite(std) ? (mean / std) * Math.sqrt(perYear) : 0,
    sortino: !(dd > 0) ? (mean > 0 ? Infinity : 0) : (mean / dd) * Math.sqrt(perYear)
  }
}

/** All metrics of a run. `exposed`: how many equity observations had an open position (default 0). */
export const computeMetrics = (input: {
  readonly initialCash: number
  readonly equity: EquityCurve
  readonly trades: ReadonlyArray<Trade>
  readonly bars: number
  readonly exposed?: number | undefined
}): Metrics => {
  const { equity, trades, initialCash } = input
  const values = equity.equity
  const finalEquity = values.length > 0 ? values[values.length - 1]! : initialCash
  const perYear = periodsPerYear(equity.timestamps)
  let wins = 0
  let losses = 0
  let grossProfit = 0
  let grossLoss = 0
  let totalFees = 0
  let totalPnl = 0
  for (const t of trades) {
    totalFees += t.fees
    totalPnl += t.pnl
    if (t.pnl > 0) {
      wins++
      grossProfit += t.pnl
    } else {
      if (t.pnl < 0) losses++
      grossLoss -= t.pnl
    }
  }
  const annual = annualReturn(initialCash, equity)
  const dd = maxDrawdown(values)
  const durations = drawdownDurations(equity)
  const ratios = returnRatios(values, perYear)
  return {
    initialCash,
    finalEquity,
    totalReturn: finalEquity / initialCash - 1,
    annualReturn: annual,
    volatility: ratios.volatility,
    maxDrawdown: dd,
    maxDrawdownDuration: durations.longest,
    recoveryTime: durations.recovery,
    sharpe: ratios.sharpe,
    sortino: ratios.sortino,
    calmar: dd > 0 ? annual / dd : annual > 0 ? Infinity : 0,
    periodsPerYear: perYear,
    tradeCount: trades.length,
    winRate: trades.length > 0 ? wins / trades.length : 0,
    profitFactor: grossLoss > 0 ? grossProfit / grossLoss : grossProfit > 0 ? Infinity : 0,
    avgWin: wins > 0 ? grossProfit / wins : 0,
    avgLoss: losses > 0 ? -grossLoss / losses : 0,
    expectancy: trades.length > 0 ? totalPnl / trades.length : 0,
    exposure: values.length > 0 ? (input.exposed ?? 0) / values.length : 0,
    totalFees,
    bars: input.bars,
    start: equity.timestamps[0],
    end: equity.timestamps[equity.timestamps.length - 1]
  }
}
