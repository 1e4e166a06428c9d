/**
 * Indicator throughput: ns per bar for every indicator, streaming and batch, over 1e6 bars, next to plain inline
 * loops (the baselines) and to trading-signals 8.3.0 (streaming `add`) and technicalindicators 3.1.0 (batch
 * `calculate` and streaming `nextValue`) where they have the indicator.
 *
 * How each case is measured (the same for every library):
 * - **One fresh process per indicator** (default): V8 keeps type feedback per function, and methods shared by several
 *   classes (our `Sma.update` is also used by `AvgVolume` and `Stoch`; trading-signals' `setResult`/`pushUpdate` by
 *   all its classes) would otherwise be measured in a state polluted by the indicators run before. Each child builds
 *   the same deterministic bars and warms its cases up; then our streaming form, our batch form and trading-signals
 *   are timed in alternation, round after round, so that load from other processes on this shared machine hits them
 *   alike (their ratio is the robust figure); technicalindicators is timed after them. `--in-process` runs every
 *   indicator in this process instead (faster; closer to a program using many indicators at once).
 * - **Streaming** (ours, trading-signals `add`, technicalindicators `nextValue`, the inline baselines): the loop is
 *   first run many times over 2,500 bars, so that V8 compiles it as a regular hot function, as the per-bar code of a
 *   long-running backtest is; then it is timed over all bars. (A loop run once over 1e6 bars is compiled on-stack,
 *   "OSR", which V8 does less well; `--osr` measures that way instead: 3 untimed full runs, no short runs.) The
 *   indicator escapes to a global, so V8 cannot keep its state in registers, which a real caller could not either.
 * - **Batch** (ours, technicalindicators `calculate`): one call over all bars, as a backtest makes it (V8 compiles the
 *   kernel's loop on-stack), after 3 (others: 1) untimed calls. Our kernels write into output arrays allocated once
 *   (`into`), so the figure is the kernel's cost; allocating and zeroing fresh 8 MB arrays adds about 1 ns/bar per
 *   output.
 * - Every timed run starts with an empty young generation (children run with `--expose-gc` and call a minor `gc`; a
 *   full `gc()` would also throw compiled code away), so that no library pays for the garbage another one left.
 * - Every loop is written out per class (no helper taking the indicator), so its call site is monomorphic, and it
 *   consumes each value it gets back (summed into a checksum), so nothing is optimised away.
 * - Inputs for the other libraries (candle objects, plain arrays) are built before timing.
 * - trading-signals 8.3.0 has one class per indicator: since v7 (bennycode/trading-signals#849, which removed Big.js)
 *   the number-based `Faster*` implementations are the standard classes (`EMA` is the former `FasterEMA`), so there
 *   is no faster variant left to compare with.
 * - **Passes**: all indicators are measured `--passes` times (default 3), one after the other, each time in a new
 *   process, so that a burst of load hits some samples of every indicator rather than all samples of a few; the
 *   figure is the median of all timed rounds of all passes.
 *
 * Run: `npx tsx bench/indicators.ts [n] [rounds] [--passes=3] [--no-others] [--in-process] [--osr] [--only=<substr>]`
 * (`n` bars, default 1e6; `rounds` timed rounds per case and pass, default 3, 1 for technicalindicators; `--only`
 * selects the cases whose id, e.g. `RSI 14/stream`, contains the substring).
 */
import { spawnSync } from "node:child_process"
import * as os from "node:os"
import { fileURLToPath } from "node:url"
import * as ti from "technicalindicators"
import * as ts from "trading-signals"
import {
  Atr,
  atrBatch,
  AvgVolume,
  avgVolumeBatch,
  Bbands,
  bbandsBatch,
  Ema,
  emaBatch,
  Highest,
  highestBatch,
  Lowest,
  lowestBatch,
  Macd,
  macdBatch,
  Range,
  rangeBatch,
  Rsi,
  rsiBatch,
  Sma,
  smaBatch,
  Stoch,
  stochBatch,
  Vwap,
  vwapBatch,
  VwapRolling,
  vwapRollingBatch,
  Wma,
  wmaBatch
} from "../src/indicators/index.ts"

const flag = (name: string): boolean => process.argv.includes(`--${name}`)
const option = (name: string): string | undefined =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
const args = process.argv.slice(2).filter((a) => !a.startsWith("--"))
const n = Number(args[0] ?? 1_000_000)
const rounds = Number(args[1] ?? 3)
const passes = Number(option("passes") ?? 3)
const others = !flag("no-others")
const inProcess = flag("in-process")
const osr = flag("osr")
const only = option("only")
const child = option("child")
const otherRounds = 1
/** Short warm-up runs of the streaming loops: `shortRuns` runs over `shortBars` bars. */
const shortBars = Math.min(2_500, n)
const shortRuns = 400

// deterministic bars: a random walk with wicks, volumes (some zero), one-minute timestamps
const close = new Float64Array(n)
const high = new Float64Array(n)
const low = new Float64Array(n)
const volume = new Float64Array(n)
const time = new Float64Array(n)
let seed = 42
const rnd = (): number => {
  seed = (seed * 16807) % 2147483647
  return seed / 2147483647
}
let p = 100
for (let i = 0; i < n; i++) {
  const prev = p
  p *= 1 + (rnd() - 0.5) * 0.02
  close[i] = p
  high[i] = Math.max(prev, p) * (1 + rnd() * 0.005)
  low[i] = Math.min(prev, p) * (1 - rnd() * 0.005)
  volume[i] = rnd() < 0.05 ? 0 : rnd() * 1000
  time[i] = 1_677_628_800_000 + i * 60_000
}

// output arrays of our batch forms, allocated once (`into`)
const out1 = new Float64Array(n)
const out2 = new Float64Array(n)
const out3 = new Float64Array(n)

// inputs of the other libraries, built on first use (in a case's untimed warm-up)
type Candle = { high: number; low: number; close: number; volume: number; open: number }
let closesArr_: Array<number> | undefined
let highsArr_: Array<number> | undefined
let lowsArr_: Array<number> | undefined
let volumesArr_: Array<number> | undefined
let candles_: Array<Candle> | undefined
const closesArr = (): Array<number> => (closesArr_ ??= Array.from(close))
const highsArr = (): Array<number> => (highsArr_ ??= Array.from(high))
const lowsArr = (): Array<number> => (lowsArr_ ??= Array.from(low))
const volumesArr = (): Array<number> => (volumesArr_ ??= Array.from(volume))
const candles = (): Array<Candle> =>
  (candles_ ??= Array.from(close, (c, i) => ({ high: high[i]!, low: low[i]!, close: c, volume: volume[i]!, open: c })))

/** Makes an object escape (stored in a global), as an indicator held by a strategy does. */
let kept: unknown
const keep = <T>(x: T): T => {
  kept = x
  return x
}

/** The least a streaming EMA object can do per bar: load its state, TA-Lib's three operations, store it. */
class MinimalEma {
  declare readonly k: number
  ema: number
  constructor(first: number) {
    this.k = 2 / 21
    this.ema = first
  }
  update(x: number): number {
    const ema = this.ema
    const next = (x - ema) * this.k + ema
    this.ema = next
    return next
  }
}

/** A streaming case runs over the first `m` bars; a batch case over all `n` bars (it ignores `m`). */
type Run = (m: number) => number
type Kind = "stream" | "batch" | "ts" | "tiBatch" | "tiStream"
interface Row {
  readonly name: string
  readonly stream: Run
  readonly batch: Run
  readonly ts?: Run
  readonly tsNote?: string
  readonly tiBatch?: Run
  readonly tiStream?: Run
  readonly tiNote?: string
}

// Every loop below is written out (not shared through a helper taking the indicator): V8 keeps type feedback per
// function literal, and a loop shared by several classes becomes a megamorphic call site.

const baselines: ReadonlyArray<readonly [string, string, Run]> = [
  [
    "inlineEma",
    "inline EMA20 loop, state in a local variable",
    (m) => {
      const k = 2 / 21
      let sum = 0
      for (let i = 0; i < 20; i++) sum += close[i]!
      let ema = sum / 20
      let acc = 0
      for (let i = 20; i < m; i++) {
        ema = (close[i]! - ema) * k + ema
        acc += ema
      }
      return acc
    }
  ],
  [
    "minimalEma",
    "minimal streaming EMA20 object, one field, no warm-up, count or replace (the floor of a streaming EMA)",
    (m) => {
      const s = keep(new MinimalEma(close[0]!))
      let acc = 0
      for (let i = 0; i < m; i++) acc += s.update(close[i]!)
      return acc
    }
  ],
  [
    "inlineRsi",
    "inline RSI14 loop, state in local variables",
    (m) => {
      let gain = 0
      let loss = 0
      let last = close[0]!
      for (let i = 1; i <= 14; i++) {
        const d = close[i]! - last
        last = close[i]!
        if (d < 0) loss -= d
        else gain += d
      }
      loss /= 14
      gain /= 14
      let acc = 0
      for (let i = 15; i < m; i++) {
        const x = close[i]!
        const d = x - last
        last = x
        loss *= 13
        gain *= 13
        if (d < 0) loss -= d
        else gain += d
        loss /= 14
        gain /= 14
        const t = gain + loss
        acc += t !== 0 ? 100 * (gain / t) : 0
      }
      return acc
    }
  ]
]

const rows: ReadonlyArray<Row> = [
  {
    name: "SMA 20",
    stream: (m) => {
      const s = keep(new Sma(20))
      let acc = 0
      for (let i = 0; i < m; i++) {
        const v = s.update(close[i]!)
        if (v === v) acc += v
      }
      return acc
    },
    batch: () => smaBatch(close, 20, out1)[n - 1]!,
    ts: (m) => {
      const s = keep(new ts.SMA(20))
      let acc = 0
      for (let i = 0; i < m; i++) {
        const v = s.add(close[i]!)
        if (v !== null) acc += v
      }
      return acc
    },
    tiBatch: () => ti.SMA.calculate({ period: 20, values: closesArr() }).length,
    tiStream: (m) => {
      const s = keep(new ti.SMA({ period: 20, values: [] }))
      let acc = 0
      for (let i = 0; i < m; i++) {
        const v = s.nextValue(close[i]!)
        if (v !== undefined) acc += v
      }
      return acc
    }
  },
  {
    name: "EMA 20",
    stream: (m) => {
      const s = keep(new Ema(20))
      let acc = 0
      for (let i = 0; i < m; i++) {
        const v = s.update(close[i]!)
        if (v === v) acc += v
      }
      return acc
    },
    batch: () => emaBatch(close, 20, out1)[n - 1]!,
    ts: (m) => {
      const s = keep(new ts.EMA(20))
      let acc = 0
      for (let i = 0; i < m; i++) {
        const v = s.add(close[i]!)
        if (v !== null) acc += v
      }
      return acc
    },
    tsNote: "first-price seed, `x·k + prev·(1-k)`",
    tiBatch: () => ti.EMA.calculate({ period: 20, values: closesArr() }).length,
    tiStream: (m) => {
      const s = keep(new ti.EMA({ period: 20, values: [] }))
      let acc = 0
      for (let i = 0; i < m; i++) {
        const v = s.nextValue(close[i]!)
        if (v !== undefined) acc += v
      }
      return acc
    }
  },
  {
    name: "WMA 20",
    stream: (m) => {
      const s = keep(new Wma(20))
      let acc = 0
      for (let i = 0; i < m; i++) {
        const v = s.update(close[i]!)
        if (v === v) acc += v
      }
      return acc
    },
    batch: () => wmaBatch(close, 20, out1)[n - 1]!,
    ts: (m) => {
      const s = keep(new ts.WMA(20))
      let acc = 0
      for (let i = 0; i < m; i++) {
        const v = s.add(close[i]!)
        if (v !== null) acc += v
      }
      return acc
    },
    tiBatch: () => ti.WMA.calculate({ period: 20, values: closesArr() }).length,
    tiStream: (m) => {
      const s = keep(new ti.WMA({ period: 20, values: [] }))
      let acc = 0
      for (let i = 0; i < m; i++) {
        const v = s.nextValue(close[i]!)
        if (v !== undefined) acc += v
      }
      return acc
    }
  },
  {
    name: "RSI 14",
    stream: (m) => {
      const s = keep(new Rsi(14))
      let acc = 0
      for (let i = 0; i < m; i++) {
        const v = s.update(close[i]!)
        if (v === v) acc += v
      }
      return acc
    },
    batch: () => rsiBatch(close, 14, out1)[n - 1]!,
    ts: (m) => {
      const s = keep(new ts.RSI(14))
      let acc = 0
      for (let i = 0; i < m; i++) {
        const v = s.add(close[i]!)
        if (v !== null) acc += v
      }
      return acc
    },
    tiBatch: () => ti.RSI.calculate({ period: 14, values: closesArr() }).length,
    tiStream: (m) => {
      const s = keep(new ti.RSI({ period: 14, values: [] }))
      let acc = 0
      for (let i = 0; i < m; i++) {
        const v = s.nextValue(close[i]!)
        if (v !== undefined) acc += v
      }
      return acc
    }
  },
  {
    name: "MACD 12/26/9",
    stream: (m) => {
      const s = keep(new Macd(12, 26, 9))
      let acc = 0
      for (let i = 0; i < m; i++) {
        s.update(close[i]!)
        const v = s.histogram
        if (v === v) acc += v
      }
      return acc
    },
    batch: () => macdBatch(close, 12, 26, 9, { macd: out1, signal: out2, histogram: out3 }).histogram[n - 1]!,
    ts: (m) => {
      const s = keep(new ts.MACD(new ts.EMA(12), new ts.EMA(26), new ts.EMA(9)))
      let acc = 0
      for (let i = 0; i < m; i++) {
        const r = s.add(close[i]!)
        if (r !== null) acc += r.histogram
      }
      return acc
    },
    tiBatch: () =>
      ti.MACD.calculate({
        values: closesArr(),
        fastPeriod: 12,
        slowPeriod: 26,
        signalPeriod: 9,
        SimpleMAOscillator: false,
        SimpleMASignal: false
      }).length,
    tiStream: (m) => {
      const s = keep(
        new ti.MACD({
          values: [],
          fastPeriod: 12,
          slowPeriod: 26,
          signalPeriod: 9,
          SimpleMAOscillator: false,
          SimpleMASignal: false
        })
      )
      let acc = 0
      for (let i = 0; i < m; i++) {
        const r = s.nextValue(close[i]!)
        if (r !== undefined && r.histogram !== undefined) acc += r.histogram
      }
      return acc
    }
  },
  {
    name: "BBANDS 20, 2",
    stream: (m) => {
      const s = keep(new Bbands(20, 2))
      let acc = 0
      for (let i = 0; i < m; i++) {
        s.update(close[i]!)
        const v = s.upper
        if (v === v) acc += v
      }
      return acc
    },
    batch: () => bbandsBatch(close, 20, 2, { middle: out1, upper: out2, lower: out3 }).upper[n - 1]!,
    ts: (m) => {
      const s = keep(new ts.BollingerBands(20, 2))
      let acc = 0
      for (let i = 0; i < m; i++) {
        const r = s.add(close[i]!)
        if (r !== null) acc += r.upper
      }
      return acc
    },
    tiBatch: () => ti.BollingerBands.calculate({ period: 20, stdDev: 2, values: closesArr() }).length,
    tiStream: (m) => {
      const s = keep(new ti.BollingerBands({ period: 20, stdDev: 2, values: [] }))
      let acc = 0
      for (let i = 0; i < m; i++) {
        const r = s.nextValue(close[i]!)
        if (r !== undefined) acc += r.upper
      }
      return acc
    }
  },
  {
    name: "ATR 14",
    stream: (m) => {
      const s = keep(new Atr(14))
      let acc = 0
      for (let i = 0; i < m; i++) {
        const v = s.update(high[i]!, low[i]!, close[i]!)
        if (v === v) acc += v
      }
      return acc
    },
    batch: () => atrBatch(high, low, close, 14, out1)[n - 1]!,
    ts: (m) => {
      const s = keep(new ts.ATR(14))
      const cs = candles()
      let acc = 0
      for (let i = 0; i < m; i++) {
        const v = s.add(cs[i]!)
        if (v !== null) acc += v
      }
      return acc
    },
    tiBatch: () => ti.ATR.calculate({ period: 14, high: highsArr(), low: lowsArr(), close: closesArr() }).length,
    tiStream: (m) => {
      const s = keep(new ti.ATR({ period: 14, high: [], low: [], close: [] }))
      const cs = candles()
      let acc = 0
      for (let i = 0; i < m; i++) {
        const v = s.nextValue(cs[i]! as never)
        if (v !== undefined) acc += v
      }
      return acc
    }
  },
  {
    name: "STOCH 14/3/3",
    stream: (m) => {
      const s = keep(new Stoch(14, 3, 3))
      let acc = 0
      for (let i = 0; i < m; i++) {
        s.update(high[i]!, low[i]!, close[i]!)
        const v = s.d
        if (v === v) acc += v
      }
      return acc
    },
    batch: () => stochBatch(high, low, close, 14, 3, 3, { k: out1, d: out2 }).d[n - 1]!,
    ts: (m) => {
      const s = keep(new ts.StochasticOscillator({ kPeriod: 14, kSlowingPeriod: 3, dPeriod: 3 }))
      const cs = candles()
      let acc = 0
      for (let i = 0; i < m; i++) {
        const r = s.add(cs[i]!)
        if (r !== null) acc += r.stochD
      }
      return acc
    },
    tiNote: "fast %K/%D only",
    tiBatch: () =>
      ti.Stochastic.calculate({ period: 14, signalPeriod: 3, high: highsArr(), low: lowsArr(), close: closesArr() })
        .length,
    tiStream: (m) => {
      const s = keep(new ti.Stochastic({ period: 14, signalPeriod: 3, high: [], low: [], close: [] }))
      const cs = candles()
      let acc = 0
      for (let i = 0; i < m; i++) {
        const r = s.nextValue(cs[i]! as never)
        if (r !== undefined && r.d !== undefined) acc += r.d
      }
      return acc
    }
  },
  {
    name: "VWAP (daily session)",
    stream: (m) => {
      const s = keep(new Vwap())
      let acc = 0
      for (let i = 0; i < m; i++) {
        const v = s.update(high[i]!, low[i]!, close[i]!, volume[i]!, time[i]!)
        if (v === v) acc += v
      }
      return acc
    },
    batch: () => vwapBatch(high, low, close, volume, time, 86_400_000, 0, out1)[n - 1]!,
    // both libraries: cumulative without sessions
    ts: (m) => {
      const s = keep(new ts.VWAP())
      const cs = candles()
      let acc = 0
      for (let i = 0; i < m; i++) {
        const v = s.add(cs[i]!)
        if (v !== null) acc += v
      }
      return acc
    },
    tsNote: "no sessions; skips zero-volume bars",
    tiNote: "no sessions",
    tiBatch: () =>
      ti.VWAP.calculate({ high: highsArr(), low: lowsArr(), close: closesArr(), volume: volumesArr() }).length,
    tiStream: (m) => {
      const s = keep(new ti.VWAP({ high: [], low: [], close: [], volume: [] }))
      const cs = candles()
      let acc = 0
      for (let i = 0; i < m; i++) {
        const v = s.nextValue(cs[i]! as never)
        if (v !== undefined) acc += v
      }
      return acc
    }
  },
  {
    name: "VWAP rolling 14",
    stream: (m) => {
      const s = keep(new VwapRolling(14))
      let acc = 0
      for (let i = 0; i < m; i++) {
        const v = s.update(high[i]!, low[i]!, close[i]!, volume[i]!)
        if (v === v) acc += v
      }
      return acc
    },
    batch: () => vwapRollingBatch(high, low, close, volume, 14, out1)[n - 1]!
  },
  {
    name: "highest 20",
    stream: (m) => {
      const s = keep(new Highest(20))
      let acc = 0
      for (let i = 0; i < m; i++) {
        const v = s.update(high[i]!)
        if (v === v) acc += v
      }
      return acc
    },
    batch: () => highestBatch(high, 20, out1)[n - 1]!,
    tiBatch: () => ti.Highest.calculate({ period: 20, values: highsArr() }).length,
    tiStream: (m) => {
      const s = keep(new ti.Highest({ period: 20, values: [] }))
      let acc = 0
      for (let i = 0; i < m; i++) {
        const v = s.nextValue(high[i]!)
        if (v !== undefined) acc += v
      }
      return acc
    }
  },
  {
    name: "lowest 20",
    stream: (m) => {
      const s = keep(new Lowest(20))
      let acc = 0
      for (let i = 0; i < m; i++) {
        const v = s.update(low[i]!)
        if (v === v) acc += v
      }
      return acc
    },
    batch: () => lowestBatch(low, 20, out1)[n - 1]!,
    tiBatch: () => ti.Lowest.calculate({ period: 20, values: lowsArr() }).length,
    tiStream: (m) => {
      const s = keep(new ti.Lowest({ period: 20, values: [] }))
      let acc = 0
      for (let i = 0; i < m; i++) {
        const v = s.nextValue(low[i]!)
        if (v !== undefined) acc += v
      }
      return acc
    }
  },
  {
    name: "range 20",
    stream: (m) => {
      const s = keep(new Range(20))
      let acc = 0
      for (let i = 0; i < m; i++) {
        const v = s.update(high[i]!, low[i]!)
        if (v === v) acc += v
      }
      return acc
    },
    batch: () => rangeBatch(high, low, 20, out1)[n - 1]!,
    ts: (m) => {
      const s = keep(new ts.DonchianChannels(20))
      const cs = candles()
      let acc = 0
      for (let i = 0; i < m; i++) {
        const r = s.add(cs[i]!)
        if (r !== null) acc += r.upper - r.lower
      }
      return acc
    },
    tsNote: "Donchian channels, upper - lower"
  },
  {
    name: "avg_volume 20",
    stream: (m) => {
      const s = keep(new AvgVolume(20))
      let acc = 0
      for (let i = 0; i < m; i++) {
        const v = s.update(volume[i]!)
        if (v === v) acc += v
      }
      return acc
    },
    batch: () => avgVolumeBatch(volume, 20, out1)[n - 1]!
  }
]

// ---------------------------------------------------------------------------------------------------------------
// cases, timing

interface Case {
  readonly id: string
  /** The child process that measures it: the row's name, or "baselines". */
  readonly group: string
  readonly run: Run
  readonly other: boolean
  readonly streaming: boolean
  /** Timed in alternation with the other interleaved cases of its group (all but technicalindicators). */
  readonly interleaved: boolean
}
const kinds: ReadonlyArray<Kind> = ["stream", "batch", "ts", "tiBatch", "tiStream"]
const cases: Array<Case> = baselines.map(([id, , run]) => ({
  id,
  group: "baselines",
  run,
  other: false,
  streaming: true,
  interleaved: true
}))
for (const row of rows) {
  for (const kind of kinds) {
    const run = row[kind]
    if (run === undefined) continue
    const other = kind !== "stream" && kind !== "batch"
    if (other && !others) continue
    cases.push({
      id: `${row.name}/${kind}`,
      group: row.name,
      run,
      other,
      streaming: kind !== "batch" && kind !== "tiBatch",
      interleaved: kind === "stream" || kind === "batch" || kind === "ts"
    })
  }
}
const selected = only === undefined ? cases : cases.filter((c) => c.id.toLowerCase().includes(only.toLowerCase()))

let sink = 0
const consume = (r: number): void => {
  if (r === r) sink += r
}
/** Children run with `--expose-gc`: a minor collection before every timed run, so each pays for its own garbage. */
const collect = (globalThis as { gc?: (options: { type: string }) => void }).gc
const timeOnce = (f: Run): number => {
  if (collect !== undefined) collect({ type: "minor" })
  const t0 = process.hrtime.bigint()
  const r = f(n)
  const dt = Number(process.hrtime.bigint() - t0) / n
  consume(r)
  return dt
}

const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

/** Untimed warm-up of one case (see the module doc). */
const warmUp = (c: Case): void => {
  if (c.streaming && !osr) for (let i = 0; i < shortRuns; i++) consume(c.run(shortBars))
  const full = c.other ? 1 : c.streaming && !osr ? 2 : 3
  for (let i = 0; i < full; i++) timeOnce(c.run)
}

/**
 * Measures a set of cases: all are warmed up, then the interleaved ones are timed in alternation (`roundsEach`
 * rounds, each running every one of them once), then the others (`otherRounds` rounds each).
 */
const measureGroup = (group: ReadonlyArray<Case>, roundsEach: number, into: Map<string, Array<number>>): void => {
  for (const c of group) if (!into.has(c.id)) into.set(c.id, [])
  const alternate = group.filter((c) => c.interleaved)
  for (const c of alternate) warmUp(c)
  // one untimed round in the same alternation first: the first run after the others' warm-up is often slower
  for (const c of alternate) timeOnce(c.run)
  for (let r = 0; r < roundsEach; r++) for (const c of alternate) into.get(c.id)!.push(timeOnce(c.run))
  for (const c of group) {
    if (c.interleaved) continue
    warmUp(c)
    for (let r = 0; r < otherRounds; r++) into.get(c.id)!.push(timeOnce(c.run))
  }
}

const samples = new Map<string, Array<number>>()
if (child !== undefined) {
  measureGroup(
    selected.filter((c) => c.group === child),
    rounds,
    samples
  )
  process.stdout.write(JSON.stringify({ samples: Object.fromEntries(samples), sink }) + "\n")
  process.exit(0)
}

if (inProcess) {
  measureGroup(selected, rounds * passes, samples)
} else {
  const script = fileURLToPath(import.meta.url)
  const passArgs = [
    String(n),
    String(rounds),
    ...(others ? [] : ["--no-others"]),
    ...(osr ? ["--osr"] : []),
    ...(only === undefined ? [] : [`--only=${only}`])
  ]
  const groups = [...new Set(selected.map((c) => c.group))]
  for (let pass = 0; pass < passes; pass++) {
    for (const g of groups) {
      const argv = ["--expose-gc", ...process.execArgv, script, ...passArgs, `--child=${g}`]
      const res = spawnSync(process.execPath, argv, { encoding: "utf8", maxBuffer: 1 << 20 })
      if (res.status !== 0) throw new Error(`group ${g} failed:\n${res.stderr}`)
      const out = JSON.parse(res.stdout.trim().split("\n").pop()!) as {
        samples: Record<string, Array<number>>
        sink: number
      }
      for (const [id, xs] of Object.entries(out.samples)) samples.set(id, [...(samples.get(id) ?? []), ...xs])
      sink += out.sink
      process.stderr.write(".")
    }
    process.stderr.write("\n")
  }
}
void kept

// ---------------------------------------------------------------------------------------------------------------
// report

const ns = (id: string): number | undefined => {
  const xs = samples.get(id)
  return xs === undefined ? undefined : median(xs)
}
/**
 * trading-signals' time over ours (streaming): the median of the per-round ratios (the two are timed in alternation,
 * so each pair saw the same load), or the ratio of the medians when the rounds do not pair up.
 */
const pairedRatio = (name: string): number => {
  const ours = samples.get(`${name}/stream`)!
  const theirs = samples.get(`${name}/ts`)!
  if (ours.length !== theirs.length) return median(theirs) / median(ours)
  return median(ours.map((x, i) => theirs[i]! / x))
}
const best = (id: string): number | undefined => {
  const xs = samples.get(id)
  return xs === undefined ? undefined : Math.min(...xs)
}
const fmt = (x: number | undefined): string => (x === undefined ? "–" : x < 10 ? x.toFixed(1) : x.toFixed(0))
const cpu = os.cpus()[0]?.model ?? "unknown CPU"

console.log(
  `node ${process.version}, ${cpu} (${os.cpus().length} vCPU), ${new Date().toISOString().slice(0, 10)}, ` +
    `n = ${n} bars, ${inProcess ? "all cases in one process" : "one fresh process per indicator and pass"}, ` +
    `streaming loops ${osr ? "run once (OSR)" : "warmed up as regular hot functions"}, ${passes} passes × ` +
    `${rounds} timed rounds (${otherRounds} for technicalindicators); median ns/bar of all rounds`
)
console.log("")
for (const [id, label] of baselines) {
  if (samples.has(id)) console.log(`baseline: ${label}: ${fmt(ns(id))} ns/bar (best round ${fmt(best(id))})`)
}
console.log("")
console.log(
  "ns/bar: median of all timed rounds (best round in parentheses); ratio: median over the rounds of trading-signals' " +
    "time over ours, each pair timed back to back"
)
console.log("")
console.log(
  "| Indicator | ours streaming | ours batch | trading-signals `add` | trading-signals ÷ ours (streaming) | technicalindicators batch / `nextValue` |"
)
console.log("|---|---|---|---|---|---|")
const cell = (id: string): string => {
  const m = ns(id)
  return m === undefined ? "–" : `${fmt(m)} (${fmt(best(id))})`
}
for (const row of rows) {
  const s = ns(`${row.name}/stream`)
  const b = ns(`${row.name}/batch`)
  if (s === undefined && b === undefined) continue
  const tsNs = ns(`${row.name}/ts`)
  const ratio = tsNs === undefined || s === undefined ? "–" : `${pairedRatio(row.name).toFixed(1)}×`
  const tsId = `${row.name}/ts`
  const tsCell = tsNs === undefined ? "–" : row.tsNote === undefined ? cell(tsId) : `${cell(tsId)}, ${row.tsNote}`
  const tiB = ns(`${row.name}/tiBatch`)
  const tiS = ns(`${row.name}/tiStream`)
  const tiCell = `${fmt(tiB)} / ${fmt(tiS)}${row.tiNote !== undefined && tiB !== undefined ? ` (${row.tiNote})` : ""}`
  const ours = `${cell(`${row.name}/stream`)} | ${cell(`${row.name}/batch`)}`
  console.log(`| ${row.name} | ${ours} | ${tsCell} | ${ratio} | ${tiCell} |`)
}
console.log("")
console.log("spread of the timed rounds (all passes), min / median / max ns/bar:")
for (const c of selected) {
  const xs = samples.get(c.id)
  if (xs === undefined) continue
  const s = [...xs].sort((a, b) => a - b)
  console.log(`  ${c.id.padEnd(30)} ${fmt(s[0])} / ${fmt(median(s))} / ${fmt(s[s.length - 1])}`)
}
console.log("")
console.log(`checksum ${sink.toExponential(6)}`)
