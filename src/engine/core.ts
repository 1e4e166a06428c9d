/**
 * The engine's synchronous core: one bar in, state updated. No Effects, no I/O, no clock: the Effect layer around it
 * (`Engine.ts`) feeds it chunks of bars from whichever `MarketData` Layer is in use, live or historical.
 *
 * Per bar of symbol S, in this order (the order is the no-look-ahead guarantee):
 * 1. an order decided on S's previous bar fills at this bar's open (entry or exit);
 * 2. the open position's stop-loss and take-profit are checked against this bar (gap and both-touched rules in
 *    `execution/fill-model.ts`);
 * 3. the indicators and the window take the bar;
 * 4. the strategy function for S's state is called with the bar; what it returns becomes a transition, an order for
 *    the next bar, a level change or a recorded rejection;
 * 5. when the timestamp advances, the account's equity at the previous timestamp is recorded.
 *
 * @module
 */
import type { Action, StrategyOutput } from "../domain/action.ts"
import type { Bar, SymbolName } from "../domain/bar.ts"
import { StrategyError } from "../domain/errors.ts"
import type { PositionView, StrategyDefinition, StrategyInstance, TradeStateName } from "../domain/strategy.ts"
import { checkProtectiveExit, commission, type FillModelConfig, marketFillPrice, type Side } from "../execution/fill-model.ts"
import { transition, type MachineEvent } from "../state-machine/machine.ts"
import type {
  BacktestResult,
  ExitReason,
  OrderRecord,
  Rejection,
  StrategyFailure,
  StrategyReloadRecord,
  Trade,
  Transition
} from "../backtest/result.ts"
import { computeMetrics } from "../backtest/metrics.ts"
import type { DataQualityReport } from "../market-data/MarketData.ts"
import { Portfolio, type PortfolioSnapshot } from "../portfolio/portfolio.ts"
import { SymbolIndicators, type SymbolIndicatorsSnapshot } from "./symbol-indicators.ts"
import { type IndicatorBackend, typescriptIndicatorBackend } from "../indicators/IndicatorEngine.ts"

/** What to do with a symbol whose strategy failed (threw, broke a limit, returned garbage). */
export type StrategyErrorPolicy = "manage" | "flatten"

/** Settings of a run that are not Layers. */
export interface EngineSettings {
  /** Starting cash of the shared account. */
  readonly initialCash: number
  /** Bars covered by `indicators.high/low/range/avg_volume`. Default 20. */
  readonly windowSize?: number | undefined
  /** Bars kept per symbol to warm up indicators created late. Default 1024. */
  readonly historySize?: number | undefined
  /** Close open positions at each symbol's last close when the data ends. Default true. */
  readonly closeAtEnd?: boolean | undefined
  /**
   * After a strategy failure the symbol opens no new positions; `manage` (default) keeps its stop-loss and
   * take-profit working on an open position, `flatten` exits it at the next bar's open.
   */
  readonly onStrategyError?: StrategyErrorPolicy | undefined
  /**
   * How long a symbol may stay in CloseWatch without an entry: after `bars` strategy calls in CloseWatch, or once
   * `ms` have passed since it entered CloseWatch, it returns to Watch with a recorded "timeout" transition. No limit
   * by default.
   */
  readonly closeWatchTimeout?: { readonly bars?: number | undefined; readonly ms?: number | undefined } | undefined
  /**
   * Transitions kept in the result (the most recent ones); older ones are dropped and counted in
   * `transitionsDropped`, so a long live run's memory stays bounded. Default 100,000.
   */
  readonly maxTransitions?: number | undefined
  /** Keep every bar's OHLC in the result's `prices` (for price charts); default true. */
  readonly recordPrices?: boolean | undefined
}

/** Default of {@link EngineSettings.maxTransitions}. */
export const DEFAULT_MAX_TRANSITIONS = 100_000

/** The trade side of a holding: when and why it was opened, and its protective levels (the money is in Portfolio). */
interface OpenPosition {
  readonly side: Side
  /** Units still open (partial exits reduce it). */
  quantity: number
  readonly entryPrice: number
  readonly entryTime: number
  readonly entryBar: number
  readonly entryReason: string
  stopLoss: number | undefined
  takeProfit: number | undefined
  /** Trailing distance in price units, or as a fraction of the best price (one of the two, or neither). */
  trailingStop: number | undefined
  trailingStopPct: number | undefined
  /** The best price since entry: highest high for a long, lowest low for a short (entry price at first). */
  bestPrice: number
  /** The worst price since entry: lowest low for a long, highest high for a short (for the adverse excursion). */
  worstPrice: number
  /** When the price reaches this level the stop moves to the entry price (once). */
  breakevenAt: number | undefined
}

type PendingOrder =
  | { readonly kind: "entry"; readonly side: Side; readonly action: Action; readonly decidedAt: number; readonly record: MutableOrder }
  | {
    readonly kind: "exit"
    readonly reason: string
    readonly decidedAt: number
    readonly record: MutableOrder
    /** Units to close; `undefined` closes the whole position. */
    readonly quantity: number | undefined
  }

type MutableOrder = { -readonly [K in keyof OrderRecord]: OrderRecord[K] }

interface SymbolRunner {
  readonly symbol: SymbolName
  strategy: StrategyInstance | undefined
  readonly indicators: SymbolIndicators
  state: TradeStateName
  position: OpenPosition | undefined
  pending: PendingOrder | undefined
  halted: boolean
  lastPrice: number
  lastTimestamp: number
  bars: number
  /** When the symbol entered CloseWatch: its bar count and the timestamp. */
  closeWatchBar: number
  closeWatchTime: number
  /** The symbol's bars as columns, when prices are recorded. */
  readonly prices: { timestamps: Array<number>; open: Array<number>; high: Array<number>; low: Array<number>; close: Array<number> } | undefined
}

const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/** One symbol's state in an {@link EngineSnapshot}. */
export interface RunnerSnapshot {
  readonly symbol: SymbolName
  /** Whether the symbol had a strategy instance (false when instantiating it failed). */
  readonly hasStrategy: boolean
  readonly state: TradeStateName
  readonly position: Readonly<OpenPosition> | undefined
  readonly pending:
    | { readonly kind: "entry"; readonly side: Side; readonly action: Action; readonly decidedAt: number; readonly orderId: number }
    | { readonly kind: "exit"; readonly reason: string; readonly decidedAt: number; readonly orderId: number; readonly quantity: number | undefined }
    | undefined
  readonly halted: boolean
  readonly lastPrice: number
  readonly lastTimestamp: number
  readonly bars: number
  readonly closeWatchBar: number
  readonly closeWatchTime: number
  /** The strategy's context as JSON-safe data (`snapshotContext`): functions are not kept, non-finite numbers become null. */
  readonly context: Record<string, unknown> | undefined
  readonly indicators: SymbolIndicatorsSnapshot
  readonly prices: SymbolRunner["prices"]
}

/**
 * The whole state of a run between two bars, as plain data: the account, every symbol's trade machine, position,
 * pending order, strategy context and indicator state, and the results so far. `EngineCore.restore` continues from
 * it exactly as if the run had not stopped (for crash recovery, the event log and seek). Encode it with
 * `encodeSnapshot` (JSON with non-finite numbers and typed arrays kept).
 */
export interface EngineSnapshot {
  readonly version: 1
  readonly strategy: string
  readonly barCount: number
  readonly currentTimestamp: number | undefined
  readonly portfolio: PortfolioSnapshot
  readonly runners: ReadonlyArray<RunnerSnapshot>
  readonly trades: ReadonlyArray<Trade>
  readonly orders: ReadonlyArray<OrderRecord>
  readonly transitions: ReadonlyArray<Transition>
  readonly transitionsDropped: number
  readonly reloads: ReadonlyArray<StrategyReloadRecord>
  readonly rejections: ReadonlyArray<Rejection>
  readonly failures: ReadonlyArray<StrategyFailure>
  readonly equityTimes: ReadonlyArray<number>
  readonly equityValues: ReadonlyArray<number>
  readonly exposedObservations: number
}

/** The tighter of two stops for a side (higher for a long, lower for a short); `current` may be absent. */
const tighter = (side: Side, current: number | undefined, candidate: number): number =>
  current === undefined ? candidate : side === "long" ? Math.max(current, candidate) : Math.min(current, candidate)

/** MAE and MFE of a (part of a) position closed at `exitPrice`: see `Trade.mae`. */
const excursions = (p: OpenPosition, exitPrice: number, quantity: number) => {
  const long = p.side === "long"
  const best = long ? Math.max(p.bestPrice, exitPrice) : Math.min(p.bestPrice, exitPrice)
  const worst = long ? Math.min(p.worstPrice, exitPrice) : Math.max(p.worstPrice, exitPrice)
  const favourable = Math.max(0, long ? best - p.entryPrice : p.entryPrice - best)
  const adverse = Math.max(0, long ? p.entryPrice - worst : worst - p.entryPrice)
  return {
    mae: adverse * quantity,
    mfe: favourable * quantity,
    maePct: adverse / p.entryPrice,
    mfePct: favourable / p.entryPrice
  }
}

/** Where a trailing stop sits now, from the best price since entry; `undefined` when the position has none. */
const trailingLevel = (p: OpenPosition): number | undefined => {
  const long = p.side === "long"
  if (p.trailingStop !== undefined) return long ? p.bestPrice - p.trailingStop : p.bestPrice + p.trailingStop
  if (p.trailingStopPct !== undefined) return long ? p.bestPrice * (1 - p.trailingStopPct) : p.bestPrice * (1 + p.trailingStopPct)
  return undefined
}

/** The engine core for one run. Feed it bars in `compareBars` order, then call {@link EngineCore.finish}. */
export class EngineCore {
  private readonly runners = new Map<string, SymbolRunner>()
  private readonly order: Array<SymbolRunner> = []
  private portfolio: Portfolio
  private readonly trades: Array<Trade> = []
  private readonly orders: Array<MutableOrder> = []
  private readonly transitions: Array<Transition> = []
  private readonly rejections: Array<Rejection> = []
  private readonly failures: Array<StrategyFailure> = []
  private readonly equityTimes: Array<number> = []
  private readonly equityValues: Array<number> = []
  private currentTimestamp: number | undefined = undefined
  private barCount = 0
  private readonly windowSize: number
  private readonly historySize: number
  private readonly closeAtEnd: boolean
  private readonly errorPolicy: StrategyErrorPolicy
  private readonly timeoutBars: number
  private readonly timeoutMs: number
  private readonly maxTransitions: number
  private readonly recordPrices: boolean
  private transitionsDropped = 0
  private readonly reloads: Array<StrategyReloadRecord> = []
  private failuresLogged = 0
  /** Equity observations with at least one open position (for the exposure metric). */
  private exposedObservations = 0

  constructor(
    private definition: StrategyDefinition,
    private readonly fills: FillModelConfig,
    private readonly settings: EngineSettings,
    private readonly indicatorBackend: IndicatorBackend = typescriptIndicatorBackend
  ) {
    this.portfolio = new Portfolio(settings.initialCash)
    this.windowSize = settings.windowSize ?? 20
    this.historySize = settings.historySize ?? 1024
    this.closeAtEnd = settings.closeAtEnd ?? true
    this.errorPolicy = settings.onStrategyError ?? "manage"
    this.timeoutBars = settings.closeWatchTimeout?.bars ?? Infinity
    this.timeoutMs = settings.closeWatchTimeout?.ms ?? Infinity
    this.maxTransitions = settings.maxTransitions ?? DEFAULT_MAX_TRANSITIONS
    this.recordPrices = settings.recordPrices ?? true
  }

  /** Failures recorded since the last call (for logging them as they happen). */
  takeNewFailures(): ReadonlyArray<StrategyFailure> {
    if (this.failuresLogged === this.failures.length) return []
    const fresh = this.failures.slice(this.failuresLogged)
    this.failuresLogged = this.failures.length
    return fresh
  }

  /** Bars processed so far. */
  get barsProcessed(): number {
    return this.barCount
  }

  /** Processes a chunk of bars (the unit the Effect layer hands over). */
  processChunk(bars: ReadonlyArray<Bar>): void {
    for (let i = 0; i < bars.length; i++) this.onBar(bars[i]!)
  }

  /** Processes one bar. */
  onBar(bar: Bar): void {
    if (bar.timestamp !== this.currentTimestamp) {
      if (this.currentTimestamp !== undefined) this.recordEquity(this.currentTimestamp)
      this.currentTimestamp = bar.timestamp
    }
    this.barCount++
    const runner = this.runners.get(bar.symbol) ?? this.addRunner(bar)
    runner.bars++
    const prices = runner.prices
    if (prices !== undefined) {
      prices.timestamps.push(bar.timestamp)
      prices.open.push(bar.open)
      prices.high.push(bar.high)
      prices.low.push(bar.low)
      prices.close.push(bar.close)
    }
    runner.lastPrice = bar.open
    this.portfolio.mark(bar.symbol, bar.open)

    const pending = runner.pending
    if (pending !== undefined) {
      runner.pending = undefined
      if (pending.kind === "entry") this.fillEntry(runner, pending, bar)
      else if (runner.position !== undefined) {
        const price = marketFillPrice(bar)
        const open = runner.position.quantity
        const partial = pending.quantity !== undefined && pending.quantity < open * (1 - 1e-12)
        const quantity = partial ? pending.quantity! : open
        Object.assign(pending.record, { status: "filled", fillTime: bar.timestamp, fillPrice: price, filledQuantity: quantity })
        if (partial) this.reducePosition(runner, quantity, price, bar.timestamp, pending.reason)
        else this.closePosition(runner, price, bar.timestamp, "strategy", pending.reason)
      }
    }

    const position = runner.position
    if (position !== undefined) {
      const hit = checkProtectiveExit(position, bar)
      if (hit !== undefined) {
        const kind = hit.reason === "stop_loss" && (position.trailingStop !== undefined || position.trailingStopPct !== undefined) ? "trailing stop_loss" : hit.reason
        const note = hit.gapped ? `${kind} gapped: filled at the open ${hit.price}` : `${kind} at ${hit.price}`
        this.closePosition(runner, hit.price, bar.timestamp, hit.reason, note)
      } else if (this.ratchet(position, bar)) {
        this.publishPosition(runner)
      }
    }

    runner.indicators.onBar(bar)
    runner.lastPrice = bar.close
    this.portfolio.mark(bar.symbol, bar.close)
    runner.lastTimestamp = bar.timestamp

    if (!runner.halted && runner.strategy !== undefined) this.callStrategy(runner, runner.strategy, bar)
    if (runner.state === "CloseWatch" && runner.pending === undefined) this.checkCloseWatchTimeout(runner, bar.timestamp)
  }

  /**
   * End-of-bar stop adjustments, after the bar's stop check (so they act from the next bar on): the best price since
   * entry moves with the bar's high (long) or low (short); a trailing stop follows it and only tightens; a breakeven
   * level reached by the bar moves the stop to the entry price. Returns whether a level changed.
   */
  private ratchet(p: OpenPosition, bar: Bar): boolean {
    const long = p.side === "long"
    p.bestPrice = long ? Math.max(p.bestPrice, bar.high) : Math.min(p.bestPrice, bar.low)
    p.worstPrice = long ? Math.min(p.worstPrice, bar.low) : Math.max(p.worstPrice, bar.high)
    const before = p.stopLoss
    if (p.breakevenAt !== undefined && (long ? bar.high >= p.breakevenAt : bar.low <= p.breakevenAt)) {
      p.breakevenAt = undefined
      p.stopLoss = tighter(p.side, p.stopLoss, p.entryPrice)
    }
    const trail = trailingLevel(p)
    if (trail !== undefined) p.stopLoss = tighter(p.side, p.stopLoss, trail)
    return p.stopLoss !== before
  }

  private checkCloseWatchTimeout(runner: SymbolRunner, timestamp: number): void {
    const bars = runner.bars - runner.closeWatchBar
    const elapsed = timestamp - runner.closeWatchTime
    if (bars >= this.timeoutBars) {
      this.move(runner, timestamp, { _tag: "Timeout", reason: `timeout: no entry after ${bars} bar(s) in CloseWatch` })
    } else if (elapsed >= this.timeoutMs) {
      this.move(runner, timestamp, { _tag: "Timeout", reason: `timeout: no entry after ${elapsed} ms in CloseWatch` })
    }
  }

  private addRunner(bar: Bar): SymbolRunner {
    let strategy: StrategyInstance | undefined
    let failure: unknown
    try {
      strategy = this.definition.instantiate(bar.symbol)
    } catch (e) {
      failure = e
    }
    const runner: SymbolRunner = {
      symbol: bar.symbol,
      strategy,
      indicators: new SymbolIndicators(this.windowSize, this.historySize, this.indicatorBackend),
      state: "Watch",
      position: undefined,
      pending: undefined,
      halted: strategy === undefined,
      lastPrice: bar.open,
      lastTimestamp: bar.timestamp,
      bars: 0,
      closeWatchBar: 0,
      closeWatchTime: 0,
      prices: this.recordPrices ? { timestamps: [], open: [], high: [], low: [], close: [] } : undefined
    }
    if (failure !== undefined) this.failures.push({ symbol: bar.symbol, timestamp: bar.timestamp, message: describe(failure) })
    this.runners.set(bar.symbol, runner)
    this.order.push(runner)
    return runner
  }

  private move(runner: SymbolRunner, timestamp: number, event: MachineEvent): void {
    const result = transition(runner.state, event)
    if (!result.ok) {
      // An engine bug, not a user error: the core only emits events that are valid in the current state.
      throw new Error(`trade machine: ${runner.symbol}: ${result.error}`)
    }
    const transitions = this.transitions
    transitions.push({ symbol: runner.symbol, timestamp, from: result.change.from, to: result.change.to, reason: result.change.reason })
    if (transitions.length >= 2 * this.maxTransitions) this.dropOldTransitions()
    if (result.next === "CloseWatch") {
      runner.closeWatchBar = runner.bars
      runner.closeWatchTime = timestamp
    }
    runner.state = result.next
  }

  /** Keeps the newest `maxTransitions` transitions (amortised: called when twice as many have accumulated). */
  private dropOldTransitions(): void {
    const excess = this.transitions.length - this.maxTransitions
    if (excess <= 0) return
    this.transitions.splice(0, excess)
    this.transitionsDropped += excess
  }

  private newOrder(runner: SymbolRunner, action: string, decidedAt: number, requestedQuantity: number | undefined): MutableOrder {
    const record: MutableOrder = {
      id: this.orders.length + 1,
      symbol: runner.symbol,
      action,
      decidedAt,
      requestedQuantity,
      status: "unfilled",
      fillTime: undefined,
      fillPrice: undefined,
      filledQuantity: undefined,
      note: undefined
    }
    this.orders.push(record)
    return record
  }

  private reject(runner: SymbolRunner, timestamp: number, action: string, reason: string): void {
    this.rejections.push({ symbol: runner.symbol, timestamp, action, reason })
  }

  private recordEquity(timestamp: number): void {
    this.equityTimes.push(timestamp)
    this.equityValues.push(this.portfolio.equity())
    if (this.portfolio.hasHoldings()) this.exposedObservations++
  }

  private fillEntry(runner: SymbolRunner, order: Extract<PendingOrder, { kind: "entry" }>, bar: Bar): void {
    const price = marketFillPrice(bar)
    const label = order.action.action
    const record = order.record
    const sizing = this.portfolio.sizeEntry(order.side, order.action.quantity!, price, this.fills.commissionRate)
    if (!sizing.ok) {
      record.status = "rejected"
      record.note = sizing.reason
      this.reject(runner, bar.timestamp, label, sizing.reason)
      this.move(runner, bar.timestamp, { _tag: "EntryRejected", reason: `entry rejected: ${sizing.reason}` })
      return
    }
    const quantity = sizing.quantity
    const fee = commission(this.fills, quantity, price)
    this.portfolio.open(runner.symbol, order.side, quantity, price, fee)
    Object.assign(record, { status: "filled", fillTime: bar.timestamp, fillPrice: price, filledQuantity: quantity })
    if (sizing.reduced) record.note = "reduced to what the account can pay"
    runner.position = {
      side: order.side,
      quantity,
      entryPrice: price,
      entryTime: bar.timestamp,
      entryBar: runner.bars,
      entryReason: order.action.reason ?? label,
      stopLoss: order.action.stop_loss,
      takeProfit: order.action.take_profit,
      trailingStop: order.action.trailing_stop,
      trailingStopPct: order.action.trailing_stop_pct,
      bestPrice: price,
      worstPrice: price,
      breakevenAt: order.action.breakeven_at
    }
    // A trailing stop starts at its distance from the fill price (unless the given stop is already tighter).
    const p = runner.position
    const trail = trailingLevel(p)
    if (trail !== undefined) p.stopLoss = tighter(p.side, p.stopLoss, trail)
    this.move(runner, bar.timestamp, { _tag: "EntryFilled", reason: `${label} filled at ${price}` + (order.action.reason !== undefined ? `: ${order.action.reason}` : "") })
    this.publishPosition(runner)
  }

  private publishPosition(runner: SymbolRunner): void {
    const strategy = runner.strategy
    if (strategy === undefined || runner.halted) return
    const p = runner.position
    const view: PositionView | undefined = p === undefined ? undefined : {
      side: p.side,
      quantity: p.quantity,
      entryPrice: p.entryPrice,
      entryTime: p.entryTime,
      stopLoss: p.stopLoss,
      takeProfit: p.takeProfit
    }
    try {
      strategy.setPosition(view)
    } catch (e) {
      this.fail(runner, runner.lastTimestamp, e)
    }
  }

  private closePosition(runner: SymbolRunner, price: number, timestamp: number, reason: ExitReason, note: string): void {
    const p = runner.position!
    const fee = commission(this.fills, p.quantity, price)
    const realized = this.portfolio.close(runner.symbol, price, fee)
    const pnl = realized.pnl
    this.trades.push({
      id: this.trades.length + 1,
      symbol: runner.symbol,
      side: p.side,
      quantity: p.quantity,
      entryTime: p.entryTime,
      entryPrice: p.entryPrice,
      exitTime: timestamp,
      exitPrice: price,
      fees: realized.holding.entryFee + fee,
      pnl,
      returnPct: pnl / (p.entryPrice * p.quantity),
      barsHeld: runner.bars - p.entryBar,
      holdingMs: timestamp - p.entryTime,
      ...excursions(p, price, p.quantity),
      entryReason: p.entryReason,
      exitReason: reason,
      exitNote: note
    })
    runner.position = undefined
    if (runner.pending?.kind === "exit") {
      runner.pending.record.status = "cancelled"
      runner.pending.record.note = `position already closed: ${reason}`
      runner.pending = undefined
    }
    this.move(runner, timestamp, { _tag: "PositionClosed", reason: `${reason}: ${note}` })
    this.publishPosition(runner)
  }

  /** A partial exit: `quantity` units (less than the position) close at `price`; the rest stays open. */
  private reducePosition(runner: SymbolRunner, quantity: number, price: number, timestamp: number, reason: string): void {
    const p = runner.position!
    const fee = commission(this.fills, quantity, price)
    const realized = this.portfolio.reduce(runner.symbol, quantity, price, fee)
    p.quantity = this.portfolio.holding(runner.symbol)!.quantity
    this.trades.push({
      id: this.trades.length + 1,
      symbol: runner.symbol,
      side: p.side,
      quantity,
      entryTime: p.entryTime,
      entryPrice: p.entryPrice,
      exitTime: timestamp,
      exitPrice: price,
      fees: realized.holding.entryFee + fee,
      pnl: realized.pnl,
      returnPct: realized.pnl / (p.entryPrice * quantity),
      barsHeld: runner.bars - p.entryBar,
      holdingMs: timestamp - p.entryTime,
      ...excursions(p, price, quantity),
      entryReason: p.entryReason,
      exitReason: "strategy",
      exitNote: `partial exit of ${quantity} (${p.quantity} left): ${reason}`
    })
    this.publishPosition(runner)
  }

  private fail(runner: SymbolRunner, timestamp: number, error: unknown): void {
    runner.halted = true
    const message = error instanceof StrategyError ? error.message : describe(error)
    this.failures.push({ symbol: runner.symbol, timestamp, message })
    if (runner.pending?.kind === "entry") {
      runner.pending.record.status = "cancelled"
      runner.pending.record.note = "strategy failed before the fill"
      this.reject(runner, timestamp, runner.pending.action.action, "strategy failed before the fill")
      runner.pending = undefined
    }
    if (runner.state === "CloseWatch") this.move(runner, timestamp, { _tag: "CancelAnalysis", reason: "strategy failed" })
    if (this.errorPolicy === "flatten" && runner.position !== undefined && runner.pending === undefined) {
      runner.pending = {
        kind: "exit",
        reason: "flatten after strategy failure",
        decidedAt: timestamp,
        record: this.newOrder(runner, "exit", timestamp, undefined),
        quantity: undefined
      }
    }
  }

  private callStrategy(runner: SymbolRunner, strategy: StrategyInstance, bar: Bar): void {
    let output: StrategyOutput
    try {
      output = runner.state === "Watch"
        ? strategy.detectOpportunity(bar, runner.indicators)
        : runner.state === "CloseWatch"
        ? strategy.filterCommitment(bar, runner.indicators)
        : strategy.managePosition(bar, runner.indicators)
    } catch (e) {
      this.fail(runner, bar.timestamp, e)
      return
    }
    if (output === undefined) return
    try {
      if (output._tag === "Opportunity") this.onOpportunity(runner, bar, output.fields)
      else this.onAction(runner, bar, output.action)
    } catch (e) {
      this.fail(runner, bar.timestamp, e)
    }
  }

  private onOpportunity(runner: SymbolRunner, bar: Bar, fields: Readonly<Record<string, unknown>>): void {
    if (runner.state === "InTrade") {
      this.reject(runner, bar.timestamp, "opportunity", "a table without an action is only meaningful in Watch and CloseWatch")
      return
    }
    runner.strategy!.mergeContext(fields)
    if (runner.state === "Watch") {
      const reason = typeof fields["reason"] === "string" ? fields["reason"] : "opportunity detected"
      this.move(runner, bar.timestamp, { _tag: "Opportunity", reason })
    }
  }

  private onAction(runner: SymbolRunner, bar: Bar, action: Action): void {
    const state = runner.state
    const t = bar.timestamp
    switch (action.action) {
      case "start_analyzing": {
        if (state === "Watch") this.move(runner, t, { _tag: "Opportunity", reason: action.reason ?? "start_analyzing" })
        else this.reject(runner, t, action.action, `start_analyzing is not valid in ${state}`)
        return
      }
      case "cancel_analysis": {
        if (state === "CloseWatch") this.move(runner, t, { _tag: "CancelAnalysis", reason: action.reason ?? "cancel_analysis" })
        else this.reject(runner, t, action.action, `cancel_analysis is only valid in CloseWatch, not ${state}`)
        return
      }
      case "enter_long":
      case "enter_short": {
        if (state === "InTrade") {
          this.reject(runner, t, action.action, "already in a position")
          return
        }
        const side: Side = action.action === "enter_long" ? "long" : "short"
        const problem = this.checkLevels(side, bar.close, action.stop_loss, action.take_profit) ??
          (action.breakeven_at !== undefined ? this.checkLevels(side, bar.close, undefined, action.breakeven_at)?.replace("take_profit", "breakeven_at") : undefined)
        if (problem !== undefined) {
          this.reject(runner, t, action.action, problem)
          return
        }
        runner.pending = { kind: "entry", side, action, decidedAt: t, record: this.newOrder(runner, action.action, t, action.quantity) }
        return
      }
      case "exit": {
        if (state !== "InTrade" || runner.position === undefined) {
          this.reject(runner, t, action.action, `exit is only valid in InTrade, not ${state}`)
          return
        }
        if (runner.pending !== undefined) return // an exit is already on its way
        const open = runner.position.quantity
        const quantity = action.fraction !== undefined ? action.fraction * open : action.quantity
        runner.pending = {
          kind: "exit",
          reason: action.reason ?? "exit",
          decidedAt: t,
          record: this.newOrder(runner, "exit", t, quantity),
          quantity: quantity !== undefined && quantity < open ? quantity : undefined
        }
        return
      }
      case "set_trailing_stop": {
        const p = runner.position
        if (state !== "InTrade" || p === undefined) {
          this.reject(runner, t, action.action, `set_trailing_stop is only valid in InTrade, not ${state}`)
          return
        }
        p.trailingStop = action.trailing_stop
        p.trailingStopPct = action.trailing_stop_pct
        const trail = trailingLevel(p)
        if (trail !== undefined) p.stopLoss = tighter(p.side, p.stopLoss, trail)
        this.publishPosition(runner)
        return
      }
      case "move_stop_to_breakeven": {
        const p = runner.position
        if (state !== "InTrade" || p === undefined) {
          this.reject(runner, t, action.action, `move_stop_to_breakeven is only valid in InTrade, not ${state}`)
          return
        }
        const problem = this.checkLevels(p.side, bar.close, p.entryPrice, undefined)
        if (problem !== undefined) {
          this.reject(runner, t, action.action, `the price ${bar.close} has not moved past the entry ${p.entryPrice} (${problem})`)
          return
        }
        p.stopLoss = tighter(p.side, p.stopLoss, p.entryPrice)
        this.publishPosition(runner)
        return
      }
      case "update_stop_loss":
      case "update_take_profit": {
        const p = runner.position
        if (state !== "InTrade" || p === undefined) {
          this.reject(runner, t, action.action, `${action.action} is only valid in InTrade, not ${state}`)
          return
        }
        const isStop = action.action === "update_stop_loss"
        const level = isStop ? action.new_stop! : action.new_target!
        const problem = isStop
          ? this.checkLevels(p.side, bar.close, level, undefined)
          : this.checkLevels(p.side, bar.close, undefined, level)
        if (problem !== undefined) {
          this.reject(runner, t, action.action, problem)
          return
        }
        if (isStop) p.stopLoss = level
        else p.takeProfit = level
        this.publishPosition(runner)
        return
      }
    }
  }

  /** A stop must sit on the losing side of the current price and a target on the winning side. */
  private checkLevels(side: Side, price: number, stop: number | undefined, target: number | undefined): string | undefined {
    if (side === "long") {
      if (stop !== undefined && stop >= price) return `stop_loss ${stop} must be below the price ${price} for a long`
      if (target !== undefined && target <= price) return `take_profit ${target} must be above the price ${price} for a long`
    } else {
      if (stop !== undefined && stop <= price) return `stop_loss ${stop} must be above the price ${price} for a short`
      if (target !== undefined && target >= price) return `take_profit ${target} must be below the price ${price} for a short`
    }
    return undefined
  }

  /**
   * Ends the run: records the last equity point, closes open positions at their last close when `closeAtEnd`
   * (exit reason `end_of_data`), lists orders that never got a bar to fill on, and computes the metrics.
   */
  finish(quality: DataQualityReport): BacktestResult {
    for (const runner of this.order) {
      if (runner.pending !== undefined) {
        const label = runner.pending.kind === "entry" ? runner.pending.action.action : "exit"
        runner.pending.record.note = "the data ended before the next bar"
        this.reject(runner, runner.pending.decidedAt, label, "unfilled: the data ended before the next bar")
        runner.pending = undefined
      }
      if (this.closeAtEnd && runner.position !== undefined) {
        this.closePosition(runner, runner.lastPrice, runner.lastTimestamp, "end_of_data", `closed at the last close ${runner.lastPrice}`)
      }
    }
    if (this.currentTimestamp !== undefined) this.recordEquity(this.currentTimestamp)
    if (this.transitions.length > this.maxTransitions) this.dropOldTransitions()
    const equity = { timestamps: this.equityTimes, equity: this.equityValues }
    return {
      strategy: this.definition.name,
      symbols: this.order.map((r) => r.symbol).sort(),
      metrics: computeMetrics({
        initialCash: this.settings.initialCash,
        equity,
        trades: this.trades,
        bars: this.barCount,
        exposed: this.exposedObservations
      }),
      trades: this.trades,
      orders: this.orders,
      equity,
      transitions: this.transitions,
      transitionsDropped: this.transitionsDropped,
      reloads: this.reloads,
      prices: [...this.order]
        .sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0))
        .flatMap((r) => (r.prices === undefined ? [] : [{ symbol: r.symbol, ...r.prices }])),
      rejections: this.rejections,
      failures: this.failures,
      quality
    }
  }

  /**
   * Hot reload: swaps in a new version of the strategy at this bar boundary (call it between chunks). Every symbol
   * gets a new instance; its context is carried over (`snapshotContext` → `mergeContext`) unless the definition opts
   * out (`reloadKeepsContext: false`), its open position is published again, and a symbol halted by a strategy
   * failure starts afresh. All-or-nothing: if the new version cannot be instantiated for some symbol, the old
   * version keeps running everywhere. Either way the attempt is recorded in the result's `reloads`.
   */
  reloadStrategy(definition: StrategyDefinition, source: string): boolean {
    const timestamp = this.currentTimestamp
    const fresh: Array<StrategyInstance> = []
    try {
      for (const runner of this.order) fresh.push(definition.instantiate(runner.symbol))
    } catch (e) {
      for (const instance of fresh) instance.dispose()
      this.reloads.push({ timestamp, source, ok: false, message: `kept the running version: ${describe(e)}` })
      return false
    }
    const keep = definition.reloadKeepsContext ?? true
    this.order.forEach((runner, i) => {
      const next = fresh[i]!
      const old = runner.strategy
      try {
        if (keep && old !== undefined) next.mergeContext(old.snapshotContext())
      } catch (e) {
        this.fail(runner, timestamp ?? runner.lastTimestamp, e)
      }
      try {
        old?.dispose()
      } catch {
        // a dead VM has nothing left to release
      }
      runner.strategy = next
      runner.halted = false
      this.publishPosition(runner)
    })
    this.definition = definition
    this.reloads.push({ timestamp, source, ok: true, message: `reloaded ${definition.name}${keep ? "" : " (context reset)"}` })
    return true
  }

  /** Records a new version that failed to load; the running one stays. */
  reloadFailed(source: string, message: string): void {
    this.reloads.push({ timestamp: this.currentTimestamp, source, ok: false, message: `kept the running version: ${message}` })
  }

  /** The run's state between two bars (see {@link EngineSnapshot}). Call it between chunks, never inside one. */
  snapshot(): EngineSnapshot {
    const orderId = (record: MutableOrder): number => record.id
    return {
      version: 1,
      strategy: this.definition.name,
      barCount: this.barCount,
      currentTimestamp: this.currentTimestamp,
      portfolio: this.portfolio.snapshot(),
      runners: this.order.map((r): RunnerSnapshot => ({
        symbol: r.symbol,
        hasStrategy: r.strategy !== undefined,
        state: r.state,
        position: r.position === undefined ? undefined : { ...r.position },
        pending: r.pending === undefined
          ? undefined
          : r.pending.kind === "entry"
          ? { kind: "entry", side: r.pending.side, action: r.pending.action, decidedAt: r.pending.decidedAt, orderId: orderId(r.pending.record) }
          : { kind: "exit", reason: r.pending.reason, decidedAt: r.pending.decidedAt, orderId: orderId(r.pending.record), quantity: r.pending.quantity },
        halted: r.halted,
        lastPrice: r.lastPrice,
        lastTimestamp: r.lastTimestamp,
        bars: r.bars,
        closeWatchBar: r.closeWatchBar,
        closeWatchTime: r.closeWatchTime,
        context: r.strategy?.snapshotContext(),
        indicators: r.indicators.snapshot(),
        prices: r.prices === undefined
          ? undefined
          : { timestamps: [...r.prices.timestamps], open: [...r.prices.open], high: [...r.prices.high], low: [...r.prices.low], close: [...r.prices.close] }
      })),
      trades: this.trades.map((t) => ({ ...t })),
      orders: this.orders.map((o) => ({ ...o })),
      transitions: [...this.transitions],
      transitionsDropped: this.transitionsDropped,
      reloads: [...this.reloads],
      rejections: [...this.rejections],
      failures: [...this.failures],
      equityTimes: [...this.equityTimes],
      equityValues: [...this.equityValues],
      exposedObservations: this.exposedObservations
    }
  }

  /**
   * A core that continues a snapshotted run: same strategy (by definition, instantiated anew per symbol, its context
   * merged back and its position published), same settings. Feeding it the bars after the snapshot gives the result
   * the uninterrupted run would have given.
   */
  static restore(
    definition: StrategyDefinition,
    fills: FillModelConfig,
    settings: EngineSettings,
    snapshot: EngineSnapshot,
    indicatorBackend: IndicatorBackend = typescriptIndicatorBackend
  ): EngineCore {
    if (snapshot.version !== 1) throw new Error(`engine snapshot: unsupported version ${String(snapshot.version)}`)
    const core = new EngineCore(definition, fills, settings, indicatorBackend)
    core.barCount = snapshot.barCount
    core.currentTimestamp = snapshot.currentTimestamp
    core.portfolio = Portfolio.restore(settings.initialCash, snapshot.portfolio)
    core.trades.push(...snapshot.trades.map((t) => ({ ...t })))
    core.orders.push(...snapshot.orders.map((o) => ({ ...o })))
    core.transitions.push(...snapshot.transitions)
    core.transitionsDropped = snapshot.transitionsDropped
    core.reloads.push(...snapshot.reloads)
    core.rejections.push(...snapshot.rejections)
    core.failures.push(...snapshot.failures)
    core.equityTimes.push(...snapshot.equityTimes)
    core.equityValues.push(...snapshot.equityValues)
    core.exposedObservations = snapshot.exposedObservations
    const byId = new Map(core.orders.map((o) => [o.id, o]))
    const record = (id: number): MutableOrder => {
      const o = byId.get(id)
      if (o === undefined) throw new Error(`engine snapshot: pending order ${id} is not in the order list`)
      return o
    }
    for (const saved of snapshot.runners) {
      let strategy: StrategyInstance | undefined
      if (saved.hasStrategy) {
        strategy = definition.instantiate(saved.symbol)
        if (saved.context !== undefined) strategy.mergeContext(saved.context)
      }
      const indicators = new SymbolIndicators(core.windowSize, core.historySize, indicatorBackend)
      indicators.restore(saved.indicators)
      const p = saved.pending
      const runner: SymbolRunner = {
        symbol: saved.symbol,
        strategy,
        indicators,
        state: saved.state,
        position: saved.position === undefined ? undefined : { ...saved.position },
        pending: p === undefined
          ? undefined
          : p.kind === "entry"
          ? { kind: "entry", side: p.side, action: p.action, decidedAt: p.decidedAt, record: record(p.orderId) }
          : { kind: "exit", reason: p.reason, decidedAt: p.decidedAt, record: record(p.orderId), quantity: p.quantity },
        halted: saved.halted,
        lastPrice: saved.lastPrice,
        lastTimestamp: saved.lastTimestamp,
        bars: saved.bars,
        closeWatchBar: saved.closeWatchBar,
        closeWatchTime: saved.closeWatchTime,
        prices: saved.prices === undefined || !core.recordPrices
          ? (core.recordPrices ? { timestamps: [], open: [], high: [], low: [], close: [] } : undefined)
          : { timestamps: [...saved.prices.timestamps], open: [...saved.prices.open], high: [...saved.prices.high], low: [...saved.prices.low], close: [...saved.prices.close] }
      }
      core.runners.set(runner.symbol, runner)
      core.order.push(runner)
      core.publishPosition(runner)
    }
    return core
  }

  /** Releases every strategy instance; called once when the run's scope closes. */
  dispose(): void {
    for (const runner of this.order) {
      try {
        runner.strategy?.dispose()
      } catch {
        // disposing twice or a dead VM: nothing left to release
      }
    }
  }
}
