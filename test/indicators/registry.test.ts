/**
 * The registry: descriptions are consistent with the kernels, parameters are validated with clear messages.
 */
import { describe, expect, it } from "vitest"
import {
  defaultParams,
  emaSpec,
  findIndicator,
  formatRegistry,
  indicatorRegistry,
  resolveParams,
  rsiSpec,
  smaSpec
} from "../../src/indicators/index.ts"
import { firstValueIndex } from "./support.ts"

describe("indicator registry", () => {
  it("lists every indicator with unique lower-case names", () => {
    const names = indicatorRegistry.map((s) => s.name)
    expect(names).toEqual([
      "sma",
      "ema",
      "wma",
      "rsi",
      "macd",
      "bbands",
      "atr",
      "stoch",
      "vwap",
      "vwap_rolling",
      "highest",
      "lowest",
      "range",
      "avg_volume"
    ])
    expect(new Set(names).size).toBe(names.length)
    expect(findIndicator("RSI")).toBe(rsiSpec)
    expect(findIndicator("MACD")?.name).toBe("macd")
    expect(findIndicator("kama")).toBeUndefined()
  })

  it("formatRegistry lists every entry with defaults, outputs and lookback", () => {
    const text = formatRegistry()
    const lines = text.trimEnd().split("\n")
    expect(lines.length).toBe(indicatorRegistry.length + 2)
    expect(lines[0]).toMatch(/^name\s+inputs\s+parameters \(defaults\)\s+outputs\s+lookback\s+title$/)
    expect(text).toContain("fastPeriod=12 slowPeriod=26 signalPeriod=9")
    expect(text).toMatch(/macd\s+close\s+fastPeriod=12 slowPeriod=26 signalPeriod=9\s+macd,signal,histogram\s+33\s/)
    expect(text).toMatch(/stoch\s+high,low,close\s+kPeriod=14 kSlowing=3 dPeriod=3\s+k,d\s+17\s/)
    expect(text).toMatch(/vwap\s+high,low,close,volume,timestamp\s+sessionMs=86400000 offsetMs=0\s+value\s+0\s/)
    for (const spec of indicatorRegistry) expect(text).toContain(spec.title)
  })

  it("defaults lie within bounds and lookbacks match the TA-Lib conventions", () => {
    for (const spec of indicatorRegistry) {
      for (const p of spec.params) {
        expect(p.default).toBeGreaterThanOrEqual(p.min)
        expect(p.default).toBeLessThanOrEqual(p.max)
      }
      expect(spec.outputs.length).toBeGreaterThan(0)
      if (spec.kind === "series") expect(spec.inputs.length).toBe(1)
      expect(spec.reference.length).toBeGreaterThan(0)
    }
    expect(findIndicator("highest")!.inputs).toEqual(["high"])
    expect(findIndicator("atr")!.inputs).toEqual(["high", "low", "close"])
    expect(findIndicator("atr")!.lookback({ period: 14 })).toBe(14)
    expect(findIndicator("bbands")!.lookback({ period: 20, k: 2 })).toBe(19)
    expect(findIndicator("vwap_rolling")!.lookback({ period: 14 })).toBe(13)
    expect(smaSpec.lookback({ period: 20 })).toBe(19)
    expect(emaSpec.lookback({ period: 10 })).toBe(9)
    expect(rsiSpec.lookback({ period: 14 })).toBe(14)
    expect(defaultParams(rsiSpec)).toEqual({ period: 14 })
  })

  it("lookback(params) is where the batch output starts", () => {
    const xs = Float64Array.from({ length: 100 }, (_, i) => 100 + Math.sin(i))
    for (const spec of indicatorRegistry) {
      if (spec.kind !== "series") continue
      for (const period of [1, 2, 5, 30]) {
        const params = resolveParams(spec, { period })
        expect(firstValueIndex(spec.batch(xs, params))).toBe(spec.lookback(params))
      }
    }
  })

  it("resolveParams fills defaults and rejects unknown names and out-of-range values", () => {
    expect(resolveParams(smaSpec)).toEqual({ period: 20 })
    expect(resolveParams(smaSpec, { period: undefined })).toEqual({ period: 20 })
    expect(resolveParams(emaSpec, { period: 7 })).toEqual({ period: 7 })
    expect(() => resolveParams(smaSpec, { length: 5 })).toThrow('sma: unknown parameter "length" (parameters: period)')
    expect(() => resolveParams(rsiSpec, { period: 0 })).toThrow("rsi: period must be an integer from 1 to 100000, got 0")
    expect(() => resolveParams(rsiSpec, { period: 2.5 })).toThrow("got 2.5")
    expect(() => resolveParams(rsiSpec, { period: Number.NaN })).toThrow("got NaN")
    const bb = findIndicator("bbands")!
    expect(resolveParams(bb, { k: 1.5 })).toEqual({ period: 20, k: 1.5 })
    expect(() => resolveParams(bb, { k: 0 })).toThrow("bbands: k must be a number > 0 and <= 1000, got 0")
    expect(() => resolveParams(bb, { k: Number.NaN })).toThrow("got NaN")
    expect(() => resolveParams(findIndicator("stoch")!, { kSlowing: -1 })).toThrow(
      "stoch: kSlowing must be an integer from 1 to 100000, got -1"
    )
  })

  it("create() gives a working streaming instance", () => {
    const ema = emaSpec.create(resolveParams(emaSpec, { period: 2 }))
    ema.update(1)
    expect(ema.update(3)).toBe(2)
    expect(ema.period).toBe(2)
  })
})
