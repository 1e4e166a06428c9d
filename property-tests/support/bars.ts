/**
 * Random valid bar series for the indicator parity properties, built from explicit regimes so that every case the
 * issue names is generated on purpose, not by luck:
 *
 * - regimes, one per segment: `trend` (a steady relative drift per bar, up or down, plus noise), `meanRevert` (pulled
 *   towards a level near the segment's start), `flat` (the close does not move; with no wicks, high = low = close),
 *   `walk` (a random walk);
 * - gaps before a segment: a price jump (×0.5…×2, or ×1e-3 / ×1e3) and a timestamp jump (a number of bar intervals,
 *   or any number of ms up to 1e10, crossing sessions);
 * - magnitudes: prices and volumes each scaled to tiny (~1e-8), huge (~1e9), ordinary, or anything in 1e-9…1e10;
 * - zero volumes (none, some, or whole segments), optional quantisation to a tick (repeated values, ties in the
 *   window extremes), timestamps beyond 32 bits with irregular intervals.
 *
 * Bars are valid (`checkBar`): finite, `low <= open, close <= high`, `volume >= 0`, timestamps non-decreasing.
 * fast-check draws the structure (segments, their regimes, lengths, drifts, gaps, scales), so it shrinks to few,
 * short, simple segments; each segment's per-bar noise comes from a seeded generator whose seed fast-check draws.
 */
import fc from "fast-check"
import type { BarInput } from "../../src/indicators/contract.ts"
import { seeded } from "../../test/ocaml/support.ts"

/** The regime of one segment. */
export type Regime = "trend" | "meanRevert" | "flat" | "walk"

/** One segment of a series, as drawn by fast-check. */
export interface Segment {
  readonly regime: Regime
  readonly length: number
  /** `trend`: relative drift per bar (-5 %…+5 %). */
  readonly drift: number
  /** Relative noise per bar (0…5 %); `flat` ignores it. */
  readonly noise: number
  /** `meanRevert`: fraction of the distance to the level recovered per bar. */
  readonly pull: number
  /** `meanRevert`: the level, relative to the price at the segment's start. */
  readonly level: number
  /** Relative size of the wicks (0 gives high = low = close on flat segments). */
  readonly wick: number
  /** Probability of a zero-volume bar. */
  readonly zeroVolume: number
  /** Price factor applied before the segment (1: no gap). */
  readonly priceGap: number
  /** Extra time before the segment: `bars` bar intervals plus `ms` milliseconds. */
  readonly timeGap: { readonly bars: number; readonly ms: number }
  /** Seed of the per-bar noise. */
  readonly seed: number
}

/** The drawn description of a series. */
export interface SeriesSpec {
  /** Price scale of the first bar. */
  readonly price: number
  /** Volume scale. */
  readonly volume: number
  /** Bar interval in ms. */
  readonly interval: number
  /** First timestamp (ms since the epoch). */
  readonly start: number
  /** Tick (relative to `price`) the prices are rounded to, or 0. */
  readonly tick: number
  readonly segments: ReadonlyArray<Segment>
}

/**
 * Bar columns, with the spec they were built from. fast-check prints a series as `buildSeries({...spec})` (its
 * `toStringMethod`), so a counterexample stays short and can be rebuilt.
 */
export interface BarSeries extends fc.WithToStringMethod {
  readonly timestamp: Float64Array
  readonly open: Float64Array
  readonly high: Float64Array
  readonly low: Float64Array
  readonly close: Float64Array
  readonly volume: Float64Array
  readonly spec: SeriesSpec
}

const double = (min: number, max: number): fc.Arbitrary<number> =>
  fc.double({ min, max, noNaN: true, noDefaultInfinity: true })

/** A positive scale: tiny (~1e-8), huge (~1e9), ordinary (1…1e5), or anything from 1e-9 to 1e10. */
export const magnitude: fc.Arbitrary<number> = fc.oneof(
  { weight: 3, arbitrary: double(1, 1e5) },
  { weight: 2, arbitrary: double(1, 10).map((x) => x * 1e-8) },
  { weight: 2, arbitrary: double(1, 10).map((x) => x * 1e9) },
  { weight: 1, arbitrary: double(-9, 10).map((e) => 10 ** e) }
)

const segment: fc.Arbitrary<Segment> = fc.record({
  regime: fc.constantFrom<Regime>("trend", "meanRevert", "flat", "walk"),
  length: fc.integer({ min: 1, max: 60 }),
  drift: fc.oneof(double(-0.05, 0.05), fc.constantFrom(-0.01, 0.01)),
  noise: fc.oneof(fc.constant(0), double(0, 0.05)),
  pull: double(0.05, 1),
  level: double(0.7, 1.4),
  wick: fc.oneof(fc.constant(0), double(0, 0.05)),
  zeroVolume: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(1) }, {
    weight: 1,
    arbitrary: double(0, 1)
  }),
  priceGap: fc.oneof(
    { weight: 4, arbitrary: fc.constant(1) },
    { weight: 2, arbitrary: double(0.5, 2) },
    { weight: 1, arbitrary: fc.constantFrom(1e-3, 1e3) }
  ),
  timeGap: fc.oneof(
    { weight: 4, arbitrary: fc.constant({ bars: 0, ms: 0 }) },
    { weight: 2, arbitrary: fc.record({ bars: fc.integer({ min: 1, max: 2_000 }), ms: fc.constant(0) }) },
    {
      weight: 1,
      arbitrary: fc.record({ bars: fc.constant(0), ms: fc.integer({ min: 1, max: 2 ** 31 - 1 }).map((x) => x * 4) })
    }
  ),
  seed: fc.integer()
})

const DAY = 86_400_000

/** The drawn description of a series of 0 to about 480 bars. */
export const seriesSpec: fc.Arbitrary<SeriesSpec> = fc.record({
  price: magnitude,
  volume: magnitude,
  interval: fc.oneof(fc.constantFrom(60_000, 3_600_000, 14_400_000, DAY), fc.integer({ min: 1, max: 10_000_000 })),
  // 2000-01-01 plus up to ~55 years, at any millisecond: beyond 32 bits
  start: fc.tuple(fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 0, max: DAY - 1 }))
    .map(([d, ms]) => 946_684_800_000 + d * DAY + ms),
  tick: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(1e-4, 1e-3, 1e-2) }),
  segments: fc.array(segment, { maxLength: 8 })
})

/** Builds the bars a spec describes. */
export const buildSeries = (spec: SeriesSpec): BarSeries => {
  const n = spec.segments.reduce((s, g) => s + g.length, 0)
  const timestamp = new Float64Array(n)
  const open = new Float64Array(n)
  const high = new Float64Array(n)
  const low = new Float64Array(n)
  const close = new Float64Array(n)
  const volume = new Float64Array(n)
  const tick = spec.tick * spec.price
  const round = (x: number): number => (tick === 0 ? x : Math.max(tick, Math.round(x / tick) * tick))
  let level = spec.price // the unrounded price
  let prevClose = round(level)
  let t = spec.start
  let i = 0
  for (const g of spec.segments) {
    const rnd = seeded(g.seed)
    const noise = (): number => g.noise * (2 * rnd() - 1)
    level *= g.priceGap
    if (i > 0) t += g.timeGap.bars * spec.interval + g.timeGap.ms
    const target = level * g.level
    for (let k = 0; k < g.length; k++, i++) {
      if (i > 0) t += spec.interval
      switch (g.regime) {
        case "trend":
          level *= 1 + g.drift + noise()
          break
        case "meanRevert":
          level += g.pull * (target - level) + level * noise()
          break
        case "walk":
          level *= 1 + noise()
          break
        case "flat":
          break
      }
      const c = round(level)
      // a price gap opens at the new level; otherwise the bar opens at the previous close
      const o = k === 0 && g.priceGap !== 1 ? c : i === 0 ? c : prevClose
      const h = Math.max(o, c, round(Math.max(o, c) * (1 + g.wick * rnd())))
      const l = Math.min(o, c, round(Math.min(o, c) * (1 - g.wick * rnd())))
      timestamp[i] = t
      open[i] = o
      high[i] = h
      low[i] = l
      close[i] = c
      volume[i] = rnd() < g.zeroVolume ? 0 : spec.volume * rnd()
      prevClose = c
    }
  }
  const show = (): string => `buildSeries(${fc.stringify(spec)})`
  return { timestamp, open, high, low, close, volume, spec, [fc.toStringMethod]: show }
}

/** Random valid bar series (see the module comment). */
export const barSeries: fc.Arbitrary<BarSeries> = seriesSpec.map(buildSeries)

/** The bar at index `i`. */
export const barAt = (s: BarSeries, i: number): BarInput => ({
  timestamp: s.timestamp[i]!,
  open: s.open[i]!,
  high: s.high[i]!,
  low: s.low[i]!,
  close: s.close[i]!,
  volume: s.volume[i]!
})

/** A short description of a series for failure messages (the full spec is in fast-check's counterexample). */
export const describeSeries = (s: BarSeries): string => {
  const segs = s.spec.segments.map((g) => `${g.regime}×${g.length}`).join(" ")
  return `${s.close.length} bars (price ~${s.spec.price.toPrecision(3)}, volume ~${s.spec.volume.toPrecision(3)}` +
    `${s.spec.tick === 0 ? "" : `, tick ${s.spec.tick}`}: ${segs || "empty"})`
}
