/**
 * The HTML report in a real browser (Debian's Chromium driven by playwright-core): a backtest of the bundled data is
 * rendered, opened from disk with the network blocked, and must load without console errors or failed requests, draw
 * both charts (non-blank canvases) and list every trade. A screenshot is written to `out/test-artifacts/`.
 */
import { Effect } from "effect"
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { chromium } from "playwright-core"
import { describe, expect, it } from "vitest"
import { backtest } from "../../src/backtest/run.ts"
import { renderHtmlReport } from "../../src/report/html.ts"
import { repoFile } from "../support/data.ts"

const CHROMIUM = "/usr/bin/chromium"

/** The part of a browser canvas the test reads (the project compiles without the DOM library). */
interface CanvasLike {
  readonly width: number
  readonly height: number
  getContext(kind: "2d"): { getImageData(x: number, y: number, w: number, h: number): { readonly data: Uint8ClampedArray } }
}

describe("HTML report in Chromium", () => {
  it("loads offline with no console errors, draws the equity and drawdown charts, and lists the trades", async () => {
    const result = await Effect.runPromise(backtest({
      data: { files: [repoFile("fixtures", "sim", "SIM-A_1h.csv"), repoFile("fixtures", "sim", "SIM-B_1h.csv")] },
      strategy: repoFile("strategies", "ema_crossover.lua")
    }))
    const dir = mkdtempSync(path.join(tmpdir(), "report-"))
    const file = path.join(dir, "report.html")
    writeFileSync(file, renderHtmlReport(result))

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    })
    try {
      const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } })
      const problems: Array<string> = []
      page.on("console", (m) => {
        if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`)
      })
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`))
      const requests: Array<string> = []
      await page.route("**/*", (route) => {
        const url = route.request().url()
        if (url.startsWith("file://")) return route.continue()
        requests.push(url)
        return route.abort()
      })
      await page.goto(`file://${file}`, { waitUntil: "load" })

      for (const id of ["#equity-chart", "#drawdown-chart"]) {
        const canvas = page.locator(`${id} canvas`).first()
        await canvas.waitFor({ state: "attached", timeout: 10_000 })
        // A drawn chart has many distinct colours on its canvas; an empty one is uniform.
        const colours = await canvas.evaluate((element) => {
          const c = element as unknown as CanvasLike
          const ctx = c.getContext("2d")
          const data = ctx.getImageData(0, 0, c.width, c.height).data
          const seen = new Set<number>()
          for (let i = 0; i < data.length; i += 4 * 7) seen.add((data[i]! << 24) | (data[i + 1]! << 16) | (data[i + 2]! << 8) | data[i + 3]!)
          return { width: c.width, height: c.height, distinct: seen.size }
        })
        expect(colours.width, id).toBeGreaterThan(300)
        expect(colours.height, id).toBeGreaterThan(100)
        expect(colours.distinct, id).toBeGreaterThan(10)
      }
      const body = await page.locator("body").innerText()
      expect(body).toContain(`Trades (${result.trades.length})`)
      expect(body).toContain("+51.56%")

      const artifacts = repoFile("out", "test-artifacts")
      mkdirSync(artifacts, { recursive: true })
      await page.screenshot({ path: path.join(artifacts, "report.png"), fullPage: true })

      expect(problems).toEqual([])
      expect(requests).toEqual([])
    } finally {
      await browser.close()
    }
  })
})
