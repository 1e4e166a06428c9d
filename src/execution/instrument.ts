/**
 * Instrument specifications (what prices and quantities an exchange accepts for a symbol), a parser for Binance's
 * `exchangeInfo`, order validation against the spec with reasons a person can act on, and rounding of prices and
 * quantities to the exchange's grid.
 *
 * Conventions follow Binance: a limit of `0` means the rule is disabled (`minPrice`, `maxPrice`, `tickSize`,
 * `stepSize`, `maxQty`, `maxNotional`). Filters modelled:
 *
 * | Filter | Fields | Checked on |
 * |---|---|---|
 * | `PRICE_FILTER` | `minPrice`, `maxPrice`, `tickSize` | the limit price and the stop price |
 * | `LOT_SIZE` | `minQty`, `maxQty`, `stepSize` | the quantity of every order |
 * | `MARKET_LOT_SIZE` | `minQty`, `maxQty`, `stepSize` | additionally the quantity of market orders (and stops, which become market orders) |
 * | `MIN_NOTIONAL` | `minNotional`, `applyToMarket` | `price × quantity`; market orders use a reference price (the last price) when `applyToMarket` |
 * | `NOTIONAL` | `minNotional`, `maxNotional`, `applyMinToMarket`, `applyMaxToMarket` | as `MIN_NOTIONAL`, plus a maximum |
 *
 * Other filters (`PERCENT_PRICE`, `ICEBERG_PARTS`, `MAX_NUM_ORDERS`, …) are read past: they need the exchange's
 * average price or order counts, which a bar backtest does not have.
 *
 * **Decimal-safe checks.** `price % tickSize == 0` in floating point is wrong (`0.3 % 0.1 ≈ 0.1`). Steps are decimal
 * (`0.01`, `0.00001`), so a value is checked on the integer grid of the step's decimals: `x = value × 10^d` must be
 * within float noise of an integer (a few ulps: a tolerance of `max(1e-9, |x| × 1e-14)`) and that integer a multiple
 * of `step × 10^d`. `0.1 + 0.2` therefore is a multiple of `0.1`, and `100.123` is not a multiple of `0.01`. Rounding
 * works on the same grid and returns the double nearest to the decimal result.
 *
 * @module
 */
import { Schema } from "effect"

/** The filters an exchange applies to a symbol's orders. Numbers; `0` disables a limit. */
export interface InstrumentSpec {
  readonly symbol: string
  readonly baseAsset: string | undefined
  readonly quoteAsset: string | undefined
  /** Exchange status (`TRADING`, `BREAK`, …) when known. */
  readonly status: string | undefined
  /** PRICE_FILTER. */
  readonly tickSize: number
  readonly minPrice: number
  readonly maxPrice: number
  /** LOT_SIZE. */
  readonly stepSize: number
  readonly minQuantity: number
  readonly maxQuantity: number
  /** MARKET_LOT_SIZE (all 0 when the symbol has none). */
  readonly marketStepSize: number
  readonly marketMinQuantity: number
  readonly marketMaxQuantity: number
  /** MIN_NOTIONAL or NOTIONAL (the stricter minimum when both are given). */
  readonly minNotional: number
  readonly maxNotional: number
  readonly applyMinNotionalToMarket: boolean
  readonly applyMaxNotionalToMarket: boolean
  /** Which filter the notional limits came from, for messages. */
  readonly notionalFilter: "MIN_NOTIONAL" | "NOTIONAL"
}

/** Builds a spec from the fields given; every missing limit is disabled (0). */
export const instrumentSpec = (fields: Partial<InstrumentSpec> & { readonly symbol: string }): InstrumentSpec => ({
  baseAsset: undefined,
  quoteAsset: undefined,
  status: undefined,
  tickSize: 0,
  minPrice: 0,
  maxPrice: 0,
  stepSize: 0,
  minQuantity: 0,
  maxQuantity: 0,
  marketStepSize: 0,
  marketMinQuantity: 0,
  marketMaxQuantity: 0,
  minNotional: 0,
  maxNotional: 0,
  applyMinNotionalToMarket: true,
  applyMaxNotionalToMarket: false,
  notionalFilter: "MIN_NOTIONAL",
  ...fields
})

// ---------------------------------------------------------------------------------------------------------------
// Decimal grid arithmetic

// The last two answers of `decimalsOf` (steps come from a few instrument specs: tick and lot sizes).
let cachedStep0 = Number.NaN
let cachedDecimals0 = 0
let cachedStep1 = Number.NaN
let cachedDecimals1 = 0

/** Decimal places of a number's shortest representation (`0.00001` → 5, `1e-7` → 7, `12.5` → 1), at most 15. */
export const decimalsOf = (step: number): number => {
  if (!Number.isFinite(step) || step === 0) return 0
  if (step === cachedStep0) return cachedDecimals0
  if (step === cachedStep1) return cachedDecimals1
  const d = countDecimals(step)
  cachedStep1 = cachedStep0
  cachedDecimals1 = cachedDecimals0
  cachedStep0 = step
  cachedDecimals0 = d
  return d
}

const countDecimals = (step: number): number => {
  const s = Math.abs(step).toString()
  const e = s.indexOf("e")
  const mantissa = e < 0 ? s : s.slice(0, e)
  const exponent = e < 0 ? 0 : Number(s.slice(e + 1))
  const dot = mantissa.indexOf(".")
  const frac = dot < 0 ? 0 : mantissa.length - dot - 1
  return Math.min(15, Math.max(0, frac - exponent))
}

const nearInteger = (x: number): boolean => Math.abs(x - Math.round(x)) <= Math.max(1e-9, Math.abs(x) * 1e-14)

/**
 * Whether `value` is an integer multiple of `step` up to floating-point noise (`step` 0: always true). Works on the
 * integer grid of the step's decimals, see the module comment.
 */
export const isMultipleOf = (value: number, step: number): boolean => {
  if (step === 0) return true
  const d = decimalsOf(step)
  const scale = 10 ** d
  const k = Math.round(step * scale)
  const x = value * scale
  if (k === 0 || !nearInteger(step * scale)) {
    // A step that is not a short decimal: fall back to the ratio.
    return nearInteger(value / step)
  }
  if (!nearInteger(x)) return false
  return Math.round(x) % k === 0
}

/** How to round onto a grid. */
export type RoundingMode = "down" | "up" | "nearest"

/**
 * `value` rounded to a multiple of `step` (towards zero for `down` on positive values, i.e. floor; `up`: ceiling;
 * `nearest`: half away from zero). A value on the grid up to float noise stays on that grid point, even when the
 * noise put it a few ulps below (`0.1 × 3 / 3 × 3` style results must not lose a whole step), so `down` can return a
 * value above its input by at most that noise (relative 1e-14). Returns the double nearest to the exact decimal
 * result (`roundToStep(0.30000000000000004, 0.1, "down")` is `0.3`).
 */
export const roundToStep = (value: number, step: number, mode: RoundingMode = "down"): number => {
  if (step === 0 || !Number.isFinite(value)) return value
  const d = decimalsOf(step)
  const scale = 10 ** d
  const k = Math.round(step * scale)
  if (k === 0 || !nearInteger(step * scale)) {
    const r = value / step
    const n = nearInteger(r) ? Math.round(r) : mode === "down" ? Math.floor(r) : mode === "up" ? Math.ceil(r) : Math.round(r)
    return n * step
  }
  const units = value * scale
  const grid = units / k
  const n = nearInteger(units) && Math.round(units) % k === 0
    ? Math.round(units) / k
    : mode === "down"
    ? Math.floor(grid)
    : mode === "up"
    ? Math.ceil(grid)
    : Math.sign(grid) * Math.round(Math.abs(grid))
  return (n * k) / scale
}

/** A quantity rounded down to the symbol's lot step (the market step for market orders when it is set). */
export const roundQuantity = (spec: InstrumentSpec, quantity: number, market = false): number => {
  const step = market && spec.marketStepSize > 0 ? spec.marketStepSize : spec.stepSize
  return quantity > 0 ? roundToStep(quantity, step, "down") : 0
}

/** A price rounded to the tick size (`down`, `up` or `nearest`). */
export const roundPrice = (spec: InstrumentSpec, price: number, mode: RoundingMode = "nearest"): number =>
  roundToStep(price, spec.tickSize, mode)

/**
 * A number as a person writes it: no exponent, at most 12 significant digits (so `0.1 + 0.2` prints as `0.3` and
 * `1e-7` as `0.0000001`).
 */
export const formatDecimal = (x: number): string => {
  if (!Number.isFinite(x)) return String(x)
  const y = Number(x.toPrecision(12))
  const s = y.toString()
  if (!s.includes("e")) return s
  return y.toFixed(Math.min(100, decimalsOf(y))).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "")
}

// ---------------------------------------------------------------------------------------------------------------
// Validation

/** Which exchange rule refused an order. */
export type FilterName = "PRICE_FILTER" | "LOT_SIZE" | "MARKET_LOT_SIZE" | "MIN_NOTIONAL" | "NOTIONAL" | "INVALID"

/** Why an order breaks the instrument's rules. */
export interface FilterRejection {
  readonly filter: FilterName
  readonly field: "price" | "stopPrice" | "quantity" | "notional"
  /** E.g. `price 100.123 is not a multiple of the tick size 0.01 (PRICE_FILTER)`. */
  readonly reason: string
}

/** What {@link validateOrder} needs to know of an order. */
export interface OrderToCheck {
  /** Market orders and stop (market) orders: MARKET_LOT_SIZE applies and notional is measured at a reference price. */
  readonly market: boolean
  readonly quantity: number
  /** Limit price (limit and stop-limit orders). */
  readonly price?: number | undefined
  /** Trigger price (stop and stop-limit orders). */
  readonly stopPrice?: number | undefined
  /**
   * Price for the notional of an order without a limit price: the last price for a market order. A stop (market)
   * order uses its stop price when this is absent. Without any, the notional check is skipped.
   */
  readonly referencePrice?: number | undefined
}

const reject = (filter: FilterName, field: FilterRejection["field"], reason: string): FilterRejection => ({
  filter,
  field,
  reason: `${reason} (${filter})`
})

const checkPrice = (spec: InstrumentSpec, field: "price" | "stopPrice", p: number): FilterRejection | undefined => {
  const label = field === "price" ? "price" : "stop price"
  if (!Number.isFinite(p) || p <= 0) return reject("INVALID", field, `${label} ${p} is not a positive number`)
  if (spec.minPrice > 0 && p < spec.minPrice * (1 - 1e-12)) {
    return reject("PRICE_FILTER", field, `${label} ${formatDecimal(p)} is below the minimum ${formatDecimal(spec.minPrice)}`)
  }
  if (spec.maxPrice > 0 && p > spec.maxPrice * (1 + 1e-12)) {
    return reject("PRICE_FILTER", field, `${label} ${formatDecimal(p)} is above the maximum ${formatDecimal(spec.maxPrice)}`)
  }
  if (spec.tickSize > 0 && !isMultipleOf(p, spec.tickSize)) {
    return reject("PRICE_FILTER", field, `${label} ${formatDecimal(p)} is not a multiple of the tick size ${formatDecimal(spec.tickSize)}`)
  }
  return undefined
}

const checkLot = (
  filter: "LOT_SIZE" | "MARKET_LOT_SIZE",
  q: number,
  min: number,
  max: number,
  step: number
): FilterRejection | undefined => {
  // Comparisons with the limits allow float noise (a relative 1e-12), like the multiple check.
  if (min > 0 && q < min * (1 - 1e-12)) {
    return reject(filter, "quantity", `quantity ${formatDecimal(q)} is below the minimum ${formatDecimal(min)}`)
  }
  if (max > 0 && q > max * (1 + 1e-12)) return reject(filter, "quantity", `quantity ${formatDecimal(q)} is above the maximum ${formatDecimal(max)}`)
  if (step > 0 && !isMultipleOf(q, step)) {
    return reject(filter, "quantity", `quantity ${formatDecimal(q)} is not a multiple of the step size ${formatDecimal(step)}`)
  }
  return undefined
}

/** Checks a limit price and a stop price (either may be absent) against PRICE_FILTER. */
export const validatePrices = (spec: InstrumentSpec, price: number | undefined, stopPrice: number | undefined): FilterRejection | undefined =>
  (price === undefined ? undefined : checkPrice(spec, "price", price)) ??
    (stopPrice === undefined ? undefined : checkPrice(spec, "stopPrice", stopPrice))

/**
 * Checks an order against the instrument's filters and returns the first rule it breaks, or `undefined`. Order of
 * checks: quantity and prices are positive numbers; PRICE_FILTER on the limit then the stop price; LOT_SIZE;
 * MARKET_LOT_SIZE for market orders; the notional minimum and maximum.
 */
export const validateOrder = (spec: InstrumentSpec, order: OrderToCheck): FilterRejection | undefined => {
  const q = order.quantity
  if (!Number.isFinite(q) || q <= 0) return reject("INVALID", "quantity", `quantity ${q} is not a positive number`)
  if (order.price !== undefined) {
    const r = checkPrice(spec, "price", order.price)
    if (r !== undefined) return r
  }
  if (order.stopPrice !== undefined) {
    const r = checkPrice(spec, "stopPrice", order.stopPrice)
    if (r !== undefined) return r
  }
  const lot = checkLot("LOT_SIZE", q, spec.minQuantity, spec.maxQuantity, spec.stepSize)
  if (lot !== undefined) return lot
  if (order.market) {
    const mlot = checkLot("MARKET_LOT_SIZE", q, spec.marketMinQuantity, spec.marketMaxQuantity, spec.marketStepSize)
    if (mlot !== undefined) return mlot
  }
  const price = order.price ?? order.referencePrice ?? order.stopPrice
  if (price === undefined) return undefined
  const notional = price * q
  const priced = order.price !== undefined
  const f = spec.notionalFilter
  if (spec.minNotional > 0 && (priced || spec.applyMinNotionalToMarket) && notional < spec.minNotional * (1 - 1e-12)) {
    return reject(f, "notional", `notional ${formatDecimal(notional)} is below the minimum ${formatDecimal(spec.minNotional)}`)
  }
  if (spec.maxNotional > 0 && (priced || spec.applyMaxNotionalToMarket) && notional > spec.maxNotional * (1 + 1e-12)) {
    return reject(f, "notional", `notional ${formatDecimal(notional)} is above the maximum ${formatDecimal(spec.maxNotional)}`)
  }
  return undefined
}

// ---------------------------------------------------------------------------------------------------------------
// Binance exchangeInfo

/** Malformed exchange metadata: where (`source`, JSON `path`) and why. */
export class InstrumentSpecError extends Schema.TaggedError<InstrumentSpecError>()("InstrumentSpecError", {
  source: Schema.String,
  path: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `${this.source}: ${this.path}: ${this.reason}`
  }
}

/** The outcome of parsing. */
export type ParseResult<A> = { readonly ok: true; readonly value: A } | { readonly ok: false; readonly error: InstrumentSpecError }

class Failure {
  constructor(readonly path: string, readonly reason: string) {}
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const DECIMAL = /^\d+(\.\d+)?$/

const describeValue = (u: unknown): string => (u === undefined ? "nothing" : JSON.stringify(u) ?? String(u))

/** A non-negative decimal given as a string (Binance's form) or a number. */
const decimalField = (obj: Record<string, unknown>, key: string, path: string): number => {
  const v = obj[key]
  if (typeof v === "string" && DECIMAL.test(v)) return Number(v)
  if (typeof v === "number" && Number.isFinite(v) && v >= 0) return v
  throw new Failure(`${path}.${key}`, `expected a non-negative decimal string such as "0.01000000", got ${describeValue(v)}`)
}

const optionalBoolean = (obj: Record<string, unknown>, key: string, path: string, fallback: boolean): boolean => {
  const v = obj[key]
  if (v === undefined) return fallback
  if (typeof v === "boolean") return v
  throw new Failure(`${path}.${key}`, `expected true or false, got ${describeValue(v)}`)
}

const optionalString = (obj: Record<string, unknown>, key: string, path: string): string | undefined => {
  const v = obj[key]
  if (v === undefined) return undefined
  if (typeof v === "string") return v
  throw new Failure(`${path}.${key}`, `expected a string, got ${describeValue(v)}`)
}

const parseFilters = (symbol: string, filters: unknown, path: string, base: Partial<InstrumentSpec>): InstrumentSpec => {
  if (!Array.isArray(filters)) throw new Failure(path, `expected an array of filters, got ${describeValue(filters)}`)
  const spec: { -readonly [K in keyof InstrumentSpec]: InstrumentSpec[K] } = { ...instrumentSpec({ symbol }), ...base }
  let sawMinNotional = false
  for (let i = 0; i < filters.length; i++) {
    const f: unknown = filters[i]
    const fp = `${path}[${i}]`
    if (!isRecord(f)) throw new Failure(fp, `expected a filter object, got ${describeValue(f)}`)
    const type = f["filterType"]
    if (typeof type !== "string") throw new Failure(`${fp}.filterType`, `expected a filter type name, got ${describeValue(type)}`)
    switch (type) {
      case "PRICE_FILTER": {
        spec.minPrice = decimalField(f, "minPrice", fp)
        spec.maxPrice = decimalField(f, "maxPrice", fp)
        spec.tickSize = decimalField(f, "tickSize", fp)
        if (spec.maxPrice > 0 && spec.minPrice > spec.maxPrice) {
          throw new Failure(`${fp}.minPrice`, `minPrice ${spec.minPrice} is above maxPrice ${spec.maxPrice}`)
        }
        break
      }
      case "LOT_SIZE": {
        spec.minQuantity = decimalField(f, "minQty", fp)
        spec.maxQuantity = decimalField(f, "maxQty", fp)
        spec.stepSize = decimalField(f, "stepSize", fp)
        if (spec.maxQuantity > 0 && spec.minQuantity > spec.maxQuantity) {
          throw new Failure(`${fp}.minQty`, `minQty ${spec.minQuantity} is above maxQty ${spec.maxQuantity}`)
        }
        break
      }
      case "MARKET_LOT_SIZE": {
        spec.marketMinQuantity = decimalField(f, "minQty", fp)
        spec.marketMaxQuantity = decimalField(f, "maxQty", fp)
        spec.marketStepSize = decimalField(f, "stepSize", fp)
        break
      }
      case "MIN_NOTIONAL": {
        const min = decimalField(f, "minNotional", fp)
        const apply = optionalBoolean(f, "applyToMarket", fp, true)
        if (!sawMinNotional || min > spec.minNotional) {
          spec.minNotional = min
          spec.applyMinNotionalToMarket = apply
          spec.notionalFilter = "MIN_NOTIONAL"
        }
        sawMinNotional = true
        break
      }
      case "NOTIONAL": {
        const min = decimalField(f, "minNotional", fp)
        const apply = optionalBoolean(f, "applyMinToMarket", fp, false)
        spec.maxNotional = f["maxNotional"] === undefined ? 0 : decimalField(f, "maxNotional", fp)
        spec.applyMaxNotionalToMarket = optionalBoolean(f, "applyMaxToMarket", fp, false)
        if (!sawMinNotional || min > spec.minNotional) {
          spec.minNotional = min
          spec.applyMinNotionalToMarket = apply
          spec.notionalFilter = "NOTIONAL"
        }
        sawMinNotional = true
        break
      }
      default:
        // PERCENT_PRICE, ICEBERG_PARTS, MAX_NUM_ORDERS, …: not modelled (see the module comment).
        break
    }
  }
  return spec
}

const attempt = <A>(source: string, f: () => A): ParseResult<A> => {
  try {
    return { ok: true, value: f() }
  } catch (e) {
    if (e instanceof Failure) return { ok: false, error: new InstrumentSpecError({ source, path: e.path, reason: e.reason }) }
    throw e
  }
}

/**
 * Parses one symbol's filter list (the `filters` array of an `exchangeInfo` symbol entry) into a spec. `path` names
 * where the list sits, for error messages.
 */
export const parseBinanceFilters = (
  symbol: string,
  filters: unknown,
  source = "filters",
  path = "filters"
): ParseResult<InstrumentSpec> => attempt(source, () => parseFilters(symbol, filters, path, {}))

/**
 * Parses a Binance `GET /api/v3/exchangeInfo` response into one spec per symbol (in the response's order). Every
 * problem is an {@link InstrumentSpecError} naming the JSON path (`symbols[0].filters[2].stepSize`) and the reason.
 */
export const parseBinanceExchangeInfo = (json: unknown, source = "exchangeInfo"): ParseResult<ReadonlyMap<string, InstrumentSpec>> =>
  attempt(source, () => {
    if (!isRecord(json)) throw new Failure("$", `expected an exchangeInfo object, got ${describeValue(json)}`)
    const symbols = json["symbols"]
    if (!Array.isArray(symbols)) throw new Failure("symbols", `expected an array of symbols, got ${describeValue(symbols)}`)
    const out = new Map<string, InstrumentSpec>()
    for (let i = 0; i < symbols.length; i++) {
      const s: unknown = symbols[i]
      const sp = `symbols[${i}]`
      if (!isRecord(s)) throw new Failure(sp, `expected a symbol object, got ${describeValue(s)}`)
      const name = s["symbol"]
      if (typeof name !== "string" || name.length === 0) throw new Failure(`${sp}.symbol`, `expected a symbol name, got ${describeValue(name)}`)
      if (out.has(name)) throw new Failure(`${sp}.symbol`, `symbol ${name} appears twice`)
      const spec = parseFilters(name, s["filters"], `${sp}.filters`, {
        baseAsset: optionalString(s, "baseAsset", sp),
        quoteAsset: optionalString(s, "quoteAsset", sp),
        status: optionalString(s, "status", sp)
      })
      out.set(name, spec)
    }
    return out
  })
