/**
 * A deterministic simulated market: several symbols, each a random walk in log price with trending regimes (so
 * trend-following strategies have something to find) and a weak pull back to its start price (so a million bars do
 * not wander off to zero). Same options and seed → the same bars, bit for bit, on every machine: the generator is
 * a seeded xoshiro128** ({@link Rng}), never `Math.random`.
 *
 * Bars are produced lazily, a chunk at a time, so 1e7 bars stream in constant memory. Each symbol has its own
 * generator seeded from the run seed and the symbol's name, so adding a symbol does not change the others.
 *
 * @module
 */
import { type Bar, makeBar, SymbolName } from "../domain/bar.ts"
import type { SymbolQuality } from "./MarketData.ts"

// ---------------------------------------------------------------------------------------------------------------
// PRNG

/** One step of splitmix32: a well-mixed 32-bit value from a counter. Used to seed {@link Rng}. */
export const splitmix32 = (x: number): number => {
  let z = (x + 0x9e3779b9) | 0
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
  return (z ^ (z >>> 16)) >>> 0
}

/** FNV-1a hash of a string's UTF-16 code units: turns a symbol name into a seed. */
export const fnv1a = (s: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h >>> 0
}

const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k))

/**
 * xoshiro128** (Blackman & Vigna): a small, fast, well-tested 32-bit generator with 128 bits of state. Pure integer
 * arithmetic (`Math.imul`, shifts), so results are identical on every JavaScript engine.
 */
export class Rng {
  private a: number
  private b: number
  private c: number
  private d: number
  private spare = Number.NaN

  constructor(seed: number) {
    let s = seed >>> 0
    const next = (): number => {
      const v = splitmix32(s)
      s = (s + 0x9e3779b9) >>> 0
      return v
    }
    this.a = next()
    this.b = next()
    this.c = next()
    this.d = next()
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0
    const t = this.b << 9
    this.c ^= this.a
    this.d ^= this.b
    this.b ^= this.c
    this.a ^= this.d
    this.c ^= t
    this.d = rotl(this.d, 11)
    return result
  }

  /** A uniform number in [0, 1). */
  float(): number {
    return this.nextUint32() / 4_294_967_296
  }

  /** A standard normal variate (Box–Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spare === this.spare) {
      const v = this.spare
      this.spare = Number.NaN
      return v
    }
    const u1 = 1 - this.float() // (0, 1]
    const u2 = this.float()
    const r = Math.sqrt(-2 * Math.log(u1))
    this.spare = r * Math.sin(2 * Math.PI * u2)
    return r * Math.cos(2 * Math.PI * u2)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The model

/** Per-symbol settings; anything left out is drawn from the symbol's own generator. */
export interface SimulatedSymbol {
  readonly symbol: string
  /** First open. Default: 20–200. */
  readonly startPrice?: number | undefined
  /** Standard deviation of the log return per hour, scaled by √(interval / 1h). Default: 0.4%–1.2%. */
  readonly volatility?: number | undefined
  /** Constant drift of the log price per bar, added to the regime drift. Default 0. */
  readonly drift?: number | undefined
  /** Regime drift as a multiple of the per-bar volatility (the trend strength). Default: 0.1–0.25. */
  readonly trend?: number | undefined
  /** Typical volume per bar. Default: 100–1,000. */
  readonly volume?: number | undefined
  /** Pull of the log price back to its start, per bar (keeps long runs bounded). Default 0.0002. */
  readonly meanReversion?: number | undefined
  /** Shortest and longest trend regime, in bars; each regime draws its length and drift anew. Default [60, 480]. */
  readonly regimeBars?: readonly [number, number] | undefined
}

/** Options of the simulated source. */
export interface SimulationOptions {
  /** Symbol names, or settings per symbol. */
  readonly symbols: ReadonlyArray<string | SimulatedSymbol>
  /** Bars per symbol. */
  readonly bars: number
  /** Default 1 hour. */
  readonly intervalMs?: number | undefined
  /** Open time of the first bar (ms). Default 2024-01-01T00:00:00Z. */
  readonly start?: number | undefined
  /** Default 1. */
  readonly seed?: number | undefined
  /** When set, bars carry `bid`/`ask` this many basis points apart around the close. */
  readonly spreadBps?: number | undefined
  /** Prices are rounded to this many decimals (default 2), so written CSVs read back to the same numbers. */
  readonly decimals?: number | undefined
}

/** Default first bar time of the simulated source: 2024-01-01T00:00:00Z. */
export const DEFAULT_SIM_START = 1_704_067_200_000

const HOUR = 3_600_000
const MEAN_REVERSION = 2e-4 // default, per bar, on the log price
const MIN_REGIME = 60
const MAX_REGIME = 480

interface SymbolState {
  readonly symbol: SymbolName
  readonly rng: Rng
  readonly sigma: number
  readonly drift: number
  readonly trend: number
  readonly volume: number
  readonly anchor: number
  readonly meanReversion: number
  readonly minRegime: number
  readonly maxRegime: number
  logPrice: number
  prevClose: number
  regimeLeft: number
  regimeDrift: number
  zeroVolume: number
}

/** Problems with simulation options, as sentences; empty when the options are usable. */
export const checkSimulationOptions = (o: SimulationOptions): Array<string> => {
  const problems: Array<string> = []
  if (o.symbols.length === 0) problems.push("symbols: at least one symbol is needed")
  const names = o.symbols.map((s) => (typeof s === "string" ? s : s.symbol))
  for (const n of names) if (!/^[^\s,]+$/.test(n)) problems.push(`symbols: invalid symbol ${JSON.stringify(n)}`)
  if (new Set(names).size !== names.length) problems.push("symbols: a symbol is listed twice")
  if (!Number.isInteger(o.bars) || o.bars < 0) problems.push(`bars: expected a non-negative integer, got ${o.bars}`)
  if (o.intervalMs !== undefined && !(Number.isInteger(o.intervalMs) && o.intervalMs > 0)) {
    problems.push(`intervalMs: expected a positive integer, got ${o.intervalMs}`)
  }
  if (o.start !== undefined && !Number.isFinite(o.start)) problems.push(`start: expected a finite number, got ${o.start}`)
  if (o.seed !== undefined && !Number.isFinite(o.seed)) problems.push(`seed: expected a finite number, got ${o.seed}`)
  if (o.spreadBps !== undefined && !(o.spreadBps >= 0 && Number.isFinite(o.spreadBps))) {
    problems.push(`spreadBps: expected a non-negative number, got ${o.spreadBps}`)
  }
  if (o.decimals !== undefined && !(Number.isInteger(o.decimals) && o.decimals >= 0 && o.decimals <= 8)) {
    problems.push(`decimals: expected an integer from 0 to 8, got ${o.decimals}`)
  }
  for (const s of o.symbols) {
    if (typeof s === "string") continue
    if (s.startPrice !== undefined && !(s.startPrice > 0 && Number.isFinite(s.startPrice))) problems.push(`${s.symbol}: startPrice must be positive`)
    if (s.volatility !== undefined && !(s.volatility >= 0 && Number.isFinite(s.volatility))) problems.push(`${s.symbol}: volatility must be non-negative`)
    if (s.volume !== undefined && !(s.volume >= 0 && Number.isFinite(s.volume))) problems.push(`${s.symbol}: volume must be non-negative`)
    if (s.drift !== undefined && !Number.isFinite(s.drift)) problems.push(`${s.symbol}: drift must be finite`)
    if (s.trend !== undefined && !Number.isFinite(s.trend)) problems.push(`${s.symbol}: trend must be finite`)
    if (s.regimeBars !== undefined && !(Number.isInteger(s.regimeBars[0]) && s.regimeBars[0] >= 1 && Number.isInteger(s.regimeBars[1]) && s.regimeBars[1] >= s.regimeBars[0])) {
      problems.push(`${s.symbol}: regimeBars must be two integers 1 <= min <= max`)
    }
    if (s.meanReversion !== undefined && !(s.meanReversion >= 0 && s.meanReversion < 1)) problems.push(`${s.symbol}: meanReversion must be in [0, 1)`)
  }
  return problems
}

/**
 * The generator behind the simulated source. `nextChunk()` returns the next bars (about `chunkSize`, whole
 * timestamps only, in `compareBars` order) or `undefined` at the end. Throws a `RangeError` on invalid options
 * (see {@link checkSimulationOptions}).
 */
export class Simulator {
  readonly intervalMs: number
  readonly start: number
  readonly bars: number
  private readonly states: ReadonlyArray<SymbolState>
  private readonly half: number | undefined
  private readonly scale: number
  private readonly rowsPerChunk: number
  private row = 0

  constructor(options: SimulationOptions, chunkSize = 4096) {
    const problems = checkSimulationOptions(options)
    if (problems.length > 0) throw new RangeError(`invalid simulation options: ${problems.join("; ")}`)
    this.intervalMs = options.intervalMs ?? HOUR
    this.start = options.start ?? DEFAULT_SIM_START
    this.bars = options.bars
    this.scale = 10 ** (options.decimals ?? 2)
    this.half = options.spreadBps === undefined ? undefined : options.spreadBps / 20_000
    const seed = splitmix32((options.seed ?? 1) >>> 0) ^ splitmix32(Math.floor((options.seed ?? 1) / 4_294_967_296) >>> 0)
    const timeScale = Math.sqrt(this.intervalMs / HOUR)
    const specs = options.symbols.map((s): SimulatedSymbol => (typeof s === "string" ? { symbol: s } : s))
    specs.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0))
    this.states = specs.map((spec) => {
      const rng = new Rng(seed ^ fnv1a(spec.symbol))
      // Draw every default (used or not) so an explicit setting does not shift the rest of the sequence.
      const dStart = 20 + 180 * rng.float()
      const dVol = 0.004 + 0.008 * rng.float()
      const dTrend = 0.1 + 0.15 * rng.float()
      const dVolume = 100 + 900 * rng.float()
      const startPrice = this.round(spec.startPrice ?? dStart)
      return {
        symbol: SymbolName(spec.symbol),
        rng,
        sigma: (spec.volatility ?? dVol) * timeScale,
        drift: spec.drift ?? 0,
        trend: spec.trend ?? dTrend,
        volume: spec.volume ?? dVolume,
        anchor: Math.log(startPrice),
        meanReversion: spec.meanReversion ?? MEAN_REVERSION,
        minRegime: spec.regimeBars?.[0] ?? MIN_REGIME,
        maxRegime: spec.regimeBars?.[1] ?? MAX_REGIME,
        logPrice: Math.log(startPrice),
        prevClose: startPrice,
        regimeLeft: 0,
        regimeDrift: 0,
        zeroVolume: 0
      }
    })
    this.rowsPerChunk = Math.max(1, Math.floor(chunkSize / this.states.length))
  }

  private round(x: number): number {
    return Math.round(x * this.scale) / this.scale
  }

  private step(s: SymbolState, timestamp: number): Bar {
    const rng = s.rng
    if (s.regimeLeft === 0) {
      s.regimeLeft = s.minRegime + Math.floor(rng.float() * (s.maxRegime - s.minRegime + 1))
      s.regimeDrift = (2 * rng.float() - 1) * s.trend * s.sigma
    }
    s.regimeLeft--
    const z = rng.normal()
    s.logPrice += s.drift + s.regimeDrift + s.meanReversion * (s.anchor - s.logPrice) + s.sigma * z
    const open = s.prevClose
    const close = Math.max(this.round(Math.exp(s.logPrice)), 1 / this.scale)
    const high = this.round(Math.max(open, close) * Math.exp(0.5 * s.sigma * Math.abs(rng.normal())))
    const low = this.round(Math.min(open, close) * Math.exp(-0.5 * s.sigma * Math.abs(rng.normal())))
    const surprise = s.sigma > 0 ? Math.abs(Math.log(close / open)) / s.sigma : 0
    const volume = Math.round(s.volume * Math.exp(0.4 * rng.normal()) * (1 + 0.3 * surprise) * 1000) / 1000
    if (volume === 0) s.zeroVolume++
    s.prevClose = close
    if (this.half === undefined) return makeBar({ symbol: s.symbol, timestamp, open, high, low, close, volume })
    return makeBar({
      symbol: s.symbol, timestamp, open, high, low, close, volume,
      bid: this.round(close * (1 - this.half)),
      ask: this.round(close * (1 + this.half))
    })
  }

  /** The next chunk, or `undefined` when every symbol has its `bars` bars. */
  nextChunk(): Array<Bar> | undefined {
    if (this.row >= this.bars) return undefined
    const end = Math.min(this.bars, this.row + this.rowsPerChunk)
    const out: Array<Bar> = []
    for (let r = this.row; r < end; r++) {
      const t = this.start + r * this.intervalMs
      for (const s of this.states) out.push(this.step(s, t))
    }
    this.row = end
    return out
  }

  /** Quality of what has been generated so far: gap-free by construction, one calendar of `intervalMs`. */
  quality(): Array<SymbolQuality> {
    const n = this.row
    return this.states.map((s) => ({
      symbol: s.symbol,
      files: [],
      bars: n,
      first: n > 0 ? this.start : undefined,
      last: n > 0 ? this.start + (n - 1) * this.intervalMs : undefined,
      intervalMs: this.intervalMs,
      gaps: [],
      suspectBars: [],
      zeroVolumeBars: s.zeroVolume
    }))
  }
}

/** All simulated bars at once, in `compareBars` order: for tests, fixtures and small runs. */
export const simulateBars = (options: SimulationOptions): Array<Bar> => {
  const sim = new Simulator(options)
  const out: Array<Bar> = []
  for (let c = sim.nextChunk(); c !== undefined; c = sim.nextChunk()) for (const b of c) out.push(b)
  return out
}
