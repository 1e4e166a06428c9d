/**
 * Indicator throughput: ns per bar for streaming and batch SMA20 / EMA20 / RSI14 over 1e6 values, next to a plain
 * inline EMA loop over a Float64Array measured in the same run (the baseline: compare ratios, not absolute times,
 * the machine is noisy).
 *
 * Run: `npx tsx bench/indicators.ts [n] [rounds]`
 */
import { Ema, emaBatch, Rsi, rsiBatch, Sma, smaBatch } from "../src/indicators/index.ts"

const n = Number(process.argv[2] ?? 1_000_000)
const rounds = Number(process.argv[3] ?? 7)

// a deterministic random walk
const values = new Float64Array(n)
let seed = 42
let p = 100
for (let i = 0; i < n; i++) {
  seed = (seed * 16807) % 2147483647
  p *= 1 + (seed / 2147483647 - 0.5) * 0.02
  values[i] = p
}

let sink = 0
const scratch = new Float64Array(n)

const inlineEma = (xs: Float64Array, period: number): number => {
  const k = 2 / (period + 1)
  let sum = 0
  for (let i = 0; i < period; i++) sum += xs[i]!
  let ema = sum / period
  let acc = 0
  for (let i = period; i < xs.length; i++) {
    ema = (xs[i]! - ema) * k + ema
    acc += ema
  }
  return acc
}

const inlineEmaInto = (xs: Float64Array, period: number): Float64Array => {
  const out = new Float64Array(xs.length)
  const k = 2 / (period + 1)
  let sum = 0
  for (let i = 0; i < period; i++) {
    sum += xs[i]!
    out[i] = Number.NaN
  }
  let ema = sum / period
  out[period - 1] = ema
  for (let i = period; i < xs.length; i++) {
    ema = (xs[i]! - ema) * k + ema
    out[i] = ema
  }
  return out
}

const cases: ReadonlyArray<readonly [string, () => number]> = [
  ["baseline: inline EMA20 loop", () => inlineEma(values, 20)],
  ["inline EMA20 loop into a new array", () => inlineEmaInto(values, 20)[n - 1]!],
  ["SMA20 streaming", () => {
    const s = new Sma(20)
    let acc = 0
    for (let i = 0; i < n; i++) acc += s.update(values[i]!) || 0
    return acc
  }],
  ["SMA20 batch", () => smaBatch(values, 20)[n - 1]!],
  ["EMA20 streaming", () => {
    const s = new Ema(20)
    let acc = 0
    for (let i = 0; i < n; i++) acc += s.update(values[i]!) || 0
    return acc
  }],
  ["EMA20 batch", () => emaBatch(values, 20)[n - 1]!],
  ["RSI14 streaming", () => {
    const s = new Rsi(14)
    let acc = 0
    for (let i = 0; i < n; i++) acc += s.update(values[i]!) || 0
    return acc
  }],
  ["RSI14 batch", () => rsiBatch(values, 14)[n - 1]!],
  ["SMA20 batch into a reused array", () => smaBatch(values, 20, scratch)[n - 1]!],
  ["EMA20 batch into a reused array", () => emaBatch(values, 20, scratch)[n - 1]!],
  ["RSI14 batch into a reused array", () => rsiBatch(values, 14, scratch)[n - 1]!],
  ["EMA20 streaming + replace each bar", () => {
    const s = new Ema(20)
    let acc = 0
    for (let i = 0; i < n; i++) {
      s.update(values[i]! * 0.999)
      acc += s.replace(values[i]!) || 0
    }
    return acc
  }]
]

const timeOnce = (f: () => number): number => {
  const t0 = process.hrtime.bigint()
  sink += f()
  return Number(process.hrtime.bigint() - t0) / n
}

// warm up every case (JIT), then interleave rounds so drift in machine load hits every case alike
for (const [, f] of cases) for (let r = 0; r < 3; r++) timeOnce(f)
const samples = new Map<string, Array<number>>(cases.map(([name]) => [name, []]))
for (let r = 0; r < rounds; r++) for (const [name, f] of cases) samples.get(name)!.push(timeOnce(f))

const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

const base = median(samples.get(cases[0]![0])!)
console.log(`node ${process.version}, n = ${n}, rounds = ${rounds} (median, ns per bar)`)
console.log(`${"case".padEnd(36)} ${"ns/bar".padStart(8)} ${"min".padStart(8)} ${"× baseline".padStart(11)}`)
for (const [name] of cases) {
  const xs = samples.get(name)!
  const med = median(xs)
  console.log(
    `${name.padEnd(36)} ${med.toFixed(2).padStart(8)} ${Math.min(...xs).toFixed(2).padStart(8)} ${
      (med / base).toFixed(2).padStart(11)
    }`
  )
}
console.log(`checksum ${sink.toExponential(6)}`)
