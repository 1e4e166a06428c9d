import { describe, expect, it } from "vitest"
import { bar, SymbolName } from "../../src/domain/bar.ts"
import { checkCostModel, commissionFor, type CostModel, effectivePrice, halfSpread, slippagePerUnit } from "../../src/execution/costs.ts"

const S = SymbolName("TEST")
const plain = bar({ symbol: S, timestamp: 0, open: 100, high: 101, low: 99, close: 100, volume: 1 })
const quoted = bar({ symbol: S, timestamp: 0, open: 100, high: 101, low: 99, close: 100, volume: 1, bid: 99.9, ask: 100.1 })

describe("costs", () => {
  it("slippage in bps of the price or in ticks", () => {
    expect(slippagePerUnit({ kind: "bps", bps: 10 }, 50_000)).toBeCloseTo(50, 12)
    expect(slippagePerUnit({ kind: "ticks", ticks: 2, tickSize: 0.01 }, 50_000)).toBeCloseTo(0.02, 15)
    expect(slippagePerUnit({ kind: "none" }, 50_000)).toBe(0)
  })

  it("slippage is adverse: buys pay more, sells receive less; limit fills get none", () => {
    const m: CostModel = { slippage: { kind: "bps", bps: 10 }, commission: { takerRate: 0 } }
    expect(effectivePrice(m, "buy", 100, true, plain)).toBeCloseTo(100.1, 12)
    expect(effectivePrice(m, "sell", 100, true, plain)).toBeCloseTo(99.9, 12)
    expect(effectivePrice(m, "buy", 100, false, plain)).toBe(100)
    expect(effectivePrice(m, "sell", 100, false, plain)).toBe(100)
  })

  it("half the quoted spread is added for buys and subtracted for sells when the bar has bid and ask", () => {
    const m: CostModel = { slippage: { kind: "none" }, commission: { takerRate: 0 } }
    expect(halfSpread(quoted)).toBeCloseTo(0.1, 12)
    expect(halfSpread(plain)).toBe(0)
    expect(effectivePrice(m, "buy", 100, true, quoted)).toBeCloseTo(100.1, 12)
    expect(effectivePrice(m, "sell", 100, true, quoted)).toBeCloseTo(99.9, 12)
    expect(effectivePrice(m, "buy", 100, false, quoted)).toBe(100)
    expect(effectivePrice({ ...m, useSpread: false }, "buy", 100, true, quoted)).toBe(100)
    // slippage and spread add up
    expect(effectivePrice({ ...m, slippage: { kind: "ticks", ticks: 1, tickSize: 0.05 } }, "buy", 100, true, quoted)).toBeCloseTo(100.15, 12)
  })

  it("commission: rate × notional with a minimum per fill, maker and taker rates", () => {
    const schedule = { takerRate: 0.001, makerRate: 0.0002, minimum: 1 }
    expect(commissionFor(schedule, 2, 50_000, "taker")).toBeCloseTo(100, 12)
    expect(commissionFor(schedule, 2, 50_000, "maker")).toBeCloseTo(20, 12)
    expect(commissionFor(schedule, 0.001, 50_000, "taker")).toBe(1) // 0.05 → the minimum
    expect(commissionFor({ takerRate: 0.001 }, 1, 100, "maker")).toBeCloseTo(0.1, 12) // maker defaults to taker
    expect(commissionFor({ takerRate: 0.001, makerRate: -0.0001, minimum: 1 }, 1, 1000, "maker")).toBeCloseTo(-0.1, 12) // a rebate
  })

  it("invalid cost models are named by field", () => {
    expect(checkCostModel({ slippage: { kind: "none" }, commission: { takerRate: 0.001 } })).toBeUndefined()
    expect(checkCostModel({ slippage: { kind: "none" }, commission: { takerRate: 1.5 } })?.field).toBe("commission.takerRate")
    expect(checkCostModel({ slippage: { kind: "bps", bps: -1 }, commission: { takerRate: 0 } })?.field).toBe("slippage.bps")
    expect(checkCostModel({ slippage: { kind: "ticks", ticks: 1, tickSize: 0 }, commission: { takerRate: 0 } })?.field).toBe("slippage.tickSize")
    expect(checkCostModel({ slippage: { kind: "none" }, commission: { takerRate: 0, minimum: -1 } })?.field).toBe("commission.minimum")
  })
})
