/**
 * The registry: descriptions are consistent with the kernels, parameters are validated with clear messages.
 */
import { describe, expect, it } from "vitest"
import {
  defaultParams,
  emaSpec,
  findIndicator,
  indicatorRegistry,
  resolveParams,
  rsiSpec,
  smaSpec
} from "../../src/indicators/index.ts"
import { firstValueIndex } from "./support.ts"

describe("indicator registry", () => {
  it("lists SMA, EMA and RSI with unique lower-case names", () => {
    const names = indicatorRegistry.map((s) => s.name)
    expect(names).toEqual(["sma", "ema", "rsi"])
    expect(new Set(names).size).toBe(names.length)
    expect(findIndicator("RSI")).toBe(rsiSpec)
    expect(findIndicator("macd")).toBeUndefined()
  })

  it("defaults lie within bounds and lookbacks match the TA-Lib conventions", () => {
    for (const spec of indicatorRegistry) {
      for (const p of spec.params) {
        expect(p.default).toBeGreaterThanOrEqual(p.min)
        expect(p.default).toBeLessThanOrEqual(p.max)
      }
      expect(spec.outputs.length).toBeGreaterThan(0)
      expect(spec.inputs).toEqual(["close"])
    }
    expect(smaSpec.lookback({ period: 20 })).toBe(19)
    expect(emaSpec.lookback({ period: 10 })).toBe(9)
    expect(rsiSpec.lookback({ period: 14 })).toBe(14)
    expect(defaultParams(rsiSpec)).toEqual({ period: 14 })
  })

  it("lookback(params) is where the batch output starts", () => {
    const xs = Float64Array.from({ length: 100 }, (_, i) => 100 + Math.sin(i))
    for (const spec of indicatorRegistry) {
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
  })

  it("create() gives a working streaming instance", () => {
    const ema = emaSpec.create(resolveParams(emaSpec, { period: 2 }))
    ema.update(1)
    expect(ema.update(3)).toBe(2)
    expect(ema.period).toBe(2)
  })
})
