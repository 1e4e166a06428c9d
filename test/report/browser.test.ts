/**
 * The HTML report in a real browser (Debian's Chromium driven by playwright-core): the demo backtest (two symbols) is
 * rendered, opened from disk with the network blocked, and must load without console errors or failed requests, draw
 * its charts (non-blank canvases), mark every trade on the price chart, switch symbols, sort the trade table and
 * download its JSON. Screenshots of the whole page and of the price chart are written to `out/test-artifacts/`.
 */
import { Effect } from "effect"
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { type Browser, chromium, type Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { BacktestResult } from "../../src/backtest/result.ts"
import { backtest } from "../../src/backtest/run.ts"
import { formatNumber } from "../../src/report/format.ts"
import { renderHtmlReport } from "../../src/report/html.ts"
import { repoFile } from "../support/data.ts"

const CHROMIUM = "/usr/bin/chromium"

/** A value as `result.json` holds it (the CLI's encoding: non-finite numbers as strings such as `"Infinity"`). */
const asResultJson = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value, (_key, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v)))

/** The part of a browser canvas the test uses (the project compiles without the DOM library). */
interface CanvasLike {
  width: number
  height: number
  getContext(kind: "2d", options?: { willReadFrequently: boolean }): {
    getImageData(x: number, y: number, w: number, h: number): { readonly data: Uint8ClampedArray }
    drawImage(image: CanvasLike, x: number, y: number): void
  }
}

/** What the page exposes as `window.tradingReport` (see src/report/client.ts), as far as the test uses it. */
interface ReportHandle {
  readonly data: {
    readonly prices: ReadonlyArray<{
      readonly symbol: string
      readonly t: ReadonlyArray<number>
      readonly markers: {
        readonly candle: ReadonlyArray<number>
        readonly price: ReadonlyArray<number>
        readonly kind: ReadonlyArray<number>
        readonly trade: ReadonlyArray<number>
      }
    }>
    readonly trades: { readonly id: ReadonlyArray<number> }
  }
  readonly charts: Record<string, {
    readonly over: { getBoundingClientRect(): { left: number; top: number } }
    valToPos(v: number, scale: string): number
  }>
}

/** Colour statistics of the first canvas under `selector`: size, distinct colours, pixels of exactly `rgb`. */
const canvasStats = (page: Page, selector: string, rgb: readonly [number, number, number] = [0, 0, 0]) =>
  page.locator(`${selector} canvas`).first().evaluate((element, rgb) => {
    const c = element as unknown as CanvasLike
    // Read a copy, so the page's own canvas is never read back (Chromium warns when one is read repeatedly).
    const doc = (globalThis as unknown as { document: { createElement(tag: "canvas"): CanvasLike } }).document
    const copy = doc.createElement("canvas")
    copy.width = c.width
    copy.height = c.height
    const ctx = copy.getContext("2d", { willReadFrequently: true })
    ctx.drawImage(c, 0, 0)
    const data = ctx.getImageData(0, 0, c.width, c.height).data
    const seen = new Set<number>()
    let exact = 0
    for (let i = 0; i < data.length; i += 4) {
      if (i % (4 * 7) === 0) seen.add((data[i]! << 24) | (data[i + 1]! << 16) | (data[i + 2]! << 8) | data[i + 3]!)
      if (data[i] === rgb[0] && data[i + 1] === rgb[1] && data[i + 2] === rgb[2] && data[i + 3] === 255) exact++
    }
    return { width: c.width, height: c.height, distinct: seen.size, exact }
  }, rgb)

/** The P&L of the trade table's rows, top to bottom (rows carry their trade's index as `data-i`). */
const tableOrder = (page: Page): Promise<Array<number>> =>
  page.locator("#trade-table tbody tr[data-i]").evaluateAll((rows) =>
    rows.map((r) => Number((r as unknown as { getAttribute(n: string): string }).getAttribute("data-i")))
  )

describe("HTML report in Chromium", () => {
  let result: BacktestResult
  let browser: Browser
  let page: Page
  const problems: Array<string> = []
  const requests: Array<string> = []
  const tradesOf = (symbol: string) => result.trades.filter((t) => t.symbol === symbol)

  beforeAll(async () => {
    result = await Effect.runPromise(backtest({
      data: { files: [repoFile("fixtures", "sim", "SIM-A_1h.csv"), repoFile("fixtures", "sim", "SIM-B_1h.csv")] },
      strategy: repoFile("strategies", "ema_crossover.lua")
    }))
    const dir = mkdtempSync(path.join(tmpdir(), "report-"))
    const file = path.join(dir, "report.html")
    writeFileSync(file, renderHtmlReport(result))

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    })
    page = await browser.newPage({ viewport: { width: 1300, height: 1000 }, acceptDownloads: true })
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`)
    })
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`))
    await page.route("**/*", (route) => {
      const url = route.request().url()
      if (url.startsWith("file://")) return route.continue()
      requests.push(url)
      return route.abort()
    })
    await page.goto(`file://${file}`, { waitUntil: "load" })
  })

  afterAll(async () => {
    await browser?.close()
  })

  it("loads offline with no console errors and no network request, and its script runs to the end", async () => {
    await page.locator("html[data-ready='1']").waitFor({ state: "attached", timeout: 10_000 })
    expect(problems).toEqual([])
    expect(requests).toEqual([])
    const body = await page.locator("body").innerText()
    expect(body).toContain(`Trades (${result.trades.length})`)
    expect(body).toContain("+51.56%")
  })

  it("draws the equity, drawdown, per-symbol P&L and price charts (non-blank canvases)", async () => {
    for (const id of ["#equity-chart", "#drawdown-chart", "#symbol-pnl-chart", "#price-chart"]) {
      // A drawn chart has many distinct colours on its canvas; an empty one is uniform.
      const stats = await canvasStats(page, id)
      expect(stats.width, id).toBeGreaterThan(300)
      expect(stats.height, id).toBeGreaterThan(100)
      expect(stats.distinct, id).toBeGreaterThan(10)
    }
  })

  it("the per-symbol P&L chart has a line per symbol, and the lines' last points add up to the final equity minus the cash", async () => {
    const pnl = await page.evaluate(() => {
      const w = globalThis as unknown as { tradingReport: { data: { symbolPnl?: { names: Array<string>; t: Array<number>; v: Array<Array<number>> } }; charts: Record<string, { series: Array<{ label: string }> }> } }
      const d = w.tradingReport.data.symbolPnl!
      return { names: d.names, last: d.v.map((v) => v[v.length - 1]!), labels: w.tradingReport.charts["symbol-pnl-chart"]!.series.map((s) => s.label) }
    })
    expect(pnl.names).toEqual(["SIM-A", "SIM-B"])
    expect(pnl.labels).toEqual(["Time (UTC)", "SIM-A", "SIM-B"])
    expect(pnl.last[0]! + pnl.last[1]!).toBeCloseTo(result.metrics.finalEquity - result.metrics.initialCash, 6)
  })

  it("marks every trade of the shown symbol (entry and exit) on the price chart, and the markers are painted", async () => {
    const chart = page.locator("#price-chart")
    expect(await chart.getAttribute("data-symbol")).toBe("SIM-A")
    const trades = tradesOf("SIM-A")
    expect(trades.length).toBeGreaterThan(10)
    expect(await chart.getAttribute("data-markers")).toBe(String(2 * trades.length))
    expect(await chart.getAttribute("data-markers-drawn")).toBe(String(2 * trades.length))
    expect(Number(await chart.getAttribute("data-candles"))).toBeLessThanOrEqual(400)
    // Long-entry triangles are filled with exactly #1a7f37, a colour nothing else on the chart paints opaque.
    expect(trades.some((t) => t.side === "long")).toBe(true)
    const stats = await canvasStats(page, "#price-chart", [0x1a, 0x7f, 0x37])
    expect(stats.exact).toBeGreaterThan(20)
  })

  it("hovering a marker shows its trade's side, price, quantity and P&L", async () => {
    // The marker farthest from any other, so the one under the cursor is unambiguous.
    const target = await page.evaluate(() => {
      const r = (globalThis as unknown as { tradingReport: ReportHandle }).tradingReport
      const u = r.charts["price-chart"]!
      const s = r.data.prices[0]!
      const m = s.markers
      const rect = u.over.getBoundingClientRect()
      const pos = m.kind.map((_, k) => ({ x: u.valToPos(s.t[m.candle[k]!]!, "x"), y: u.valToPos(m.price[k]!, "y") }))
      let best = 0
      let bestGap = -1
      pos.forEach((p, k) => {
        let gap = Infinity
        pos.forEach((q, j) => {
          if (j !== k) gap = Math.min(gap, Math.hypot(p.x - q.x, p.y - q.y))
        })
        if (gap > bestGap) {
          bestGap = gap
          best = k
        }
      })
      return { x: rect.left + pos[best]!.x, y: rect.top + pos[best]!.y, id: r.data.trades.id[m.trade[best]!]!, kind: m.kind[best]!, gap: bestGap }
    })
    expect(target.gap).toBeGreaterThan(14)
    await page.mouse.move(target.x, target.y)
    const tip = page.locator("#price-chart .tip")
    await tip.waitFor({ state: "visible", timeout: 5000 })
    const text = await tip.innerText()
    const trade = result.trades.find((t) => t.id === target.id)!
    expect(text).toContain(`Trade #${trade.id} · ${trade.side} ${target.kind === 2 ? "exit" : "entry"}`)
    expect(text).toContain(`P&L ${formatNumber(trade.pnl, 2)}`)
    expect(text).toContain("Qty ")
    await page.mouse.move(5, 5)
  })

  it("the symbol selector switches the price chart to the other symbol's candles and markers", async () => {
    await page.selectOption("#price-symbol", { label: "SIM-B" })
    const chart = page.locator("#price-chart")
    expect(await chart.getAttribute("data-symbol")).toBe("SIM-B")
    expect(await chart.getAttribute("data-markers")).toBe(String(2 * tradesOf("SIM-B").length))
    expect(await chart.getAttribute("data-markers-drawn")).toBe(String(2 * tradesOf("SIM-B").length))
    expect((await canvasStats(page, "#price-chart")).distinct).toBeGreaterThan(10)
  })

  it("sorting the trade table by P&L reorders the rows (ascending, then descending), and by entry time restores it", async () => {
    const pnl = (order: ReadonlyArray<number>) => order.map((i) => result.trades[i]!.pnl)
    const before = await tableOrder(page)
    expect(before).toEqual(result.trades.map((_, i) => i))
    const header = page.locator("#trade-table th[data-key='pnl']")
    await header.click()
    const asc = pnl(await tableOrder(page))
    expect(asc).toEqual([...asc].sort((a, b) => a - b))
    expect(asc).not.toEqual(pnl(before))
    expect(await header.getAttribute("aria-sort")).toBe("ascending")
    const firstCell = await page.locator("#trade-table tbody tr").first().locator("td").nth(8).innerText()
    expect(firstCell).toBe(formatNumber(Math.min(...result.trades.map((t) => t.pnl)), 2))

    await header.click()
    const desc = pnl(await tableOrder(page))
    expect(desc).toEqual([...desc].sort((a, b) => b - a))
    expect(await header.getAttribute("aria-sort")).toBe("descending")

    await page.locator("#trade-table th[data-key='entryTime']").click()
    const byEntry = (await tableOrder(page)).map((i) => result.trades[i]!.entryTime)
    expect(byEntry).toEqual([...byEntry].sort((a, b) => a - b))
  })

  it("downloads the metrics and every trade as JSON, equal to result.json's", async () => {
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-json")])
    expect(download.suggestedFilename()).toBe("ema_crossover-summary.json")
    const json = JSON.parse(readFileSync(await download.path(), "utf8")) as Record<string, unknown>
    expect(json["strategy"]).toBe("ema_crossover")
    expect(json["symbols"]).toEqual(["SIM-A", "SIM-B"])
    expect(json["tradeCount"]).toBe(result.trades.length)
    expect(json["metrics"]).toEqual(asResultJson(result.metrics))
    expect(json["trades"]).toEqual(asResultJson(result.trades))
  })

  it("saves screenshots of the whole report and of the price chart", async () => {
    await page.selectOption("#price-symbol", { label: "SIM-A" })
    const artifacts = repoFile("out", "test-artifacts")
    mkdirSync(artifacts, { recursive: true })
    await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0))
    await page.screenshot({ path: path.join(artifacts, "report-overview.png"), fullPage: true })
    await page.locator("#prices").screenshot({ path: path.join(artifacts, "report-price.png") })
  })

  it("nothing above logged a console error or made a network request", () => {
    expect(problems).toEqual([])
    expect(requests).toEqual([])
  })
})
