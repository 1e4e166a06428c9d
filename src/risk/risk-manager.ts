/**
 * The risk layer between strategy and execution: a pure, synchronous gate for new entries. It sizes positions by stop
 * distance, enforces position, notional, open-position and exposure limits, halts new entries for the rest of the
 * day after a daily loss and for the rest of the run after a maximum drawdown (the kill switch, optionally asking
 * for a flatten), and gives every refusal a reason that names the rule and the numbers.
 *
 * It never blocks an exit: closing or reducing a position is always allowed, so the engine only asks it about
 * orders that open or increase a position.
 *
 * | Rule | Config | Effect |
 * |---|---|---|
 * | risk per trade | `riskPerTrade` (+ `feeRate`, `requireStopLoss`) | quantity = `riskPerTrade × equity / (|entry − stop| + fees)`; a requested quantity above it is reduced (or refused) |
 * | maximum position size | `maxPositionUnits` | units held in the symbol after the entry |
 * | maximum position notional | `maxPositionNotional` | `units × price` after the entry |
 * | maximum open positions | `maxOpenPositions` | symbols with a position, across the account; adding to a held symbol does not count |
 * | gross exposure | `maxGrossExposure` | `(open gross notional + new notional) / equity` |
 * | daily loss limit | `dailyLossLimit` | equity this fraction below the day's start equity (realised + unrealised) → no new entries until the next session |
 * | maximum drawdown | `maxDrawdown` (+ `flattenOnKill`) | equity this fraction below its peak → no new entries for the rest of the run; the trigger asks for a flatten when configured |
 *
 * Size limits reduce the quantity by default (`onLimit: "reduce"`, the reduction is reported in `note`) or refuse
 * the entry (`onLimit: "refuse"`). A limit that leaves nothing refuses in either mode.
 *
 * The state is plain data ({@link RiskState}) so engine snapshots can capture it.
 *
 * @module
 */
import type { Side } from "../domain/action.ts"
import { sizeByRisk } from "./sizing.ts"

/** The risk rules. Every field is optional: an absent limit is not enforced. */
export interface RiskConfig {
  /** Fraction of equity lost at the stop-loss, e.g. 0.01 for 1% (sizes entries that carry a stop-loss). */
  readonly riskPerTrade?: number | undefined
  /** With `riskPerTrade`: refuse entries without a stop-loss (default false: their requested quantity passes unsized). */
  readonly requireStopLoss?: boolean | undefined
  /** Commission rate added to the risk per unit (entry and stop exit), default 0. */
  readonly feeRate?: number | undefined
  /** Maximum units held in one symbol. */
  readonly maxPositionUnits?: number | undefined
  /** Maximum notional (`units × price`) held in one symbol. */
  readonly maxPositionNotional?: number | undefined
  /** Maximum number of symbols with an open position at once. */
  readonly maxOpenPositions?: number | undefined
  /** Gross notional of all positions over equity, e.g. 1 for 1×. */
  readonly maxGrossExposure?: number | undefined
  /** Fraction of the day's start equity that may be lost in a day, e.g. 0.05. */
  readonly dailyLossLimit?: number | undefined
  /** Fraction below the peak equity that trips the kill switch, e.g. 0.2. */
  readonly maxDrawdown?: number | undefined
  /** When the kill switch trips, ask the engine to close every position (default false). */
  readonly flattenOnKill?: boolean | undefined
  /** `reduce` (default): size limits cut the quantity; `refuse`: they refuse the entry. */
  readonly onLimit?: "reduce" | "refuse" | undefined
  /** Refuse entries whose final quantity is below this (default: anything above 0 passes). */
  readonly minQuantity?: number | undefined
  /** Days start at UTC midnight plus this offset (ms, in [0, 24 h)); default 0. */
  readonly sessionOffsetMs?: number | undefined
}

/** The rule behind a refusal or a trigger. */
export type RiskRule =
  | "invalid_request"
  | "kill_switch"
  | "daily_loss"
  | "max_open_positions"
  | "risk_per_trade"
  | "max_position_units"
  | "max_position_notional"
  | "gross_exposure"
  | "min_quantity"

/** An entry the strategy wants, with the account facts the rules need. */
export interface EntryRequest {
  readonly symbol: string
  readonly side: Side
  /** When the entry is decided or filled (ms): it places the request in a day. */
  readonly timestamp: number
  /** Expected entry price (the fill price when known, a limit price, or the last close). */
  readonly price: number
  /** Units requested; absent: the risk-per-trade size. */
  readonly quantity?: number | undefined
  readonly stopLoss?: number | undefined
  /** Account equity now (cash plus positions at their marks). */
  readonly equity: number
  /** Symbols with an open position, across the account. */
  readonly openPositions: number
  /** Gross notional of the open positions; absent: the last value given to {@link RiskManager.onEquity}. */
  readonly openNotional?: number | undefined
  /** Units already held in this symbol on the same side (an entry that adds to a position). Default 0. */
  readonly positionQuantity?: number | undefined
}

/** The answer to an entry request. `note` lists reductions, when any. */
export type RiskDecision =
  | { readonly ok: true; readonly quantity: number; readonly note: string | undefined }
  | { readonly ok: false; readonly rule: RiskRule; readonly reason: string }

/** A halt that just started. */
export interface RiskTrigger {
  readonly rule: "daily_loss" | "kill_switch"
  readonly timestamp: number
  readonly reason: string
  /** The kill switch with `flattenOnKill`: close every position now. */
  readonly flatten: boolean
}

/** The manager's state as plain data (JSON-safe: no NaN, no Infinity, no functions). */
export interface RiskState {
  readonly version: 1
  /** Start of the current session (ms), once an equity has been seen. */
  readonly dayStart: number | undefined
  /** Equity at the first observation of the session. */
  readonly dayStartEquity: number | undefined
  readonly peakEquity: number | undefined
  readonly lastEquity: number | undefined
  readonly openNotional: number
  /** Why new entries are halted for the rest of the day, while they are. */
  readonly dayHalt: string | undefined
  /** Why new entries are halted for the rest of the run, once the kill switch tripped. */
  readonly kill: string | undefined
  readonly killedAt: number | undefined
  /** A trigger raised inside `checkEntry`, not yet handed out. */
  readonly unreported: RiskTrigger | undefined
  /** Refusals so far, per rule. */
  readonly refusals: Readonly<Partial<Record<RiskRule, number>>>
}

const DAY_MS = 86_400_000

const num = (x: number): string => (Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(8))))
const pct = (x: number): string => `${num(Number((x * 100).toPrecision(6)))}%`
const iso = (ms: number): string => new Date(ms).toISOString()

/** A problem with a risk configuration: the field and a sentence. */
export interface RiskConfigProblem {
  readonly field: keyof RiskConfig
  readonly reason: string
}

/** Checks a configuration: fractions in (0, 1], positive limits, an integer position count. */
export const checkRiskConfig = (c: RiskConfig): RiskConfigProblem | undefined => {
  const fraction = (field: keyof RiskConfig, v: number | undefined): RiskConfigProblem | undefined =>
    v === undefined || (Number.isFinite(v) && v > 0 && v <= 1) ? undefined : { field, reason: `must be a fraction in (0, 1], got ${v}` }
  const positiveLimit = (field: keyof RiskConfig, v: number | undefined): RiskConfigProblem | undefined =>
    v === undefined || (Number.isFinite(v) && v > 0) ? undefined : { field, reason: `must be a positive number, got ${v}` }
  return fraction("riskPerTrade", c.riskPerTrade) ??
    fraction("dailyLossLimit", c.dailyLossLimit) ??
    fraction("maxDrawdown", c.maxDrawdown) ??
    positiveLimit("maxPositionUnits", c.maxPositionUnits) ??
    positiveLimit("maxPositionNotional", c.maxPositionNotional) ??
    positiveLimit("maxGrossExposure", c.maxGrossExposure) ??
    positiveLimit("minQuantity", c.minQuantity) ??
    (c.maxOpenPositions === undefined || (Number.isInteger(c.maxOpenPositions) && c.maxOpenPositions > 0)
      ? undefined
      : { field: "maxOpenPositions", reason: `must be a positive integer, got ${c.maxOpenPositions}` }) ??
    (c.feeRate === undefined || (Number.isFinite(c.feeRate) && c.feeRate >= 0 && c.feeRate < 1)
      ? undefined
      : { field: "feeRate", reason: `must be a fraction in [0, 1), got ${c.feeRate}` }) ??
    (c.sessionOffsetMs === undefined || (Number.isFinite(c.sessionOffsetMs) && c.sessionOffsetMs >= 0 && c.sessionOffsetMs < DAY_MS)
      ? undefined
      : { field: "sessionOffsetMs", reason: `must be in [0, 86400000), got ${c.sessionOffsetMs}` }) ??
    (c.onLimit === undefined || c.onLimit === "reduce" || c.onLimit === "refuse"
      ? undefined
      : { field: "onLimit", reason: `must be "reduce" or "refuse", got ${String(c.onLimit)}` })
}

/** The start of the session containing `timestamp` (UTC midnight plus `offsetMs`, at or before it). */
export const sessionStart = (timestamp: number, offsetMs = 0): number => Math.floor((timestamp - offsetMs) / DAY_MS) * DAY_MS + offsetMs

const TOLERANCE = 1e-12

/** The risk gate of one account. Feed it equity with {@link RiskManager.onEquity}; ask it with {@link RiskManager.checkEntry}. */
export class RiskManager {
  private dayStart: number | undefined = undefined
  private dayStartEquity: number | undefined = undefined
  private peakEquity: number | undefined = undefined
  private lastEquity: number | undefined = undefined
  private openNotional = 0
  private dayHalt: string | undefined = undefined
  private kill: string | undefined = undefined
  private killedAt: number | undefined = undefined
  private unreported: RiskTrigger | undefined = undefined
  private refusals: Partial<Record<RiskRule, number>> = {}
  private readonly offset: number

  /** Throws a `RangeError` naming the field for an invalid configuration (check it first with {@link checkRiskConfig}). */
  constructor(readonly config: RiskConfig = {}) {
    const problem = checkRiskConfig(config)
    if (problem !== undefined) throw new RangeError(`risk config: ${problem.field}: ${problem.reason}`)
    this.offset = config.sessionOffsetMs ?? 0
  }

  /** Whether the kill switch has tripped (no new entries for the rest of the run). */
  get killed(): boolean {
    return this.kill !== undefined
  }

  /** Whether new entries are refused right now (kill switch, or the daily loss limit for the current day). */
  get halted(): boolean {
    return this.kill !== undefined || this.dayHalt !== undefined
  }

  /**
   * Records the account's equity at `timestamp` (call it at least once per timestamp, e.g. when the engine records
   * equity, with the equity marked at the latest prices), and the gross notional of the open positions. The first
   * observation of a session sets that day's start equity. Returns the halt that this observation (or an earlier
   * `checkEntry`) started, if any: on a `kill_switch` trigger with `flatten`, the engine closes every position.
   */
  onEquity(timestamp: number, equity: number, openNotional?: number): RiskTrigger | undefined {
    if (openNotional !== undefined && Number.isFinite(openNotional)) this.openNotional = Math.abs(openNotional)
    const fresh = this.observe(timestamp, equity)
    const pending = this.unreported
    this.unreported = undefined
    return pending !== undefined && fresh === undefined ? pending : fresh
  }

  /** A trigger raised inside {@link RiskManager.checkEntry} and not yet handed out by `onEquity` (cleared). */
  takeTrigger(): RiskTrigger | undefined {
    const t = this.unreported
    this.unreported = undefined
    return t
  }

  private observe(timestamp: number, equity: number): RiskTrigger | undefined {
    if (!Number.isFinite(equity) || !Number.isFinite(timestamp)) return undefined
    const day = sessionStart(timestamp, this.offset)
    if (this.dayStart === undefined || day > this.dayStart) {
      this.dayStart = day
      this.dayStartEquity = equity
      this.dayHalt = undefined
    }
    if (this.peakEquity === undefined || equity > this.peakEquity) this.peakEquity = equity
    this.lastEquity = equity
    const c = this.config
    let trigger: RiskTrigger | undefined
    const start = this.dayStartEquity!
    if (c.dailyLossLimit !== undefined && this.dayHalt === undefined && start > 0) {
      const loss = (start - equity) / start
      if (loss >= c.dailyLossLimit * (1 - TOLERANCE)) {
        this.dayHalt = `daily loss limit: equity ${num(equity)} is ${pct(loss)} below the day's start equity ${num(start)} ` +
          `(limit ${pct(c.dailyLossLimit)}); no new entries until ${iso(day + DAY_MS)}`
        trigger = { rule: "daily_loss", timestamp, reason: this.dayHalt, flatten: false }
      }
    }
    const peak = this.peakEquity
    if (c.maxDrawdown !== undefined && this.kill === undefined && peak > 0) {
      const dd = (peak - equity) / peak
      if (dd >= c.maxDrawdown * (1 - TOLERANCE)) {
        this.kill = `max drawdown kill switch: equity ${num(equity)} is ${pct(dd)} below the peak ${num(peak)} ` +
          `(limit ${pct(c.maxDrawdown)}); no new entries for the rest of the run`
        this.killedAt = timestamp
        trigger = { rule: "kill_switch", timestamp, reason: this.kill, flatten: c.flattenOnKill === true }
      }
    }
    return trigger
  }

  private refuse(rule: RiskRule, reason: string): RiskDecision {
    this.refusals[rule] = (this.refusals[rule] ?? 0) + 1
    return { ok: false, rule, reason }
  }

  /**
   * Decides an entry: refused (with the rule and a reason naming the numbers) or allowed with a quantity, possibly
   * reduced by the size limits (`note` says which and by how much). Observes `request.equity` first, so a loss seen
   * here halts at once. Checks in order: request sanity, kill switch, daily loss, open positions, risk per trade,
   * position units, position notional, gross exposure, minimum quantity.
   */
  checkEntry(request: EntryRequest): RiskDecision {
    const r = request
    const c = this.config
    if (!(Number.isFinite(r.price) && r.price > 0)) return this.refuse("invalid_request", `price ${r.price} is not a positive number`)
    if (!Number.isFinite(r.equity)) return this.refuse("invalid_request", `equity ${r.equity} is not a finite number`)
    if (r.quantity !== undefined && !(Number.isFinite(r.quantity) && r.quantity > 0)) {
      return this.refuse("invalid_request", `quantity ${r.quantity} is not a positive number`)
    }
    const trigger = this.observe(r.timestamp, r.equity)
    if (trigger !== undefined) this.unreported = trigger
    if (this.kill !== undefined) return this.refuse("kill_switch", this.kill)
    if (this.dayHalt !== undefined) return this.refuse("daily_loss", this.dayHalt)
    if (!(r.equity > 0)) return this.refuse("invalid_request", `equity ${num(r.equity)} is not positive`)

    const held = r.positionQuantity ?? 0
    if (c.maxOpenPositions !== undefined && held <= 0 && r.openPositions >= c.maxOpenPositions) {
      return this.refuse("max_open_positions", `max open positions: ${r.openPositions} open, the limit is ${c.maxOpenPositions}`)
    }

    const refuseLimits = c.onLimit === "refuse"
    let quantity = r.quantity
    let note: string | undefined
    const reduce = (to: number, why: string): void => {
      note = note === undefined ? why : `${note}; ${why}`
      quantity = to
    }

    if (c.riskPerTrade !== undefined) {
      if (r.stopLoss === undefined) {
        if (c.requireStopLoss === true) {
          return this.refuse("risk_per_trade", `risk per trade: an entry needs a stop_loss to be sized (riskPerTrade ${pct(c.riskPerTrade)})`)
        }
      } else {
        const sized = sizeByRisk({ side: r.side, equity: r.equity, riskFraction: c.riskPerTrade, entry: r.price, stop: r.stopLoss, feeRate: c.feeRate })
        if (!sized.ok) return this.refuse("risk_per_trade", `risk per trade: ${sized.reason}`)
        const why = `risk per trade: ${pct(c.riskPerTrade)} of equity ${num(r.equity)} = ${num(c.riskPerTrade * r.equity)} at ` +
          `${num(sized.riskPerUnit)} per unit allows ${num(sized.quantity)}`
        if (quantity === undefined) quantity = sized.quantity
        else if (quantity > sized.quantity) {
          if (refuseLimits) return this.refuse("risk_per_trade", `${why}, requested ${num(quantity)}`)
          reduce(sized.quantity, `${why} (requested ${num(quantity)})`)
        }
      }
    }
    if (quantity === undefined) {
      return this.refuse("invalid_request", "no quantity: give a quantity, or configure riskPerTrade and give a stop_loss")
    }

    const limit = (rule: RiskRule, allowed: number, why: string): RiskDecision | undefined => {
      if (quantity! <= allowed * (1 + TOLERANCE)) return undefined
      if (!(allowed > 0)) return this.refuse(rule, `${why}; nothing left for a new entry`)
      if (refuseLimits) return this.refuse(rule, why)
      reduce(allowed, `${why}: reduced to ${num(allowed)}`)
      return undefined
    }
    const price = r.price
    if (c.maxPositionUnits !== undefined) {
      const allowed = c.maxPositionUnits - held
      const refused = limit("max_position_units", allowed,
        `max position size: ${num(held)} held + ${num(quantity)} = ${num(held + quantity)} units exceeds ${num(c.maxPositionUnits)}`)
      if (refused !== undefined) return refused
    }
    if (c.maxPositionNotional !== undefined) {
      const allowed = c.maxPositionNotional / price - held
      const refused = limit("max_position_notional", allowed,
        `max position notional: (${num(held)} + ${num(quantity)}) × ${num(price)} = ${num((held + quantity) * price)} exceeds ${num(c.maxPositionNotional)}`)
      if (refused !== undefined) return refused
    }
    if (c.maxGrossExposure !== undefined) {
      const open = r.openNotional ?? this.openNotional
      const allowed = (c.maxGrossExposure * r.equity - open) / price
      const refused = limit("gross_exposure", allowed,
        `gross exposure: (open ${num(open)} + new ${num(quantity * price)}) / equity ${num(r.equity)} = ` +
          `${num((open + quantity * price) / r.equity)} exceeds ${num(c.maxGrossExposure)}`)
      if (refused !== undefined) return refused
    }
    if (c.minQuantity !== undefined && quantity < c.minQuantity * (1 - TOLERANCE)) {
      return this.refuse("min_quantity", `quantity ${num(quantity)} is below the minimum ${num(c.minQuantity)}` + (note === undefined ? "" : ` after ${note}`))
    }
    if (!(quantity > 0)) return this.refuse("invalid_request", `quantity ${num(quantity)} is not positive` + (note === undefined ? "" : ` after ${note}`))
    return { ok: true, quantity, note }
  }

  /** The state as plain data. */
  snapshot(): RiskState {
    return {
      version: 1,
      dayStart: this.dayStart,
      dayStartEquity: this.dayStartEquity,
      peakEquity: this.peakEquity,
      lastEquity: this.lastEquity,
      openNotional: this.openNotional,
      dayHalt: this.dayHalt,
      kill: this.kill,
      killedAt: this.killedAt,
      unreported: this.unreported,
      refusals: { ...this.refusals }
    }
  }

  /** A manager continuing from {@link RiskManager.snapshot}. */
  static restore(config: RiskConfig, state: RiskState): RiskManager {
    const m = new RiskManager(config)
    m.dayStart = state.dayStart
    m.dayStartEquity = state.dayStartEquity
    m.peakEquity = state.peakEquity
    m.lastEquity = state.lastEquity
    m.openNotional = state.openNotional
    m.dayHalt = state.dayHalt
    m.kill = state.kill
    m.killedAt = state.killedAt
    m.unreported = state.unreported
    m.refusals = { ...state.refusals }
    return m
  }
}
