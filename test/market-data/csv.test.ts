/**
 * The CSV parser on small inputs: formats and their detection, timestamps, numbers, and every kind of bad row with
 * its exact `file:line:column: field: reason`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fc from "fast-check"
import { DataFileError, DataRowError } from "../../src/domain/errors.ts"
import {
  formatOhlcvCsv,
  intervalFromFileName,
  parseCsvText,
  parseTimestamp,
  symbolFromFileName
} from "../../src/market-data/csv.ts"
import { csvMarketData } from "../../src/market-data/layers.ts"
import { MAX_SKIPPED_SAMPLES } from "../../src/market-data/MarketData.ts"
import { simulateBars } from "../../src/market-data/simulated.ts"
import { collect, collectError, symbolQuality, tempFile, utc } from "./helpers.ts"

const HEADER = "timestamp,open,high,low,close,volume\n"
/** A headered file: row i (0-based) is on line i + 2. */
const ohlcv = (...rows: Array<string>): string => HEADER + rows.map((r) => `${r}\n`).join("")
const GOOD = [
  "2023-03-01T00:00:00Z,10,12,9,11,100",
  "2023-03-01T01:00:00Z,11,13,10,12,200",
  "2023-03-01T02:00:00Z,12,14,11,13,300"
]

const failure = (text: string, file = "ETH.csv", options = {}) => {
  const r = parseCsvText(text, file, options)
  assert.isDefined(r.error, "expected the parse to fail")
  return r.error!
}

describe("file names", () => {
  it("symbols come from the leading name tokens", () => {
    const cases: ReadonlyArray<readonly [string, string | undefined]> = [
      ["ETHUSDT-1h-2023-03.csv", "ETHUSDT"],
      ["/data/BTCUSDT_1h_2018-02-09_2025-03-31.csv", "BTCUSDT"],
      ["GOOG.csv", "GOOG"],
      ["orcl-1995-2014.csv", "ORCL"],
      ["SPY_D.csv", "SPY"],
      ["SIM-A_1h.csv", "SIM-A"],
      ["btc-usd-2020.csv", "BTC-USD"],
      ["C:\\data\\eurusd.csv", "EURUSD"],
      ["2023-data.csv", undefined]
    ]
    for (const [file, symbol] of cases) assert.strictEqual(symbolFromFileName(file), symbol, file)
  })

  it("Binance dump names carry the interval", () => {
    assert.strictEqual(intervalFromFileName("ETHUSDT-1h-2023-03.csv"), 3_600_000)
    assert.strictEqual(intervalFromFileName("BTCUSDT-15m-2024-01.csv"), 900_000)
    assert.strictEqual(intervalFromFileName("BTCUSDT-1d-2024-01.csv"), 86_400_000)
    assert.strictEqual(intervalFromFileName("BTCUSDT-1M-2024.csv"), undefined)
    assert.strictEqual(intervalFromFileName("GOOG.csv"), undefined)
  })

  it("a file whose name gives no symbol needs an explicit one", () => {
    const error = failure(ohlcv(...GOOD), "2023.csv")
    assert.strictEqual(error.message, "2023.csv: cannot derive a symbol from the file name: pass symbol")
    assert.strictEqual(parseCsvText(ohlcv(...GOOD), "2023.csv", { symbol: "ETH" }).bars[0]!.symbol, "ETH")
  })
})

describe("timestamps", () => {
  it("ISO dates, date-times, offsets and epoch numbers", () => {
    const cases: ReadonlyArray<readonly [string, number]> = [
      ["2004-08-19", utc("2004-08-19T00:00:00Z")],
      ["2023-03-01 12:34:56", utc("2023-03-01T12:34:56Z")],
      ["2023-03-01T12:34", utc("2023-03-01T12:34:00Z")],
      ["2023-03-01T12:34:56Z", utc("2023-03-01T12:34:56Z")],
      ["2023-03-01T12:34:56.789Z", utc("2023-03-01T12:34:56.789Z")],
      ["2023-03-01 00:00:00+00:00", utc("2023-03-01T00:00:00Z")],
      ["2023-03-01 02:00:00+02:00", utc("2023-03-01T00:00:00Z")],
      ["2023-02-28 19:00:00-0500", utc("2023-03-01T00:00:00Z")],
      ["2024-02-29", utc("2024-02-29T00:00:00Z")],
      ["1677628800", utc("2023-03-01T00:00:00Z")], // seconds
      ["1677628800000", utc("2023-03-01T00:00:00Z")], // milliseconds
      ["1677628800000000", utc("2023-03-01T00:00:00Z")], // microseconds
      ["1899-12-31", utc("1899-12-31T00:00:00Z")]
    ]
    for (const [text, ms] of cases) assert.strictEqual(parseTimestamp(text), ms, text)
    for (const bad of ["2023-02-29", "2023-13-01", "2023-03-01 24:00:00", "2023-03-01T12", "yesterday", "", "2023-03-01Q"]) {
      assert.strictEqual(parseTimestamp(bad), undefined, bad)
    }
  })

  it("agrees with Date.parse on random UTC date-times", () => {
    fc.assert(fc.property(fc.integer({ min: -2_208_988_800_000, max: 4_102_444_800_000 }), (ms) => {
      const iso = new Date(ms).toISOString()
      assert.strictEqual(parseTimestamp(iso), ms)
      assert.strictEqual(parseTimestamp(iso.replace("T", " ").replace("Z", "+00:00")), ms)
    }), { numRuns: 2000 })
  })
})

describe("numbers", () => {
  const parseOpen = (text: string): number | undefined => {
    const r = parseCsvText(`timestamp,open,high,low,close,volume\n0,${text},${text},${text},${text},1\n`, "X.csv")
    return r.bars[0]?.open
  }

  it("the fast path gives exactly Number(text), long mantissas included", () => {
    const decimal = fc.tuple(
      fc.boolean(),
      fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: 1, maxLength: 20 }),
      fc.option(fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: 0, maxLength: 20 }))
    ).map(([neg, int, frac]) => `${neg ? "-" : ""}${int}${frac === null ? "" : `.${frac}`}`)
    fc.assert(fc.property(decimal, (text) => {
      assert.isTrue(Object.is(parseOpen(text), Number(text)), text)
    }), { numRuns: 5000 })
  })

  it("exponents, a leading plus, quotes and spaces take the slow path", () => {
    assert.strictEqual(parseOpen("1.5e3"), 1500)
    assert.strictEqual(parseOpen("+2.25"), 2.25)
    assert.strictEqual(parseOpen("\"3.5\""), 3.5)
    assert.strictEqual(parseOpen(" 4.5 "), 4.5)
    assert.strictEqual(parseOpen(".5"), 0.5)
  })
})

describe("format detection", () => {
  const dump = [
    "1677628800000,1605.24,1611.09,1595.00,1601.73,26622.74,1677632399999,42698924.02,38490,13816.07,22162871.81,0",
    "1677632400000,1601.74,1615.61,1599.01,1613.95,18957.31,1677635999999,30513453.42,29710,10274.42,16537324.38,0"
  ].join("\n")

  it("12 numeric columns without a header are a Binance dump", () => {
    const r = parseCsvText(dump, "ETHUSDT-1h-2023-03.csv")
    assert.strictEqual(r.parsed?.format, "binance")
    assert.deepStrictEqual(r.bars[1], {
      symbol: r.bars[1]!.symbol, timestamp: 1677632400000, open: 1601.74, high: 1615.61, low: 1599.01, close: 1613.95,
      volume: 18957.31, mid: 1613.95
    })
    assert.strictEqual(r.parsed?.intervalHintMs, 3_600_000)
    assert.deepStrictEqual([...r.parsed!.columns.closeTime!], [1677632399999, 1677635999999])
  })

  it("16-digit (microsecond) dump timestamps, as data.binance.vision writes from 2025, become milliseconds", () => {
    const micro = dump.replace(/^(\d{13}),(.*?),(\d{13}),/gm, "$1000,$2,$3999,")
    assert.include(micro, "1677628800000000,")
    const r = parseCsvText(micro, "ETHUSDT-1h-2025-01.csv")
    assert.deepStrictEqual(r.bars.map((b) => b.timestamp), [1677628800000, 1677632400000])
    assert.deepStrictEqual([...r.parsed!.columns.closeTime!], [1677632399999.999, 1677635999999.999])
  })

  it("a header makes it OHLCV; names are case-insensitive, extra columns ignored, bid/ask read", () => {
    const r = parseCsvText("Date,Open,High,Low,Close,Adj Close,Volume,Bid,Ask\n2023-01-02,1,3,0.5,2,1.9,10,1.9,2.1\n", "x.csv")
    assert.deepStrictEqual(r.bars, [{
      symbol: r.bars[0]!.symbol, timestamp: utc("2023-01-02T00:00:00Z"), open: 1, high: 3, low: 0.5, close: 2, volume: 10,
      bid: 1.9, ask: 2.1, mid: 2
    }])
  })

  it("pandas: an unnamed first column is the time, unless a named time column exists", () => {
    const index = parseCsvText(",Open,High,Low,Close,Volume\n2004-08-19,100,104.06,95.96,100.34,22351900\n", "GOOG.csv")
    assert.strictEqual(index.bars[0]!.timestamp, utc("2004-08-19T00:00:00Z"))
    const rowIndex = parseCsvText(",date,open,high,low,close,volume\n0,1999-11-01,136.5,137.0,135.5625,135.5625,4006500.0\n", "SPY_D.csv")
    assert.strictEqual(rowIndex.bars[0]!.timestamp, utc("1999-11-01T00:00:00Z"))
    assert.strictEqual(rowIndex.bars[0]!.volume, 4_006_500)
  })

  it("a UTF-8 BOM, CRLF line ends, quoted fields and blank lines are accepted", () => {
    const text = "\uFEFF\"timestamp\",\"open\",\"high\",\"low\",\"close\",\"volume\"\r\n\r\n\"2023-03-01 00:00:00\",1,2,0.5,1.5,3\r\n\r\n"
    const r = parseCsvText(text, "x.csv")
    assert.isUndefined(r.error)
    assert.strictEqual(r.bars.length, 1)
    assert.strictEqual(r.bars[0]!.timestamp, utc("2023-03-01T00:00:00Z"))
  })

  it("a numeric first line that is not 12 columns is refused, naming the way out", () => {
    const error = failure("1677628800000,1,2,0.5,1.5,3\n", "x.csv")
    assert.strictEqual(
      error.message,
      "x.csv: cannot detect the format: the first line has 6 numeric columns and no header (a Binance kline dump has 12); add a header or pass format"
    )
  })

  it("an explicit format overrides detection", () => {
    const error = failure("Opentime,Open,High,Low,Close,Volume,Closetime,a,b,c,d,e\n1,2,3,4,5,6,7,8,9,10,11,12\n", "X.csv", { format: "binance" })
    assert.strictEqual(error.message, "X.csv:1:1: timestamp: not a timestamp: \"Opentime\"")
    // The same file read as OHLCV: `Opentime` is accepted as the open_time column.
    const ok = parseCsvText("Opentime,Open,High,Low,Close,Volume\n1677628800000,2,3,1,2,6\n", "X.csv", { format: "ohlcv" })
    assert.strictEqual(ok.bars[0]!.timestamp, 1677628800000)
  })

  it("missing columns and empty files are file errors", () => {
    assert.strictEqual(failure("", "x.csv").message, "x.csv: the file is empty")
    assert.strictEqual(failure("\n\n", "x.csv").message, "x.csv: the file is empty")
    assert.strictEqual(failure(HEADER, "x.csv").message, "x.csv: no data rows")
    assert.strictEqual(
      failure("timestamp,open,high,low,close\n2023-01-01,1,1,1,1\n", "x.csv").message,
      "x.csv: missing column(s) volume (found \"timestamp\", \"open\", \"high\", \"low\", \"close\")"
    )
    assert.strictEqual(
      failure("date,time,open,high,low,close,volume\n", "x.csv").message,
      "x.csv: separate date and time columns are not supported: join them into one datetime column"
    )
  })
})

describe("bad rows (fail policy): file:line:column: field: reason", () => {
  const cases: ReadonlyArray<readonly [string, string, string]> = [
    ["a non-numeric field", "2023-03-01T03:00:00Z,abc,14,11,13,300", "ETH.csv:5:2: open: not a number: \"abc\""],
    ["an empty field", "2023-03-01T03:00:00Z,12,,11,13,300", "ETH.csv:5:3: high: missing value"],
    ["high below close", "2023-03-01T03:00:00Z,11,10,9,12,300", "ETH.csv:5:3: high: high 10 is below max(open 11, close 12)"],
    ["low above open", "2023-03-01T03:00:00Z,11,14,11.5,12,300", "ETH.csv:5:4: low: low 11.5 is above min(open 11, close 12)"],
    ["a negative volume", "2023-03-01T03:00:00Z,11,14,10,12,-5", "ETH.csv:5:6: volume: volume -5 is negative"],
    ["a bad timestamp", "2023-02-30T03:00:00Z,11,14,10,12,5", "ETH.csv:5:1: timestamp: not a timestamp: \"2023-02-30T03:00:00Z\""],
    ["too few columns", "2023-03-01T03:00:00Z,11,14,10,12", "ETH.csv:5:6: volume: expected 6 columns, found 5"],
    ["too many columns", "2023-03-01T03:00:00Z,11,14,10,12,5,7", "ETH.csv:5:7: row: expected 6 columns, found 7"],
    ["a duplicate timestamp", "2023-03-01T02:00:00Z,11,14,10,12,5", "ETH.csv:5:1: timestamp: duplicate timestamp 2023-03-01T02:00:00Z (also on line 4)"],
    [
      "an out-of-order row",
      "2023-03-01T01:30:00Z,11,14,10,12,5",
      "ETH.csv:5:1: timestamp: timestamp 2023-03-01T01:30:00Z is before 2023-03-01T02:00:00Z on line 4: rows must be in time order"
    ]
  ]
  for (const [what, row, message] of cases) {
    it(`${what}`, () => {
      const error = failure(ohlcv(...GOOD, row, "2023-03-01T09:00:00Z,1,1,1,1,1"))
      assert.instanceOf(error, DataRowError)
      assert.strictEqual(error.message, message)
    })
  }

  it("fields are reported by their own column, wherever it is", () => {
    const error = failure("volume,close,low,high,open,datetime\n1,12,9,10,11,2023-03-01\n")
    assert.deepStrictEqual(
      [error._tag, (error as DataRowError).line, (error as DataRowError).column, (error as DataRowError).field],
      ["DataRowError", 2, 4, "high"]
    )
  })

  it("Binance dump rows: no header, so row n is line n", () => {
    const good = "1677628800000,1605.24,1611.09,1595.00,1601.73,26622.74,1677632399999,42698924.02,38490,13816.07,22162871.81,0"
    const short = "1677632400000,1601.74,1615.61,1599.01,1613.95,18957.31,1677635999999,30513453.42,29710,10274.42,16537324.38"
    assert.strictEqual(
      failure(`${good}\n${short}\n`, "ETHUSDT-1h-2023-03.csv").message,
      "ETHUSDT-1h-2023-03.csv:2:12: ignore: expected 12 columns, found 11"
    )
    const bad = short.replace("1615.61", "1515.61") + ",0"
    assert.strictEqual(
      failure(`${good}\n${bad}\n`, "ETHUSDT-1h-2023-03.csv").message,
      "ETHUSDT-1h-2023-03.csv:2:3: high: high 1515.61 is below max(open 1601.74, close 1613.95)"
    )
  })

  it("bid above ask", () => {
    const error = failure("timestamp,open,high,low,close,volume,bid,ask\n2023-01-01,1,2,0.5,1,1,1.1,1.0\n")
    assert.strictEqual(error.message, "ETH.csv:2:7: bid: bid 1.1 is above ask 1")
  })
})

describe("skip policy", () => {
  it("bad rows are left out, counted and kept as samples; ordering errors still fail", () => {
    const text = ohlcv(GOOD[0]!, "2023-03-01T01:00:00Z,abc,1,1,1,1", GOOD[1]!, "2023-03-01T01:30:00Z,1,0,1,1,1", GOOD[2]!)
    const r = parseCsvText(text, "ETH.csv", { badRows: "skip" })
    assert.isUndefined(r.error)
    assert.deepStrictEqual(r.bars.map((b) => b.close), [11, 12, 13])
    assert.strictEqual(r.skippedRows, 2)
    assert.deepStrictEqual(r.errors.map((e) => e.message), [
      "ETH.csv:3:2: open: not a number: \"abc\"",
      "ETH.csv:5:3: high: high 0 is below max(open 1, close 1)"
    ])
    const dup = parseCsvText(ohlcv(...GOOD, GOOD[2]!), "ETH.csv", { badRows: "skip" })
    assert.strictEqual(dup.error?.message, "ETH.csv:5:1: timestamp: duplicate timestamp 2023-03-01T02:00:00Z (also on line 4)")
  })

  it("the count is exact and the samples are capped", () => {
    const rows = Array.from({ length: 250 }, (_, i) => `2023-03-01T00:${String(i % 60).padStart(2, "0")}:00Z,x,1,1,1,1`)
    const r = parseCsvText(ohlcv(...rows, "2023-03-02T00:00:00Z,1,1,1,1,1"), "ETH.csv", { badRows: "skip" })
    assert.strictEqual(r.skippedRows, 250)
    assert.strictEqual(r.errors.length, MAX_SKIPPED_SAMPLES)
    assert.strictEqual(r.bars.length, 1)
  })

  it("a file with no valid row at all is an error", () => {
    const error = failure(ohlcv("2023-03-01,x,1,1,1,1"), "ETH.csv", { badRows: "skip" })
    assert.strictEqual(error.message, "ETH.csv: no valid rows: all 1 were skipped (first: ETH.csv:2:2: open: not a number: \"x\")")
  })
})

describe("through the CSV Layer", () => {
  it.effect("a bad row fails the stream with its DataRowError", () =>
    Effect.gen(function*() {
      const file = tempFile("ETH.csv", ohlcv(...GOOD, "2023-03-01T03:00:00Z,11,10,9,12,300"))
      const error = yield* collectError(csvMarketData({ files: [file] }))
      assert.instanceOf(error, DataRowError)
      assert.strictEqual(error.message, `${file}:5:3: high: high 10 is below max(open 11, close 12)`)
    }))

  it.effect("skip policy: the run continues and the quality report counts the skipped rows", () =>
    Effect.gen(function*() {
      const a = tempFile("ETH.csv", ohlcv(
        GOOD[0]!, GOOD[1]!, "2023-03-01T02:00:00Z,1,1,1,1,-1", "2023-03-01T03:00:00Z,1,1,1,1,1", "2023-03-01T04:00:00Z,1,1,1,1,1"
      ))
      const b = tempFile("BTC.csv", ohlcv("2023-03-01T00:00:00Z,5,5,5,5,q", "2023-03-01T01:00:00Z,5,6,4,5,1"))
      const { bars, quality } = yield* collect(csvMarketData({ files: [a, b], badRows: "skip" }))
      assert.deepStrictEqual(bars.map((x) => `${x.symbol}@${new Date(x.timestamp).getUTCHours()}`), [
        "ETH@0", "BTC@1", "ETH@1", "ETH@3", "ETH@4"
      ])
      assert.strictEqual(quality.skippedRows, 2)
      assert.deepStrictEqual(quality.skippedSamples.map((e) => e.message), [
        `${b}:2:6: volume: not a number: "q"`,
        `${a}:4:6: volume: volume -1 is negative`
      ])
      // The skipped ETH row leaves a hole: reported as a gap, never filled.
      assert.deepStrictEqual(symbolQuality(quality, "ETH").gaps.map((g) => g.missingBars), [1])
    }))

  it.effect("files of one symbol that overlap are an error naming both", () =>
    Effect.gen(function*() {
      const a = tempFile("ETH.csv", ohlcv(...GOOD))
      const b = tempFile("ETH.csv", ohlcv("2023-03-01T02:00:00Z,1,1,1,1,1", "2023-03-01T03:00:00Z,1,1,1,1,1"))
      const error = yield* collectError(csvMarketData({ files: [b, a] }))
      assert.instanceOf(error, DataFileError)
      assert.strictEqual(error.message, `${b}: overlaps ${a}: both have ETH bars between 2023-03-01T02:00:00Z and 2023-03-01T02:00:00Z`)
    }))

  it.effect("a missing file, and an empty file list, are DataFileErrors", () =>
    Effect.gen(function*() {
      const missing = yield* collectError(csvMarketData({ files: ["/nonexistent/ETH.csv"] }))
      assert.strictEqual(missing.message, "/nonexistent/ETH.csv: no such file")
      const none = yield* collectError(csvMarketData({ files: [] }))
      assert.strictEqual(none.message, "(none): no data files given")
    }))

  it.effect("symbol override, from (inclusive) and to (exclusive)", () =>
    Effect.gen(function*() {
      const file = tempFile("data.csv", ohlcv(...GOOD))
      const { bars, quality } = yield* collect(csvMarketData({
        files: [file],
        symbol: "XYZ",
        from: utc("2023-03-01T01:00:00Z"),
        to: utc("2023-03-01T02:00:00Z")
      }))
      assert.deepStrictEqual(bars.map((b) => [b.symbol, b.timestamp]), [["XYZ", utc("2023-03-01T01:00:00Z")]])
      assert.strictEqual(symbolQuality(quality, "XYZ").bars, 1)
    }))

  it.effect("quality is empty before the stream runs and complete after", () =>
    Effect.gen(function*() {
      const file = tempFile("ETH.csv", ohlcv(...GOOD))
      const layer = csvMarketData({ files: [file] })
      const { quality } = yield* collect(layer)
      assert.strictEqual(symbolQuality(quality, "ETH").bars, 3)
    }))

  it.effect("written bars read back identical (formatOhlcvCsv ↔ parser), quotes included", () =>
    Effect.gen(function*() {
      const original = simulateBars({ symbols: ["QQQ"], bars: 500, seed: 9, spreadBps: 12, decimals: 4 })
      const file = tempFile("QQQ.csv", formatOhlcvCsv(original))
      const { bars } = yield* collect(csvMarketData({ files: [file], chunkSize: 64 }))
      assert.deepStrictEqual(bars, original)
    }))
})
