/**
 * Indicators against values published by others:
 * - StockCharts ChartSchool worked examples (EMA10, RSI14), as published (2 decimals);
 * - TA-Lib's own regression tables (ta_regtest) for every SMA/EMA/RSI row, on TA-Lib's 252-bar reference series,
 *   within ta_regtest's tolerance |got - expected| < 0.01.
 * Sources and checks: /work/shared/data/stockcharts/README.md and /work/shared/data/ta-lib/README.md.
 */
import { describe, expect, it } from "vitest"
import { Ema, emaBatch, Rsi, rsiBatch, Sma, smaBatch } from "../../src/indicators/index.ts"
import { loadTaLib, numParam, readCsv, stream, type TaLibRow } from "./support.ts"

describe("StockCharts ChartSchool", () => {
  it("EMA(10) matches the published table to 2 decimals (SMA seed at row 9)", () => {
    const rows = readCsv("stockcharts", "chartschool_ema10_published.csv")
    const closes = Float64Array.from(rows, (r) => Number(r["close"]))
    const got = stream(new Ema(10), closes)
    let checked = 0
    rows.forEach((r, i) => {
      const published = r["ema10_published"]!
      if (published === "") {
        expect(got[i]).toBeNaN()
      } else {
        expect(got[i]!.toFixed(2), `row ${i}`).toBe(published)
        checked++
      }
    })
    expect(checked).toBe(11)
  })

  it("RSI(14) matches the published table within 0.005 (first value on the 15th close)", () => {
    const rows = readCsv("stockcharts", "chartschool_rsi14_published.csv")
    const closes = Float64Array.from(rows, (r) => Number(r["close"]))
    const got = stream(new Rsi(14), closes)
    let checked = 0
    rows.forEach((r, i) => {
      const published = r["rsi14_published"]!
      if (published === "") {
        expect(got[i]).toBeNaN()
      } else {
        expect(Math.abs(got[i]! - Number(published)), `${r["date"]}: ${got[i]} vs ${published}`).toBeLessThan(0.005)
        checked++
      }
    })
    expect(checked).toBe(19)
  })
})

const talib = loadTaLib()
const closes = Float64Array.from(readCsv("ta-lib", "talib_regtest_daily_ref_252.csv"), (r) => Number(r["close"]))

const kernels = {
  SMA: { lookback: (n: number) => n - 1, batch: smaBatch, make: (n: number) => new Sma(n) },
  EMA: { lookback: (n: number) => n - 1, batch: emaBatch, make: (n: number) => new Ema(n) },
  RSI: { lookback: (n: number) => n, batch: rsiBatch, make: (n: number) => new Rsi(n) }
} as const

const rows = talib.tests.filter((t) => t.function in kernels)

/**
 * Our indicators implement TA-Lib's DEFAULT compatibility. METASTOCK changes EMA (seeded with the first value) and
 * RSI (one bar earlier), not SMA; those rows describe a mode we do not offer and are listed, not checked.
 */
const applies = (t: TaLibRow): boolean => t.compatibility === "DEFAULT" || t.function === "SMA"

/**
 * Emulates a TA-Lib call `TA_X(startIdx, endIdx, …)` with an unstable period `u`: TA-Lib reads inputs from
 * `begIdx - lookback` (lookback including `u`), starts its computation there and drops the first `u` outputs.
 */
const emulate = (t: TaLibRow): { begIdx: number; out: Float64Array } => {
  const k = kernels[t.function as keyof typeof kernels]
  const n = numParam(t, "timeperiod")
  const lookback = k.lookback(n) + t.unstable_period
  const begIdx = Math.max(t.start_idx, lookback)
  if (begIdx > t.end_idx) return { begIdx: 0, out: new Float64Array(0) }
  const input = closes.subarray(begIdx - lookback, t.end_idx + 1)
  return { begIdx, out: k.batch(input, n).subarray(lookback) }
}

describe("TA-Lib ta_regtest tables", () => {
  it("has the expected SMA/EMA/RSI rows", () => {
    expect(closes.length).toBe(252)
    expect(rows.length).toBe(89)
    // the METASTOCK EMA/RSI rows left out by design
    expect(rows.filter((t) => !applies(t)).map((t) => t.function + ":" + t.source_row).length).toBe(41)
  })

  for (const t of rows.filter(applies)) {
    const label = `${t.function}(${t.params["timeperiod"]}) ${t.compatibility} unstable=${t.unstable_period} ` +
      `[${t.start_idx}..${t.end_idx}] row ${t.source_row}`
    it(label, () => {
      const k = kernels[t.function as keyof typeof kernels]
      const n = numParam(t, "timeperiod")
      if (t.expected_ret_code === "TA_BAD_PARAM") {
        expect(() => k.make(n)).toThrow(RangeError)
        expect(() => k.batch(closes, n)).toThrow(RangeError)
        return
      }
      expect(t.expected_ret_code).toBe("TA_SUCCESS")
      const { begIdx, out } = emulate(t)
      expect(out.length).toBe(t.expected_nb_element)
      if (t.expected_nb_element > 0) expect(begIdx).toBe(t.expected_beg_idx)
      for (const c of t.checks) {
        const got = out[c.out_index]!
        expect(Math.abs(got - c.value), `out[${c.out_index}] = ${got}, expected ${c.value}`).toBeLessThan(0.01)
      }
      // the streaming form agrees with the batch form on the full series
      if (t.start_idx === 0 && t.unstable_period === 0) {
        const full = stream(k.make(n), closes)
        const batch = k.batch(closes, n)
        for (let i = 0; i < full.length; i++) expect(Object.is(full[i], batch[i])).toBe(true)
      }
    })
  }
})
