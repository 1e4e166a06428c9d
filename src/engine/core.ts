/**
 * The engine's synchronous core: one bar in, state updated. No Effects, no I/O, no clock: the Effect layer around it
 * (`Engine.ts`) feeds it chunks of bars from whichever `MarketData` Layer is in use, live or historical.
 *
 * Orders live in one {@link OrderBook} per symbol (`execution/orders.ts`): an entry is a bracket (the entry order
 * with its stop-loss and take-profit as one-cancels-other legs), an exit a reduce-only market order. The account is
 * the {@link Portfolio}; the optional {@link RiskManager} (`risk/`) gates every entry.
 *
 * Per bar of symbol S, in this order (the order is the no-look-ahead guarantee):
 * 1. when the timestamp advances: the account's equity at the previous timestamp is recorded, and the risk layer
 *    sees it (a kill switch or daily loss halt cancels the working entries; a kill switch with `flattenOnKill` sends
 *    reduce-only market exits, which fill at this timestamp's opens);
 * 2. a working entry is sized at the price it would fill at in this bar (a fraction of equity at the fill price, the
 *    risk checks, the lot step), or refused;
 * 3. S's order book is matched against the bar (`OrderBook.onBar`): fills at the open and along the intrabar path
 *    (entries, the strategy's exits, stop-losses and take-profits, with the gap, both-touched, volume-cap and
 *    time-in-force rules), and the events go to the account, the positions, the order log and the trade machine;
 * 4. trailing and breakeven stops move with the bar's range (acting from the next bar);
 * 5. the indicators and the window take the bar;
 * 6. the strategy function for S's state is called with the bar; what it returns becomes a transition, an order in
 *    the book (filled from the next bar on), a level change or a recorded rejection;
 * 7. with the explicit `same_bar_close` fill model only: the orders decided on this bar are matched at its close.
 *
 * @module
 */
import type { Action, StrategyOutput } from "../domain/action.ts"
import type { Bar, SymbolName } from "../domain/bar.ts"
import { StrategyError } from "../domain/errors.ts"
import type { PositionView, StrategyDefinition, StrategyInstance, TradeStateName } from "../domain/strategy.ts"
import { commissionFor, effectivePrice } from "../execution/costs.ts"
import { costModelFor, type FillModelConfig, type ResolvedFillModel, resolveFillModel, type Side } from "../execution/fill-model.ts"
import { formatDecimal, type InstrumentSpec, roundPrice, roundQuantity, roundToStep, validateOrder } from "../execution/instrument.ts"
import { CLOSE_TIME, OPEN_TIME } from "../execution/intrabar.ts"
import {
  type BookEvent,
  eventTime,
  type Fill,
  type Order,
  OrderBook,
  type OrderBookSnapshot,
  type OrderRole
} from "../execution/orders.ts"
import { type RiskConfig, RiskManager, type RiskNote, type RiskState } from "../risk/risk-manager.ts"
import { transition, type MachineEvent } from "../state-machine/machine.ts"
import type {
  AccountSummary,
  BacktestResult,
  ExitReason,
  OrderFill,
  OrderRecord,
  Rejection,
  RiskEvent,
  StrategyFailure,
  StrategyReloadRecord,
  Trade,
  Transition
} from "../backtest/result.ts"
import { computeMetrics } from "../backtest/metrics.ts"
import type { DataQualityReport } from "../market-data/MarketData.ts"
import { type MarginConfig, Portfolio, type PortfolioSnapshot, type SymbolState } from "../portfolio/portfolio.ts"
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
  /**
   * The account's risk rules (docs/risk.md): sizing by stop distance, position, notional, open-position and exposure
   * limits, the daily loss limit and the drawdown kill switch. None by default. Every entry passes them at its fill
   * (limit and stop entries also when decided); a refusal is recorded in `rejections`.
   */
  readonly risk?: RiskConfig | undefined
  /**
   * A margin account (docs/risk.md, "Margin"): entries of either side may use `equity × leverage − gross notional`;
   * below `maintenance × gross notional` of equity, every position is closed at the next opens (a `margin_call` risk
   * event). Default: the cash account (longs paid from cash, shorts up to 1× equity, no margin call).
   */
  readonly margin?: MarginConfig | undefined
}

/** Default of {@link EngineSettings.maxTransitions}. */
export const DEFAULT_MAX_TRANSITIONS = 100_000

/**
 * A configuration problem found while the run meets its data (e.g. instrument specs given, but none for a traded
 * symbol). `runEngine` turns it into a `ConfigError`.
 */
export class EngineConfigError extends Error {
  override readonly name = "EngineConfigError"
  constructor(readonly field: string, readonly reason: string) {
    super(`${field}: ${reason}`)
  }
}

/** The trade side of a holding: when and why it was opened, and its protective levels (the money is in Portfolio). */
interface OpenPosition {
  readonly side: Side
  /** Units still open (partial exits reduce it, later fills of the entry add to it). */
  quantity: number
  /** Average fill price of the entry (after slippage). */
  entryPrice: number
  /** Open time of the bar of the first fill. */
  readonly entryTime: number
  readonly entryBar: number
  readonly entryReason: string
  stopLoss: number | undefined
  takeProfit: number | undefined
  /** Trailing distance in price units, or as a fraction of the best price (one of the two, or neither). */
  trailingStop: number | undefined
  trailingStopPct: number | undefined
  /** The best price since entry: highest high for a long, lowest low for a short (the fill price at first). */
  bestPrice: number
  /** The worst price since entry: lowest low for a long, highest high for a short (for the adverse excursion). */
  worstPrice: number
  /** When the price reaches this level the stop moves to the entry price (once). */
  breakevenAt: number | undefined
  /** Book id of the entry order (the legs' parent). */
  readonly entryId: number
  /** Book ids of the working stop-loss and take-profit orders. */
  slId: number | undefined
  tpId: number | undefined
}

/**
 * An order record while the run goes on. Its `note` may still be a {@link RiskNote} (the risk reductions kept as
 * numbers, their sentences cost more than the run's checks): the result of {@link EngineCore.finish} formats them when
 * its `orders` are first read (`JSON.stringify` included, so result.json is unchanged), and a snapshot formats them.
 */
type MutableRecord = { -readonly [K in Exclude<keyof OrderRecord, "note">]-?: OrderRecord[K] } & {
  note: string | RiskNote | undefined
  fills: Array<OrderFill>
  fees: number
}

/** How an order ended, as the book reported it (before the engine writes the record). */
interface Ended {
  readonly status: "cancelled" | "expired"
  readonly reason: string
}

/** The strategy's entry order while it works (until filled, cancelled, expired or refused). */
interface WorkingEntry {
  /** Book id of the entry order. */
  readonly id: number
  readonly side: Side
  readonly action: Action
  readonly decidedAt: number
  readonly record: MutableRecord
  /** What the strategy asked for: a fraction of equity below 1, units otherwise (re-read by `amend_order`). */
  requested: number
  /** The stop-loss and take-profit the position will get (as in the book: rounded to the tick). */
  stopLoss: number | undefined
  takeProfit: number | undefined
  slId: number | undefined
  tpId: number | undefined
  /** Why the size at the fill differs from the request (cash, risk), for the order log (risk: formatted when read). */
  sizingNote: string | RiskNote | undefined
  ended: Ended | undefined
}

/** An exit order while it works. */
interface WorkingExit {
  readonly id: number
  readonly reason: string
  readonly exitReason: ExitReason
  readonly decidedAt: number
  readonly record: MutableRecord
  ended: Ended | undefined
}

interface SymbolRunner {
  readonly symbol: SymbolName
  strategy: StrategyInstance | undefined
  readonly indicators: SymbolIndicators
  state: TradeStateName
  position: OpenPosition | undefined
  entry: WorkingEntry | undefined
  exit: WorkingExit | undefined
  readonly book: OrderBook
  halted: boolean
  lastPrice: number
  lastTimestamp: number
  /** The symbol's last bar (its quotes price the closing fill at the end of the data). */
  lastBar: Bar | undefined
  bars: number
  /** The shortest step between two bars of the symbol (the bar length), `Infinity` until two bars were seen. */
  barMs: number
  /** When the symbol entered CloseWatch: its bar count and the timestamp. */
  closeWatchBar: number
  closeWatchTime: number
  /** The symbol's slot in the portfolio. */
  readonly slot: number
  /**
   * The symbol's P&L at each recorded equity point, recorded as it goes only when prices are not recorded; otherwise
   * it is computed when the run ends from {@link SymbolRunner.accountChanges} and the recorded closes (no work per
   * bar).
   */
  readonly pnl: Array<number> | undefined
  /** The symbol's money state after each change, with the index of the first equity point that sees it. */
  readonly accountChanges: Array<AccountChange>
  /** The symbol's bars, when prices are recorded. */
  readonly prices: PriceRecorder | undefined
}

/** A symbol's money state from equity point `index` on (see {@link SymbolState}). */
interface AccountChange extends SymbolState {
  readonly index: number
}

/** A price series as plain arrays (snapshots, the result). */
type PriceColumns = { timestamps: Array<number>; open: Array<number>; high: Array<number>; low: Array<number>; close: Array<number> }

/** Size of the first chunk of a {@link NumberColumn}; each next one doubles, up to {@link MAX_CHUNK}. */
const FIRST_CHUNK = 256
const MAX_CHUNK = 65_536

/**
 * Full-size chunks given back by finished runs ({@link NumberColumn.release}) and taken by the next run's columns in
 * this thread: memory already in use is written faster than fresh memory, which the system first has to map in.
 * Bounded (at most 32 MiB kept).
 */
const spareChunks: Array<Float64Array<ArrayBuffer>> = []
const MAX_SPARE_CHUNKS = 64

/**
 * A series of numbers recorded one at a time on the hot path (the equity curve), appended into
 * fixed-size `Float64Array` chunks, so nothing grows, is copied or is left for the collector while the run goes, and
 * turned into a plain array once, when the run ends or is snapshotted. Doubles are stored exactly (`-0` and NaN
 * included), so the array holds the very values appended.
 */
class NumberColumn {
  private readonly full: Array<Float64Array<ArrayBuffer>> = []
  private chunk: Float64Array<ArrayBuffer> = new Float64Array(FIRST_CHUNK)
  /** Values in the current chunk. */
  private k = 0
  /** Values in all. */
  private n = 0
  /** After {@link NumberColumn.release}: the values, as the last `toArray` gave them. */
  private released: ReadonlyArray<number> | undefined = undefined

  get length(): number {
    return this.n
  }

  push(x: number): void {
    let k = this.k
    if (k === this.chunk.length) {
      if (this.released !== undefined) throw new Error("engine: a finished run takes no more data")
      this.full.push(this.chunk)
      const size = Math.min(2 * k, MAX_CHUNK)
      this.chunk = newChunk(size)
      k = 0
    }
    this.chunk[k] = x
    this.k = k + 1
    this.n++
  }

  /** The values as a new plain array. */
  toArray(): Array<number> {
    if (this.released !== undefined) return this.released.slice()
    const out = new Array<number>(this.n)
    let i = 0
    const full = this.full
    for (let f = 0; f < full.length; f++) {
      const c = full[f]!
      for (let j = 0; j < c.length; j++) out[i++] = c[j]!
    }
    const c = this.chunk
    for (let j = 0; j < this.k; j++) out[i++] = c[j]!
    return out
  }

  /**
   * The values as a new plain array, the chunks going back to the spare pool: the column takes no more values
   * (the run is over); `toArray` still answers.
   */
  release(): Array<number> {
    const out = this.toArray()
    if (this.released !== undefined) return out
    this.released = out
    for (const c of this.full) spare(c)
    spare(this.chunk)
    this.full.length = 0
    this.chunk = new Float64Array(0)
    this.k = 0
    return out
  }
}

/** A chunk of a fresh size: a spare one from a finished run when it is a full-size chunk. */
const newChunk = (size: number): Float64Array<ArrayBuffer> => (size === MAX_CHUNK ? spareChunks.pop() : undefined) ?? new Float64Array(size)

/**
 * A symbol's bars (timestamp, open, high, low, close) for price charts: five columns stored like a
 * {@link NumberColumn}'s, filled a row at a time (one bound check per bar for the five).
 */
class PriceRecorder {
  /** The five columns' full chunks. */
  private readonly full: Array<Array<Float64Array<ArrayBuffer>>> = [[], [], [], [], []]
  private t: Float64Array<ArrayBuffer> = new Float64Array(FIRST_CHUNK)
  private o: Float64Array<ArrayBuffer> = new Float64Array(FIRST_CHUNK)
  private h: Float64Array<ArrayBuffer> = new Float64Array(FIRST_CHUNK)
  private l: Float64Array<ArrayBuffer> = new Float64Array(FIRST_CHUNK)
  private c: Float64Array<ArrayBuffer> = new Float64Array(FIRST_CHUNK)
  /** Rows in the current chunk. */
  private k = 0
  /** Rows in all. */
  private n = 0
  /** After {@link PriceRecorder.release}: the columns, as they were given. */
  private released: PriceColumns | undefined = undefined

  constructor(p?: Readonly<PriceColumns>) {
    if (p === undefined) return
    const n = p.timestamps.length
    for (let i = 0; i < n; i++) this.add(p.timestamps[i]!, p.open[i]!, p.high[i]!, p.low[i]!, p.close[i]!)
  }

  push(bar: Bar): void {
    this.add(bar.timestamp, bar.open, bar.high, bar.low, bar.close)
  }

  private add(timestamp: number, open: number, high: number, low: number, close: number): void {
    let k = this.k
    if (k === this.t.length) k = this.grow()
    this.t[k] = timestamp
    this.o[k] = open
    this.h[k] = high
    this.l[k] = low
    this.c[k] = close
    this.k = k + 1
    this.n++
  }

  private grow(): number {
    if (this.released !== undefined) throw new Error("engine: a finished run takes no more data")
    const full = this.full
    full[0]!.push(this.t)
    full[1]!.push(this.o)
    full[2]!.push(this.h)
    full[3]!.push(this.l)
    full[4]!.push(this.c)
    const size = Math.min(2 * this.t.length, MAX_CHUNK)
    this.t = newChunk(size)
    this.o = newChunk(size)
    this.h = newChunk(size)
    this.l = newChunk(size)
    this.c = newChunk(size)
    return 0
  }

  /** Column `i` (0 timestamps, 1 open, 2 high, 3 low, 4 close) as a new plain array. */
  private column(i: number, current: Float64Array<ArrayBuffer>): Array<number> {
    const out = new Array<number>(this.n)
    let at = 0
    const chunks = this.full[i]!
    for (let f = 0; f < chunks.length; f++) {
      const chunk = chunks[f]!
      for (let j = 0; j < chunk.length; j++) out[at++] = chunk[j]!
    }
    for (let j = 0; j < this.k; j++) out[at++] = current[j]!
    return out
  }

  /** The bars so far as plain arrays (new arrays on every call). */
  toColumns(): PriceColumns {
    const r = this.released
    if (r !== undefined) {
      return { timestamps: r.timestamps.slice(), open: r.open.slice(), high: r.high.slice(), low: r.low.slice(), close: r.close.slice() }
    }
    return {
      timestamps: this.column(0, this.t),
      open: this.column(1, this.o),
      high: this.column(2, this.h),
      low: this.column(3, this.l),
      close: this.column(4, this.c)
    }
  }

  /** The bars as plain arrays, the storage going back to the spare pool: the recorder takes no more bars. */
  release(): PriceColumns {
    if (this.released !== undefined) return this.toColumns()
    const out = this.toColumns()
    this.released = out
    for (const chunks of this.full) for (const chunk of chunks) spare(chunk)
    for (const chunk of [this.t, this.o, this.h, this.l, this.c]) spare(chunk)
    for (const chunks of this.full) chunks.length = 0
    const none = new Float64Array(0)
    this.t = none
    this.o = none
    this.h = none
    this.l = none
    this.c = none
    this.k = 0
    return out
  }
}

/** Keeps a full-size chunk of a finished run for the next run (up to the pool's bound). */
const spare = (chunk: Float64Array<ArrayBuffer>): void => {
  if (chunk.length === MAX_CHUNK && spareChunks.length < MAX_SPARE_CHUNKS) spareChunks.push(chunk)
}

const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e))

const EPS = 1e-12

/** A working entry or exit in an {@link EngineSnapshot}: the record by its id. */
type SavedEntry = Omit<WorkingEntry, "record"> & { readonly recordId: number }
type SavedExit = Omit<WorkingExit, "record"> & { readonly recordId: number }

/** One symbol's state in an {@link EngineSnapshot}. */
export interface RunnerSnapshot {
  readonly symbol: SymbolName
  /** Whether the symbol had a strategy instance (false when instantiating it failed). */
  readonly hasStrategy: boolean
  readonly state: TradeStateName
  readonly position: Readonly<OpenPosition> | undefined
  readonly entry: Readonly<SavedEntry> | undefined
  readonly exit: Readonly<SavedExit> | undefined
  /** The symbol's order book (working entries, exits, stop-loss and take-profit orders). */
  readonly book: OrderBookSnapshot
  readonly halted: boolean
  readonly lastPrice: number
  readonly lastTimestamp: number
  readonly lastBar: Bar | undefined
  readonly bars: number
  readonly barMs: number
  readonly closeWatchBar: number
  readonly closeWatchTime: number
  /** The strategy's context as JSON-safe data (`snapshotContext`): functions are not kept, non-finite numbers become null. */
  readonly context: Record<string, unknown> | undefined
  readonly indicators: SymbolIndicatorsSnapshot
  readonly pnl: ReadonlyArray<number> | undefined
  readonly accountChanges: ReadonlyArray<AccountChange>
  readonly prices: PriceColumns | undefined
}

/**
 * The whole state of a run between two bars, as plain data: the account, every symbol's trade machine, position,
 * order book, strategy context and indicator state, the risk layer's state, and the results so far.
 * `EngineCore.restore` continues from it exactly as if the run had not stopped (for crash recovery, the event log
 * and seek). Encode it with `encodeSnapshot` (JSON with non-finite numbers and typed arrays kept).
 */
export interface EngineSnapshot {
  readonly version: 1
  readonly strategy: string
  readonly barCount: number
  readonly currentTimestamp: number | undefined
  readonly portfolio: PortfolioSnapshot
  /** The next order id (one counter shared by every symbol's book). */
  readonly nextOrderId: number
  readonly risk: RiskState | undefined
  readonly riskEvents: ReadonlyArray<RiskEvent>
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

/** Where a trailing stop sits when the best price is `best`; `undefined` without a trail. */
const trailFrom = (side: Side, trailingStop: number | undefined, trailingStopPct: number | undefined, best: number): number | undefined => {
  const long = side === "long"
  if (trailingStop !== undefined) return long ? best - trailingStop : best + trailingStop
  if (trailingStopPct !== undefined) return long ? best * (1 - trailingStopPct) : best * (1 + trailingStopPct)
  return undefined
}

/** Where a trailing stop sits now, from the best price since entry; `undefined` when the position has none. */
const trailingLevel = (p: OpenPosition): number | undefined => trailFrom(p.side, p.trailingStop, p.trailingStopPct, p.bestPrice)

/**
 * The base price (before costs) `o` fills at in a bar if it fills there, matched from a moment whose price is
 * `fromPrice` (the open, or the close in `same_bar_close`): the rules of `orders.ts` (a gap fills at `fromPrice`, a
 * level touched later at the level).
 */
const wouldFillPrice = (o: Order, fromPrice: number): number => {
  const buy = o.side === "buy"
  if (o.type === "market") return fromPrice
  if (o.type === "limit") return buy ? Math.min(fromPrice, o.limitPrice!) : Math.max(fromPrice, o.limitPrice!)
  // A stop (and a stop-limit's trigger): at the stop, or at `fromPrice` when already beyond it (or triggered).
  const stop = o.stopPrice!
  const start = o.triggered ? fromPrice : buy ? Math.max(fromPrice, stop) : Math.min(fromPrice, stop)
  if (o.type === "stop") return start
  return buy ? Math.min(start, o.limitPrice!) : Math.max(start, o.limitPrice!)
}

/** A working entry or exit as plain data: its order record by id. */
const saveWorking = <W extends { readonly record: MutableRecord }>(w: W): Omit<W, "record"> & { readonly recordId: number } => {
  const { record, ...rest } = w
  return { ...rest, recordId: record.id }
}

const loadWorking = <W extends { readonly record: MutableRecord }>(
  saved: Omit<W, "record"> & { readonly recordId: number },
  record: (id: number) => MutableRecord
): W => {
  const { recordId, ...rest } = saved
  return { ...rest, record: record(recordId) } as unknown as W
}

/** Why an order still working at the end did not fill. */
const endedNote = (decidedAt: number, lastBar: number): string =>
  decidedAt === lastBar ? "the data ended before the next bar" : "the data ended before it filled"

const isMarketLike = (type: Order["type"]): boolean => type === "market" || type === "stop"

const join = (a: string | undefined, b: string | undefined): string | undefined => (a === undefined ? b : b === undefined ? a : `${a}; ${b}`)

/** A note's text (a {@link RiskNote} formatted). */
const noteText = (note: string | RiskNote | undefined): string | undefined => (note === undefined || typeof note === "string" ? note : note.text())

/**
 * Makes `result.orders` a property that formats the records' {@link RiskNote}s (in place) when first read: most runs
 * never read the sentences, and `JSON.stringify` reads it like a plain property (same place, same text). A module
 * function, so the property keeps only the records alive, not the engine.
 */
const deferNotes = (result: BacktestResult, records: Array<MutableRecord>): void => {
  let orders: ReadonlyArray<OrderRecord> | undefined
  Object.defineProperty(result, "orders", {
    get: () => (orders ??= formatNotes(records)),
    set: (value: ReadonlyArray<OrderRecord>) => {
      orders = value
    },
    enumerable: true,
    configurable: true
  })
}

/** Formats the {@link RiskNote}s of the records in place (their notes become strings). */
const formatNotes = (records: Array<MutableRecord>): ReadonlyArray<OrderRecord> => {
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!
    const note = r.note
    if (note !== undefined && typeof note !== "string") r.note = note.text()
  }
  return records as ReadonlyArray<OrderRecord>
}

/** The engine core for one run. Feed it bars in `compareBars` order, then call {@link EngineCore.finish}. */
export class EngineCore {
  private readonly runners = new Map<string, SymbolRunner>()
  private readonly order: Array<SymbolRunner> = []
  private portfolio: Portfolio
  private readonly trades: Array<Trade> = []
  private readonly orders: Array<MutableRecord> = []
  private readonly transitions: Array<Transition> = []
  private readonly rejections: Array<Rejection> = []
  private readonly failures: Array<StrategyFailure> = []
  private readonly equityTimes = new NumberColumn()
  private readonly equityValues = new NumberColumn()
  private readonly riskEvents: Array<RiskEvent> = []
  /** The timestamp of the bars being processed; NaN before the first bar (a plain number field: no allocation per update). */
  private currentTime = Number.NaN
  private barCount = 0
  private readonly windowSize: number
  private readonly historySize: number
  private readonly closeAtEnd: boolean
  private readonly errorPolicy: StrategyErrorPolicy
  private readonly timeoutBars: number
  private readonly timeoutMs: number
  /** Whether a CloseWatch timeout is configured (without one, the check per bar is skipped). */
  private readonly closeWatchTimeouts: boolean
  private readonly maxTransitions: number
  private readonly recordPrices: boolean
  private transitionsDropped = 0
  private readonly reloads: Array<StrategyReloadRecord> = []
  private failuresLogged = 0
  /** Equity observations with at least one open position (for the exposure metric). */
  private exposedObservations = 0
  /** The simulated venue. */
  private readonly venue: ResolvedFillModel
  private readonly sameBarClose: boolean
  /** Commission rate for sizing (the higher of taker and maker) and the minimum per fill. */
  private readonly sizingRate: number
  private readonly minimumFee: number
  /** One order id counter for every book, so ids are unique in the run. */
  private readonly ids = { next: 1 }
  private risk: RiskManager | undefined
  /** The risk rules watch the equity curve (daily loss limit, drawdown kill switch): it is shown to them on every timestamp. */
  private readonly watchEquity: boolean
  /** The margin account's maintenance fraction, when margin calls are on. */
  private readonly maintenance: number | undefined

  constructor(
    private definition: StrategyDefinition,
    fills: FillModelConfig,
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
    this.closeWatchTimeouts = this.timeoutBars !== Infinity || this.timeoutMs !== Infinity
    this.maxTransitions = settings.maxTransitions ?? DEFAULT_MAX_TRANSITIONS
    this.recordPrices = settings.recordPrices ?? true
    this.venue = resolveFillModel(fills)
    this.sameBarClose = this.venue.model.marketFill === "same_bar_close"
    const c = this.venue.commission
    this.sizingRate = Math.max(c.takerRate, c.makerRate ?? c.takerRate)
    this.minimumFee = c.minimum ?? 0
    const risk = settings.risk
    this.risk = risk !== undefined && Object.values(risk).some((v) => v !== undefined) ? new RiskManager(risk) : undefined
    this.watchEquity = this.risk !== undefined && (risk?.dailyLossLimit !== undefined || risk?.maxDrawdown !== undefined)
    this.portfolio.leverage = settings.margin?.leverage
    this.maintenance = settings.margin?.maintenance
  }

  /** Failures recorded since the last call (for logging them as they happen). */
  takeNewFailures(): ReadonlyArray<StrategyFailure> {
    if (this.failuresLogged === this.failures.length) return []
    const fresh = this.failures.slice(this.failuresLogged)
    this.failuresLogged = this.failures.length
    return fresh
  }

  /** The timestamp of the bars being processed, once a bar was seen. */
  private get currentTimestamp(): number | undefined {
    return Number.isNaN(this.currentTime) ? undefined : this.currentTime
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
    if (bar.timestamp !== this.currentTime) {
      const equity = Number.isNaN(this.currentTime) ? this.settings.initialCash : this.recordEquity(this.currentTime)
      this.currentTime = bar.timestamp
      if (this.watchEquity) this.observeRisk(bar.timestamp, equity)
      if (this.maintenance !== undefined) this.checkMargin(bar.timestamp, equity)
    }
    this.barCount++
    const runner = this.runnerFor(bar)
    if (runner.bars > 0) {
      const step = bar.timestamp - runner.lastTimestamp
      if (step > 0 && step < runner.barMs) runner.barMs = step
    }
    runner.bars++
    const prices = runner.prices
    if (prices !== undefined) prices.push(bar)
    runner.lastPrice = bar.open
    runner.lastBar = bar
    const portfolio = this.portfolio
    portfolio.markSlot(runner.slot, bar.open)

    if (!runner.book.isEmpty && !this.quietBar(runner, bar)) this.match(runner, bar, false)

    const position = runner.position
    if (position !== undefined && this.ratchet(position, bar)) {
      this.syncStop(runner, bar.timestamp)
      this.publishPosition(runner)
    }

    runner.indicators.onBar(bar)
    runner.lastPrice = bar.close
    portfolio.markSlot(runner.slot, bar.close)
    runner.lastTimestamp = bar.timestamp

    if (!runner.halted && runner.strategy !== undefined) this.callStrategy(runner, runner.strategy, bar)
    if (this.sameBarClose && !runner.book.isEmpty) {
      this.match(runner, bar, true)
      // A fill at the close marks the holding at its (slipped) price: the equity is measured at the close.
      portfolio.markSlot(runner.slot, bar.close)
    }
    if (this.closeWatchTimeouts && runner.state === "CloseWatch" && runner.entry === undefined) this.checkCloseWatchTimeout(runner, bar.timestamp)
  }

  /** The bar's symbol runner (created on its first bar): a scan of the list for a few symbols, a map lookup beyond. */
  private runnerFor(bar: Bar): SymbolRunner {
    const symbol = bar.symbol
    const order = this.order
    if (order.length <= 4) {
      for (let i = 0; i < order.length; i++) if (order[i]!.symbol === symbol) return order[i]!
      return this.addRunner(bar)
    }
    return this.runners.get(symbol) ?? this.addRunner(bar)
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Matching

  /**
   * The common case of a bar in a position: only its stop-loss and take-profit are in the book, both have been
   * through a bar already, and this bar reaches neither level (a sell stop's level is reached when the low is at or
   * below it, a sell limit's when the high is at or above it; buys mirror). Then matching the book would change
   * nothing (no event, no state), so it is skipped: the same test `touchTime` starts with, without the book's
   * bookkeeping.
   */
  private quietBar(runner: SymbolRunner, bar: Bar): boolean {
    if (runner.entry !== undefined || runner.exit !== undefined) return false
    const orders = runner.book.orders
    for (let i = 0; i < orders.length; i++) {
      const o = orders[i]!
      if (!o.resting || o.triggered || o.expiresAt !== undefined || !(o.status === "working" || o.status === "partially_filled")) return false
      const buy = o.side === "buy"
      if (o.type === "stop") {
        if (buy ? bar.high >= o.stopPrice! : bar.low <= o.stopPrice!) return false
      } else if (o.type === "limit") {
        if (buy ? bar.low <= o.limitPrice! : bar.high >= o.limitPrice!) return false
      } else return false
    }
    return true
  }

  /** Sizes a working entry, matches the book at the open (or, `atClose`, at the close) and applies the events. */
  private match(runner: SymbolRunner, bar: Bar, atClose: boolean): void {
    const entry = runner.entry
    if (entry !== undefined) this.prepareEntry(runner, entry, bar, atClose)
    const book = runner.book
    if (book.isEmpty) return
    const p = runner.position
    const signed = p === undefined ? 0 : p.side === "long" ? p.quantity : -p.quantity
    const events = atClose ? book.onClose(bar, signed) : book.onBar(bar, signed)
    if (events.length === 0) return
    // How the entry and the exit ended is known first (a fill earlier in the list may close the position, and the
    // cleanup then needs to know whether they filled or were cancelled).
    const entryNow = runner.entry
    const exitNow = runner.exit
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!
      if (e.kind !== "cancelled" && e.kind !== "expired") continue
      if (entryNow !== undefined && e.order.id === entryNow.id) entryNow.ended = { status: e.kind, reason: e.reason }
      else if (exitNow !== undefined && e.order.id === exitNow.id) exitNow.ended = { status: e.kind, reason: e.reason }
    }
    for (let i = 0; i < events.length; i++) this.onBookEvent(runner, bar, events[i]!)
    this.settle(runner, bar.timestamp)
  }

  /**
   * Before the book sees the bar: a working entry that would trade in it is sized at the price it would fill at
   * (fractions of equity, the account's cash, the risk rules, the lot step), and a trailing stop is set from that
   * price. An entry the account or the risk layer refuses is cancelled and recorded as a rejection.
   */
  private prepareEntry(runner: SymbolRunner, entry: WorkingEntry, bar: Bar, atClose: boolean): void {
    const book = runner.book
    const o = book.order(entry.id)
    if (o === undefined || (atClose && o.resting)) return
    if (o.expiresAt !== undefined && bar.timestamp >= o.expiresAt) return
    const from = atClose ? CLOSE_TIME : OPEN_TIME
    const fromPrice = atClose ? bar.close : bar.open
    if (eventTime(o, bar, book.model, from, fromPrice) === Infinity) return
    const base = wouldFillPrice(o, fromPrice)
    const marketLike = isMarketLike(o.type)
    const price = effectivePrice(book.costs, o.side, base, marketLike, bar)
    const spec = book.instrument
    const t = bar.timestamp
    if (o.filledQuantity === 0) {
      const sizing = this.portfolio.sizeEntry(entry.side, entry.requested, price, this.sizingRate, this.minimumFee)
      if (!sizing.ok) return this.refuseEntry(runner, entry, t, sizing.reason)
      let quantity = sizing.quantity
      let note: string | RiskNote | undefined = sizing.reduced ? "reduced to what the account can pay" : undefined
      const a = entry.action
      const trail = trailFrom(entry.side, a.trailing_stop, a.trailing_stop_pct, base)
      const stop = trail === undefined ? entry.stopLoss : this.roundLevel(book, tighter(entry.side, entry.stopLoss, trail))
      const risk = this.risk
      if (risk !== undefined) {
        const d = risk.decideEntry({
          symbol: runner.symbol,
          side: entry.side,
          timestamp: t,
          price,
          quantity,
          stopLoss: stop,
          equity: this.portfolio.equity(),
          openPositions: this.portfolio.openPositions(),
          openNotional: this.portfolio.grossNotional(),
          positionQuantity: 0
        })
        if (!d.ok) return this.refuseEntry(runner, entry, t, d.reason)
        if (d.quantity < quantity) {
          quantity = d.quantity
          if (d.note !== undefined) {
            d.note.prefix = note
            note = d.note
          }
        }
      }
      if (spec !== undefined) quantity = roundQuantity(spec, quantity, marketLike)
      if (quantity !== o.quantity) {
        // The book checks the new quantity against the lot filters.
        const r = book.amend(entry.id, { quantity })
        if (!r.ok) return this.refuseEntry(runner, entry, t, r.reason)
      }
      if (spec !== undefined && this.breaksNotional(spec, quantity, o.limitPrice ?? base, o.limitPrice !== undefined)) {
        // The notional at the fill price (the book checked a market order's at the decision close only).
        const problem = validateOrder(spec, { market: marketLike, quantity, price: o.limitPrice, stopPrice: o.stopPrice, referencePrice: base })
        if (problem !== undefined) return this.refuseEntry(runner, entry, t, problem.reason)
      }
      entry.sizingNote = note
      if (stop !== entry.stopLoss && entry.slId !== undefined) {
        const r = book.amend(entry.slId, { stopPrice: stop })
        if (r.ok) entry.stopLoss = stop
      }
      return
    }
    // The rest of a partly filled entry: only the cash is checked again (the risk rules passed at the first fill).
    const left = o.quantity - o.filledQuantity
    let can = this.portfolio.affordable(runner.symbol, entry.side, price, this.sizingRate, this.minimumFee)
    if (left <= can * (1 + EPS)) return
    if (spec !== undefined) can = roundQuantity(spec, can, marketLike)
    const reason = `insufficient ${entry.side === "long" ? "cash" : "equity"} for the remaining ${formatDecimal(left)} at ${formatDecimal(price)}`
    const r = can > 0 ? book.amend(entry.id, { quantity: o.filledQuantity + can }) : undefined
    if (r === undefined || !r.ok) this.endEntry(runner, entry, t, "cancelled", reason, true)
    else entry.sizingNote = join(noteText(entry.sizingNote), `${reason}: reduced by ${formatDecimal(left - can)}`)
  }

  /** Whether `quantity` at `price` is outside the spec's notional limits (which apply to market orders as configured). */
  private breaksNotional(spec: InstrumentSpec, quantity: number, price: number, priced: boolean): boolean {
    const notional = quantity * price
    if (spec.minNotional > 0 && (priced || spec.applyMinNotionalToMarket) && notional < spec.minNotional * (1 - 1e-12)) return true
    return spec.maxNotional > 0 && (priced || spec.applyMaxNotionalToMarket) && notional > spec.maxNotional * (1 + 1e-12)
  }

  private onBookEvent(runner: SymbolRunner, bar: Bar, e: BookEvent): void {
    const id = e.order.id
    const entry = runner.entry
    const exit = runner.exit
    switch (e.kind) {
      case "fill": {
        if (entry !== undefined && id === entry.id) this.onEntryFill(runner, entry, e.fill, bar)
        else if (exit !== undefined && id === exit.id) this.onExitFill(runner, exit, e.fill, bar)
        else if (e.order.role === "stop_loss" || e.order.role === "take_profit") this.onLegFill(runner, e.order.role, e.fill, bar)
        else throw new Error(`engine: ${runner.symbol}: a fill of order ${id}, which the engine does not track`)
        return
      }
      case "cancelled":
      case "expired": {
        // The entry's and the exit's ends were noted before the events were applied (see `match`).
        if ((entry === undefined || id !== entry.id) && (exit === undefined || id !== exit.id)) {
          const p = runner.position
          if (p !== undefined && p.slId === id) p.slId = undefined
          if (p !== undefined && p.tpId === id) p.tpId = undefined
          if (entry !== undefined && entry.slId === id) entry.slId = undefined
          if (entry !== undefined && entry.tpId === id) entry.tpId = undefined
        }
        return
      }
      default:
        return
    }
  }

  /** After a bar's events: an entry or exit that left the book gets its final record. */
  private settle(runner: SymbolRunner, timestamp: number): void {
    const book = runner.book
    const entry = runner.entry
    if (entry !== undefined && book.order(entry.id) === undefined) {
      if (entry.ended === undefined) this.finishEntryRecord(runner, entry, "filled", undefined)
      else this.endEntry(runner, entry, timestamp, entry.ended.status, entry.ended.reason, true)
    }
    const exit = runner.exit
    if (exit !== undefined && book.order(exit.id) === undefined) {
      if (exit.ended !== undefined) this.endExit(runner, exit, timestamp, exit.ended.status, exit.ended.reason)
      else {
        this.finishRecord(exit.record, "filled", undefined)
        runner.exit = undefined
      }
    }
  }

  private addFill(record: MutableRecord, f: Fill, timestamp: number): void {
    const before = record.filledQuantity ?? 0
    const after = before + f.quantity
    record.fills.push({ timestamp, quantity: f.quantity, price: f.price, commission: f.commission })
    record.fillPrice = before === 0 ? f.price : ((record.fillPrice ?? 0) * before + f.price * f.quantity) / after
    record.filledQuantity = after
    if (record.fillTime === undefined) record.fillTime = timestamp
    record.fees += f.commission
  }

  private onEntryFill(runner: SymbolRunner, entry: WorkingEntry, f: Fill, bar: Bar): void {
    this.addFill(entry.record, f, bar.timestamp)
    const p = runner.position
    if (p !== undefined) {
      // A later fill of the same entry (cut by the volume cap): the position grows at the average price.
      this.portfolio.add(runner.symbol, f.quantity, f.price, f.commission)
      const h = this.portfolio.holding(runner.symbol)!
      p.quantity = this.onLotGrid(runner, h.quantity)
      p.entryPrice = h.entryPrice
      this.noteAccount(runner)
      this.publishPosition(runner)
      return
    }
    const a = entry.action
    const label = a.action
    this.portfolio.open(runner.symbol, entry.side, f.quantity, f.price, f.commission)
    const quantity = this.onLotGrid(runner, f.quantity)
    this.noteAccount(runner)
    runner.position = {
      side: entry.side,
      quantity,
      entryPrice: f.price,
      entryTime: bar.timestamp,
      entryBar: runner.bars,
      entryReason: a.reason ?? label,
      stopLoss: entry.stopLoss,
      takeProfit: entry.takeProfit,
      trailingStop: a.trailing_stop,
      trailingStopPct: a.trailing_stop_pct,
      bestPrice: f.basePrice,
      worstPrice: f.basePrice,
      breakevenAt: a.breakeven_at,
      entryId: entry.id,
      slId: entry.slId,
      tpId: entry.tpId
    }
    this.move(runner, bar.timestamp, { _tag: "EntryFilled", reason: `${label} filled at ${f.price}` + (a.reason !== undefined ? `: ${a.reason}` : "") })
    this.publishPosition(runner)
  }

  private onExitFill(runner: SymbolRunner, exit: WorkingExit, f: Fill, bar: Bar): void {
    this.addFill(exit.record, f, bar.timestamp)
    const p = runner.position
    if (p === undefined) return
    if (this.closesAll(runner, p, f.quantity)) this.closePosition(runner, f.price, f.commission, bar.timestamp, exit.exitReason, exit.reason, exit.id)
    else this.reducePosition(runner, f.quantity, f.price, f.commission, bar.timestamp, exit.exitReason, `partial exit of ${f.quantity} (${p.quantity - f.quantity} left): ${exit.reason}`)
  }

  private onLegFill(runner: SymbolRunner, role: Exclude<OrderRole, "entry">, f: Fill, bar: Bar): void {
    const p = runner.position
    if (p === undefined) return
    const kind = role === "stop_loss" && (p.trailingStop !== undefined || p.trailingStopPct !== undefined) ? "trailing stop_loss" : role
    const where = f.time === OPEN_TIME ? "at the open" : f.time === CLOSE_TIME ? "at the close" : "when it became active"
    // At the open, the bar opened at or beyond the level: a gap (an open exactly at the level included).
    const note = f.gapped || f.time === OPEN_TIME ? `${kind} gapped: filled ${where} ${f.basePrice}` : `${kind} at ${f.basePrice}`
    const id = role === "stop_loss" ? p.slId : p.tpId
    if (this.closesAll(runner, p, f.quantity)) this.closePosition(runner, f.price, f.commission, bar.timestamp, role, note, id)
    else this.reducePosition(runner, f.quantity, f.price, f.commission, bar.timestamp, role, `partial ${note} (${p.quantity - f.quantity} left)`)
  }

  /**
   * Whether a fill of `quantity` closes the whole position: all of it, or all but dust (float residue of fills that
   * took different paths, e.g. an exit split by the volume cap: less than 1e-9 of the position, or less than half a
   * lot step).
   */
  private closesAll(runner: SymbolRunner, p: OpenPosition, quantity: number): boolean {
    const left = p.quantity - quantity
    if (left <= p.quantity * 1e-9) return true
    const step = runner.book.instrument?.stepSize ?? 0
    return step > 0 && left < step / 2
  }

  /** Records the symbol's money state after a fill, for its P&L curve (see {@link EngineCore.pnlCurve}). */
  private noteAccount(runner: SymbolRunner): void {
    if (runner.pnl !== undefined) return
    const changes = runner.accountChanges
    const index = this.equityTimes.length
    const s = this.portfolio.stateAt(runner.slot)
    const state: AccountChange = { index, realized: s.realized, position: s.position, entryPrice: s.entryPrice, entryFee: s.entryFee }
    if (changes.length > 0 && changes[changes.length - 1]!.index === index) changes[changes.length - 1] = state
    else changes.push(state)
  }

  /**
   * The symbol's P&L at each equity point: recorded as it went, or computed from its money state after each fill and
   * its close at each point (the mark the equity was computed with), with the same arithmetic as
   * `Portfolio.symbolPnlAt`, so the curves add up to the equity curve.
   */
  private pnlCurve(runner: SymbolRunner, prices: PriceColumns | undefined, times: ReadonlyArray<number>): Array<number> {
    if (runner.pnl !== undefined) return runner.pnl
    const n = times.length
    const out = new Array<number>(n)
    // Prices are recorded whenever the P&L was not recorded as it went.
    const barTimes = prices!.timestamps
    const closes = prices!.close
    const changes = runner.accountChanges
    let bar = -1
    let k = 0
    let realized = 0
    let position = 0
    let entryPrice = 0
    let entryFee = 0
    const lastBar = barTimes.length - 1
    let nextChange = changes.length > 0 ? changes[0]!.index : Infinity
    for (let i = 0; i < n; i++) {
      const t = times[i]!
      while (bar < lastBar && barTimes[bar + 1]! <= t) bar++
      while (nextChange <= i) {
        const c = changes[k++]!
        realized = c.realized
        position = c.position
        entryPrice = c.entryPrice
        entryFee = c.entryFee
        nextChange = k < changes.length ? changes[k]!.index : Infinity
      }
      out[i] = bar < 0 ? 0 : position === 0 ? realized : realized + position * (closes[bar]! - entryPrice) - entryFee
    }
    return out
  }

  /**
   * With an instrument spec, a position is a sum of lot multiples, and float arithmetic drifts it off the lot grid by
   * a few ulps (which a lot-step rounding down would then turn into a whole step less). Puts the position, in the
   * engine and in the portfolio, back on the grid when it is within noise of it.
   */
  private onLotGrid(runner: SymbolRunner, quantity: number): number {
    const step = runner.book.instrument?.stepSize ?? 0
    if (step <= 0) return quantity
    const snapped = roundToStep(quantity, step, "nearest")
    if (snapped === quantity || !(Math.abs(snapped - quantity) <= step * 1e-6) || !(snapped > 0)) return quantity
    this.portfolio.snapQuantity(runner.symbol, snapped)
    return snapped
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Records

  private finishRecord(record: MutableRecord, status: OrderRecord["status"], note: string | RiskNote | undefined): void {
    const filled = (record.filledQuantity ?? 0) > 0
    record.status = status === "filled" || !filled ? status : "partially_filled"
    if (note !== undefined) record.note = note
  }

  private finishEntryRecord(runner: SymbolRunner, entry: WorkingEntry, status: OrderRecord["status"], note: string | undefined): void {
    this.finishRecord(entry.record, status, status === "filled" ? entry.sizingNote : note)
    runner.entry = undefined
  }

  /**
   * The entry ends (cancelled, expired or rejected) with what it filled so far. `venue`: the venue or the account
   * ended it, not the strategy: without any fill that is a rejection and the machine returns to Watch.
   */
  private endEntry(runner: SymbolRunner, entry: WorkingEntry, timestamp: number, status: OrderRecord["status"], reason: string, venue: boolean): void {
    runner.book.cancel(entry.id, reason)
    const filled = (entry.record.filledQuantity ?? 0) > 0
    this.finishEntryRecord(runner, entry, status, filled ? join(noteText(entry.sizingNote), `the rest ${status === "expired" ? "expired" : "was cancelled"}: ${reason}`) : reason)
    if (!venue) return
    this.reject(runner, timestamp, entry.action.action, status === "rejected" ? reason : filled ? `${status} (the rest): ${reason}` : `${status}: ${reason}`)
    if (!filled && runner.state !== "InTrade") this.move(runner, timestamp, { _tag: "EntryRejected", reason: `entry rejected: ${reason}` })
  }

  private refuseEntry(runner: SymbolRunner, entry: WorkingEntry, timestamp: number, reason: string): void {
    this.endEntry(runner, entry, timestamp, "rejected", reason, true)
  }

  private endExit(runner: SymbolRunner, exit: WorkingExit, timestamp: number, status: OrderRecord["status"], reason: string): void {
    runner.book.cancel(exit.id, reason)
    runner.exit = undefined
    const filled = (exit.record.filledQuantity ?? 0) > 0
    this.finishRecord(exit.record, status, filled ? `the rest ${status === "expired" ? "expired" : "was cancelled"}: ${reason}` : reason)
    if (!filled && !reason.startsWith("position already closed")) this.reject(runner, timestamp, "exit", `${status}: ${reason}`)
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Protective levels

  /** A protective level rounded to the symbol's tick size (nearest tick), when it has an instrument spec. */
  private roundLevel(book: OrderBook, level: number): number {
    const spec = book.instrument
    return spec === undefined || spec.tickSize <= 0 ? level : roundPrice(spec, level, "nearest")
  }

  /** Brings the stop-loss order in line with the position's level: amends it, or adds one when there is none. */
  private syncStop(runner: SymbolRunner, timestamp: number): void {
    const p = runner.position
    if (p === undefined || p.stopLoss === undefined) return
    p.stopLoss = this.roundLevel(runner.book, p.stopLoss)
    this.syncLeg(runner, "stop_loss", p.stopLoss, timestamp)
  }

  private syncTarget(runner: SymbolRunner, timestamp: number): void {
    const p = runner.position
    if (p === undefined || p.takeProfit === undefined) return
    p.takeProfit = this.roundLevel(runner.book, p.takeProfit)
    this.syncLeg(runner, "take_profit", p.takeProfit, timestamp)
  }

  private syncLeg(runner: SymbolRunner, role: "stop_loss" | "take_profit", level: number, timestamp: number): void {
    const p = runner.position!
    const book = runner.book
    const id = role === "stop_loss" ? p.slId : p.tpId
    const o = id === undefined ? undefined : book.order(id)
    if (o !== undefined) {
      // A triggered stop is already executing: its price no longer matters.
      if (o.triggered || (role === "stop_loss" ? o.stopPrice : o.limitPrice) === level) return
      const r = book.amend(o.id, role === "stop_loss" ? { stopPrice: level } : { limitPrice: level })
      if (!r.ok) this.reject(runner, timestamp, role, r.reason)
      return
    }
    const problem = this.attachLeg(runner, role, level, timestamp)
    if (problem !== undefined) this.reject(runner, timestamp, role, problem)
  }

  /**
   * Adds a stop-loss or take-profit order to an open position that has none (a stop set after the entry, a
   * breakeven move without an initial stop), one-cancels-other with the other leg when there is one, like a bracket
   * leg (`OrderBook.attachLeg`). Returns why the book refused it.
   */
  private attachLeg(runner: SymbolRunner, role: "stop_loss" | "take_profit", level: number, timestamp: number): string | undefined {
    const p = runner.position!
    const entry = runner.entry
    const r = runner.book.attachLeg({
      role,
      side: p.side === "long" ? "sell" : "buy",
      quantity: p.quantity,
      price: level,
      // Hung on a still working entry, the leg grows with its later fills like a bracket leg.
      parentId: entry !== undefined ? entry.id : p.entryId,
      ocoId: role === "stop_loss" ? p.tpId : p.slId,
      tag: p.entryReason
    }, timestamp)
    if (!r.ok) return r.reason
    if (role === "stop_loss") p.slId = r.order.id
    else p.tpId = r.order.id
    return undefined
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Risk

  /** A new timestamp: the risk layer sees the equity at the previous closes; a halt cancels entries, maybe flattens. */
  private observeRisk(timestamp: number, equity: number): void {
    // The open notional is given with each entry check (`checkEntry`), so the equity is all the rules need here.
    const trigger = this.risk!.onEquity(timestamp, equity)
    if (trigger === undefined) return
    this.riskEvents.push({ timestamp, rule: trigger.rule, reason: trigger.reason, flatten: trigger.flatten })
    for (const runner of this.order) {
      const entry = runner.entry
      if (entry !== undefined) this.endEntry(runner, entry, timestamp, "cancelled", `risk: ${trigger.reason}`, true)
      if (trigger.flatten && runner.position !== undefined && runner.exit === undefined) {
        this.submitExit(runner, timestamp, timestamp, undefined, undefined, `risk: ${trigger.rule}: flatten`, "risk", runner.lastPrice)
      }
    }
  }

  /**
   * A new timestamp of a margin account: equity (at the previous closes) below `maintenance × gross notional` is a
   * margin call. Working entries are cancelled and every position is closed at the next opens; trading goes on after.
   */
  private checkMargin(timestamp: number, equity: number): void {
    const gross = this.portfolio.grossNotional()
    if (!(gross > 0) || equity >= this.maintenance! * gross) return
    // Exits already on their way (from an earlier call or the strategy) are not sent again.
    let pending = false
    for (const runner of this.order) if (runner.position !== undefined && runner.exit === undefined) pending = true
    if (!pending) return
    const reason = `margin call: equity ${equity.toFixed(2)} is below ${this.maintenance! * 100}% of the gross notional ${gross.toFixed(2)}`
    this.riskEvents.push({ timestamp, rule: "margin_call", reason, flatten: true })
    for (const runner of this.order) {
      const entry = runner.entry
      if (entry !== undefined) this.endEntry(runner, entry, timestamp, "cancelled", `risk: ${reason}`, true)
      if (runner.position !== undefined && runner.exit === undefined) {
        this.submitExit(runner, timestamp, timestamp, undefined, undefined, "risk: margin_call: flatten", "risk", runner.lastPrice)
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------------

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

  private bookOptions(instrument: InstrumentSpec | undefined, costs: OrderBook["costs"]) {
    return { model: this.venue.model, costs, instrument, ids: this.ids }
  }

  /** A new symbol's book: the venue's model and costs, the symbol's instrument spec. */
  private newBook(symbol: string): OrderBook {
    const specs = this.venue.instruments
    const spec = specs?.get(symbol)
    if (specs !== undefined && spec === undefined) {
      throw new EngineConfigError("instruments", `no instrument spec for ${symbol} (specs are given for ${[...specs.keys()].join(", ")})`)
    }
    const costs = costModelFor(this.venue, symbol, spec)
    if (typeof costs === "string") throw new EngineConfigError("slippage.tickSize", costs)
    return new OrderBook(symbol, this.bookOptions(spec, costs))
  }

  private addRunner(bar: Bar): SymbolRunner {
    const book = this.newBook(bar.symbol)
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
      entry: undefined,
      exit: undefined,
      book,
      halted: strategy === undefined,
      lastPrice: bar.open,
      lastTimestamp: bar.timestamp,
      lastBar: undefined,
      bars: 0,
      barMs: Infinity,
      closeWatchBar: 0,
      closeWatchTime: 0,
      slot: this.portfolio.slot(bar.symbol),
      // Zero before the symbol's first bar, so every curve has one point per equity point.
      pnl: this.recordPrices ? undefined : new Array<number>(this.equityTimes.length).fill(0),
      accountChanges: [],
      prices: this.recordPrices ? new PriceRecorder() : undefined
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

  private newOrder(runner: SymbolRunner, action: string, decidedAt: number, requestedQuantity: number | undefined, o?: Order): MutableRecord {
    const record: MutableRecord = {
      id: this.orders.length + 1,
      orderId: o?.id,
      symbol: runner.symbol,
      action,
      decidedAt,
      requestedQuantity,
      status: "unfilled",
      fillTime: undefined,
      fillPrice: undefined,
      filledQuantity: undefined,
      note: undefined,
      orderType: o?.type ?? "market",
      limitPrice: o?.limitPrice,
      stopPrice: o?.stopPrice,
      timeInForce: o?.timeInForce ?? "GTC",
      fills: [],
      fees: 0
    }
    this.orders.push(record)
    return record
  }

  private reject(runner: SymbolRunner, timestamp: number, action: string, reason: string): void {
    this.rejections.push({ symbol: runner.symbol, timestamp, action, reason })
  }

  /** Records the account's equity at `timestamp` (every symbol at its last close) and returns it. */
  private recordEquity(timestamp: number): number {
    const portfolio = this.portfolio
    const equity = portfolio.equity()
    this.equityTimes.push(timestamp)
    this.equityValues.push(equity)
    if (portfolio.hasHoldings()) this.exposedObservations++
    if (!this.recordPrices) {
      // Without the closes to compute them from at the end, the symbols' P&L points are recorded as they come.
      const order = this.order
      for (let i = 0; i < order.length; i++) order[i]!.pnl!.push(portfolio.symbolPnlAt(order[i]!.slot))
    }
    return equity
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

  /**
   * Closes the whole position at `price` paying `fee`. The protective orders and a working exit are cancelled, unless
   * one of them (`closer`, a book id) is what closed it.
   */
  private closePosition(runner: SymbolRunner, price: number, fee: number, timestamp: number, reason: ExitReason, note: string, closer: number | undefined): void {
    const p = runner.position!
    const realized = this.portfolio.close(runner.symbol, price, fee)
    this.noteAccount(runner)
    const pnl = realized.pnl
    const x = excursions(p, price, p.quantity)
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
      mae: x.mae,
      mfe: x.mfe,
      maePct: x.maePct,
      mfePct: x.mfePct,
      entryReason: p.entryReason,
      exitReason: reason,
      exitNote: note
    })
    runner.position = undefined
    const book = runner.book
    if (p.slId !== undefined && p.slId !== closer) book.cancel(p.slId, `position closed: ${reason}`)
    if (p.tpId !== undefined && p.tpId !== closer) book.cancel(p.tpId, `position closed: ${reason}`)
    const entry = runner.entry
    if (entry !== undefined) {
      // Filled in full earlier in this bar: complete; else the unfilled rest goes with the position.
      if (entry.ended === undefined && book.order(entry.id) === undefined) this.finishEntryRecord(runner, entry, "filled", undefined)
      else this.endEntry(runner, entry, timestamp, "cancelled", `position closed: ${reason}`, false)
    }
    const exit = runner.exit
    if (exit !== undefined && exit.id !== closer) {
      // A partial exit filled earlier in this bar is complete; one still working finds no position left.
      if (exit.ended === undefined && book.order(exit.id) === undefined) {
        this.finishRecord(exit.record, "filled", undefined)
        runner.exit = undefined
      } else this.endExit(runner, exit, timestamp, "cancelled", `position already closed: ${reason}`)
    }
    this.move(runner, timestamp, { _tag: "PositionClosed", reason: `${reason}: ${note}` })
    this.publishPosition(runner)
  }

  /** A partial exit: `quantity` units (less than the position) close at `price`; the rest stays open. */
  private reducePosition(runner: SymbolRunner, quantity: number, price: number, fee: number, timestamp: number, reason: ExitReason, note: string): void {
    const p = runner.position!
    const realized = this.portfolio.reduce(runner.symbol, quantity, price, fee)
    p.quantity = this.onLotGrid(runner, this.portfolio.holding(runner.symbol)!.quantity)
    this.noteAccount(runner)
    const x = excursions(p, price, quantity)
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
      mae: x.mae,
      mfe: x.mfe,
      maePct: x.maePct,
      mfePct: x.mfePct,
      entryReason: p.entryReason,
      exitReason: reason,
      exitNote: note
    })
    this.publishPosition(runner)
  }

  private fail(runner: SymbolRunner, timestamp: number, error: unknown): void {
    runner.halted = true
    const message = error instanceof StrategyError ? error.message : describe(error)
    this.failures.push({ symbol: runner.symbol, timestamp, message })
    const entry = runner.entry
    if (entry !== undefined) {
      const filled = (entry.record.filledQuantity ?? 0) > 0
      this.endEntry(runner, entry, timestamp, "cancelled", "strategy failed before the fill", false)
      if (!filled) this.reject(runner, timestamp, entry.action.action, "strategy failed before the fill")
    }
    if (runner.state === "CloseWatch") this.move(runner, timestamp, { _tag: "CancelAnalysis", reason: "strategy failed" })
    if (this.errorPolicy === "flatten" && runner.position !== undefined && runner.exit === undefined) {
      this.submitExit(runner, timestamp, this.orderTime(runner, timestamp), undefined, undefined, "flatten after strategy failure", "strategy", runner.lastPrice)
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

  /** When an order decided on the bar at `timestamp` reaches the book: that bar's close (its open time + its length). */
  private orderTime(runner: SymbolRunner, timestamp: number): number {
    return runner.barMs === Infinity ? timestamp : timestamp + runner.barMs
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
        if (state !== "CloseWatch") {
          this.reject(runner, t, action.action, `cancel_analysis is only valid in CloseWatch, not ${state}`)
          return
        }
        const entry = runner.entry
        if (entry !== undefined) this.endEntry(runner, entry, t, "cancelled", `cancel_analysis: ${action.reason ?? "cancel_analysis"}`, false)
        this.move(runner, t, { _tag: "CancelAnalysis", reason: action.reason ?? "cancel_analysis" })
        return
      }
      case "enter_long":
      case "enter_short": {
        if (state === "InTrade") {
          this.reject(runner, t, action.action, "already in a position")
          return
        }
        if (runner.entry !== undefined) {
          this.reject(runner, t, action.action, `entry order ${runner.entry.id} is still working; cancel_order or amend_order it first`)
          return
        }
        const side: Side = action.action === "enter_long" ? "long" : "short"
        const type = action.order_type ?? "market"
        const reference = type === "limit" || type === "stop_limit" ? action.limit_price! : type === "stop" ? action.stop_price! : bar.close
        const problem = this.checkLevels(side, reference, action.stop_loss, action.take_profit) ??
          (action.breakeven_at !== undefined ? this.checkLevels(side, reference, undefined, action.breakeven_at)?.replace("take_profit", "breakeven_at") : undefined)
        if (problem !== undefined) {
          this.reject(runner, t, action.action, problem)
          return
        }
        this.submitEntry(runner, bar, action, side, reference)
        return
      }
      case "cancel_order": {
        const entry = runner.entry
        if (entry === undefined) {
          this.reject(runner, t, action.action, "no entry order is working")
          return
        }
        this.endEntry(runner, entry, t, "cancelled", action.reason ?? "cancelled by the strategy", false)
        return
      }
      case "amend_order": {
        this.amendEntry(runner, bar, action)
        return
      }
      case "exit": {
        const p = runner.position
        if (state !== "InTrade" || p === undefined) {
          this.reject(runner, t, action.action, `exit is only valid in InTrade, not ${state}`)
          return
        }
        if (runner.exit !== undefined) return // an exit is already on its way
        const open = p.quantity
        const quantity = action.fraction !== undefined ? action.fraction * open : action.quantity
        this.submitExit(runner, t, this.orderTime(runner, t), quantity, quantity, action.reason ?? "exit", "strategy", bar.close)
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
        this.syncStop(runner, t)
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
        this.syncStop(runner, t)
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
        if (isStop) {
          p.stopLoss = level
          this.syncStop(runner, t)
        } else {
          p.takeProfit = level
          this.syncTarget(runner, t)
        }
        this.publishPosition(runner)
        return
      }
    }
  }

  /**
   * An entry decided on this bar: sized on an estimate (the decision close, or the order's own limit or stop price),
   * checked by the risk layer when it may rest (limit and stop entries), rounded to the lot step and submitted as a
   * bracket. The exact size, and the risk check of a market entry, come at the fill (see
   * {@link EngineCore.prepareEntry}). Refusals here are rejections (with an order record); the state stays.
   */
  private submitEntry(runner: SymbolRunner, bar: Bar, action: Action, side: Side, reference: number): void {
    const t = bar.timestamp
    const label = action.action
    const book = runner.book
    const spec = book.instrument
    const type = action.order_type ?? "market"
    const marketLike = isMarketLike(type)
    const requested = action.quantity!
    const equity = this.portfolio.equity()
    // A placeholder when there is no equity: the fill-time sizing refuses it with the reason.
    let quantity = requested < 1 && equity > 0 ? (requested * equity) / reference : requested
    const trail = trailFrom(side, action.trailing_stop, action.trailing_stop_pct, reference)
    const given = action.stop_loss === undefined ? undefined : this.roundLevel(book, action.stop_loss)
    const stopLoss = trail === undefined ? given : this.roundLevel(book, tighter(side, given, trail))
    const takeProfit = action.take_profit === undefined ? undefined : this.roundLevel(book, action.take_profit)
    let note: RiskNote | undefined
    const risk = this.risk
    // A market entry fills on the next bar (or this close), where the risk rules check it at its fill price; a
    // limit or stop entry may rest for a while, so it is checked now too, and never rests refused.
    if (risk !== undefined && type !== "market") {
      const d = risk.decideEntry({
        symbol: runner.symbol,
        side,
        timestamp: t,
        price: reference,
        quantity,
        stopLoss,
        equity,
        openPositions: this.portfolio.openPositions(),
        openNotional: this.portfolio.grossNotional(),
        positionQuantity: 0
      })
      if (!d.ok) return this.refuseSubmission(runner, action, t, d.reason)
      quantity = d.quantity
      note = d.note
    }
    if (spec !== undefined) {
      const rounded = roundQuantity(spec, quantity, marketLike)
      if (!(rounded > 0)) {
        return this.refuseSubmission(runner, action, t, `quantity ${formatDecimal(quantity)} rounds down to 0 at the lot step ${formatDecimal(spec.stepSize)} (LOT_SIZE)`)
      }
      quantity = rounded
    }
    const placed = book.submitBracket({
      entry: {
        symbol: runner.symbol,
        side: side === "long" ? "buy" : "sell",
        type,
        quantity,
        limitPrice: action.limit_price,
        stopPrice: action.stop_price,
        timeInForce: action.time_in_force,
        tag: action.reason
      },
      stopLoss: stopLoss === undefined ? undefined : { stopPrice: stopLoss },
      takeProfit: takeProfit === undefined ? undefined : { limitPrice: takeProfit }
    }, this.orderTime(runner, t), bar.close)
    if (!placed.ok) return this.refuseSubmission(runner, action, t, placed.reason)
    runner.entry = {
      id: placed.entry.id,
      side,
      action,
      decidedAt: t,
      record: this.newOrder(runner, label, t, requested, placed.entry),
      requested,
      stopLoss,
      takeProfit,
      slId: placed.stopLoss?.id,
      tpId: placed.takeProfit?.id,
      sizingNote: note,
      ended: undefined
    }
  }

  /** An entry refused before it reached the book: a rejected order record and a rejection. */
  private refuseSubmission(runner: SymbolRunner, action: Action, t: number, reason: string): void {
    const record = this.newOrder(runner, action.action, t, action.quantity)
    record.orderType = action.order_type ?? "market"
    record.limitPrice = action.limit_price
    record.stopPrice = action.stop_price
    record.timeInForce = action.time_in_force ?? "GTC"
    this.finishRecord(record, "rejected", reason)
    this.reject(runner, t, action.action, reason)
  }

  /** `amend_order`: a new limit price, stop price or quantity for the working entry (its legs must still fit). */
  private amendEntry(runner: SymbolRunner, bar: Bar, action: Action): void {
    const t = bar.timestamp
    const entry = runner.entry
    const book = runner.book
    const o = entry === undefined ? undefined : book.order(entry.id)
    if (entry === undefined || o === undefined) {
      this.reject(runner, t, action.action, "no entry order is working")
      return
    }
    const limitPrice = action.limit_price
    const stopPrice = action.stop_price
    const reference = o.type === "limit" || o.type === "stop_limit" ? limitPrice ?? o.limitPrice! : o.type === "stop" ? stopPrice ?? o.stopPrice! : bar.close
    const a = entry.action
    const trailing = a.trailing_stop !== undefined || a.trailing_stop_pct !== undefined
    if (o.filledQuantity === 0) {
      // A trailing stop is set from the fill price when the entry fills: only a given stop must fit the new price.
      const problem = this.checkLevels(entry.side, reference, trailing ? a.stop_loss : entry.stopLoss, entry.takeProfit)
      if (problem !== undefined) {
        this.reject(runner, t, action.action, problem)
        return
      }
    }
    const requested = action.quantity
    let quantity: number | undefined
    if (requested !== undefined) {
      const equity = this.portfolio.equity()
      quantity = requested < 1 && equity > 0 ? (requested * equity) / reference : requested
      if (book.instrument !== undefined) quantity = roundQuantity(book.instrument, quantity, isMarketLike(o.type))
    }
    const r = book.amend(entry.id, { limitPrice, stopPrice, quantity })
    if (!r.ok) {
      this.reject(runner, t, action.action, r.reason)
      return
    }
    if (requested !== undefined) {
      entry.requested = requested
      entry.record.requestedQuantity = requested
    }
    if (limitPrice !== undefined) entry.record.limitPrice = limitPrice
    if (stopPrice !== undefined) entry.record.stopPrice = stopPrice
    // Amended down to what already filled: the order is complete.
    if (book.order(entry.id) === undefined) this.finishEntryRecord(runner, entry, "filled", undefined)
  }

  /**
   * An exit as a reduce-only market order for `quantity` units (the whole position when absent or not below it).
   * A whole exit cancels the protective orders (it replaces them); a partial one keeps them for the rest. A working
   * entry's unfilled rest is cancelled.
   */
  private submitExit(
    runner: SymbolRunner,
    t: number,
    at: number,
    quantity: number | undefined,
    requested: number | undefined,
    reason: string,
    exitReason: ExitReason,
    referencePrice: number
  ): void {
    const p = runner.position!
    const book = runner.book
    const entry = runner.entry
    if (entry !== undefined) this.endEntry(runner, entry, t, "cancelled", `exit decided: ${reason}`, false)
    const partial = quantity !== undefined && quantity < p.quantity
    let q = partial ? quantity : p.quantity
    if (partial && book.instrument !== undefined) q = roundQuantity(book.instrument, q, true)
    const placed = q > 0
      ? book.submit({ symbol: runner.symbol, side: p.side === "long" ? "sell" : "buy", type: "market", quantity: q, reduceOnly: true, tag: reason }, at, referencePrice)
      : { ok: false as const, reason: `quantity ${formatDecimal(quantity ?? 0)} rounds down to 0 at the lot step` }
    const record = this.newOrder(runner, "exit", t, requested, placed.ok ? placed.order : undefined)
    if (!placed.ok) {
      this.finishRecord(record, "rejected", placed.reason)
      this.reject(runner, t, "exit", placed.reason)
      return
    }
    runner.exit = { id: placed.order.id, reason, exitReason, decidedAt: t, record, ended: undefined }
    if (!partial) {
      if (p.slId !== undefined) book.cancel(p.slId, `replaced by exit ${record.id}`)
      if (p.tpId !== undefined) book.cancel(p.tpId, `replaced by exit ${record.id}`)
      p.slId = undefined
      p.tpId = undefined
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
   * Ends the run: orders still working are listed as unfilled (`unfilled: the data ended …` in `rejections`), open
   * positions are closed at their last close when `closeAtEnd` (exit reason `end_of_data`, with the taker commission
   * and the market-order slippage), the last equity point is recorded and the metrics computed.
   */
  finish(quality: DataQualityReport): BacktestResult {
    for (const runner of this.order) {
      const last = runner.lastTimestamp
      const entry = runner.entry
      if (entry !== undefined) {
        const note = endedNote(entry.decidedAt, last)
        const filled = (entry.record.filledQuantity ?? 0) > 0
        this.finishEntryRecord(runner, entry, "unfilled", filled ? join(noteText(entry.sizingNote), `the rest was unfilled: ${note}`) : note)
        if (!filled) this.reject(runner, entry.decidedAt, entry.action.action, `unfilled: ${note}`)
      }
      const exit = runner.exit
      if (exit !== undefined) {
        const note = endedNote(exit.decidedAt, last)
        const filled = (exit.record.filledQuantity ?? 0) > 0
        this.finishRecord(exit.record, "unfilled", filled ? `the rest was unfilled: ${note}` : note)
        if (!filled) this.reject(runner, exit.decidedAt, "exit", `unfilled: ${note}`)
        runner.exit = undefined
      }
      const p = runner.position
      if (this.closeAtEnd && p !== undefined) {
        const side = p.side === "long" ? "sell" : "buy"
        const price = runner.lastBar === undefined ? runner.lastPrice : effectivePrice(runner.book.costs, side, runner.lastPrice, true, runner.lastBar)
        const fee = commissionFor(runner.book.costs.commission, p.quantity, price, "taker")
        this.closePosition(runner, price, fee, runner.lastTimestamp, "end_of_data", `closed at the last close ${runner.lastPrice}`, undefined)
      }
      runner.book.cancelAll("the data ended")
    }
    if (!Number.isNaN(this.currentTime)) this.recordEquity(this.currentTime)
    if (this.transitions.length > this.maxTransitions) this.dropOldTransitions()
    const equity = { timestamps: this.equityTimes.release(), equity: this.equityValues.release() }
    const bySymbol = [...this.order].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0))
    const columns = bySymbol.map((r) => r.prices?.release())
    const portfolio = this.portfolio
    const account: AccountSummary = {
      cash: portfolio.cash,
      realizedPnl: portfolio.realizedPnl(),
      unrealizedPnl: portfolio.unrealizedPnl(),
      fees: portfolio.totalFees(),
      symbols: portfolio.accounts()
    }
    const result: BacktestResult = {
      strategy: this.definition.name,
      symbols: bySymbol.map((r) => r.symbol),
      metrics: computeMetrics({
        initialCash: this.settings.initialCash,
        equity,
        trades: this.trades,
        bars: this.barCount,
        exposed: this.exposedObservations
      }),
      trades: this.trades,
      orders: this.orders as ReadonlyArray<OrderRecord>, // replaced below by a property formatting the risk notes
      equity,
      transitions: this.transitions,
      transitionsDropped: this.transitionsDropped,
      reloads: this.reloads,
      prices: bySymbol.flatMap((r, i) => (columns[i] === undefined ? [] : [{ symbol: r.symbol, ...columns[i] }])),
      rejections: this.rejections,
      failures: this.failures,
      quality,
      symbolEquity: bySymbol.map((r, i) => ({ symbol: r.symbol, pnl: this.pnlCurve(r, columns[i], equity.timestamps) })),
      account,
      riskEvents: this.riskEvents
    }
    deferNotes(result, this.orders)
    return result
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
    const copyRecord = (r: MutableRecord): OrderRecord => ({ ...r, note: noteText(r.note), fills: [...r.fills] })
    return {
      version: 1,
      strategy: this.definition.name,
      barCount: this.barCount,
      currentTimestamp: this.currentTimestamp,
      portfolio: this.portfolio.snapshot(),
      nextOrderId: this.ids.next,
      risk: this.risk?.snapshot(),
      riskEvents: [...this.riskEvents],
      runners: this.order.map((r): RunnerSnapshot => {
        return {
          symbol: r.symbol,
          hasStrategy: r.strategy !== undefined,
          state: r.state,
          position: r.position === undefined ? undefined : { ...r.position },
          entry: r.entry === undefined ? undefined : saveWorking({ ...r.entry, sizingNote: noteText(r.entry.sizingNote) }),
          exit: r.exit === undefined ? undefined : saveWorking(r.exit),
          book: r.book.snapshot(),
          halted: r.halted,
          lastPrice: r.lastPrice,
          lastTimestamp: r.lastTimestamp,
          lastBar: r.lastBar,
          bars: r.bars,
          barMs: r.barMs,
          closeWatchBar: r.closeWatchBar,
          closeWatchTime: r.closeWatchTime,
          context: r.strategy?.snapshotContext(),
          indicators: r.indicators.snapshot(),
          pnl: r.pnl?.slice(),
          accountChanges: [...r.accountChanges],
          prices: r.prices?.toColumns()
        }
      }),
      trades: this.trades.map((t) => ({ ...t })),
      orders: this.orders.map(copyRecord),
      transitions: [...this.transitions],
      transitionsDropped: this.transitionsDropped,
      reloads: [...this.reloads],
      rejections: [...this.rejections],
      failures: [...this.failures],
      equityTimes: this.equityTimes.toArray(),
      equityValues: this.equityValues.toArray(),
      exposedObservations: this.exposedObservations
    }
  }

  /**
   * A core that continues a snapshotted run: same strategy (by definition, instantiated anew per symbol, its context
   * merged back and its position published), same settings and venue. Feeding it the bars after the snapshot gives
   * the result the uninterrupted run would have given.
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
    core.currentTime = snapshot.currentTimestamp ?? Number.NaN
    core.portfolio = Portfolio.restore(settings.initialCash, snapshot.portfolio)
    core.portfolio.leverage = settings.margin?.leverage
    core.ids.next = snapshot.nextOrderId
    if (snapshot.risk !== undefined) core.risk = RiskManager.restore(settings.risk ?? {}, snapshot.risk)
    // Loops, not `push(...xs)`: a long run's lists exceed the argument limit of a call.
    for (const e of snapshot.riskEvents) core.riskEvents.push(e)
    for (const t of snapshot.trades) core.trades.push({ ...t })
    for (const o of snapshot.orders) core.orders.push({ ...o, fills: [...(o.fills ?? [])], fees: o.fees ?? 0 } as MutableRecord)
    for (const t of snapshot.transitions) core.transitions.push(t)
    core.transitionsDropped = snapshot.transitionsDropped
    for (const r of snapshot.reloads) core.reloads.push(r)
    for (const r of snapshot.rejections) core.rejections.push(r)
    for (const f of snapshot.failures) core.failures.push(f)
    for (const t of snapshot.equityTimes) core.equityTimes.push(t)
    for (const v of snapshot.equityValues) core.equityValues.push(v)
    core.exposedObservations = snapshot.exposedObservations
    const byId = new Map(core.orders.map((o) => [o.id, o]))
    const record = (id: number): MutableRecord => {
      const o = byId.get(id)
      if (o === undefined) throw new Error(`engine snapshot: working order ${id} is not in the order list`)
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
      const fresh = core.newBook(saved.symbol)
      const runner: SymbolRunner = {
        symbol: saved.symbol,
        strategy,
        indicators,
        state: saved.state,
        position: saved.position === undefined ? undefined : { ...saved.position },
        entry: saved.entry === undefined ? undefined : loadWorking(saved.entry, record),
        exit: saved.exit === undefined ? undefined : loadWorking(saved.exit, record),
        book: OrderBook.restore(saved.book, core.bookOptions(fresh.instrument, fresh.costs)),
        halted: saved.halted,
        lastPrice: saved.lastPrice,
        lastTimestamp: saved.lastTimestamp,
        lastBar: saved.lastBar,
        bars: saved.bars,
        barMs: saved.barMs,
        closeWatchBar: saved.closeWatchBar,
        closeWatchTime: saved.closeWatchTime,
        slot: core.portfolio.slot(saved.symbol),
        pnl: core.recordPrices ? undefined : (saved.pnl ?? []).slice(),
        accountChanges: [...(saved.accountChanges ?? [])],
        prices: !core.recordPrices ? undefined : new PriceRecorder(saved.prices)
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
