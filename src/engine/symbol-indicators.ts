/**
 * The indicators of one symbol, as a strategy sees them (`IndicatorView`).
 *
 * Indicators are created on first use and updated on every bar after that. A new indicator is warmed up by replaying
 * the bars kept in a bounded history (default 1024 bars), so `indicators.ema(50)` asked for the first time on bar
 * 500 has a value at once, the same value it would have had if it had been asked for since bar 474 or earlier.
 * Only bars up to and including the current one are ever seen.
 *
 * The instances come from the run's {@link IndicatorBackend} (TypeScript or OCaml); parameters are checked against
 * the registry once, when an indicator is created, and a bad one throws a `RangeError` naming it.
 *
 * @module
 */
import type { Bar } from "../domain/bar.ts"
import type { BandsValue, IndicatorView, MacdValue, StochValue } from "../domain/strategy.ts"
import type { BarIndicator, StreamingIndicator } from "../indicators/contract.ts"
import type { IndicatorBackend } from "../indicators/IndicatorEngine.ts"
import {
  atrSpec,
  bbandsSpec,
  emaSpec,
  macdSpec,
  resolveParams,
  rsiSpec,
  type SeriesIndicatorSpec,
  smaSpec,
  stochSpec,
  vwapRollingSpec,
  vwapSpec,
  wmaSpec
} from "../indicators/registry.ts"
import { type CapturedState, captureState, restoreState } from "../indicators/state.ts"
import { MarketDataWindow } from "../indicators/window.ts"

/** The view method that created an indicator and its arguments: how a snapshot recreates it. */
type IndicatorCall = "sma" | "ema" | "wma" | "rsi" | "atr" | "macd" | "bbands" | "stoch" | "vwap"

/** The per-symbol indicator state as plain data (see {@link SymbolIndicators.snapshot}). */
export interface SymbolIndicatorsSnapshot {
  readonly window: CapturedState
  /** The kept bars, oldest first. */
  readonly history: ReadonlyArray<Bar>
  /** Every indicator created so far, in creation order, with its internal state. */
  readonly indicators: ReadonlyArray<{
    readonly call: IndicatorCall
    readonly args: ReadonlyArray<number | undefined>
    readonly state: CapturedState
  }>
}

const valueOrUndefined = (v: number): number | undefined => (Number.isNaN(v) ? undefined : v)

/** Per-symbol indicator state fed by the engine, read by the strategy. */
export class SymbolIndicators implements IndicatorView {
  private readonly window: MarketDataWindow
  private readonly backend: IndicatorBackend
  /** The last bars, oldest at `historyStart`, to warm up indicators created late. */
  private readonly history: Array<Bar | undefined>
  private historyStart = 0
  private historyLength = 0
  /** Close-fed indicators (the common case, kept apart so the hot loop reads `bar.close` once). */
  private readonly onClose: Array<StreamingIndicator> = []
  /** Indicators fed with the whole bar. */
  private readonly onBarList: Array<BarIndicator> = []
  private readonly smas = new Map<number, StreamingIndicator>()
  private readonly emas = new Map<number, StreamingIndicator>()
  private readonly wmas = new Map<number, StreamingIndicator>()
  private readonly rsis = new Map<number, StreamingIndicator>()
  private readonly atrs = new Map<number, BarIndicator>()
  private readonly rollingVwaps = new Map<number, BarIndicator>()
  private sessionVwap: BarIndicator | undefined = undefined
  /** Every instance created, with the call that created it (for snapshots). */
  private readonly created: Array<{ call: IndicatorCall; args: ReadonlyArray<number | undefined>; instance: object }> = []
  /** MACD, Bollinger and stochastic instances by their parameters joined with commas. */
  private readonly multi = new Map<string, BarIndicator>()
  // The last instance asked for per kind and its arguments: strategies ask with the same arguments bar after bar, and
  // this skips building the string key each time.
  private lastMacd: BarIndicator | undefined = undefined
  private lastMacdArgs: [number | undefined, number | undefined, number | undefined] = [NaN, NaN, NaN]
  private lastBbands: BarIndicator | undefined = undefined
  private lastBbandsArgs: [number | undefined, number | undefined] = [NaN, NaN]
  private lastStoch: BarIndicator | undefined = undefined
  private lastStochArgs: [number | undefined, number | undefined, number | undefined] = [NaN, NaN, NaN]

  constructor(windowSize: number, historySize: number, backend: IndicatorBackend) {
    this.window = new MarketDataWindow(windowSize)
    this.history = new Array<Bar | undefined>(historySize).fill(undefined)
    this.backend = backend
  }

  /** Feeds one bar: window, history and every indicator created so far. */
  onBar(bar: Bar): void {
    this.window.push(bar)
    const cap = this.history.length
    if (this.historyLength < cap) {
      this.history[(this.historyStart + this.historyLength) % cap] = bar
      this.historyLength++
    } else {
      this.history[this.historyStart] = bar
      this.historyStart = this.historyStart + 1 === cap ? 0 : this.historyStart + 1
    }
    const close = bar.close
    const onClose = this.onClose
    for (let i = 0; i < onClose.length; i++) onClose[i]!.update(close)
    const onBar = this.onBarList
    for (let i = 0; i < onBar.length; i++) onBar[i]!.updateBar(bar)
  }

  /** The kept bars, oldest first. */
  private replay(each: (bar: Bar) => void): void {
    const cap = this.history.length
    for (let i = 0; i < this.historyLength; i++) each(this.history[(this.historyStart + i) % cap]!)
  }

  private closeSeries(
    cache: Map<number, StreamingIndicator>,
    spec: SeriesIndicatorSpec,
    call: IndicatorCall,
    period: number
  ): number | undefined {
    let s = cache.get(period)
    if (s === undefined) {
      const created = this.backend.series(spec, resolveParams(spec, { period }))
      this.replay((bar) => created.update(bar.close))
      this.onClose.push(created)
      this.created.push({ call, args: [period], instance: created })
      cache.set(period, created)
      s = created
    }
    return valueOrUndefined(s.value)
  }

  /** Creates a bar-fed indicator, warms it up from the history and registers it. */
  private addBarIndicator(call: IndicatorCall, args: ReadonlyArray<number | undefined>, make: () => BarIndicator): BarIndicator {
    const created = make()
    this.replay((bar) => created.updateBar(bar))
    this.onBarList.push(created)
    this.created.push({ call, args, instance: created })
    return created
  }

  private multiIndicator(call: IndicatorCall, args: ReadonlyArray<number | undefined>, make: () => BarIndicator): BarIndicator {
    const key = `${call},${args.join(",")}`
    let ind = this.multi.get(key)
    if (ind === undefined) {
      ind = this.addBarIndicator(call, args, make)
      this.multi.set(key, ind)
    }
    return ind
  }

  sma(period: number): number | undefined {
    return this.closeSeries(this.smas, smaSpec, "sma", period)
  }

  ema(period: number): number | undefined {
    return this.closeSeries(this.emas, emaSpec, "ema", period)
  }

  wma(period: number): number | undefined {
    return this.closeSeries(this.wmas, wmaSpec, "wma", period)
  }

  rsi(period: number): number | undefined {
    return this.closeSeries(this.rsis, rsiSpec, "rsi", period)
  }

  atr(period: number): number | undefined {
    let a = this.atrs.get(period)
    if (a === undefined) {
      const params = resolveParams(atrSpec, { period })
      a = this.addBarIndicator("atr", [period], () => this.backend.bar(atrSpec, params))
      this.atrs.set(period, a)
    }
    return valueOrUndefined(a.value)
  }

  macd(fastPeriod?: number, slowPeriod?: number, signalPeriod?: number): MacdValue | undefined {
    const last = this.lastMacdArgs
    let m = this.lastMacd
    if (m === undefined || last[0] !== fastPeriod || last[1] !== slowPeriod || last[2] !== signalPeriod) {
      m = this.lastMacd = this.multiIndicator("macd", [fastPeriod, slowPeriod, signalPeriod], () =>
        this.backend.bar(macdSpec, resolveParams(macdSpec, { fastPeriod, slowPeriod, signalPeriod })))
      this.lastMacdArgs = [fastPeriod, slowPeriod, signalPeriod]
    }
    const macd = m.value
    if (Number.isNaN(macd)) return undefined
    return { macd, signal: m.output(1), histogram: m.output(2) }
  }

  bbands(period?: number, k?: number): BandsValue | undefined {
    const last = this.lastBbandsArgs
    let b = this.lastBbands
    if (b === undefined || last[0] !== period || last[1] !== k) {
      b = this.lastBbands = this.multiIndicator("bbands", [period, k], () =>
        this.backend.bar(bbandsSpec, resolveParams(bbandsSpec, { period, k })))
      this.lastBbandsArgs = [period, k]
    }
    const middle = b.value
    if (Number.isNaN(middle)) return undefined
    return { upper: b.output(1), middle, lower: b.output(2) }
  }

  stoch(kPeriod?: number, kSlowing?: number, dPeriod?: number): StochValue | undefined {
    const last = this.lastStochArgs
    let s = this.lastStoch
    if (s === undefined || last[0] !== kPeriod || last[1] !== kSlowing || last[2] !== dPeriod) {
      s = this.lastStoch = this.multiIndicator("stoch", [kPeriod, kSlowing, dPeriod], () =>
        this.backend.bar(stochSpec, resolveParams(stochSpec, { kPeriod, kSlowing, dPeriod })))
      this.lastStochArgs = [kPeriod, kSlowing, dPeriod]
    }
    const k = s.value
    if (Number.isNaN(k)) return undefined
    return { k, d: s.output(1) }
  }

  vwap(period?: number): number | undefined {
    if (period === undefined) {
      let v = this.sessionVwap
      if (v === undefined) {
        const params = resolveParams(vwapSpec)
        v = this.sessionVwap = this.addBarIndicator("vwap", [], () => this.backend.bar(vwapSpec, params))
      }
      return valueOrUndefined(v.value)
    }
    let r = this.rollingVwaps.get(period)
    if (r === undefined) {
      const params = resolveParams(vwapRollingSpec, { period })
      r = this.addBarIndicator("vwap", [period], () => this.backend.bar(vwapRollingSpec, params))
      this.rollingVwaps.set(period, r)
    }
    return valueOrUndefined(r.value)
  }

  /** The whole state as plain data: the window, the kept bars, and every indicator created with its internal state. */
  snapshot(): SymbolIndicatorsSnapshot {
    const history: Array<Bar> = []
    this.replay((bar) => history.push(bar))
    return {
      window: captureState(this.window, "window"),
      history,
      indicators: this.created.map((c, i) => ({ call: c.call, args: c.args, state: captureState(c.instance, `indicators[${i}]`) }))
    }
  }

  /**
   * Restores {@link SymbolIndicators.snapshot} into this (new, unfed) instance: the kept bars, the window, and each
   * indicator recreated by the same call and set to its saved state, so the next bar gives exactly the values an
   * uninterrupted run would have given.
   */
  restore(snapshot: SymbolIndicatorsSnapshot): void {
    if (this.historyLength > 0 || this.created.length > 0) throw new Error("SymbolIndicators.restore: the instance is not new")
    const cap = this.history.length
    const bars = snapshot.history.slice(-cap)
    for (let i = 0; i < bars.length; i++) this.history[i] = bars[i]
    this.historyStart = 0
    this.historyLength = bars.length
    restoreState(this.window, snapshot.window, "window")
    for (const saved of snapshot.indicators) {
      const args = saved.args
      const before = this.created.length
      switch (saved.call) {
        case "sma":
        case "ema":
        case "wma":
        case "rsi":
        case "atr":
          this[saved.call](args[0]!)
          break
        case "macd":
          this.macd(args[0], args[1], args[2])
          break
        case "bbands":
          this.bbands(args[0], args[1])
          break
        case "stoch":
          this.stoch(args[0], args[1], args[2])
          break
        case "vwap":
          this.vwap(args[0])
          break
      }
      const made = this.created[before]
      if (made === undefined || this.created.length !== before + 1) {
        throw new Error(`SymbolIndicators.restore: ${saved.call}(${args.join(", ")}) did not create one indicator`)
      }
      restoreState(made.instance, saved.state, `${saved.call}(${args.join(", ")})`)
    }
  }

  get high(): number | undefined {
    return this.window.high
  }

  get low(): number | undefined {
    return this.window.low
  }

  get range(): number | undefined {
    return this.window.range
  }

  get avgVolume(): number | undefined {
    return this.window.avgVolume
  }
}
