import fc from "fast-check"
import * as fs from "node:fs"
import { describe, expect, it } from "vitest"
import {
  decimalsOf,
  formatDecimal,
  type InstrumentSpec,
  InstrumentSpecError,
  instrumentSpec,
  isMultipleOf,
  parseBinanceExchangeInfo,
  parseBinanceFilters,
  roundPrice,
  roundQuantity,
  roundToStep,
  validateOrder
} from "../../src/execution/instrument.ts"
import { dataFile } from "../support/data.ts"

const fcParams = { numRuns: 300, seed: 20261125 } as const
const readJson = (...parts: Array<string>): unknown => JSON.parse(fs.readFileSync(dataFile(...parts), "utf8"))

// The real exchangeInfo capture of 2021-10-22 (see ../shared/data/exchange/binance/README.md).
const real = parseBinanceExchangeInfo(readJson("exchange", "binance", "exchange_info_real_2021-10-22_btcusdt_ethusdt.json"))
if (!real.ok) throw real.error
const BTC = real.value.get("BTCUSDT")!
const ETH = real.value.get("ETHUSDT")!

describe("Binance exchangeInfo parser", () => {
  it("reads the real BTCUSDT and ETHUSDT filters", () => {
    expect([...real.value.keys()]).toEqual(["BTCUSDT", "ETHUSDT"])
    expect(BTC).toMatchObject({
      symbol: "BTCUSDT",
      baseAsset: "BTC",
      quoteAsset: "USDT",
      status: "TRADING",
      tickSize: 0.01,
      minPrice: 0.01,
      maxPrice: 1_000_000,
      stepSize: 0.00001,
      minQuantity: 0.00001,
      maxQuantity: 9000,
      marketStepSize: 0,
      marketMinQuantity: 0,
      marketMaxQuantity: 112.2110882,
      minNotional: 10,
      maxNotional: 0,
      applyMinNotionalToMarket: true,
      notionalFilter: "MIN_NOTIONAL"
    })
    expect(ETH).toMatchObject({ stepSize: 0.0001, minQuantity: 0.0001, marketMaxQuantity: 1630.44517663, tickSize: 0.01 })
  })

  it("reads the documented NOTIONAL filter (filters.json examples)", () => {
    const doc = readJson("exchange", "binance", "filters.json") as { filters: Array<{ filterType: string; exchangeInfo_example: unknown }> }
    const example = (t: string) => doc.filters.find((f) => f.filterType === t)!.exchangeInfo_example
    const parsed = parseBinanceFilters("DOC", ["PRICE_FILTER", "LOT_SIZE", "NOTIONAL", "MARKET_LOT_SIZE", "PERCENT_PRICE"].map(example))
    if (!parsed.ok) throw parsed.error
    expect(parsed.value).toMatchObject({
      tickSize: 0.000001,
      minPrice: 0.000001,
      maxPrice: 100_000,
      stepSize: 0.001,
      minQuantity: 0.001,
      maxQuantity: 100_000,
      minNotional: 10,
      maxNotional: 10_000,
      applyMinNotionalToMarket: false,
      applyMaxNotionalToMarket: false,
      notionalFilter: "NOTIONAL"
    })
    const spec = parsed.value
    expect(validateOrder(spec, { market: false, quantity: 1, price: 5 })?.reason).toBe("notional 5 is below the minimum 10 (NOTIONAL)")
    expect(validateOrder(spec, { market: false, quantity: 1000, price: 20 })?.reason).toBe("notional 20000 is above the maximum 10000 (NOTIONAL)")
    // applyMinToMarket / applyMaxToMarket false: market orders are not held to the notional limits
    expect(validateOrder(spec, { market: true, quantity: 1, referencePrice: 5 })).toBeUndefined()
    expect(validateOrder(spec, { market: true, quantity: 1000, referencePrice: 20 })).toBeUndefined()
  })

  it("malformed input gets a typed error naming the JSON path and the reason", () => {
    const bad = (json: unknown) => {
      const r = parseBinanceExchangeInfo(json, "info.json")
      if (r.ok) throw new Error("expected a failure")
      expect(r.error).toBeInstanceOf(InstrumentSpecError)
      expect(r.error._tag).toBe("InstrumentSpecError")
      return r.error.message
    }
    expect(bad(null)).toBe("info.json: $: expected an exchangeInfo object, got null")
    expect(bad({ symbols: 3 })).toBe("info.json: symbols: expected an array of symbols, got 3")
    expect(bad({ symbols: [{ filters: [] }] })).toBe("info.json: symbols[0].symbol: expected a symbol name, got nothing")
    expect(bad({ symbols: [{ symbol: "X", filters: {} }] })).toBe("info.json: symbols[0].filters: expected an array of filters, got {}")
    expect(bad({ symbols: [{ symbol: "X", filters: [{ filterType: "PRICE_FILTER", minPrice: "0", maxPrice: "0", tickSize: "abc" }] }] }))
      .toBe('info.json: symbols[0].filters[0].tickSize: expected a non-negative decimal string such as "0.01000000", got "abc"')
    expect(bad({ symbols: [{ symbol: "X", filters: [{ minQty: "1" }] }] })).toBe("info.json: symbols[0].filters[0].filterType: expected a filter type name, got nothing")
    expect(bad({ symbols: [{ symbol: "X", filters: [{ filterType: "LOT_SIZE", minQty: "5", maxQty: "1", stepSize: "1" }] }] }))
      .toBe("info.json: symbols[0].filters[0].minQty: minQty 5 is above maxQty 1")
    expect(bad({ symbols: [{ symbol: "X", filters: [] }, { symbol: "X", filters: [] }] })).toBe("info.json: symbols[1].symbol: symbol X appears twice")
    expect(bad({ symbols: [{ symbol: "X", filters: [{ filterType: "MIN_NOTIONAL", minNotional: "10", applyToMarket: "yes" }] }] }))
      .toBe('info.json: symbols[0].filters[0].applyToMarket: expected true or false, got "yes"')
  })
})

describe("order validation against the real filters", () => {
  it("PRICE_FILTER: tick size, minimum and maximum, on the limit and the stop price", () => {
    expect(validateOrder(BTC, { market: false, quantity: 0.001, price: 100.123 })).toEqual({
      filter: "PRICE_FILTER",
      field: "price",
      reason: "price 100.123 is not a multiple of the tick size 0.01 (PRICE_FILTER)"
    })
    expect(validateOrder(BTC, { market: false, quantity: 1, price: 60_000.12 })).toBeUndefined()
    expect(validateOrder(BTC, { market: false, quantity: 1, price: 0.001 })?.reason).toBe("price 0.001 is below the minimum 0.01 (PRICE_FILTER)")
    expect(validateOrder(BTC, { market: false, quantity: 0.001, price: 2_000_000 })?.reason).toBe("price 2000000 is above the maximum 1000000 (PRICE_FILTER)")
    expect(validateOrder(BTC, { market: true, quantity: 0.001, stopPrice: 59_999.995 })?.reason)
      .toBe("stop price 59999.995 is not a multiple of the tick size 0.01 (PRICE_FILTER)")
  })

  it("LOT_SIZE: minimum, maximum and step", () => {
    expect(validateOrder(ETH, { market: false, quantity: 0.00001, price: 4000 })).toEqual({
      filter: "LOT_SIZE",
      field: "quantity",
      reason: "quantity 0.00001 is below the minimum 0.0001 (LOT_SIZE)"
    })
    expect(validateOrder(BTC, { market: false, quantity: 0.000015, price: 60_000 })?.reason)
      .toBe("quantity 0.000015 is not a multiple of the step size 0.00001 (LOT_SIZE)")
    expect(validateOrder(BTC, { market: false, quantity: 9001, price: 60_000 })?.reason).toBe("quantity 9001 is above the maximum 9000 (LOT_SIZE)")
    expect(validateOrder(BTC, { market: false, quantity: 0.00001 * 3, price: 400_000 })).toBeUndefined() // 0.000030000000000000004
  })

  it("MARKET_LOT_SIZE applies to market orders only", () => {
    expect(validateOrder(BTC, { market: true, quantity: 200, referencePrice: 60_000 })?.reason)
      .toBe("quantity 200 is above the maximum 112.2110882 (MARKET_LOT_SIZE)")
    expect(validateOrder(BTC, { market: false, quantity: 200, price: 60_000 })).toBeUndefined()
  })

  it("MIN_NOTIONAL: price × quantity, and the reference price for market orders (applyToMarket)", () => {
    expect(validateOrder(ETH, { market: false, quantity: 0.0015, price: 2800 })).toEqual({
      filter: "MIN_NOTIONAL",
      field: "notional",
      reason: "notional 4.2 is below the minimum 10 (MIN_NOTIONAL)"
    })
    expect(validateOrder(ETH, { market: true, quantity: 0.0015, referencePrice: 2800 })?.reason).toBe("notional 4.2 is below the minimum 10 (MIN_NOTIONAL)")
    expect(validateOrder(ETH, { market: true, quantity: 0.0015 })).toBeUndefined() // no price known: not checked
    expect(validateOrder(BTC, { market: false, quantity: 0.0002, price: 50_000 })).toBeUndefined() // exactly 10
  })

  it("invalid numbers are refused before any filter", () => {
    expect(validateOrder(BTC, { market: false, quantity: -1, price: 100 })?.reason).toBe("quantity -1 is not a positive number (INVALID)")
    expect(validateOrder(BTC, { market: false, quantity: 1, price: Number.NaN })?.filter).toBe("INVALID")
  })
})

describe("decimal-safe grid arithmetic", () => {
  it("handles the classic float traps", () => {
    expect(isMultipleOf(0.1 + 0.2, 0.1)).toBe(true)
    expect(isMultipleOf(0.3, 0.1)).toBe(true)
    expect(isMultipleOf(60_123.45, 0.01)).toBe(true)
    expect(isMultipleOf(1.15, 0.05)).toBe(true)
    expect(isMultipleOf(1.12, 0.05)).toBe(false)
    expect(isMultipleOf(100.123, 0.01)).toBe(false)
    expect(isMultipleOf(8999.99999999, 0.00001)).toBe(false)
    expect(isMultipleOf(5, 0)).toBe(true)
    expect(decimalsOf(0.00001)).toBe(5)
    expect(decimalsOf(1e-7)).toBe(7)
    expect(decimalsOf(12.5)).toBe(1)
    expect(formatDecimal(0.1 + 0.2)).toBe("0.3")
    expect(formatDecimal(1e-7)).toBe("0.0000001")
  })

  it("rounds down, up and to nearest on the grid", () => {
    expect(roundToStep(0.30000000000000004, 0.1, "down")).toBe(0.3)
    expect(roundToStep(0.29, 0.1, "down")).toBe(0.2)
    expect(roundToStep(0.21, 0.1, "up")).toBe(0.3)
    expect(roundToStep(0.25, 0.1, "nearest")).toBe(0.3)
    expect(roundQuantity(BTC, 0.123456789)).toBe(0.12345)
    expect(roundQuantity(ETH, 0.123456789)).toBe(0.1234)
    expect(roundQuantity(BTC, 200.123456, true)).toBe(200.12345) // MARKET_LOT_SIZE step 0: the LOT_SIZE step
    expect(roundPrice(BTC, 60_123.456)).toBe(60_123.46)
    expect(roundPrice(BTC, 60_123.456, "down")).toBe(60_123.45)
  })

  it("property: n × step is on the grid and n × step + step / 2 is not (real step sizes)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 900_000_000 }), fc.constantFrom(0.01, 0.00001, 0.0001, 0.001, 0.000001), (n, step) => {
        expect(isMultipleOf(n * step, step)).toBe(true)
        expect(isMultipleOf(n * step + step / 2, step)).toBe(false)
      }),
      fcParams
    )
  })

  it("property: a quantity rounded down to the step is on the grid, not above the input (up to float noise), and less than one step below", () => {
    fc.assert(
      fc.property(fc.double({ min: 0.00001, max: 9000, noNaN: true }), fc.constantFrom(BTC, ETH), (q, spec: InstrumentSpec) => {
        const r = roundQuantity(spec, q)
        // not above the input, except by float noise when the input is a grid value computed with rounding errors
        expect(r).toBeLessThanOrEqual(q * (1 + 1e-13))
        expect(q - r).toBeLessThan(spec.stepSize * (1 + 1e-9))
        expect(isMultipleOf(r, spec.stepSize)).toBe(true)
        if (r >= spec.minQuantity) expect(validateOrder(spec, { market: false, quantity: r, price: 10_000 / r + 1 })?.filter).not.toBe("LOT_SIZE")
      }),
      fcParams
    )
  })

  it("a spec built by hand disables what it does not set", () => {
    const spec = instrumentSpec({ symbol: "X", tickSize: 0.5 })
    expect(validateOrder(spec, { market: false, quantity: 0.123456789, price: 10.5 })).toBeUndefined()
    expect(validateOrder(spec, { market: false, quantity: 1, price: 10.25 })?.reason).toBe("price 10.25 is not a multiple of the tick size 0.5 (PRICE_FILTER)")
  })
})
