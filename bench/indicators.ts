/**
 * Indicator throughput: ns per bar for every indicator, streaming and batch, over 1e6 bars, next to a plain inline
 * loop (the baseline: EMA20 and RSI14 written out over a Float64Array) and to trading-signals 8.3.0 (streaming
 * `add`) and technicalindicators 3.1.0 (batch `calculate` and streaming `nextValue`) where they have the indicator,
 * all measured in the same run (compare ratios, not absolute times: the machine is noisy). Inputs for the other
 * libraries (candle objects, arrays) are built before timing.
 *
 * Run: `npx tsx bench/indicators.ts [n] [rounds] [--no-others]`
 */
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

const args = process.argv.slice(2).filter((a) => !a.startsWith("--"))
const n = Number(args[0] ?? 1_000_000)
const rounds = Number(args[1] ?? 7)
const others = !process.argv.includes("--no-others")
const otherRounds = Math.max(1, Math.min(3, rounds))

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
const closesArr = Array.from(close)
const candles = Array.from(close, (c, i) => ({ high: high[i]!, low: low[i]!, close: c, volume: volume[i]!, open: c }))

let sink = 0
const add = (x: number | null | undefined): void => {
  if (typeof x === "number" && x === x) sink += x
}

type Case = () => number
interface Row {
  readonly name: string
  readonly stream: Case
  readonly batch: Case
  readonly ts?: Case
  readonly tiBatch?: Case
  readonly tiStream?: Case
}

const inlineEma = (): number => {
  const k = 2 / 21
  let sum = 0
  for (let i = 0; i < 20; i++) sum += close[i]!
  let ema = sum / 20
  let acc = 0
  for (let i = 20; i < n; i++) {
    ema = (close[i]! - ema) * k + ema
    acc += ema
  }
  return acc
}

const inlineRsi = (): number => {
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
  for (let i = 15; i < n; i++) {
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

// Every loop below is written out (not shared through a helper taking the indicator): V8 keeps type feedback per
// function literal, and a loop shared by several classes becomes a megamorphic call site that costs ~15 ns/bar.

const rows: ReadonlyArray<Row> = [
  {
    name: "SMA 20",
    stream: () => {
      const s = new Sma(20)
      let acc = 0
      for (let i = 0; i < n; i++) acc += s.update(close[i]!) || 0
      return acc
    },
    batch: () => smaBatch(close, 20)[n - 1]!,
    ts: () => {
      const s = new ts.SMA(20)
      for (let i = 0; i < n; i++) s.add(close[i]!)
      return 0
    },
    tiBatch: () => ti.SMA.calculate({ period: 20, values: closesArr }).length,
    tiStream: () => {
      const s = new ti.SMA({ period: 20, values: [] })
      for (let i = 0; i < n; i++) s.nextValue(close[i]!)
      return 0
    }
  },
  {
    name: "EMA 20",
    stream: () => {
      const s = new Ema(20)
      let acc = 0
      for (let i = 0; i < n; i++) acc += s.update(close[i]!) || 0
      return acc
    },
    batch: () => emaBatch(close, 20)[n - 1]!,
    ts: () => {
      const s = new ts.EMA(20)
      for (let i = 0; i < n; i++) s.add(close[i]!)
      return 0
    },
    tiBatch: () => ti.EMA.calculate({ period: 20, values: closesArr }).length,
    tiStream: () => {
      const s = new ti.EMA({ period: 20, values: [] })
      for (let i = 0; i < n; i++) s.nextValue(close[i]!)
      return 0
    }
  },
  {
    name: "WMA 20",
    stream: () => {
      const s = new Wma(20)
      let acc = 0
      for (let i = 0; i < n; i++) acc += s.update(close[i]!) || 0
      return acc
    },
    batch: () => wmaBatch(close, 20)[n - 1]!,
    ts: () => {
      const s = new ts.WMA(20)
      for (let i = 0; i < n; i++) s.add(close[i]!)
      return 0
    },
    tiBatch: () => ti.WMA.calculate({ period: 20, values: closesArr }).length,
    tiStream: () => {
      const s = new ti.WMA({ period: 20, values: [] })
      for (let i = 0; i < n; i++) s.nextValue(close[i]!)
      return 0
    }
  },
  {
    name: "RSI 14",
    stream: () => {
      const s = new Rsi(14)
      let acc = 0
      for (let i = 0; i < n; i++) acc += s.update(close[i]!) || 0
      return acc
    },
    batch: () => rsiBatch(close, 14)[n - 1]!,
    ts: () => {
      const s = new ts.RSI(14)
      for (let i = 0; i < n; i++) s.add(close[i]!)
      return 0
    },
    tiBatch: () => ti.RSI.calculate({ period: 14, values: closesArr }).length,
    tiStream: () => {
      const s = new ti.RSI({ period: 14, values: [] })
      for (let i = 0; i < n; i++) s.nextValue(close[i]!)
      return 0
    }
  },
  {
    name: "MACD 12/26/9",
    stream: () => {
      const m = new Macd(12, 26, 9)
      let acc = 0
      for (let i = 0; i < n; i++) {
        m.update(close[i]!)
        acc += m.histogram || 0
      }
      return acc
    },
    batch: () => macdBatch(close, 12, 26, 9).histogram[n - 1]!,
    ts: () => {
      const s = new ts.MACD(new ts.EMA(12), new ts.EMA(26), new ts.EMA(9))
      for (let i = 0; i < n; i++) s.add(close[i]!)
      return 0
    },
    tiBatch: () =>
      ti.MACD.calculate({
        values: closesArr,
        fastPeriod: 12,
        slowPeriod: 26,
        signalPeriod: 9,
        SimpleMAOscillator: false,
        SimpleMASignal: false
      }).length,
    tiStream: () => {
      const s = new ti.MACD({
        values: [],
        fastPeriod: 12,
        slowPeriod: 26,
        signalPeriod: 9,
        SimpleMAOscillator: false,
        SimpleMASignal: false
      })
      for (let i = 0; i < n; i++) s.nextValue(close[i]!)
      return 0
    }
  },
  {
    name: "BBANDS 20, 2",
    stream: () => {
      const b = new Bbands(20, 2)
      let acc = 0
      for (let i = 0; i < n; i++) {
        b.update(close[i]!)
        acc += b.upper || 0
      }
      return acc
    },
    batch: () => bbandsBatch(close, 20, 2).upper[n - 1]!,
    ts: () => {
      const s = new ts.BollingerBands(20, 2)
      for (let i = 0; i < n; i++) s.add(close[i]!)
      return 0
    },
    tiBatch: () => ti.BollingerBands.calculate({ period: 20, stdDev: 2, values: closesArr }).length,
    tiStream: () => {
      const s = new ti.BollingerBands({ period: 20, stdDev: 2, values: [] })
      for (let i = 0; i < n; i++) s.nextValue(close[i]!)
      return 0
    }
  },
  {
    name: "ATR 14",
    stream: () => {
      const a = new Atr(14)
      let acc = 0
      for (let i = 0; i < n; i++) acc += a.update(high[i]!, low[i]!, close[i]!) || 0
      return acc
    },
    batch: () => atrBatch(high, low, close, 14)[n - 1]!,
    ts: () => {
      const a = new ts.ATR(14)
      for (let i = 0; i < n; i++) a.add(candles[i]!)
      return 0
    },
    tiBatch: () =>
      ti.ATR.calculate({ period: 14, high: Array.from(high), low: Array.from(low), close: closesArr }).length,
    tiStream: () => {
      const a = new ti.ATR({ period: 14, high: [], low: [], close: [] })
      for (let i = 0; i < n; i++) a.nextValue(candles[i]! as never)
      return 0
    }
  },
  {
    name: "STOCH 14/3/3",
    stream: () => {
      const s = new Stoch(14, 3, 3)
      let acc = 0
      for (let i = 0; i < n; i++) {
        s.update(high[i]!, low[i]!, close[i]!)
        acc += s.d || 0
      }
      return acc
    },
    batch: () => stochBatch(high, low, close, 14, 3, 3).d[n - 1]!,
    ts: () => {
      const s = new ts.StochasticOscillator({ kPeriod: 14, kSlowingPeriod: 3, dPeriod: 3 })
      for (let i = 0; i < n; i++) s.add(candles[i]!)
      return 0
    },
    // technicalindicators has the fast stochastic only (%K 14, %D 3)
    tiBatch: () =>
      ti.Stochastic.calculate({ period: 14, signalPeriod: 3, high: Array.from(high), low: Array.from(low), close: closesArr })
        .length,
    tiStream: () => {
      const s = new ti.Stochastic({ period: 14, signalPeriod: 3, high: [], low: [], close: [] })
      for (let i = 0; i < n; i++) s.nextValue(candles[i]! as never)
      return 0
    }
  },
  {
    name: "VWAP (daily session)",
    stream: () => {
      const v = new Vwap()
      let acc = 0
      for (let i = 0; i < n; i++) acc += v.update(high[i]!, low[i]!, close[i]!, volume[i]!, time[i]!)
      return acc
    },
    batch: () => vwapBatch(high, low, close, volume, time)[n - 1]!,
    // both libraries: cumulative without sessions
    ts: () => {
      const v = new ts.VWAP()
      for (let i = 0; i < n; i++) v.add(candles[i]!)
      return 0
    },
    tiBatch: () =>
      ti.VWAP.calculate({ high: Array.from(high), low: Array.from(low), close: closesArr, volume: Array.from(volume) })
        .length,
    tiStream: () => {
      const v = new ti.VWAP({ high: [], low: [], close: [], volume: [] })
      for (let i = 0; i < n; i++) v.nextValue(candles[i]! as never)
      return 0
    }
  },
  {
    name: "VWAP rolling 14",
    stream: () => {
      const v = new VwapRolling(14)
      let acc = 0
      for (let i = 0; i < n; i++) acc += v.update(high[i]!, low[i]!, close[i]!, volume[i]!) || 0
      return acc
    },
    batch: () => vwapRollingBatch(high, low, close, volume, 14)[n - 1]!
  },
  {
    name: "highest 20",
    stream: () => {
      const s = new Highest(20)
      let acc = 0
      for (let i = 0; i < n; i++) acc += s.update(high[i]!) || 0
      return acc
    },
    batch: () => highestBatch(high, 20)[n - 1]!,
    tiBatch: () => ti.Highest.calculate({ period: 20, values: Array.from(high) }).length,
    tiStream: () => {
      const h = new ti.Highest({ period: 20, values: [] })
      for (let i = 0; i < n; i++) h.nextValue(high[i]!)
      return 0
    }
  },
  {
    name: "lowest 20",
    stream: () => {
      const s = new Lowest(20)
      let acc = 0
      for (let i = 0; i < n; i++) acc += s.update(low[i]!) || 0
      return acc
    },
    batch: () => lowestBatch(low, 20)[n - 1]!,
    tiBatch: () => ti.Lowest.calculate({ period: 20, values: Array.from(low) }).length,
    tiStream: () => {
      const h = new ti.Lowest({ period: 20, values: [] })
      for (let i = 0; i < n; i++) h.nextValue(low[i]!)
      return 0
    }
  },
  {
    name: "range 20",
    stream: () => {
      const r = new Range(20)
      let acc = 0
      for (let i = 0; i < n; i++) acc += r.update(high[i]!, low[i]!) || 0
      return acc
    },
    batch: () => rangeBatch(high, low, 20)[n - 1]!,
    // trading-signals: Donchian channels (upper/lower over the candles)
    ts: () => {
      const d = new ts.DonchianChannels(20)
      for (let i = 0; i < n; i++) d.add(candles[i]! as never)
      return 0
    }
  },
  {
    name: "avg_volume 20",
    stream: () => {
      const s = new AvgVolume(20)
      let acc = 0
      for (let i = 0; i < n; i++) acc += s.update(volume[i]!) || 0
      return acc
    },
    batch: () => avgVolumeBatch(volume, 20)[n - 1]!
  }
]

const timeOnce = (f: Case): number => {
  const t0 = process.hrtime.bigint()
  add(f())
  return Number(process.hrtime.bigint() - t0) / n
}

const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

const measure = (f: Case | undefined, r: number): number | undefined => {
  if (f === undefined) return undefined
  timeOnce(f) // warm-up (JIT)
  const xs: Array<number> = []
  for (let i = 0; i < r; i++) xs.push(timeOnce(f))
  return median(xs)
}

// our cases and the baselines: warm every case, then interleave rounds so load drift hits all alike
const ours: Array<[string, Case]> = [["inline EMA", inlineEma], ["inline RSI", inlineRsi]]
for (const row of rows) ours.push([`${row.name} stream`, row.stream], [`${row.name} batch`, row.batch])
for (const [, f] of ours) for (let r = 0; r < 3; r++) timeOnce(f)
const samples = new Map<string, Array<number>>(ours.map(([k]) => [k, []]))
for (let r = 0; r < rounds; r++) for (const [k, f] of ours) samples.get(k)!.push(timeOnce(f))
const ourNs = (k: string): number => median(samples.get(k)!)

const fmt = (x: number | undefined): string => (x === undefined ? "–" : x < 10 ? x.toFixed(1) : x.toFixed(0))

console.log(`node ${process.version}, n = ${n} bars, ${rounds} rounds (ours), ${otherRounds} (other libraries); median ns/bar`)
console.log("")
console.log(`baseline: inline EMA20 loop ${fmt(ourNs("inline EMA"))} ns/bar, inline RSI14 loop ${fmt(ourNs("inline RSI"))} ns/bar`)
console.log("")
console.log(
  "| Indicator | ours streaming | ours batch | × inline EMA (stream) | trading-signals `add` | × trading-signals | technicalindicators batch / `nextValue` |"
)
console.log("|---|---|---|---|---|---|---|")
const baseEma = ourNs("inline EMA")
for (const row of rows) {
  const s = ourNs(`${row.name} stream`)
  const b = ourNs(`${row.name} batch`)
  const tsNs = others ? measure(row.ts, otherRounds) : undefined
  const tiB = others ? measure(row.tiBatch, otherRounds) : undefined
  const tiS = others ? measure(row.tiStream, otherRounds) : undefined
  const ratio = tsNs === undefined ? "–" : `${(tsNs / s).toFixed(1)}×`
  console.log(
    `| ${row.name} | ${fmt(s)} | ${fmt(b)} | ${(s / baseEma).toFixed(1)} | ${fmt(tsNs)} | ${ratio} | ${fmt(tiB)} / ${fmt(tiS)} |`
  )
}
console.log("")
console.log(`checksum ${sink.toExponential(6)}`)
