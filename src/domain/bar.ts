/**
 * Bars: the unit of market data that flows through the pipeline.
 *
 * A `Bar` is a plain readonly object (no class, no Effect) because millions of them pass through the hot loop.
 * Validation happens once, at the edge, with {@link validateBar}; everything downstream trusts the type.
 *
 * @module
 */
import { Brand } from "effect"

/** A trading symbol such as `BTCUSDT`. Branded so it cannot be confused with other strings. */
export type SymbolName = string & Brand.Brand<"SymbolName">
/** Builds a {@link SymbolName}: non-empty, no whitespace or commas; throws otherwise (`.option`/`.result` do not). */
export const SymbolName = Brand.make<SymbolName>((s) => /^[^\s,]+$/.test(s) || `invalid symbol ${JSON.stringify(s)}`)

/** Identifier of an order, unique within a run. */
export type OrderId = number & Brand.Brand<"OrderId">
/** Builds an {@link OrderId} without a check (ids are minted by the engine). */
export const OrderId = Brand.nominal<OrderId>()

/** Identifier of a trade (entry to exit), unique within a run. */
export type TradeId = number & Brand.Brand<"TradeId">
/** Builds a {@link TradeId} without a check (ids are minted by the engine). */
export const TradeId = Brand.nominal<TradeId>()

/**
 * One OHLCV bar. `timestamp` is the bar's open time in epoch milliseconds (UTC).
 * `bid`/`ask` are optional quotes at the bar's close; `mid` is `(bid + ask) / 2` when both exist, else `close`.
 */
export interface Bar {
  readonly symbol: SymbolName
  readonly timestamp: number
  readonly open: number
  readonly high: number
  readonly low: number
  readonly close: number
  readonly volume: number
  readonly bid?: number
  readonly ask?: number
  readonly mid: number
}

/** The raw fields of a bar before validation. */
export interface BarFields {
  readonly symbol: SymbolName
  readonly timestamp: number
  readonly open: number
  readonly high: number
  readonly low: number
  readonly close: number
  readonly volume: number
  readonly bid?: number | undefined
  readonly ask?: number | undefined
}

/** Why a bar is invalid: the offending field and a sentence a person can act on. */
export interface BarProblem {
  readonly field: "timestamp" | "open" | "high" | "low" | "close" | "volume" | "bid" | "ask"
  readonly reason: string
}

/**
 * Checks the invariants of a bar and returns the first problem, or `undefined` when the bar is valid:
 * finite numbers, `high >= max(open, close)`, `low <= min(open, close)`, `volume >= 0`, `bid <= ask`.
 */
export const checkBar = (f: BarFields): BarProblem | undefined => {
  if (!Number.isFinite(f.timestamp)) return { field: "timestamp", reason: `timestamp is not a finite number (${f.timestamp})` }
  if (!Number.isFinite(f.open)) return { field: "open", reason: `open is not a finite number (${f.open})` }
  if (!Number.isFinite(f.high)) return { field: "high", reason: `high is not a finite number (${f.high})` }
  if (!Number.isFinite(f.low)) return { field: "low", reason: `low is not a finite number (${f.low})` }
  if (!Number.isFinite(f.close)) return { field: "close", reason: `close is not a finite number (${f.close})` }
  if (!Number.isFinite(f.volume)) return { field: "volume", reason: `volume is not a finite number (${f.volume})` }
  if (f.high < f.open || f.high < f.close) {
    return { field: "high", reason: `high ${f.high} is below max(open ${f.open}, close ${f.close})` }
  }
  if (f.low > f.open || f.low > f.close) {
    return { field: "low", reason: `low ${f.low} is above min(open ${f.open}, close ${f.close})` }
  }
  if (f.volume < 0) return { field: "volume", reason: `volume ${f.volume} is negative` }
  if (f.bid !== undefined && !Number.isFinite(f.bid)) return { field: "bid", reason: `bid is not a finite number (${f.bid})` }
  if (f.ask !== undefined && !Number.isFinite(f.ask)) return { field: "ask", reason: `ask is not a finite number (${f.ask})` }
  if (f.bid !== undefined && f.ask !== undefined && f.bid > f.ask) {
    return { field: "bid", reason: `bid ${f.bid} is above ask ${f.ask}` }
  }
  return undefined
}

/** Builds a bar from already-validated fields, deriving `mid`. Call {@link checkBar} first at any edge. */
export const makeBar = (f: BarFields): Bar => {
  const hasQuote = f.bid !== undefined && f.ask !== undefined
  const mid = hasQuote ? (f.bid! + f.ask!) / 2 : f.close
  const bar: {
    symbol: SymbolName; timestamp: number; open: number; high: number; low: number; close: number; volume: number
    bid?: number; ask?: number; mid: number
  } = {
    symbol: f.symbol,
    timestamp: f.timestamp,
    open: f.open,
    high: f.high,
    low: f.low,
    close: f.close,
    volume: f.volume,
    mid
  }
  if (f.bid !== undefined) bar.bid = f.bid
  if (f.ask !== undefined) bar.ask = f.ask
  return bar
}

/**
 * Validating constructor for code outside the hot path (tests, examples, adapters without their own error type).
 * Throws a `RangeError` naming the field; adapters use {@link checkBar} to produce typed errors instead.
 */
export const bar = (f: BarFields): Bar => {
  const problem = checkBar(f)
  if (problem !== undefined) throw new RangeError(`invalid bar ${f.symbol}@${f.timestamp}: ${problem.reason}`)
  return makeBar(f)
}

/**
 * Total order used to merge bars of several symbols: by timestamp, then by symbol name (a fixed tie-break, so a
 * run does not depend on the order in which files were listed).
 */
export const compareBars = (a: Bar, b: Bar): number =>
  a.timestamp !== b.timestamp ? a.timestamp - b.timestamp : a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0
