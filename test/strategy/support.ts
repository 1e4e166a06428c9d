/**
 * Test helpers for strategies: bars, a configurable fake IndicatorView, a naive IndicatorView computed from the bars
 * seen so far, synthetic price series and a minimal Watch / CloseWatch / InTrade driver.
 */
import type { Action, StrategyOutput } from "../../src/domain/action.ts"
import { StrategyError } from "../../src/domain/errors.ts"
import { makeBar, SymbolName, type Bar, type BarFields } from "../../src/domain/bar.ts"
import type { IndicatorView, StrategyInstance } from "../../src/domain/strategy.ts"
import { SymbolIndicators } from "../../src/engine/symbol-indicators.ts"
import { typescriptIndicatorBackend } from "../../src/indicators/IndicatorEngine.ts"

export const SYM = SymbolName("BTCUSDT")

/** A bar with defaults (timestamp 1.7e12, OHLC 100/101/99/100.5, volume 10). */
export const mkBar = (f: Partial<BarFields> = {}): Bar =>
  makeBar({ symbol: SYM, timestamp: 1.7e12, open: 100, high: 101, low: 99, close: 100.5, volume: 10, ...f })

/** An IndicatorView whose values are given (everything else undefined, as during warm-up). */
export const fakeView = (v: Partial<{ -readonly [K in keyof IndicatorView]: IndicatorView[K] }> = {}): IndicatorView => ({
  sma: v.sma ?? (() => undefined),
  ema: v.ema ?? (() => undefined),
  wma: v.wma ?? (() => undefined),
  rsi: v.rsi ?? (() => undefined),
  atr: v.atr ?? (() => undefined),
  macd: v.macd ?? (() => undefined),
  bbands: v.bbands ?? (() => undefined),
  stoch: v.stoch ?? (() => undefined),
  vwap: v.vwap ?? (() => undefined),
  high: v.high,
  low: v.low,
  range: v.range,
  avgVolume: v.avgVolume
})

/** The action of an output, or a failure naming what came instead. */
export const actionOf = (out: StrategyOutput): Action => {
  if (out === undefined || out._tag !== "Action") throw new Error(`expected an action, got ${JSON.stringify(out)}`)
  return out.action
}

/** The opportunity fields of an output. */
export const fieldsOf = (out: StrategyOutput): Readonly<Record<string, unknown>> => {
  if (out === undefined || out._tag !== "Opportunity") throw new Error(`expected an opportunity, got ${JSON.stringify(out)}`)
  return out.fields
}

/** Deterministic synthetic bars: a random walk with quiet stretches (tight ranges) and sharp dips (low RSI). */
export const syntheticBars = (n: number, seed = 7): Array<Bar> => {
  let s = seed >>> 0
  const rand = () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 4294967296
  }
  const out: Array<Bar> = []
  let price = 100
  for (let i = 0; i < n; i++) {
    const phase = Math.floor(i / 60) % 4
    const vol = phase === 1 ? 0.0005 : 0.01
    const drift = phase === 2 ? -0.006 : phase === 3 ? 0.004 : 0
    const open = price
    const close = Math.max(1, open * (1 + drift + (rand() - 0.5) * vol))
    const high = Math.max(open, close) * (1 + rand() * vol * 0.3)
    const low = Math.min(open, close) * (1 - rand() * vol * 0.3)
    const quoted = i % 3 !== 0
    out.push(makeBar({
      symbol: SYM, timestamp: 1.7e12 + i * 3_600_000, open, high, low, close, volume: 100 + rand() * 50,
      ...(quoted ? { bid: close * 0.9999, ask: close * 1.0001 } : {})
    }))
    price = close
  }
  return out
}

/**
 * Deterministic bars of an uptrend with regular sharp pullbacks: 40 bars up 0.6% each, then 6 bars down 2% each, so
 * RSI(14) dips below 40 while the close stays above its 50-bar SMA.
 */
export const uptrendWithPullbacks = (n: number): Array<Bar> => {
  const out: Array<Bar> = []
  let prev = 100
  let price = 100
  for (let i = 0; i < n; i++) {
    price *= i % 46 < 40 ? 1.006 : 0.98
    const close = price * (1 + 0.002 * Math.sin(i * 1.7))
    const open = prev
    out.push(makeBar({
      symbol: SYM, timestamp: 1.7e12 + i * 3_600_000, open, close,
      high: Math.max(open, close) * 1.002, low: Math.min(open, close) * 0.998, volume: 100
    }))
    prev = close
  }
  return out
}

/** A naive IndicatorView over the bars pushed so far (SMA-seeded EMA, Wilder RSI, window of `window` bars). */
export class NaiveIndicators implements IndicatorView {
  private readonly closes: Array<number> = []
  private readonly bars: Array<Bar> = []
  constructor(private readonly window = 20) {}
  push(bar: Bar): void {
    this.closes.push(bar.close)
    this.bars.push(bar)
    if (this.bars.length > this.window) this.bars.shift()
  }
  sma(n: number): number | undefined {
    const c = this.closes
    if (c.length < n) return undefined
    let sum = 0
    for (let i = c.length - n; i < c.length; i++) sum += c[i]!
    return sum / n
  }
  ema(n: number): number | undefined {
    const c = this.closes
    if (c.length < n) return undefined
    let e = 0
    for (let i = 0; i < n; i++) e += c[i]! / n
    const k = 2 / (n + 1)
    for (let i = n; i < c.length; i++) e = c[i]! * k + e * (1 - k)
    return e
  }
  // Not modelled here: a strategy under test that asks for them fails loudly instead of seeing a silent warm-up.
  wma(): never {
    throw new Error("NaiveIndicators: wma is not modelled")
  }
  atr(): never {
    throw new Error("NaiveIndicators: atr is not modelled")
  }
  macd(): never {
    throw new Error("NaiveIndicators: macd is not modelled")
  }
  bbands(): never {
    throw new Error("NaiveIndicators: bbands is not modelled")
  }
  stoch(): never {
    throw new Error("NaiveIndicators: stoch is not modelled")
  }
  vwap(): never {
    throw new Error("NaiveIndicators: vwap is not modelled")
  }
  rsi(n: number): number | undefined {
    const c = this.closes
    if (c.length <= n) return undefined
    let gain = 0
    let loss = 0
    for (let i = 1; i <= n; i++) {
      const d = c[i]! - c[i - 1]!
      if (d > 0) gain += d
      else loss -= d
    }
    gain /= n
    loss /= n
    for (let i = n + 1; i < c.length; i++) {
      const d = c[i]! - c[i - 1]!
      gain = (gain * (n - 1) + Math.max(d, 0)) / n
      loss = (loss * (n - 1) + Math.max(-d, 0)) / n
    }
    return gain + loss === 0 ? 0 : (100 * gain) / (gain + loss)
  }
  get high(): number | undefined {
    return this.bars.length === 0 ? undefined : Math.max(...this.bars.map((b) => b.high))
  }
  get low(): number | undefined {
    return this.bars.length === 0 ? undefined : Math.min(...this.bars.map((b) => b.low))
  }
  get range(): number | undefined {
    const h = this.high
    const l = this.low
    return h === undefined || l === undefined ? undefined : h - l
  }
  get avgVolume(): number | undefined {
    return this.bars.length === 0 ? undefined : this.bars.reduce((a, b) => a + b.volume, 0) / this.bars.length
  }
}

/** One event of {@link drive}: what the strategy returned, or what the driver did, on which bar. */
export interface DriveEvent {
  readonly index: number
  readonly state: "Watch" | "CloseWatch" | "InTrade"
  readonly what: string
}

/**
 * A minimal trade machine for strategy tests: entries fill at the next bar's open; stop loss and take profit are
 * checked on each bar's low/high; opportunities are merged into the context. Returns the event log.
 */
/** An IndicatorView the driver feeds bar by bar. */
export type PushedView = IndicatorView & { push(bar: Bar): void }

/** The engine's own per-symbol indicators (TypeScript backend), fed by {@link drive}. */
export class EngineIndicators extends SymbolIndicators {
  constructor(window = 20) {
    super(window, 1024, typescriptIndicatorBackend)
  }
  push(bar: Bar): void {
    this.onBar(bar)
  }
}

export const drive = (instance: StrategyInstance, bars: ReadonlyArray<Bar>, view: PushedView): Array<DriveEvent> => {
  const events: Array<DriveEvent> = []
  let state: DriveEvent["state"] = "Watch"
  let pending: Action | undefined
  let side: "long" | "short" = "long"
  let stop: number | undefined
  let target: number | undefined
  let entry = 0
  let entryTime = 0
  let quantity = 0
  const publish = () =>
    instance.setPosition({ side, quantity, entryPrice: entry, entryTime, stopLoss: stop, takeProfit: target })
  bars.forEach((bar, index) => {
    view.push(bar)
    if (pending !== undefined) {
      side = pending.action === "enter_long" ? "long" : "short"
      entry = bar.open
      entryTime = bar.timestamp
      quantity = pending.quantity!
      stop = pending.stop_loss
      target = pending.take_profit
      pending = undefined
      state = "InTrade"
      publish()
      events.push({ index, state, what: "filled" })
    }
    if (state === "InTrade") {
      const stopHit = stop !== undefined && (side === "long" ? bar.low <= stop : bar.high >= stop)
      const targetHit = target !== undefined && (side === "long" ? bar.high >= target : bar.low <= target)
      if (stopHit || targetHit) {
        instance.setPosition(undefined)
        events.push({ index, state, what: stopHit ? "stop_loss" : "take_profit" })
        state = "Watch"
        return
      }
    }
    const out = state === "Watch" ? instance.detectOpportunity(bar, view)
      : state === "CloseWatch" ? instance.filterCommitment(bar, view)
      : instance.managePosition(bar, view)
    if (out === undefined) return
    if (out._tag === "Opportunity") {
      instance.mergeContext(out.fields)
      events.push({ index, state, what: `opportunity ${JSON.stringify(out.fields)}` })
      state = "CloseWatch"
      return
    }
    const a = out.action
    events.push({ index, state, what: JSON.stringify(a) })
    switch (a.action) {
      case "start_analyzing":
        if (state === "Watch") state = "CloseWatch"
        break
      case "cancel_analysis":
        if (state === "CloseWatch") state = "Watch"
        break
      case "enter_long":
      case "enter_short":
        if (state !== "InTrade") pending = a
        break
      case "exit":
        if (state === "InTrade") {
          instance.setPosition(undefined)
          state = "Watch"
        }
        break
      case "update_stop_loss":
        if (state === "InTrade") {
          stop = a.new_stop
          publish()
        }
        break
      case "update_take_profit":
        if (state === "InTrade") {
          target = a.new_target
          publish()
        }
        break
    }
  })
  return events
}

/** Default definitions of the three functions, so a test script only writes the ones it exercises (later definitions win). */
export const STUBS = "function detect_opportunity() end\nfunction filter_commitment() end\nfunction manage_position() end\n"

/** The `StrategyError` that `f` throws (anything else thrown is rethrown; not throwing fails the test). */
export const thrown = (f: () => unknown): StrategyError => {
  try {
    f()
  } catch (e) {
    if (e instanceof StrategyError) return e
    throw e
  }
  throw new Error("expected a StrategyError")
}
