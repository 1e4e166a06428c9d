import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { formatNumber } from "../../src/risk/risk-manager.ts"

/** The definition the fast path must reproduce exactly. */
const reference = (x: number): string => (Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(8))))

const fcParams = { numRuns: 20_000, seed: 20261126 } as const

describe("formatNumber (numbers in risk sentences)", () => {
  it("prints hand-checked examples", () => {
    expect(formatNumber(5000)).toBe("5000")
    expect(formatNumber(0.02 * 10_123.456)).toBe("202.46912")
    expect(formatNumber(1 / 3)).toBe("0.33333333")
    expect(formatNumber(-2 / 3)).toBe("-0.66666667")
    expect(formatNumber(123456789.123)).toBe("123456790")
    expect(formatNumber(99999999.7)).toBe("100000000")
    expect(formatNumber(0.0000012345678)).toBe("0.0000012345678")
    expect(formatNumber(1.5e-7)).toBe("1.5e-7")
    expect(formatNumber(2.000000001)).toBe("2")
    expect(formatNumber(Number.NaN)).toBe("NaN")
    expect(formatNumber(-Infinity)).toBe("-Infinity")
  })

  it("equals String(Number(x.toPrecision(8))) on any double", () => {
    fc.assert(fc.property(fc.double(), (x) => formatNumber(x) === reference(x)), fcParams)
  })

  it("equals it across magnitudes and near rounding ties and powers of ten", () => {
    const magnitude = fc.tuple(fc.double({ min: 1, max: 10, noNaN: true }), fc.integer({ min: -9, max: 17 }), fc.boolean())
      .map(([m, e, negative]) => (negative ? -1 : 1) * m * 10 ** e)
    fc.assert(fc.property(magnitude, (x) => formatNumber(x) === reference(x)), fcParams)
    // An 8-digit decimal plus half a unit (a tie), nudged by a few ulps either way.
    const tie = fc.tuple(fc.integer({ min: 10_000_000, max: 99_999_999 }), fc.integer({ min: -13, max: 14 }), fc.integer({ min: -3, max: 3 }))
      .map(([n, e, ulps]) => {
        const x = (n + 0.5) * 10 ** (e - 7)
        return x + ulps * Number.EPSILON * x
      })
    fc.assert(fc.property(tie, (x) => formatNumber(x) === reference(x)), fcParams)
    for (let e = -8; e <= 16; e++) {
      const p = 10 ** e
      for (let d = -40; d <= 40; d++) {
        for (const x of [p + d * Number.EPSILON * p, p * (1 + d * 1e-9), -(p * (1 - d * 1e-12))]) expect(formatNumber(x)).toBe(reference(x))
      }
    }
  })
})
