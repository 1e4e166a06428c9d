/**
 * The intrabar path model: where the price went inside one OHLC bar, so that events inside the bar (a stop trigger,
 * a limit fill, which leg of a bracket came first, whether a triggered stop-limit can still fill) can be ordered.
 *
 * A bar only tells us four prices. The model assumes the price moved in straight lines through the four points
 *
 * - **close ≥ open** (an up or flat bar): `open → low → high → close`;
 * - **close < open** (a down bar): `open → high → low → close`.
 *
 * Why this order and not the reverse: of the two paths through both extremes, this is the shorter one (for an up bar
 * `O→L→H→C` travels `(O−L) + (H−L) + (H−C)`, `O→H→L→C` travels `(H−O) + (H−L) + (C−L)`, and the difference is
 * `2(O−C) ≤ 0`), i.e. the one that needs the least price movement; and it matches the usual reading of a candle (an
 * up bar closes near its high because the high came late). MetaTrader's bar-based modelling uses the same order.
 * The alternative `nearest_extreme` path visits first the extreme closer to the open (ties go by bar direction).
 *
 * Positions on the path are measured in **path time** `τ ∈ [0, 3]`: `0` is the open, `1` and `2` the two extremes,
 * `3` the close; between them the price moves linearly. `τ` only orders events; it is not clock time.
 *
 * The path orders events; it does not decide the classic ambiguity alone. In the **conservative** mode (the default)
 * when both legs of a stop-loss / take-profit pair are reached inside one bar (neither at the moment the pair became
 * active, e.g. the open), the stop-loss is assumed to come first whatever the path says: without tick data the
 * worse outcome is assumed. The **path** mode trusts the path. See docs/orders.md.
 *
 * Pure functions, no allocation except {@link touchOrder}'s result.
 *
 * @module
 */
import type { Bar } from "../domain/bar.ts"

/** Which path through the bar's extremes is assumed. */
export type PathKind = "bar_direction" | "nearest_extreme"

/** How a stop-loss and a take-profit both reached inside one bar are ordered. */
export type IntrabarMode = "conservative" | "path"

/** `up`: the level counts as touched when the price is at or above it; `down`: at or below it. */
export type TouchDirection = "up" | "down"

/** A price level and the side from which it is reached. */
export interface PriceLevel {
  readonly price: number
  readonly direction: TouchDirection
}

/** When and at what price a level was touched. */
export interface Touch {
  /** Index of the level in the input. */
  readonly index: number
  /** Path time `τ ∈ [0, 3]`. */
  readonly time: number
  /** The price at that moment: the level itself, or the open (or start price) when already beyond it. */
  readonly price: number
}

/** Path time of the open, the first extreme, the second extreme and the close. */
export const OPEN_TIME = 0
/** Path time of the close. */
export const CLOSE_TIME = 3

type OHLC = Pick<Bar, "open" | "high" | "low" | "close">

/** Whether the path visits the low before the high. */
export const lowFirst = (bar: OHLC, kind: PathKind = "bar_direction"): boolean => {
  if (kind === "nearest_extreme") {
    const toLow = bar.open - bar.low
    const toHigh = bar.high - bar.open
    if (toLow !== toHigh) return toLow < toHigh
  }
  return bar.close >= bar.open
}

/** The four points of the path, in order: open, first extreme, second extreme, close. */
export const pathPoints = (bar: OHLC, kind: PathKind = "bar_direction"): readonly [number, number, number, number] =>
  lowFirst(bar, kind) ? [bar.open, bar.low, bar.high, bar.close] : [bar.open, bar.high, bar.low, bar.close]

/** The price at path time `t ∈ [0, 3]` (clamped). */
export const priceAt = (bar: OHLC, t: number, kind: PathKind = "bar_direction"): number => {
  const lf = lowFirst(bar, kind)
  const p1 = lf ? bar.low : bar.high
  const p2 = lf ? bar.high : bar.low
  if (!(t > 0)) return bar.open
  if (t >= 3) return bar.close
  if (t < 1) return bar.open + (p1 - bar.open) * t
  if (t < 2) return p1 + (p2 - p1) * (t - 1)
  return p2 + (bar.close - p2) * (t - 2)
}

/**
 * The first path time at or after `from` at which the price is at or beyond `level` in `direction`, or `Infinity`
 * when the rest of the bar never gets there. When the price at `from` (`fromPrice`, by default the path's price
 * there) is already beyond the level, the answer is `from` itself: that is how a gap is seen.
 */
export const touchTime = (
  bar: OHLC,
  level: number,
  direction: TouchDirection,
  from: number = OPEN_TIME,
  fromPrice: number = priceAt(bar, from),
  kind: PathKind = "bar_direction"
): number => {
  const up = direction === "up"
  if (up ? fromPrice >= level : fromPrice <= level) return from
  // The whole path lies within [low, high]: a level outside it is never reached (the common case, so first).
  if (from >= CLOSE_TIME || (up ? bar.high < level : bar.low > level)) return Infinity
  const lf = lowFirst(bar, kind)
  const p1 = lf ? bar.low : bar.high
  const p2 = lf ? bar.high : bar.low
  let t0 = from > 0 ? from : 0
  let a = fromPrice
  for (let seg = Math.floor(t0); seg < 3; seg++) {
    const b = seg === 0 ? p1 : seg === 1 ? p2 : bar.close
    if (up ? b >= level : b <= level) {
      // `a` is on the near side of the level and `b` at or beyond it: the crossing is on this segment.
      const end = seg + 1
      return t0 + ((end - t0) * (level - a)) / (b - a)
    }
    a = b
    t0 = seg + 1
  }
  return Infinity
}

/**
 * The order in which `levels` are touched inside `bar`, earliest first (ties keep the input order). A plain number
 * is reached from the open: `up` when it is at or above the open, `down` when below, so a number equal to the open
 * is touched at once. Levels the bar never reaches are left out.
 */
export const touchOrder = (
  bar: OHLC,
  levels: ReadonlyArray<number | PriceLevel>,
  kind: PathKind = "bar_direction",
  from: number = OPEN_TIME
): Array<Touch> => {
  const fromPrice = priceAt(bar, from, kind)
  const out: Array<Touch> = []
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i]!
    const price = typeof l === "number" ? l : l.price
    const direction: TouchDirection = typeof l === "number" ? (l >= fromPrice ? "up" : "down") : l.direction
    const time = touchTime(bar, price, direction, from, fromPrice, kind)
    if (time !== Infinity) out.push({ index: i, time, price: time === from ? fromPrice : price })
  }
  return out.sort((a, b) => a.time - b.time || a.index - b.index)
}

/** Which exit of a position a bar reaches first, and at what price. */
export interface FirstExit {
  readonly which: "stop_loss" | "take_profit"
  readonly price: number
  /** True when the bar opened at or beyond the level and the exit is at the open. */
  readonly gapped: boolean
}

/**
 * For a position of `side` with a stop-loss and/or a take-profit, which one `bar` reaches first. Gaps are decided
 * at the open (a stop gapped through fills at the open; a target gapped through fills at the better open). When
 * both are reached inside the bar, `conservative` assumes the stop-loss first; `path` follows the path model.
 * Returns `undefined` when neither is reached. With `conservative` this is exactly `checkProtectiveExit` of
 * `fill-model.ts`.
 */
export const firstExit = (
  bar: OHLC,
  side: "long" | "short",
  stopLoss: number | undefined,
  takeProfit: number | undefined,
  mode: IntrabarMode = "conservative",
  kind: PathKind = "bar_direction"
): FirstExit | undefined => {
  const long = side === "long"
  const ts = stopLoss === undefined ? Infinity : touchTime(bar, stopLoss, long ? "down" : "up", 0, bar.open, kind)
  const tt = takeProfit === undefined ? Infinity : touchTime(bar, takeProfit, long ? "up" : "down", 0, bar.open, kind)
  if (ts === Infinity && tt === Infinity) return undefined
  if (ts === 0) return { which: "stop_loss", price: bar.open, gapped: true }
  if (tt === 0) return { which: "take_profit", price: bar.open, gapped: true }
  const stopFirst = mode === "conservative" ? ts !== Infinity : ts <= tt
  return stopFirst
    ? { which: "stop_loss", price: stopLoss!, gapped: false }
    : { which: "take_profit", price: takeProfit!, gapped: false }
}
