/**
 * Gap rules and the incremental quality tracker, on hand-made timelines.
 */
import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { SymbolName } from "../../src/domain/bar.ts"
import { DAY_MS, formatDuration, missingBars, SymbolQualityTracker, ZERO_VOLUME_BEFORE_GAP } from "../../src/market-data/quality.ts"
import { utc } from "./helpers.ts"

const H = 3_600_000
const S = SymbolName("TEST")

const track = (times: ReadonlyArray<number>, volumes?: ReadonlyArray<number>, options = {}) => {
  const t = new SymbolQualityTracker(S, options)
  t.addFile("f.csv")
  times.forEach((ts, i) => t.push(ts, volumes?.[i] ?? 1, "f.csv", i + 2))
  return t.report()
}

describe("missingBars", () => {
  it("24x7: a step of n intervals is n - 1 missing bars; jitter below half an interval is not a gap", () => {
    assert.strictEqual(missingBars("24x7", H, 0, H), 0)
    assert.strictEqual(missingBars("24x7", H, 0, 2 * H), 1)
    assert.strictEqual(missingBars("24x7", H, 0, 11 * H), 10)
    assert.strictEqual(missingBars("24x7", H, 0, H + 1000), 0)
    assert.strictEqual(missingBars("24x7", 60_000, 0, 1.6 * 60_000), 1)
  })

  it("weekdays, daily: weekends are not expected, a single missing weekday is a holiday", () => {
    const fri = utc("2024-03-01T00:00:00Z")
    assert.strictEqual(missingBars("weekdays", DAY_MS, fri, utc("2024-03-04T00:00:00Z")), 0) // Fri → Mon
    assert.strictEqual(missingBars("weekdays", DAY_MS, fri, utc("2024-03-05T00:00:00Z")), 0) // Monday holiday
    assert.strictEqual(missingBars("weekdays", DAY_MS, fri, utc("2024-03-06T00:00:00Z")), 2) // Mon + Tue closed
    assert.strictEqual(missingBars("weekdays", DAY_MS, utc("2024-03-28T00:00:00Z"), utc("2024-04-02T00:00:00Z")), 2) // Easter Fri + Mon
    assert.strictEqual(missingBars("weekdays", DAY_MS, fri, utc("2024-03-18T00:00:00Z")), 10) // two whole weeks
  })

  it("weekdays, intraday: every missing weekday slot counts", () => {
    const friEvening = utc("2024-03-01T22:00:00Z")
    assert.strictEqual(missingBars("weekdays", H, friEvening, utc("2024-03-04T00:00:00Z")), 1) // Fri 23:00
    assert.strictEqual(missingBars("weekdays", H, friEvening, utc("2024-03-01T23:00:00Z")), 0)
  })

  it("weekdays: agrees with counting slot by slot", () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 20_000 }),
      fc.constantFrom(60_000, 15 * 60_000, H, 4 * H, DAY_MS),
      fc.integer({ min: 1, max: 400 }),
      (startSlot, interval, steps) => {
        const after = utc("2020-01-06T00:00:00Z") + startSlot * interval
        const next = after + steps * interval
        let expected = 0
        for (let k = 1; k < steps; k++) {
          const day = new Date(after + k * interval).getUTCDay()
          if (day !== 0 && day !== 6) expected++
        }
        if (interval >= DAY_MS && expected <= 1) expected = 0
        assert.strictEqual(missingBars("weekdays", interval, after, next), expected)
      }
    ), { numRuns: 1000 })
  })

  it("monthly: calendar months, whatever their length", () => {
    assert.strictEqual(missingBars("monthly", 31 * DAY_MS, utc("2024-01-31T00:00:00Z"), utc("2024-02-29T00:00:00Z")), 0)
    assert.strictEqual(missingBars("monthly", 31 * DAY_MS, utc("2024-01-31T00:00:00Z"), utc("2024-04-30T00:00:00Z")), 2)
    assert.strictEqual(missingBars("monthly", 31 * DAY_MS, utc("2024-01-01T00:00:00Z"), utc("2024-02-01T00:00:00Z")), 0)
  })
})

describe("SymbolQualityTracker", () => {
  it("infers the interval from the most common step, even when the feed starts with a gap", () => {
    const times = [0, 5 * H, 6 * H, 7 * H, 8 * H, 10 * H]
    const q = track(times)
    assert.strictEqual(q.intervalMs, H)
    assert.deepStrictEqual(q.gaps.map((g) => [g.after, g.next, g.missingBars]), [[0, 5 * H, 4], [8 * H, 10 * H, 1]])
    assert.deepStrictEqual([q.bars, q.first, q.last], [6, 0, 10 * H])
  })

  it("ties between steps go to the shorter one; a known interval overrides inference", () => {
    assert.strictEqual(track([0, H, 3 * H]).intervalMs, H)
    assert.deepStrictEqual(track([0, 2 * H, 4 * H], undefined, { intervalMs: H }).gaps.length, 2)
  })

  it("flags zero-volume bars followed by a gap, not other zero-volume bars", () => {
    const q = track([0, H, 2 * H, 3 * H, 5 * H, 6 * H], [1, 0, 1, 0, 1, 0])
    assert.strictEqual(q.zeroVolumeBars, 3)
    assert.deepStrictEqual(q.suspectBars, [{ symbol: S, timestamp: 3 * H, file: "f.csv", line: 5, reason: ZERO_VOLUME_BEFORE_GAP }])
  })

  it("chooses the calendar: weekend bars → 24x7, none → weekdays, 28–31 day steps → monthly", () => {
    const days = (n: number, from: string) => Array.from({ length: n }, (_, i) => utc(from) + i * DAY_MS)
    assert.strictEqual(track(days(30, "2024-03-01T00:00:00Z")).calendar, "24x7")
    const weekdays = days(30, "2024-03-01T00:00:00Z").filter((t) => ![0, 6].includes(new Date(t).getUTCDay()))
    const q = track(weekdays)
    assert.deepStrictEqual([q.calendar, q.gaps.length], ["weekdays", 0])
    assert.deepStrictEqual(track(weekdays, undefined, { sessions: "24x7" }).gaps.length, 4)
    const months = ["2023-01-31", "2023-02-28", "2023-03-31", "2023-04-30", "2023-06-30"].map((d) => utc(`${d}T00:00:00Z`))
    const m = track(months)
    assert.strictEqual(m.calendar, "monthly")
    assert.deepStrictEqual(m.gaps.map((g) => [g.after, g.missingBars]), [[utc("2023-04-30T00:00:00Z"), 1]])
  })

  it("an empty or one-bar series reports no interval unless given a hint", () => {
    assert.deepStrictEqual([track([]).bars, track([]).first, track([]).last, track([]).intervalMs], [0, undefined, undefined, undefined])
    assert.strictEqual(track([0], undefined, { intervalHintMs: H }).intervalMs, H)
  })
})

describe("formatDuration", () => {
  it("reads like a person writes it", () => {
    assert.strictEqual(formatDuration(H), "1h")
    assert.strictEqual(formatDuration(1_216_938), "20m 16.938s")
    assert.strictEqual(formatDuration(31 * DAY_MS), "31d")
    assert.strictEqual(formatDuration(0), "0s")
  })
})
