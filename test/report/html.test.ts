/**
 * The standalone HTML report: inlined uPlot, no external resources, embedded JSON, escaping, downsampling.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  buildReportData,
  downsampleMinMax,
  drawdownCurve,
  escapeInlineCode,
  extractReportData,
  jsonForScript,
  loadUplotAssets,
  renderHtmlReport
} from "../../src/report/html.ts"
import { sampleResult } from "./fixture.ts"

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

  it("loads no external resource", () => {
    expect(html).not.toMatch(/\b(?:src|href)\s*=/i)
    expect(html).not.toMatch(/<link\b/i)
    expect(html).not.toMatch(/@import|url\(\s*["']?(?:https?:)?\/\//i)
    expect(html).toContain(`http-equiv="Content-Security-Policy" content="default-src 'none';`)
  })

  it("embeds the chart data as JSON that parses back to the same data", () => {
    const data = extractReportData(html)
    expect(data).toEqual(buildReportData(result))
    expect(data!.equity.v).toEqual(result.equity.equity)
    expect(data!.equity.t).toEqual(result.equity.timestamps)
    expect(Math.min(...data!.drawdown.v.map((v) => v ?? 0))).toBeCloseTo(-result.metrics.maxDrawdown, 15)
  })

  it("shows the header, metrics, trades and data quality with UTC ISO dates", () => {
    expect(html).toContain("<h1>ema_crossover</h1>")
    expect(html).toContain("SIM-A, SIM-B")
    expect(html).toContain("2024-01-01T00:00:00Z → 2024-01-01T09:00:00Z")
    for (const s of ["+3.47%", "-1.49%", "1.23", "66.67%", "2.50", "1,234.57", "10,346.79", "10,000.00"]) {
      expect(html).toContain(`>${s}<`)
    }
    // trades: quantity, tiny prices, thousands, signed returns, exit reasons
    for (const s of ["1.5", "0.00125", "0.000012345", "0.000013", "43,250.50", "-5.50", "-5.00%", "+9.86%", "stop_loss"]) {
      expect(html).toContain(`>${s}<`)
    }
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

  it("a </script> in the strategy or a symbol name cannot break out of any element", () => {
    const evil = `</script><script>alert(1)</script><!-- "'&`
    const r = sampleResult({ strategy: evil, symbols: [evil, "</SCRIPT >"] })
    const out = renderHtmlReport(r)
    expect(scripts(out).length).toBe(3)
    expect(out.match(/<script\b/gi)!.length).toBe(3)
    expect(out.match(/<\/script/gi)!.length).toBe(3)
    expect(out).not.toContain("<!--")
    expect(out).toContain("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;!-- &quot;&#39;&amp;")
    const data = extractReportData(out)!
    expect(data.strategy).toBe(evil)
    expect(data.symbols).toEqual([evil, "</SCRIPT >"])
  })

  it("jsonForScript escapes every character that could end the element", () => {
    const s = jsonForScript({ a: "</script><!--\u2028\u2029&" })
    expect(s).not.toMatch(/[<>&\u2028\u2029]/)
    expect(JSON.parse(s)).toEqual({ a: "</script><!--\u2028\u2029&" })
  })

  it("draws both charts from the embedded data (client script run against a stub DOM)", () => {
    const all = scripts(html)
    const client = all[2]!
    const boxes: Record<string, { clientWidth: number; textContent: string }> = {
      "equity-chart": { clientWidth: 800, textContent: "" },
      "drawdown-chart": { clientWidth: 800, textContent: "" }
    }
    const made: Array<{ opts: any; data: any }> = []
    const uPlot: any = function(this: unknown, opts: unknown, data: unknown) {
      made.push({ opts, data })
    }
    uPlot.tzDate = (d: Date) => d
    const document = {
      getElementById: (id: string) => (id === "report-data" ? { textContent: all[0] } : boxes[id])
    }
    const window = { addEventListener: () => undefined }
    new Function("document", "uPlot", "window", "requestAnimationFrame", client)(document, uPlot, window, () => 0)
    expect(made.length).toBe(2)
    const data = buildReportData(result)
    expect(made[0]!.data).toEqual([data.equity.t, data.equity.v])
    expect(made[1]!.data).toEqual([data.drawdown.t, data.drawdown.v])
    expect(made[0]!.opts.ms).toBe(1)
    expect(made[0]!.opts.series[1].value(null, 12345.678)).toBe("12,345.68")
    expect(made[1]!.opts.series[1].value(null, -0.1234)).toBe("-12.34%")
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
  })

  it("caps the trade table, showing the first and last trades", () => {
    const base = sampleResult().trades[0]!
    const trades = Array.from({ length: 25 }, (_, i) => ({ ...base, id: i + 1 }))
    const out = renderHtmlReport(sampleResult({ trades }), { maxTradeRows: 10 })
    expect(out).toContain("15 trades not shown")
    expect(out).toContain(`<td class="num">1</td>`)
    expect(out).toContain(`<td class="num">25</td>`)
    expect(out).not.toContain(`<td class="num">13</td>`)
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
    const out = renderHtmlReport(sampleResult({ equity: { timestamps, equity } }))
    const data = extractReportData(out)!
    expect(data.points).toBe(n)
    expect(data.equity.t.length).toBeLessThanOrEqual(4000)
    const extremes = (xs: ReadonlyArray<number | null>) =>
      xs.reduce<[number, number]>((acc, x) => [Math.min(acc[0], x!), Math.max(acc[1], x!)], [Infinity, -Infinity])
    expect(extremes(data.equity.v)).toEqual(extremes(equity))
    expect(out.length).toBeLessThan(400_000)
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

describe("drawdownCurve", () => {
  it("is 0 at new peaks and -(peak - e)/peak below them", () => {
    expect(Array.from(drawdownCurve([100, 110, 99, 120, 60]))).toEqual([0, 0, -(11 / 110), 0, -0.5])
  })
})
