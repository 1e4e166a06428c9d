/**
 * A small synthetic BacktestResult for the report tests.
 */
import type { BacktestResult, Trade } from "../../src/backtest/result.ts"
import { SymbolName } from "../../src/domain/bar.ts"
import { DataRowError } from "../../src/domain/errors.ts"

const HOUR = 3_600_000
const T0 = Date.UTC(2024, 0, 1)

const trade = (over: Partial<Trade> & Pick<Trade, "id">): Trade => ({
  symbol: "SIM-A",
  side: "long",
  quantity: 1.5,
  entryTime: T0 + 2 * HOUR,
  entryPrice: 100,
  exitTime: T0 + 5 * HOUR,
  exitPrice: 110,
  fees: 0.21,
  pnl: 14.79,
  returnPct: 0.0986,
  barsHeld: 3,
  holdingMs: 3 * HOUR,
  mae: 1.5 * 2,
  mfe: 1.5 * 12,
  maePct: 0.02,
  mfePct: 0.12,
  entryReason: "ema cross",
  exitReason: "take_profit",
  exitNote: "",
  ...over
})

/** Ten hourly bars from T0: open = base + i·step, high = open + 2·step, low = open − step, close = open + step. */
const bars = (symbol: string, base: number, step: number) => {
  const open = Array.from({ length: 10 }, (_, i) => base + i * step)
  return {
    symbol,
    timestamps: open.map((_, i) => T0 + i * HOUR),
    open,
    high: open.map((o) => o + 2 * step),
    low: open.map((o) => o - step),
    close: open.map((o) => o + step)
  }
}

/**
 * A run of two symbols with 10 equity points and 10 bars each, 3 trades, one gap, one suspect bar and two skipped
 * rows.
 */
export const sampleResult = (over: Partial<BacktestResult> = {}): BacktestResult => {
  const timestamps = Array.from({ length: 10 }, (_, i) => T0 + i * HOUR)
  const equity = [10_000, 10_050, 10_020, 9_900, 9_950, 10_100, 10_300, 10_250, 10_400, 10_346.789]
  return {
    strategy: "ema_crossover",
    symbols: ["SIM-A", "SIM-B"],
    orders: [],
    transitionsDropped: 0,
    reloads: [],
    prices: [bars("SIM-A", 100, 1), bars("SIM-B", 0.000012, 0.0000001)],
    metrics: {
      initialCash: 10_000,
      finalEquity: 10_346.789,
      totalReturn: 0.0346789,
      annualReturn: 0.4321,
      volatility: 0.25,
      maxDrawdown: 0.014925373134328358,
      maxDrawdownDuration: 3 * HOUR,
      recoveryTime: 2 * HOUR,
      sharpe: 1.23456,
      sortino: 2.5,
      calmar: 28.95,
      periodsPerYear: 8766,
      tradeCount: 3,
      winRate: 2 / 3,
      profitFactor: 2.5,
      avgWin: 20,
      avgLoss: -11.5,
      expectancy: 9.5,
      exposure: 0.4,
      totalFees: 1234.5678,
      bars: 20,
      start: timestamps[0],
      end: timestamps[9]
    },
    trades: [
      trade({ id: 1 }),
      trade({
        id: 2,
        symbol: "SIM-B",
        side: "short",
        quantity: 0.00125,
        entryPrice: 0.000012345,
        exitPrice: 0.000013,
        pnl: -5.5,
        returnPct: -0.05,
        exitReason: "stop_loss"
      }),
      trade({ id: 3, entryPrice: 43250.5, exitPrice: 43300, pnl: 49.5, returnPct: 0.00114, exitReason: "end_of_data" })
    ],
    equity: { timestamps, equity },
    transitions: [],
    rejections: [{ symbol: "SIM-A", timestamp: T0 + 3 * HOUR, action: "enter_long", reason: "insufficient cash" }],
    failures: [],
    quality: {
      symbols: [
        {
          symbol: SymbolName("SIM-A"),
          files: ["fixtures/sim/SIM-A_1h.csv"],
          bars: 10,
          first: T0,
          last: T0 + 9 * HOUR,
          intervalMs: HOUR,
          gaps: [{ symbol: SymbolName("SIM-A"), after: T0 + 3 * HOUR, next: T0 + 6 * HOUR, missingBars: 2 }],
          suspectBars: [{
            symbol: SymbolName("SIM-A"),
            timestamp: T0 + 7 * HOUR,
            file: "fixtures/sim/SIM-A_1h.csv",
            line: 9,
            reason: "volume is 0 and open = high = low = close"
          }],
          zeroVolumeBars: 1
        },
        {
          symbol: SymbolName("SIM-B"),
          files: ["fixtures/sim/SIM-B_1h.csv"],
          bars: 10,
          first: T0,
          last: T0 + 9 * HOUR,
          intervalMs: HOUR,
          gaps: [],
          suspectBars: [],
          zeroVolumeBars: 0
        }
      ],
      skippedRows: 2,
      skippedSamples: [
        new DataRowError({ file: "b.csv", line: 4, column: 3, field: "high", reason: "high 9 is below <open> 10" }),
        new DataRowError({ file: "b.csv", line: 7, column: 2, field: "timestamp", reason: "not a number" })
      ]
    },
    ...over
  }
}
