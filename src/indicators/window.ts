/**
 * `MarketDataWindow`: the last `capacity` bars of one symbol, with O(1) window queries.
 *
 * Fields are kept in `Float64Array` columns (a ring buffer) next to the `Bar` objects themselves. Queries:
 * - `high` / `low`: highest high and lowest low, by {@link ExtremeWindow} (O(1) amortised per push, O(1) per read),
 *   the same mechanism as the `highest` / `lowest` indicators. They are kept up to date from the first read of
 *   `high`, `low` or `range` on (built then from the high and low columns, O(capacity) once): a window nobody asks
 *   for extremes costs no extreme updates;
 * - `range`: `high - low`;
 * - `avgVolume`: a running volume sum with Neumaier compensation, recomputed exactly from the column every
 *   `capacity` pushes so that rounding cannot build up over long runs;
 * - every getter returns `undefined` while the window is empty.
 *
 * Indexing is in time order: `get(0)` is the oldest bar kept, `get(size - 1)` the latest.
 *
 * @module
 */
import type { Bar } from "../domain/bar.ts"
import { describeValue } from "./contract.ts"
import { ExtremeWindow } from "./extremes.ts"

/** The numeric fields of a bar stored as columns. */
export type WindowColumn = "timestamp" | "open" | "high" | "low" | "close" | "volume"

/** Largest window capacity (2^24 bars). */
export const MAX_WINDOW_CAPACITY = 16_777_216

/** A fixed-capacity ring buffer of bars with O(1) highest-high, lowest-low, range and average volume. */
export class MarketDataWindow implements Iterable<Bar> {
  /** Maximum number of bars kept; pushing beyond it drops the oldest. */
  declare readonly capacity: number
  private declare readonly bars: Array<Bar | undefined>
  private declare readonly timestamps: Float64Array
  private declare readonly opens: Float64Array
  private declare readonly highs: Float64Array
  private declare readonly lows: Float64Array
  private declare readonly closes_: Float64Array
  private declare readonly volumes: Float64Array
  /** Total bars pushed since construction or clear; bar number `s` lives in slot `s % capacity`. */
  private seq = 0
  /** The slot of the next bar, `seq % capacity` (kept by increment and wrap, not by a division). */
  private next = 0
  /** Highest high and lowest low of the bars kept. */
  private declare readonly highQ: ExtremeWindow
  private declare readonly lowQ: ExtremeWindow
  /** Whether `highQ` / `lowQ` follow the pushes (from the first read of an extreme on; see {@link MarketDataWindow.extremes}). */
  private extremesLive = false
  private volSum = 0
  private volComp = 0
  private sinceResync = 0

  /** @throws RangeError when `capacity` is not an integer from 1 to {@link MAX_WINDOW_CAPACITY}. */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_WINDOW_CAPACITY) {
      throw new RangeError(
        `MarketDataWindow: capacity must be an integer from 1 to ${MAX_WINDOW_CAPACITY}, got ${describeValue(capacity)}`
      )
    }
    this.capacity = capacity
    this.bars = new Array<Bar | undefined>(capacity).fill(undefined)
    this.timestamps = new Float64Array(capacity)
    this.opens = new Float64Array(capacity)
    this.highs = new Float64Array(capacity)
    this.lows = new Float64Array(capacity)
    this.closes_ = new Float64Array(capacity)
    this.volumes = new Float64Array(capacity)
    this.highQ = new ExtremeWindow(capacity, 1)
    this.lowQ = new ExtremeWindow(capacity, -1)
  }

  /** Number of bars currently kept (at most `capacity`). */
  get size(): number {
    return this.seq < this.capacity ? this.seq : this.capacity
  }

  /** Total number of bars pushed since construction or {@link MarketDataWindow.clear}. */
  get pushed(): number {
    return this.seq
  }

  /** Appends a bar (the newest), dropping the oldest when full. O(1) amortised. */
  push(bar: Bar): void {
    const cap = this.capacity
    const s = this.seq
    const slot = this.next
    const expired = s - cap // bar number leaving the window (if >= 0)
    // 1. volume: remove the leaving bar, add the new one (Neumaier)
    const v = bar.volume
    let sum = this.volSum
    let comp = this.volComp
    if (expired >= 0) {
      const a = -this.volumes[slot]!
      const t = sum + a
      if (Math.abs(sum) >= Math.abs(a)) comp += (sum - t) + a
      else comp += (a - t) + sum
      sum = t
    }
    {
      const t = sum + v
      if (Math.abs(sum) >= Math.abs(v)) comp += (sum - t) + v
      else comp += (v - t) + sum
      sum = t
    }
    // 2. write the columns
    const high = bar.high
    const low = bar.low
    this.bars[slot] = bar
    this.timestamps[slot] = bar.timestamp
    this.opens[slot] = bar.open
    this.highs[slot] = high
    this.lows[slot] = low
    this.closes_[slot] = bar.close
    this.volumes[slot] = v
    this.seq = s + 1
    this.next = slot + 1 === cap ? 0 : slot + 1
    // 3. the extremes, once asked for
    if (this.extremesLive) {
      this.highQ.push(high)
      this.lowQ.push(low)
    }
    // 4. periodic exact recompute of the volume sum
    if (++this.sinceResync >= cap) {
      this.sinceResync = 0
      sum = 0
      comp = 0
      const vols = this.volumes
      const n = this.size
      for (let i = 0; i < n; i++) {
        const x = vols[i]!
        const t = sum + x
        if (Math.abs(sum) >= Math.abs(x)) comp += (sum - t) + x
        else comp += (x - t) + sum
        sum = t
      }
    }
    this.volSum = sum
    this.volComp = comp
  }

  /** The slot of the oldest bar kept. */
  private oldestSlot(): number {
    return this.seq < this.capacity ? 0 : this.next
  }

  /** The bar at position `i` in time order (0 = oldest kept, `size - 1` = latest); `undefined` out of range. */
  get(i: number): Bar | undefined {
    const size = this.size
    if (!Number.isInteger(i) || i < 0 || i >= size) return undefined
    const at = this.oldestSlot() + i
    return this.bars[at >= this.capacity ? at - this.capacity : at]
  }

  /** The most recent bar, `undefined` when empty. */
  get latest(): Bar | undefined {
    return this.seq === 0 ? undefined : this.bars[(this.next === 0 ? this.capacity : this.next) - 1]
  }

  /** The oldest bar kept, `undefined` when empty. */
  get oldest(): Bar | undefined {
    return this.seq === 0 ? undefined : this.bars[this.oldestSlot()]
  }

  /**
   * Starts following the extremes: fills `highQ` / `lowQ` with the highs and lows kept, oldest first (the same values
   * the pushes would have given them, so the same maximum and minimum), and has every later push update them.
   */
  private extremes(): void {
    if (this.extremesLive) return
    const highQ = this.highQ
    const lowQ = this.lowQ
    highQ.reset()
    lowQ.reset()
    const size = this.size
    const cap = this.capacity
    let at = this.oldestSlot()
    for (let i = 0; i < size; i++) {
      highQ.push(this.highs[at]!)
      lowQ.push(this.lows[at]!)
      at = at + 1 === cap ? 0 : at + 1
    }
    this.extremesLive = true
  }

  /** Highest high over the window, `undefined` when empty. */
  get high(): number | undefined {
    if (this.seq === 0) return undefined
    this.extremes()
    return this.highQ.get()
  }

  /** Lowest low over the window, `undefined` when empty. */
  get low(): number | undefined {
    if (this.seq === 0) return undefined
    this.extremes()
    return this.lowQ.get()
  }

  /** `high - low` over the window, `undefined` when empty. */
  get range(): number | undefined {
    if (this.seq === 0) return undefined
    this.extremes()
    return this.highQ.get() - this.lowQ.get()
  }

  /** Mean volume over the window, `undefined` when empty. */
  get avgVolume(): number | undefined {
    const size = this.size
    return size === 0 ? undefined : (this.volSum + this.volComp) / size
  }

  /** Sum of the volumes in the window (0 when empty). */
  get totalVolume(): number {
    return this.volSum + this.volComp
  }

  /** A copy of one column in time order (oldest first). */
  column(field: WindowColumn): Float64Array {
    const src = field === "timestamp"
      ? this.timestamps
      : field === "open"
      ? this.opens
      : field === "high"
      ? this.highs
      : field === "low"
      ? this.lows
      : field === "close"
      ? this.closes_
      : this.volumes
    const size = this.size
    const cap = this.capacity
    const out = new Float64Array(size)
    const start = this.oldestSlot()
    const firstPart = Math.min(size, cap - start)
    out.set(src.subarray(start, start + firstPart), 0)
    if (firstPart < size) out.set(src.subarray(0, size - firstPart), firstPart)
    return out
  }

  /** The closes in time order (oldest first), as a new array. */
  closes(): Float64Array {
    return this.column("close")
  }

  /** Iterates the bars in time order, oldest first. */
  *[Symbol.iterator](): Iterator<Bar> {
    const size = this.size
    const cap = this.capacity
    let at = this.oldestSlot()
    for (let i = 0; i < size; i++) {
      yield this.bars[at]!
      at = at + 1 === cap ? 0 : at + 1
    }
  }

  /** Empties the window. */
  clear(): void {
    this.bars.fill(undefined)
    this.seq = 0
    this.next = 0
    this.highQ.reset()
    this.lowQ.reset()
    this.volSum = 0
    this.volComp = 0
    this.sinceResync = 0
  }
}
