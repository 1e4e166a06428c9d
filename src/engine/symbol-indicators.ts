/**
 * The indicators of one symbol, as a strategy sees them (`IndicatorView`).
 *
 * Indicators are created on first use and updated on every bar after that. A new indicator is warmed up by replaying
 * the closes kept in a bounded history (default 1024 bars), so `indicators.ema(50)` asked for the first time on bar
 * 500 has a value at once, the same value it would have had if it had been asked for since bar 474 or earlier.
 * Only bars up to and including the current one are ever seen.
 *
 * @module
 */
import type { Bar } from "../domain/bar.ts"
import type { IndicatorView } from "../domain/strategy.ts"
import { Ema, MarketDataWindow, Rsi, Sma } from "../indicators/index.ts"

interface Stepper {
  update(x: number): number
  readonly value: number
}

const valueOrUndefined = (v: number): number | undefined => (Number.isNaN(v) ? undefined : v)

/** Per-symbol indicator state fed by the engine, read by the strategy. */
export class SymbolIndicators implements IndicatorView {
  private readonly window: MarketDataWindow
  private readonly history: Float64Array
  private historyStart = 0
  private historyLength = 0
  private readonly smas = new Map<number, Sma>()
  private readonly emas = new Map<number, Ema>()
  private readonly rsis = new Map<number, Rsi>()
  private readonly active: Array<Stepper> = []

  constructor(windowSize: number, historySize: number) {
    this.window = new MarketDataWindow(windowSize)
    this.history = new Float64Array(historySize)
  }

  /** Feeds one bar: window, history and every indicator created so far. */
  onBar(bar: Bar): void {
    this.window.push(bar)
    const cap = this.history.length
    if (this.historyLength < cap) {
      this.history[(this.historyStart + this.historyLength) % cap] = bar.close
      this.historyLength++
    } else {
      this.history[this.historyStart] = bar.close
      this.historyStart = (this.historyStart + 1) % cap
    }
    const active = this.active
    for (let i = 0; i < active.length; i++) active[i]!.update(bar.close)
  }

  private warm<T extends Stepper>(indicator: T): T {
    const cap = this.history.length
    for (let i = 0; i < this.historyLength; i++) indicator.update(this.history[(this.historyStart + i) % cap]!)
    this.active.push(indicator)
    return indicator
  }

  sma(period: number): number | undefined {
    let s = this.smas.get(period)
    if (s === undefined) {
      s = this.warm(new Sma(period))
      this.smas.set(period, s)
    }
    return valueOrUndefined(s.value)
  }

  ema(period: number): number | undefined {
    let s = this.emas.get(period)
    if (s === undefined) {
      s = this.warm(new Ema(period))
      this.emas.set(period, s)
    }
    return valueOrUndefined(s.value)
  }

  rsi(period: number): number | undefined {
    let s = this.rsis.get(period)
    if (s === undefined) {
      s = this.warm(new Rsi(period))
      this.rsis.set(period, s)
    }
    return valueOrUndefined(s.value)
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
