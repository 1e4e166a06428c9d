/**
 * Every registry indicator on real one-minute bars (Binance.US BTCUSDT, 2023-03-01..21: 30 240 bars, of which
 * 1 616 are flat (high = low) and many have zero volume): finite outputs after the warm-up, streaming ≡ batch, and
 * the documented flat-range / zero-volume behaviour.
 */
import * as fs from "node:fs"
import { describe, expect, it } from "vitest"
import {
  batchIndicator,
  createBarIndicator,
  defaultParams,
  indicatorRegistry,
  resolveParams,
  stochBatch,
  vwapBatch
} from "../../src/indicators/index.ts"
import { dataFile } from "../support/data.ts"
import { barAt, type Columns, sameBits } from "./support.ts"

const load = (): Columns => {
  const text = fs.readFileSync(dataFile("market", "binance_us_1m", "BTCUSDT_1m_20230301_20230321.csv"), "utf8")
  const lines = text.split("\n").filter((l) => l.length > 0).slice(1)
  const n = lines.length
  const c: Columns = {
    timestamp: new Float64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n)
  }
  lines.forEach((line, i) => {
    const f = line.split(",")
    c.timestamp[i] = Date.parse(f[0]!.replace(" ", "T"))
    c.open[i] = Number(f[1])
    c.high[i] = Number(f[2])
    c.low[i] = Number(f[3])
    c.close[i] = Number(f[4])
    c.volume[i] = Number(f[5])
  })
  return c
}

const bars = load()
const n = bars.close.length

describe("Binance.US BTCUSDT 1m", () => {
  it("is the expected file: flat and zero-volume bars present", () => {
    let flat = 0
    let zeroVolume = 0
    for (let i = 0; i < n; i++) {
      if (bars.high[i] === bars.low[i]) flat++
      if (bars.volume[i] === 0) zeroVolume++
      expect(Number.isFinite(bars.timestamp[i]!)).toBe(true)
    }
    expect(flat).toBe(1616)
    expect(zeroVolume).toBeGreaterThan(0)
  })

  for (const spec of indicatorRegistry) {
    it(`${spec.name}: finite after the warm-up, streaming ≡ batch (default parameters and period 5)`, () => {
      const variants = [defaultParams(spec)]
      if (spec.params.some((p) => p.name === "period")) variants.push(resolveParams(spec, { period: 5 }))
      for (const params of variants) {
        const out = batchIndicator(spec, bars, params)
        const lb = spec.lookback(params)
        const ind = createBarIndicator(spec, params)
        const streamed = spec.outputs.map(() => new Float64Array(n))
        for (let i = 0; i < n; i++) {
          ind.updateBar(barAt(bars, i))
          spec.outputs.forEach((_, j) => (streamed[j]![i] = ind.output(j)))
        }
        spec.outputs.forEach((o, j) => {
          const s = out[o.name]!
          for (let i = lb; i < n; i++) expect(Number.isFinite(s[i]!), `${o.name}[${i}]`).toBe(true)
          expect(sameBits(s, streamed[j]!), o.name).toBe(true)
        })
      }
    })
  }

  it("stoch: a flat 5-bar range gives %K = 0 (TA-Lib's rule)", () => {
    const st = stochBatch(bars.high, bars.low, bars.close, 5, 1, 1)
    let flatWindows = 0
    for (let i = 4; i < n; i++) {
      let h = -Infinity
      let l = Infinity
      for (let j = i - 4; j <= i; j++) {
        h = Math.max(h, bars.high[j]!)
        l = Math.min(l, bars.low[j]!)
      }
      if (h === l) {
        expect(st.k[i]).toBe(0)
        flatWindows++
      }
    }
    expect(flatWindows).toBeGreaterThan(0)
  })

  it("vwap: daily sessions restart at 00:00 UTC", () => {
    const out = vwapBatch(bars.high, bars.low, bars.close, bars.volume, bars.timestamp)
    for (let i = 1; i < n; i++) {
      if (bars.timestamp[i]! % 86_400_000 === 0) {
        const tp = (bars.high[i]! + bars.low[i]! + bars.close[i]!) / 3
        expect(Math.abs(out[i]! / tp - 1)).toBeLessThan(3e-16) // one bar: (tp·v) / v, or tp itself when v = 0
      }
    }
  })
})
