/**
 * Every CSV file in the shared data folder, read through the CSV Layer. Counts, gaps and anomalies are the facts
 * stated in each folder's README; first and last bars are compared with the file's text split naively.
 */
import { readdirSync } from "node:fs"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { type Bar, compareBars } from "../../src/domain/bar.ts"
import { csvMarketData } from "../../src/market-data/layers.ts"
import { ZERO_VOLUME_BEFORE_GAP } from "../../src/market-data/quality.ts"
import { dataFile } from "../support/data.ts"
import { collect, collectError, rawRows, symbolQuality, utc } from "./helpers.ts"
import { BTC_6COL_GAPS } from "../support/btc-gaps.ts"

const H = 3_600_000
const D = 86_400_000
const market = (...parts: Array<string>): string => dataFile("market", ...parts)

/** Compares a bar with a raw row `[time, open, high, low, close, volume]` (time already converted). */
const assertBar = (bar: Bar | undefined, time: number, row: ReadonlyArray<string>): void => {
  assert.isDefined(bar)
  assert.strictEqual(bar!.timestamp, time)
  assert.deepStrictEqual([bar!.open, bar!.high, bar!.low, bar!.close, bar!.volume], row.map(Number))
}

/** First and last bar against the file's first and last data rows, for headered files. */
const spotCheck = (bars: ReadonlyArray<Bar>, file: string, timeCol: number, cols: ReadonlyArray<number>, toTime: (s: string) => number) => {
  const rows = rawRows(file, true)
  const first = rows[0]!
  const last = rows[rows.length - 1]!
  assertBar(bars[0], toTime(first[timeCol]!), cols.map((c) => first[c]!))
  assertBar(bars[bars.length - 1], toTime(last[timeCol]!), cols.map((c) => last[c]!))
}

const dateUtc = (s: string): number => utc(s.includes(" ") ? `${s.replace(" ", "T").replace("+00:00", "")}Z` : `${s}T00:00:00Z`)

const assertOrdered = (bars: ReadonlyArray<Bar>): void => {
  for (let i = 1; i < bars.length; i++) {
    if (compareBars(bars[i - 1]!, bars[i]!) >= 0) assert.fail(`bars ${i - 1} and ${i} are not in compareBars order`)
  }
}

describe("binance_btcusdt_1h_6col", () => {
  const file = market("binance_btcusdt_1h_6col", "BTCUSDT_1h_2018-02-09_2025-03-31.csv")

  it.effect("62,482 bars, first and last as in the file", () =>
    Effect.gen(function*() {
      const { bars, quality, chunkSizes } = yield* collect(csvMarketData({ files: [file] }))
      assert.strictEqual(bars.length, 62_482)
      assert.isTrue(chunkSizes.every((n) => n <= 4096) && chunkSizes.length === Math.ceil(62_482 / 4096))
      spotCheck(bars, file, 0, [1, 2, 3, 4, 5], dateUtc)
      assert.strictEqual(bars[0]!.symbol, "BTCUSDT")
      assertOrdered(bars)
      const q = symbolQuality(quality, "BTCUSDT")
      assert.strictEqual(q.bars, 62_482)
      assert.strictEqual(q.first, utc("2018-02-09T16:00:00Z"))
      assert.strictEqual(q.last, utc("2025-03-31T17:00:00Z"))
      assert.strictEqual(q.intervalMs, H)
      assert.strictEqual(q.calendar, "24x7")
      assert.deepStrictEqual(q.files, [file])
    }))

  it.effect("exactly the 25 gaps listed in its README", () =>
    Effect.gen(function*() {
      // README: "the last bar before the gap and the step to the next bar".
      const listed = BTC_6COL_GAPS
      const { quality } = yield* collect(csvMarketData({ files: [file] }))
      const q = symbolQuality(quality, "BTCUSDT")
      assert.deepStrictEqual(
        q.gaps.map((g) => [g.after, g.next, g.missingBars]),
        listed.map(([t, step]) => {
          const after = utc(`${t.replace(" ", "T")}:00Z`)
          return [after, after + step * H, step - 1]
        })
      )
    }))

  it.effect("zero-volume bars before gaps are suspect (2021-02-11 03:00 and the 2023-03-24 12:00 outage bar)", () =>
    Effect.gen(function*() {
      const { quality } = yield* collect(csvMarketData({ files: [file] }))
      const q = symbolQuality(quality, "BTCUSDT")
      // Three rows have volume 0.0 (2019-06-07 21:00, 2021-02-11 03:00, 2023-03-24 12:00); only two precede a gap.
      assert.strictEqual(q.zeroVolumeBars, 3)
      assert.deepStrictEqual(
        q.suspectBars.map((s) => [s.timestamp, s.reason]),
        [[utc("2021-02-11T03:00:00Z"), ZERO_VOLUME_BEFORE_GAP], [utc("2023-03-24T12:00:00Z"), ZERO_VOLUME_BEFORE_GAP]]
      )
      // Line numbers count the header: 2023-03-24 12:00 is data row n, line n + 1.
      const rows = rawRows(file, true)
      const index = rows.findIndex((r) => r[0] === "2023-03-24 12:00:00")
      assert.strictEqual(q.suspectBars[1]!.line, index + 2)
      assert.strictEqual(q.suspectBars[1]!.file, file)
    }))
})

describe("binance_spot_klines_dump", () => {
  const dir = market("binance_spot_klines_dump")
  const ethFiles = readdirSync(dir).filter((f) => f.startsWith("ETHUSDT-")).sort().map((f) => `${dir}/${f}`)
  const btcDump = `${dir}/BTCUSDT-1h-2022-01.csv`

  it("has the 15 ETHUSDT monthly files", () => {
    assert.strictEqual(ethFiles.length, 15)
  })

  it.effect("15 ETHUSDT files, listed in any order, concatenate to 10,919 bars in time order", () =>
    Effect.gen(function*() {
      const shuffled = [...ethFiles.slice(7), ...ethFiles.slice(0, 7).reverse()]
      const { bars, quality } = yield* collect(csvMarketData({ files: shuffled }))
      assert.strictEqual(bars.length, 10_919)
      assertOrdered(bars)
      const first = rawRows(ethFiles[0]!, false)[0]!
      const lastRows = rawRows(ethFiles[14]!, false)
      const last = lastRows[lastRows.length - 1]!
      assertBar(bars[0], Number(first[0]), first.slice(1, 6))
      assertBar(bars[bars.length - 1], Number(last[0]), last.slice(1, 6))
      assert.strictEqual(bars[0]!.timestamp, utc("2022-01-01T00:00:00Z"))
      assert.strictEqual(bars[bars.length - 1]!.timestamp, utc("2023-03-31T23:00:00Z"))
      const q = symbolQuality(quality, "ETHUSDT")
      assert.deepStrictEqual(q.files, ethFiles)
      assert.strictEqual(q.intervalMs, H)
    }))

  it.effect("the truncated 2023-03-24 12:00 bar is suspect and the missing 13:00 bar is a gap", () =>
    Effect.gen(function*() {
      const { bars, quality } = yield* collect(csvMarketData({ files: ethFiles }))
      const q = symbolQuality(quality, "ETHUSDT")
      const noon = utc("2023-03-24T12:00:00Z")
      assert.deepStrictEqual(q.gaps, [{ symbol: q.symbol, after: noon, next: noon + 2 * H, missingBars: 1 }])
      assert.strictEqual(q.suspectBars.length, 1)
      const s = q.suspectBars[0]!
      assert.strictEqual(s.timestamp, noon)
      assert.strictEqual(s.file, ethFiles[14])
      // 2023-03-24 12:00 is the 564th hour of March (23 days × 24 + 12 + 1); no header, so line 565.
      assert.strictEqual(s.line, 565)
      assert.strictEqual(
        s.reason,
        `truncated bar: close_time 2023-03-24T12:39:43.061Z is not open_time + 1h - 1 ms (closed 20m 16.938s early); ${ZERO_VOLUME_BEFORE_GAP}`
      )
      assert.strictEqual(q.zeroVolumeBars, 1)
      const bar = bars.find((b) => b.timestamp === noon)!
      assert.deepStrictEqual([bar.open, bar.high, bar.low, bar.close, bar.volume], [1789.52, 1789.52, 1789.52, 1789.52, 0])
    }))

  it.effect("BTCUSDT 2022-01 dump: 744 bars, no gaps, bar for bar equal to the 6-column file's January 2022", () =>
    Effect.gen(function*() {
      const dump = yield* collect(csvMarketData({ files: [btcDump] }))
      assert.strictEqual(dump.bars.length, 744)
      const q = symbolQuality(dump.quality, "BTCUSDT")
      assert.deepStrictEqual([q.gaps.length, q.suspectBars.length, q.zeroVolumeBars], [0, 0, 0])
      const sixCol = yield* collect(csvMarketData({
        files: [market("binance_btcusdt_1h_6col", "BTCUSDT_1h_2018-02-09_2025-03-31.csv")],
        from: utc("2022-01-01T00:00:00Z"),
        to: utc("2022-02-01T00:00:00Z")
      }))
      assert.strictEqual(sixCol.bars.length, 744)
      assert.deepStrictEqual(dump.bars, sixCol.bars)
    }))

  it.effect("BTCUSDT (6-column) + ETHUSDT (dump) merge into one stream in compareBars order", () =>
    Effect.gen(function*() {
      const { bars, chunkSizes, quality } = yield* collect(csvMarketData({
        files: [...ethFiles, market("binance_btcusdt_1h_6col", "BTCUSDT_1h_2018-02-09_2025-03-31.csv")],
        from: utc("2022-01-01T00:00:00Z"),
        to: utc("2023-04-01T00:00:00Z")
      }))
      // 455 days of hours, less the 13:00 bar missing from both on 2023-03-24.
      assert.strictEqual(symbolQuality(quality, "BTCUSDT").bars, 10_919)
      assert.strictEqual(bars.length, 2 * 10_919)
      assertOrdered(bars)
      assert.deepStrictEqual(bars.slice(0, 4).map((b) => [b.symbol, b.timestamp]), [
        ["BTCUSDT", utc("2022-01-01T00:00:00Z")], ["ETHUSDT", utc("2022-01-01T00:00:00Z")],
        ["BTCUSDT", utc("2022-01-01T01:00:00Z")], ["ETHUSDT", utc("2022-01-01T01:00:00Z")]
      ])
      assert.isTrue(chunkSizes.length > 1 && chunkSizes.every((n) => n <= 4096))
      assert.deepStrictEqual(quality.symbols.map((s) => s.symbol), ["BTCUSDT", "ETHUSDT"])
    }))

  it.effect("period common: BTCUSDT 2018–2025 + ETHUSDT 2022-01–2023-03 keep exactly ETHUSDT's span, as --from/--to would", () =>
    Effect.gen(function*() {
      const files = [...ethFiles, market("binance_btcusdt_1h_6col", "BTCUSDT_1h_2018-02-09_2025-03-31.csv")]
      const common = yield* collect(csvMarketData({ files, period: "common" }))
      const ranged = yield* collect(csvMarketData({ files, from: utc("2022-01-01T00:00:00Z"), to: utc("2023-03-31T23:00:01Z") }))
      assert.strictEqual(common.bars.length, 2 * 10_919)
      assert.deepStrictEqual(common.bars, ranged.bars)
      assert.deepStrictEqual(common.quality, ranged.quality)
      for (const s of common.quality.symbols) {
        assert.strictEqual(s.first, utc("2022-01-01T00:00:00Z"))
        assert.strictEqual(s.last, utc("2023-03-31T23:00:00Z"))
      }
      // within --from/--to: the common part of what is left
      const late = yield* collect(csvMarketData({ files, period: "common", from: utc("2023-03-01T00:00:00Z"), to: utc("2024-01-01T00:00:00Z") }))
      assert.strictEqual(late.bars[0]!.timestamp, utc("2023-03-01T00:00:00Z"))
      assert.strictEqual(late.bars[late.bars.length - 1]!.timestamp, utc("2023-03-31T23:00:00Z"))
    }))

  it.effect("period common with symbols that never overlap fails, naming each symbol's span", () =>
    Effect.gen(function*() {
      const error = yield* collectError(csvMarketData({
        files: [`${dir}/BTCUSDT-1h-2022-01.csv`, `${dir}/ETHUSDT-1h-2023-03.csv`],
        period: "common"
      }))
      assert.strictEqual(error._tag, "DataFileError")
      assert.strictEqual(
        error.message,
        "(all data files): the symbols have no common period: BTCUSDT 2022-01-01T00:00:00Z → 2022-01-31T23:00:00Z, ETHUSDT 2023-03-01T00:00:00Z → 2023-03-31T23:00:00Z"
      )
    }))
})

describe("binance_us_1m", () => {
  const file = market("binance_us_1m", "BTCUSDT_1m_20230301_20230321.csv")

  it.effect("30,240 one-minute bars, no gaps, 658 zero-volume and 1,616 flat bars", () =>
    Effect.gen(function*() {
      const { bars, quality } = yield* collect(csvMarketData({ files: [file] }))
      assert.strictEqual(bars.length, 30_240)
      spotCheck(bars, file, 0, [1, 2, 3, 4, 5], dateUtc)
      const q = symbolQuality(quality, "BTCUSDT")
      assert.strictEqual(q.intervalMs, 60_000)
      assert.deepStrictEqual(q.gaps, [])
      assert.deepStrictEqual(q.suspectBars, [])
      assert.strictEqual(q.zeroVolumeBars, 658)
      assert.strictEqual(bars.filter((b) => b.open === b.high && b.high === b.low && b.low === b.close).length, 1_616)
      assert.strictEqual(q.first, utc("2023-03-01T00:00:00Z"))
      assert.strictEqual(q.last, utc("2023-03-21T23:59:00Z"))
    }))

  it.effect("the metadata file is not OHLCV data and is rejected with the columns it has", () =>
    Effect.gen(function*() {
      const file = market("binance_us_1m", "metadata_range_1m_20230301_20230321.csv")
      const error = yield* collectError(csvMarketData({ files: [file] }))
      assert.strictEqual(error._tag, "DataFileError")
      assert.strictEqual(
        error.message,
        `${file}: no time column: expected one named datetime, date, time, timestamp or open_time, or an unnamed first column (found "pair", "interval", "start_utc", "end_utc", "exchange")`
      )
    }))
})

describe("backtesting_py", () => {
  it.effect("GOOG: 2,148 daily bars on a weekday calendar; only closures of 2+ weekdays are gaps", () =>
    Effect.gen(function*() {
      const file = market("backtesting_py", "GOOG.csv")
      const { bars, quality } = yield* collect(csvMarketData({ files: [file] }))
      assert.strictEqual(bars.length, 2_148)
      spotCheck(bars, file, 0, [1, 2, 3, 4, 5], dateUtc)
      const q = symbolQuality(quality, "GOOG")
      assert.strictEqual(q.intervalMs, D)
      assert.strictEqual(q.calendar, "weekdays")
      // 2007-01-01 holiday + 2007-01-02 national day of mourning; Hurricane Sandy, 2012-10-29/30.
      assert.deepStrictEqual(q.gaps.map((g) => [g.after, g.next, g.missingBars]), [
        [utc("2006-12-29T00:00:00Z"), utc("2007-01-03T00:00:00Z"), 2],
        [utc("2012-10-26T00:00:00Z"), utc("2012-10-31T00:00:00Z"), 2]
      ])
    }))

  it.effect("EURUSD: 5,000 hourly bars; FX trades on Sundays, so it is 24x7 and its 42 weekends are gaps", () =>
    Effect.gen(function*() {
      const file = market("backtesting_py", "EURUSD.csv")
      const { bars, quality } = yield* collect(csvMarketData({ files: [file] }))
      assert.strictEqual(bars.length, 5_000)
      spotCheck(bars, file, 0, [1, 2, 3, 4, 5], dateUtc)
      const q = symbolQuality(quality, "EURUSD")
      assert.strictEqual(q.intervalMs, H)
      assert.strictEqual(q.calendar, "24x7")
      assert.strictEqual(q.gaps.length, 42)
      for (const g of q.gaps) {
        const from = new Date(g.after).getUTCDay()
        const to = new Date(g.next).getUTCDay()
        assert.isTrue(from === 5 && (to === 0 || to === 1), `gap ${new Date(g.after).toISOString()} is not a weekend`)
        assert.strictEqual(g.missingBars, (g.next - g.after) / H - 1)
      }
      assert.strictEqual(q.first, utc("2017-04-19T09:00:00Z"))
      assert.strictEqual(q.last, utc("2018-02-07T15:00:00Z"))
    }))

  it.effect("BTCUSD: 156 monthly bars, 28–31 day steps are one calendar month, no gaps", () =>
    Effect.gen(function*() {
      const file = market("backtesting_py", "BTCUSD.csv")
      const { bars, quality } = yield* collect(csvMarketData({ files: [file] }))
      assert.strictEqual(bars.length, 156)
      spotCheck(bars, file, 0, [1, 2, 3, 4, 5], dateUtc)
      const q = symbolQuality(quality, "BTCUSD")
      assert.strictEqual(q.calendar, "monthly")
      assert.strictEqual(q.intervalMs, 31 * D) // the most common step
      assert.deepStrictEqual(q.gaps, [])
      assert.strictEqual(q.first, utc("2012-01-31T00:00:00Z"))
      assert.strictEqual(q.last, utc("2024-12-31T00:00:00Z"))
    }))
})

describe("backtrader (Yahoo daily: Date,Open,High,Low,Close,Adj Close,Volume)", () => {
  const cases = [
    ["orcl-1995-2014.csv", "ORCL", 5_036, "1995-01-03", "2014-12-31"],
    ["nvda-1999-2014.csv", "NVDA", 4_012, "1999-01-22", "2014-12-31"],
    ["yhoo-1996-2015.csv", "YHOO", 4_965, "1996-04-12", "2015-12-31"]
  ] as const
  for (const [name, symbol, count, first, last] of cases) {
    it.effect(`${name}: ${count} bars as ${symbol}, unadjusted Close, the three market closures are gaps`, () =>
      Effect.gen(function*() {
        const file = market("backtrader", name)
        const { bars, quality } = yield* collect(csvMarketData({ files: [file] }))
        assert.strictEqual(bars.length, count)
        spotCheck(bars, file, 0, [1, 2, 3, 4, 6], dateUtc) // column 5 is Adj Close, ignored
        const q = symbolQuality(quality, symbol)
        assert.strictEqual(q.first, utc(`${first}T00:00:00Z`))
        assert.strictEqual(q.last, utc(`${last}T00:00:00Z`))
        assert.strictEqual(q.calendar, "weekdays")
        // 9/11 (2001-09-11…14), 2007-01-01/02, Hurricane Sandy (2012-10-29/30).
        assert.deepStrictEqual(q.gaps.map((g) => [g.after, g.missingBars]), [
          [utc("2001-09-10T00:00:00Z"), 4],
          [utc("2006-12-29T00:00:00Z"), 2],
          [utc("2012-10-26T00:00:00Z"), 2]
        ])
      }))
  }

  it.effect("three stocks with different listing dates merge in compareBars order", () =>
    Effect.gen(function*() {
      const files = cases.map(([name]) => market("backtrader", name))
      const { bars, quality } = yield* collect(csvMarketData({ files }))
      assert.strictEqual(bars.length, 5_036 + 4_012 + 4_965)
      assertOrdered(bars)
      assert.deepStrictEqual(quality.symbols.map((s) => s.symbol), ["NVDA", "ORCL", "YHOO"])
    }))
})

describe("pandas_ta", () => {
  it.effect("SPY_D: 5,241 bars; the unnamed first column is a row index and `date` is the time", () =>
    Effect.gen(function*() {
      const file = market("pandas_ta", "SPY_D.csv")
      const { bars, quality } = yield* collect(csvMarketData({ files: [file] }))
      assert.strictEqual(bars.length, 5_241)
      spotCheck(bars, file, 1, [2, 3, 4, 5, 6], dateUtc)
      const q = symbolQuality(quality, "SPY")
      assert.strictEqual(q.first, utc("1999-11-01T00:00:00Z"))
      assert.strictEqual(q.last, utc("2020-08-28T00:00:00Z"))
      assert.strictEqual(q.calendar, "weekdays")
      assert.deepStrictEqual(q.gaps.map((g) => g.after), [
        utc("2001-09-10T00:00:00Z"), utc("2006-12-29T00:00:00Z"), utc("2012-10-26T00:00:00Z")
      ])
    }))
})

describe("coverage", () => {
  it("every CSV file in the shared market folder is covered above", () => {
    const covered = new Set([
      "binance_btcusdt_1h_6col/BTCUSDT_1h_2018-02-09_2025-03-31.csv",
      "binance_spot_klines_dump/BTCUSDT-1h-2022-01.csv",
      ...Array.from({ length: 15 }, (_, i) => {
        const y = i < 12 ? 2022 : 2023
        const m = (i % 12) + 1
        return `binance_spot_klines_dump/ETHUSDT-1h-${y}-${String(m).padStart(2, "0")}.csv`
      }),
      "binance_us_1m/BTCUSDT_1m_20230301_20230321.csv",
      "binance_us_1m/metadata_range_1m_20230301_20230321.csv",
      "backtesting_py/GOOG.csv",
      "backtesting_py/EURUSD.csv",
      "backtesting_py/BTCUSD.csv",
      "backtrader/orcl-1995-2014.csv",
      "backtrader/nvda-1999-2014.csv",
      "backtrader/yhoo-1996-2015.csv",
      "pandas_ta/SPY_D.csv"
    ])
    const found = readdirSync(market()).flatMap((d) => readdirSync(market(d)).filter((f) => f.endsWith(".csv")).map((f) => `${d}/${f}`))
    assert.deepStrictEqual(found.filter((f) => !covered.has(f)), [])
    assert.strictEqual(found.length, covered.size)
  })
})
