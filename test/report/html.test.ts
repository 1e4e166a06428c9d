/**
 * The standalone HTML report: inlined uPlot, no external resources, embedded JSON, escaping, downsampling.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { Trade } from "../../src/backtest/result.ts"
import { aggregateCandles, tradeMarkers } from "../../src/report/candles.ts"
import {
  buildReportData,
  downsampleMinMax,
  downsampleMultiMinMax,
  drawdownCurve,
  escapeInlineCode,
  extractReportData,
  jsonForScript,
  loadUplotAssets,
  renderHtmlReport
} from "../../src/report/html.ts"
import { encodeMetrics, TRADE_FIELDS } from "../../src/report/trades.ts"
import { sampleResult } from "./fixture.ts"

const HOUR = 3_600_000

const scripts = (html: string): Array<string> => [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]!)

describe("renderHtmlReport", () => {
  const result = sampleResult()
  const html = renderHtmlReport(result)

  it("is one HTML document with uPlot's JS and CSS inlined", () => {
    const { css, js } = loadUplotAssets()
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true)
    expect(html).toContain(escapeInlineCode(js))
    expect(html).toContain(escapeInlineCode(css, "style"))
    expect(js.length).toBeGreaterThan(40_000)
    // the inlined code still parses after escaping
    for (const code of scripts(html).slice(1)) expect(() => new Function(code)).not.toThrow()
  })

  it("loads no external resource and names no URL (besides uPlot's licence comment)", () => {
    expect(html).not.toMatch(/\b(?:src|href|action|srcset)\s*=/i)
    expect(html).not.toMatch(/<link\b/i)
    // (as the CLI's end-to-end test checks: no CSS url(...) but data: or #, which the JS must not look like either)
    expect(html).not.toMatch(/@import|url\(\s*["']?(?!data:|#)[^)]/i)
    expect(html).not.toMatch(/\bimport\s*\(|\bfetch\s*\(|XMLHttpRequest|WebSocket|sendBeacon/)
    const urls = [...html.matchAll(/\b(?:https?|wss?|ftp):\/\/[^\s"'<>)]*/gi)].map((m) => m[0])
    expect(urls.filter((u) => !u.startsWith("https://github.com/leeoniya/uPlot"))).toEqual([])
    expect(html).toContain(`http-equiv="Content-Security-Policy" content="default-src 'none';`)
  })

  it("embeds the chart data as JSON that parses back to the same data", () => {
    const data = extractReportData(html)
    expect(data).toEqual(buildReportData(result))
    expect(data!.version).toBe(2)
    expect(data!.equity.v).toEqual(result.equity.equity)
    expect(data!.equity.t).toEqual(result.equity.timestamps)
    expect(Math.min(...data!.drawdown.v.map((v) => v ?? 0))).toBeCloseTo(-result.metrics.maxDrawdown, 15)
    expect(data!.metrics).toEqual(result.metrics)
    expect(data!.tradeCount).toBe(3)
  })

  it("embeds every trade as columns that rebuild the trades, field for field", () => {
    const data = extractReportData(html)!
    expect(data.tradeFields).toEqual([...TRADE_FIELDS])
    const rebuilt = data.trades.id.map((_, i) => Object.fromEntries(data.tradeFields.map((f) => [f, data.trades[f][i]])))
    expect(rebuilt).toEqual(result.trades)
    // key order as in Trade (and in the engine's trades), so the downloaded JSON reads like result.json
    expect(Object.keys(rebuilt[0]!)).toEqual([...TRADE_FIELDS])
  })

  it("embeds each symbol's candles with its trade markers", () => {
    const data = extractReportData(html)!
    expect(data.prices.map((p) => p.symbol)).toEqual(["SIM-A", "SIM-B"])
    const a = data.prices[0]!
    expect(a.t).toEqual(result.prices[0]!.timestamps)
    expect(a.o).toEqual(result.prices[0]!.open)
    expect(a.aggregated).toBe(false)
    // SIM-A has trades 1 and 3 (entry 02:00, exit 05:00), SIM-B trade 2.
    expect(a.markers).toEqual({ candle: [2, 5, 2, 5], price: [100, 110, 43250.5, 43300], kind: [0, 2, 0, 2], trade: [0, 0, 2, 2] })
    expect(data.prices[1]!.markers).toEqual({ candle: [2, 5], price: [0.000012345, 0.000013], kind: [1, 2], trade: [1, 1] })
    // aggregated: 10 hourly bars in at most 3 candles of 4h
    const small = extractReportData(renderHtmlReport(result, { maxCandles: 3 }))!.prices[0]!
    expect(small.aggregated).toBe(true)
    expect(small.interval).toBe(4 * HOUR)
    expect(small.markers.candle).toEqual([0, 1, 0, 1])
    expect(small).toEqual({ ...aggregateCandles(result.prices[0]!, 3), markers: tradeMarkers(aggregateCandles(result.prices[0]!, 3), result.trades) })
  })

  it("writes non-finite metrics and trade values as strings, as result.json does", () => {
    const base = sampleResult()
    const r = sampleResult({
      metrics: { ...base.metrics, sortino: Infinity, calmar: -Infinity, sharpe: Number.NaN },
      trades: [{ ...base.trades[0]!, returnPct: Infinity }]
    })
    const data = extractReportData(renderHtmlReport(r))!
    expect(data.metrics.sortino).toBe("Infinity")
    expect(data.metrics.calmar).toBe("-Infinity")
    expect(data.metrics.sharpe).toBe("NaN")
    expect(data.trades.returnPct).toEqual(["Infinity"])
    expect(data.metrics).toEqual(encodeMetrics(r.metrics))
  })

  it("shows the header, metrics, trades and data quality with UTC ISO dates", () => {
    expect(html).toContain("<h1>ema_crossover</h1>")
    expect(html).toContain("SIM-A, SIM-B")
    expect(html).toContain("2024-01-01T00:00:00Z → 2024-01-01T09:00:00Z")
    for (const s of ["+3.47%", "-1.49%", "1.23", "66.67%", "2.50", "1,234.57", "10,346.79", "10,000.00"]) {
      expect(html).toContain(`>${s}<`)
    }
    // new metrics
    for (const s of ["+43.21%", "25.00%", "3h", "2h", "2.50", "28.95", "20.00", "-11.50", "9.50", "40.00%"]) {
      expect(html).toContain(`>${s}<`)
    }
    // trades: quantity, tiny prices, thousands, signed returns, exit reasons, holding time, MAE/MFE
    for (const s of ["1.5", "0.00125", "0.000012345", "0.000013", "43,250.50", "-5.50", "-5.00%", "+9.86%", "stop_loss"]) {
      expect(html).toContain(`>${s}<`)
    }
    expect(html).toContain(`<tr data-i="0"><td>1</td><td>SIM-A</td><td>long</td><td>1.5</td><td>2024-01-01T02:00:00Z</td><td>100.00</td>`
      + `<td>2024-01-01T05:00:00Z</td><td>110.00</td><td class="pos">14.79</td><td class="pos">+9.86%</td><td>0.21</td>`
      + `<td>3h</td><td>3</td><td>3.00</td><td>2.00%</td><td>18.00</td><td>12.00%</td><td>take_profit</td></tr>`)
    for (const key of ["pnl", "holdingMs", "mae", "maePct", "mfe", "mfePct", "entryTime", "exitReason"]) {
      expect(html).toMatch(new RegExp(`<th data-key="${key}" data-type="(num|time|text)"`))
    }
    expect(html).toContain(`<button type="button" id="download-json" data-file="ema_crossover-summary.json" hidden>`)
    expect(html).toContain(`<select id="price-symbol"><option value="0">SIM-A</option><option value="1">SIM-B</option></select>`)
    expect(html).toContain(">2024-01-01T02:00:00Z<")
    // data quality
    expect(html).toContain(">2024-01-01T03:00:00Z<")
    expect(html).toContain(">2024-01-01T06:00:00Z<")
    expect(html).toContain("volume is 0 and open = high = low = close")
    expect(html).toContain(">fixtures/sim/SIM-A_1h.csv:9<")
    expect(html).toContain("Skipped rows (2)")
    expect(html).toContain("high 9 is below &lt;open&gt; 10")
    expect(html).toContain(">1h<")
    expect(html).toContain("insufficient cash")
  })

  it("is deterministic", () => {
    expect(renderHtmlReport(sampleResult())).toBe(html)
  })

  it("a </script> in the strategy, a symbol name or a reason cannot break out of any element", () => {
    const evil = `</script><script>alert(1)</script><!-- "'&`
    const base = sampleResult()
    const r = sampleResult({
      strategy: evil,
      symbols: [evil, "</SCRIPT >"],
      trades: base.trades.map((t) => ({ ...t, symbol: evil, entryReason: evil, exitNote: evil })),
      prices: base.prices.map((p) => ({ ...p, symbol: evil }))
    })
    const out = renderHtmlReport(r)
    expect(scripts(out).length).toBe(3)
    expect(out.match(/<script\b/gi)!.length).toBe(3)
    expect(out.match(/<\/script/gi)!.length).toBe(3)
    expect(out).not.toContain("<!--")
    expect(out).toContain("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;!-- &quot;&#39;&amp;")
    const data = extractReportData(out)!
    expect(data.strategy).toBe(evil)
    expect(data.symbols).toEqual([evil, "</SCRIPT >"])
    expect(data.trades.entryReason[0]).toBe(evil)
    expect(data.prices[0]!.symbol).toBe(evil)
    expect(out).toContain(`title="&lt;/script&gt;`)
  })

  it("jsonForScript escapes every character that could end the element", () => {
    const s = jsonForScript({ a: "</script><!--\u2028\u2029&" })
    expect(s).not.toMatch(/[<>&\u2028\u2029]/)
    expect(JSON.parse(s)).toEqual({ a: "</script><!--\u2028\u2029&" })
  })

  it("the client script draws the equity, drawdown and price charts from the embedded data (stub DOM)", () => {
    const all = scripts(html)
    const client = all[2]!
    interface Stub {
      id: string
      clientWidth: number
      textContent: string
      attrs: Record<string, string>
      style: Record<string, string>
      setAttribute(k: string, v: string): void
      appendChild(c: unknown): void
    }
    const stub = (id: string): Stub => ({
      id,
      clientWidth: 800,
      textContent: "",
      attrs: {},
      style: {},
      setAttribute(k, v) {
        this.attrs[k] = v
      },
      appendChild: () => undefined
    })
    const boxes: Record<string, Stub> = {
      "equity-chart": stub("equity-chart"),
      "drawdown-chart": stub("drawdown-chart"),
      "price-chart": stub("price-chart")
    }
    const made: Array<{ opts: any; data: any }> = []
    const uPlot: any = function(this: any, opts: unknown, data: unknown) {
      made.push({ opts, data })
      this.over = stub("over")
    }
    uPlot.tzDate = (d: Date) => d
    const root = stub("html")
    const document = {
      getElementById: (id: string) => (id === "report-data" ? { textContent: all[0] } : boxes[id] ?? null),
      createElement: () => stub("div"),
      documentElement: root
    }
    const window: Record<string, unknown> = { addEventListener: () => undefined }
    new Function("document", "uPlot", "window", "requestAnimationFrame", client)(document, uPlot, window, () => 0)
    expect(made.length).toBe(3)
    const data = buildReportData(result)
    expect(made[0]!.data).toEqual([data.equity.t, data.equity.v])
    expect(made[1]!.data).toEqual([data.drawdown.t, data.drawdown.v])
    const a = data.prices[0]!
    expect(made[2]!.data).toEqual([a.t, a.o, a.h, a.l, a.c])
    expect(made[0]!.opts.ms).toBe(1)
    expect(made[0]!.opts.series[1].value(null, 12345.678)).toBe("12,345.68")
    expect(made[1]!.opts.series[1].value(null, -0.1234)).toBe("-12.34%")
    expect(made[2]!.opts.series[1].value(null, 43250.5)).toBe("43,250.50")
    expect(made[2]!.opts.series[4].value(null, 0.000012345)).toBe("0.000012345")
    // UTC, ISO-ordered time axis labels: the date under the first tick and at each new day
    const ticks = made[0]!.opts.axes[0].values
    const t0 = Date.UTC(2024, 0, 1)
    expect(ticks(null, [t0, t0 + 864e5, t0 + 2 * 864e5], 0, 50, 864e5)).toEqual(["01-01\n2024", "01-02", "01-03"])
    expect(ticks(null, [t0 + 22 * HOUR, t0 + 24 * HOUR], 0, 50, 2 * HOUR)).toEqual(["22:00\n2024-01-01", "00:00\n2024-01-02"])
    expect(ticks(null, [t0, Date.UTC(2024, 1, 1)], 0, 50, 31 * 864e5)).toEqual(["2024-01", "2024-02"])
    expect(boxes["price-chart"]!.attrs).toEqual({ "data-symbol": "SIM-A", "data-candles": "10", "data-markers": "4" })
    expect(root.attrs["data-ready"]).toBe("1")
    expect(Object.keys(window["tradingReport"] as object)).toEqual(["data", "charts"])
  })

  it("handles an empty run", () => {
    const r = sampleResult({
      trades: [],
      equity: { timestamps: [], equity: [] },
      metrics: { ...sampleResult().metrics, tradeCount: 0, start: undefined, end: undefined, bars: 0 }
    })
    const out = renderHtmlReport(r)
    expect(out).toContain("No trades.")
    expect(out).toContain("Period (UTC): n/a")
    expect(extractReportData(out)!.equity).toEqual({ t: [], v: [] })
    expect(extractReportData(out)!.prices[0]!.markers.kind).toEqual([])
    const noPrices = renderHtmlReport(sampleResult({ prices: [] }))
    expect(noPrices).toContain("No price data in this result.")
    expect(noPrices).not.toContain(`id="price-chart"`)
  })

  it("caps the trade table, showing the first and last trades", () => {
    const base = sampleResult().trades[0]!
    const trades = Array.from({ length: 25 }, (_, i) => ({ ...base, id: i + 1 }))
    const out = renderHtmlReport(sampleResult({ trades }), { maxTradeRows: 10 })
    expect(out).toContain("15 trades not shown")
    expect(out).toContain(`<tr data-i="0"><td>1</td>`)
    expect(out).toContain(`<tr data-i="24"><td>25</td>`)
    expect(out).not.toContain(`<td>13</td>`)
    expect(extractReportData(out)!.trades.id.length).toBe(25)
  })

  it("caps the embedded trades too; each row points at its own trade in the JSON", () => {
    const base = sampleResult().trades[0]!
    const trades: Array<Trade> = Array.from({ length: 25 }, (_, i) => ({ ...base, id: i + 1, entryTime: base.entryTime + i }))
    const out = renderHtmlReport(sampleResult({ trades }), { maxTradeRows: 10, maxEmbeddedTrades: 13 })
    const data = extractReportData(out)!
    expect(data.tradeCount).toBe(25)
    expect(data.trades.id).toEqual([1, 2, 3, 4, 5, 6, 20, 21, 22, 23, 24, 25])
    const rows = [...out.matchAll(/<tr data-i="(\d+)"><td>(\d+)<\/td>/g)].map((m) => [Number(m[1]), Number(m[2])] as const)
    expect(rows.map(([, id]) => id)).toEqual([1, 2, 3, 4, 5, 21, 22, 23, 24, 25])
    for (const [i, id] of rows) expect(data.trades.id[i]).toBe(id)
    // markers only for the embedded trades
    expect(data.prices[0]!.markers.trade.length).toBe(2 * 12)
  })

  it("stays small for a 1,000,000-point equity curve", () => {
    const n = 1_000_000
    const timestamps = new Array<number>(n)
    const equity = new Array<number>(n)
    let e = 10_000
    let seed = 1
    for (let i = 0; i < n; i++) {
      seed = (seed * 16807) % 2147483647
      e *= 1 + (seed / 2147483647 - 0.5) * 0.01
      timestamps[i] = 1_600_000_000_000 + i * 60_000
      equity[i] = e
    }
    const prices = [{ symbol: "SIM-A", timestamps, open: equity, high: equity, low: equity, close: equity }]
    const out = renderHtmlReport(sampleResult({ equity: { timestamps, equity }, prices }))
    const data = extractReportData(out)!
    expect(data.points).toBe(n)
    expect(data.prices[0]!.t.length).toBeLessThanOrEqual(400)
    expect(data.prices[0]!.bars).toBe(n)
    expect(data.equity.t.length).toBeLessThanOrEqual(4000)
    const extremes = (xs: ReadonlyArray<number | null>) =>
      xs.reduce<[number, number]>((acc, x) => [Math.min(acc[0], x!), Math.max(acc[1], x!)], [Infinity, -Infinity])
    expect(extremes(data.equity.v)).toEqual(extremes(equity))
    expect(Math.max(...data.prices[0]!.h)).toBe(extremes(equity)[1])
    expect(out.length).toBeLessThan(450_000)
  })
})

describe("downsampleMinMax", () => {
  it("keeps the global min and max, the first and last points, time order, and at most maxPoints points", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 3000, size: "max" }),
        fc.integer({ min: 4, max: 500 }),
        (v, maxPoints) => {
          const t = v.map((_, i) => i * 10)
          const out = downsampleMinMax(t, v, maxPoints)
          const vs = out.v as Array<number>
          expect(out.t.length).toBe(out.v.length)
          expect(out.t.length).toBeLessThanOrEqual(Math.max(maxPoints, 4))
          expect(Math.max(...vs)).toBe(Math.max(...v))
          expect(Math.min(...vs)).toBe(Math.min(...v))
          expect(out.t[0]).toBe(0)
          expect(out.t[out.t.length - 1]).toBe(t[t.length - 1])
          for (let i = 1; i < out.t.length; i++) expect(out.t[i]!).toBeGreaterThan(out.t[i - 1]!)
          // every kept point is a real (t, v) pair
          for (let i = 0; i < out.t.length; i++) expect(vs[i]).toBe(v[out.t[i]! / 10])
          if (v.length <= maxPoints) expect(vs).toEqual(v)
        }
      ),
      { numRuns: 150, seed: 42 }
    )
  })

  it("turns non-finite values into null gaps", () => {
    expect(downsampleMinMax([1, 2, 3], [1, Number.NaN, Infinity])).toEqual({ t: [1, 2, 3], v: [1, null, null] })
    const v = [1, Number.NaN, Number.NaN, Number.NaN, Number.NaN, Number.NaN, 5]
    const out = downsampleMinMax(v.map((_, i) => i), v, 4)
    expect(out.v[0]).toBe(1)
    expect(out.v[out.v.length - 1]).toBe(5)
    expect(out.v.slice(1, -1).every((x) => x === null)).toBe(true)
  })
})

describe("downsampleMultiMinMax", () => {
  it("keeps every series' global min and max, first and last points, real (t, v) rows, at most maxPoints points", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }).chain((k) =>
          fc.integer({ min: 1, max: 2000 }).chain((n) =>
            fc.array(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: n, maxLength: n }), { minLength: k, maxLength: k })
          )
        ),
        fc.integer({ min: 4, max: 400 }),
        (series, maxPoints) => {
          const n = series[0]!.length
          const t = Array.from({ length: n }, (_, i) => i * 10)
          const names = series.map((_, k) => `S${k}`)
          const out = downsampleMultiMinMax(t, names, series, maxPoints)
          expect(out.names).toEqual(names)
          expect(out.t.length).toBeLessThanOrEqual(Math.max(maxPoints, 2 + 2 * series.length))
          expect(out.t[0]).toBe(0)
          expect(out.t[out.t.length - 1]).toBe(t[n - 1])
          for (let i = 1; i < out.t.length; i++) expect(out.t[i]!).toBeGreaterThan(out.t[i - 1]!)
          series.forEach((v, k) => {
            const kept = out.v[k] as Array<number>
            expect(kept.length).toBe(out.t.length)
            for (let i = 0; i < out.t.length; i++) expect(kept[i]).toBe(v[out.t[i]! / 10])
            expect(Math.max(...kept)).toBe(Math.max(...v))
            expect(Math.min(...kept)).toBe(Math.min(...v))
            if (n <= Math.max(maxPoints, 2 + 2 * series.length)) expect(kept).toEqual(v)
          })
        }
      ),
      { numRuns: 120, seed: 7 }
    )
  })
})

describe("drawdownCurve", () => {
  it("is 0 at new peaks and -(peak - e)/peak below them", () => {
    expect(Array.from(drawdownCurve([100, 110, 99, 120, 60]))).toEqual([0, 0, -(11 / 110), 0, -0.5])
  })
})
