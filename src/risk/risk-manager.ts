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

/**
 * {@link RiskDecision} with the note kept as numbers ({@link RiskNote}) until its text is asked for: the answer of
 * {@link RiskManager.decideEntry}, for callers (the engine) that may never need the sentences.
 */
export type DeferredRiskDecision =
  | { readonly ok: true; readonly quantity: number; readonly note: RiskNote | undefined }
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

/** Powers of ten, exact as doubles up to 1e22. */
const POW10: ReadonlyArray<number> = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`))
/** 1e-6 … 1e15 (index `e + 6`), for finding a number's decimal exponent by comparison. */
const DECADES: ReadonlyArray<number> = Array.from({ length: 22 }, (_, i) => Number(`1e${i - 6}`))

/** `n × 10^-s` as `String(Number)` prints it, for an integer `n` in [1e7, 1e8] and a value in [1e-6, 1e21). */
const decimal = (n: number, s: number): string => {
  if (n === 1e8) {
    n = 1e7
    s--
  }
  const digits = String(n)
  let end = digits.length
  while (digits.charCodeAt(end - 1) === 48) end--
  s -= digits.length - end
  const d = end === digits.length ? digits : digits.slice(0, end)
  if (s <= 0) return s === 0 ? d : d + "0".repeat(-s)
  const whole = d.length - s
  return whole > 0 ? `${d.slice(0, whole)}.${d.slice(whole)}` : `0.${"0".repeat(-whole)}${d}`
}

/**
 * A number in a sentence: integers as they are, others rounded to 8 significant digits, printed as the shortest
 * decimal (`String(Number(x.toPrecision(8)))`). The common case (1e-6 ≤ |x| < 1e15, not within a millionth of a unit
 * of a rounding tie) is computed without the string round trip, with the same result: the 8-digit integer is
 * rounded from `|x| × 10^s` (its error is far below the margin), and its decimal is the shortest one for the double
 * nearest to it (two different decimals of at most 8 digits are more than an ulp apart).
 */
export const formatNumber = (x: number): string => {
  if (Number.isInteger(x)) return String(x)
  const a = x < 0 ? -x : x
  if (a >= 1e-6 && a < 1e15) {
    let e = 14
    while (a < DECADES[e + 6]!) e--
    const s = 7 - e
    const m = s >= 0 ? a * POW10[s]! : a / POW10[-s]!
    const floor = Math.floor(m)
    const frac = m - floor
    if (frac < 0.499999 || frac > 0.500001) {
      const n = frac < 0.5 ? floor : floor + 1
      if (n >= 1e7 && n <= 1e8) return x < 0 ? `-${decimal(n, s)}` : decimal(n, s)
    }
  }
  return String(Number(x.toPrecision(8)))
}
const num = formatNumber
const pct = (x: number): string => `${num(Number((x * 100).toPrecision(6)))}%`
const iso = (ms: number): string => new Date(ms).toISOString()

/** Reduction kinds of a {@link RiskNote}. */
const RISK_PER_TRADE = 0
const POSITION_UNITS = 1
const POSITION_NOTIONAL = 2
const GROSS_EXPOSURE = 3

/** The sentence of a risk-per-trade limit (`riskPct`: `riskPerTrade` as a percentage). */
const riskWhy = (riskPct: string, riskPerTrade: number, equity: number, perUnit: number, allowed: number): string =>
  `risk per trade: ${riskPct} of equity ${num(equity)} = ${num(riskPerTrade * equity)} at ${num(perUnit)} per unit allows ${num(allowed)}`
const unitsWhy = (held: number, quantity: number, limit: number): string =>
  `max position size: ${num(held)} held + ${num(quantity)} = ${num(held + quantity)} units exceeds ${num(limit)}`
const notionalWhy = (held: number, quantity: number, price: number, limit: number): string =>
  `max position notional: (${num(held)} + ${num(quantity)}) × ${num(price)} = ${num((held + quantity) * price)} exceeds ${num(limit)}`
const grossWhy = (open: number, quantity: number, price: number, equity: number, limit: number): string =>
  `gross exposure: (open ${num(open)} + new ${num(quantity * price)}) / equity ${num(equity)} = ` +
  `${num((open + quantity * price) / equity)} exceeds ${num(limit)}`

/**
 * The reductions of one allowed entry, kept as the numbers they name: the sentences (see {@link RiskDecision}'s
 * `note`) are formatted by {@link RiskNote.text} only when asked for (they cost more than the checks). A note may
 * carry a `prefix`, an earlier sentence of the caller put in front with `"; "`.
 */
export class RiskNote {
  /** A sentence put before the reductions (joined with `"; "`), set by the caller. */
  prefix: string | undefined = undefined
  private cached: string | undefined = undefined

  /** `kind`: which limit; `a` to `f`: the numbers its sentence names (see `own`); `previous`: the earlier reductions. */
  constructor(
    private readonly riskPct: string | undefined,
    private readonly kind: number,
    private readonly a: number,
    private readonly b: number,
    private readonly c: number,
    private readonly d: number,
    private readonly e: number,
    private readonly f: number,
    private readonly previous: RiskNote | undefined
  ) {}

  /** The sentence of this reduction alone. */
  private own(): string {
    switch (this.kind) {
      case RISK_PER_TRADE: // riskPerTrade, equity, risk per unit, allowed, requested
        return `${riskWhy(this.riskPct!, this.a, this.b, this.c, this.d)} (requested ${num(this.e)})`
      case POSITION_UNITS: // held, quantity, limit, allowed
        return `${unitsWhy(this.a, this.b, this.c)}: reduced to ${num(this.d)}`
      case POSITION_NOTIONAL: // held, quantity, price, limit, allowed
        return `${notionalWhy(this.a, this.b, this.c, this.d)}: reduced to ${num(this.e)}`
      default: // open, quantity, price, equity, limit, allowed
        return `${grossWhy(this.a, this.b, this.c, this.d, this.e)}: reduced to ${num(this.f)}`
    }
  }

  /** The reductions without the prefix, oldest first, joined with `"; "`. */
  private reductions(): string {
    return this.previous === undefined ? this.own() : `${this.previous.reductions()}; ${this.own()}`
  }

  /** The note: the prefix, if any, then every reduction in the order applied, joined with `"; "`. */
  text(): string {
    const body = (this.cached ??= this.reductions())
    return this.prefix === undefined ? body : `${this.prefix}; ${body}`
  }

  toString(): string {
    return this.text()
  }
}

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

/** An observed value, or `undefined` for the NaN of "not yet". */
const seen = (x: number): number | undefined => (Number.isNaN(x) ? undefined : x)

/** The risk gate of one account. Feed it equity with {@link RiskManager.onEquity}; ask it with {@link RiskManager.checkEntry}. */
export class RiskManager {
  // NaN until the first observation (plain number fields: an update per timestamp allocates nothing).
  private dayStart = Number.NaN
  private dayStartEquity = Number.NaN
  private peakEquity = Number.NaN
  private lastEquity = Number.NaN
  private openNotional = 0
  private dayHalt: string | undefined = undefined
  private kill: string | undefined = undefined
  private killedAt: number | undefined = undefined
  private unreported: RiskTrigger | undefined = undefined
  private refusals: Partial<Record<RiskRule, number>> = {}
  private readonly offset: number
  /** `riskPerTrade` as a percentage, for the notes (formatted once). */
  private riskPct: string | undefined = undefined

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
    // Inside the current session (the common case), its start is known without the division.
    const day = timestamp >= this.dayStart && timestamp < this.dayStart + DAY_MS ? this.dayStart : sessionStart(timestamp, this.offset)
    if (Number.isNaN(this.dayStart) || day > this.dayStart) {
      this.dayStart = day
      this.dayStartEquity = equity
      this.dayHalt = undefined
    }
    if (Number.isNaN(this.peakEquity) || equity > this.peakEquity) this.peakEquity = equity
    this.lastEquity = equity
    const c = this.config
    let trigger: RiskTrigger | undefined
    const start = this.dayStartEquity
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

  /** A size limit the quantity exceeds and that refuses it: with nothing left, or when limits refuse. */
  private overLimit(rule: RiskRule, allowed: number, why: string): { readonly ok: false; readonly rule: RiskRule; readonly reason: string } {
    return this.refuse(rule, allowed > 0 ? why : `${why}; nothing left for a new entry`)
  }

  private refuse(rule: RiskRule, reason: string): { readonly ok: false; readonly rule: RiskRule; readonly reason: string } {
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
    const d = this.decideEntry(request)
    return d.ok ? { ok: true, quantity: d.quantity, note: d.note?.text() } : d
  }

  /**
   * {@link RiskManager.checkEntry} with the note kept as numbers (a {@link RiskNote}, formatted when asked for): the
   * same decision, counted the same way.
   */
  decideEntry(request: EntryRequest): DeferredRiskDecision {
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

    // The sentences naming the numbers are built only for a refusal; a reduction keeps its numbers (`RiskNote`).
    const refuseLimits = c.onLimit === "refuse"
    let quantity = r.quantity
    let note: RiskNote | undefined

    if (c.riskPerTrade !== undefined) {
      if (r.stopLoss === undefined) {
        if (c.requireStopLoss === true) {
          return this.refuse("risk_per_trade", `risk per trade: an entry needs a stop_loss to be sized (riskPerTrade ${pct(c.riskPerTrade)})`)
        }
      } else {
        const sized = sizeByRisk({ side: r.side, equity: r.equity, riskFraction: c.riskPerTrade, entry: r.price, stop: r.stopLoss, feeRate: c.feeRate })
        if (!sized.ok) return this.refuse("risk_per_trade", `risk per trade: ${sized.reason}`)
        if (quantity === undefined) quantity = sized.quantity
        else if (quantity > sized.quantity) {
          const riskPct = (this.riskPct ??= pct(c.riskPerTrade))
          if (refuseLimits) {
            const why = riskWhy(riskPct, c.riskPerTrade, r.equity, sized.riskPerUnit, sized.quantity)
            return this.refuse("risk_per_trade", `${why}, requested ${num(quantity)}`)
          }
          note = new RiskNote(riskPct, RISK_PER_TRADE, c.riskPerTrade, r.equity, sized.riskPerUnit, sized.quantity, quantity, 0, note)
          quantity = sized.quantity
        }
      }
    }
    if (quantity === undefined) {
      return this.refuse("invalid_request", "no quantity: give a quantity, or configure riskPerTrade and give a stop_loss")
    }

    const price = r.price
    if (c.maxPositionUnits !== undefined) {
      const allowed = c.maxPositionUnits - held
      if (!(quantity <= allowed * (1 + TOLERANCE))) {
        if (!(allowed > 0) || refuseLimits) {
          return this.overLimit("max_position_units", allowed, unitsWhy(held, quantity, c.maxPositionUnits))
        }
        note = new RiskNote(undefined, POSITION_UNITS, held, quantity, c.maxPositionUnits, allowed, 0, 0, note)
        quantity = allowed
      }
    }
    if (c.maxPositionNotional !== undefined) {
      const allowed = c.maxPositionNotional / price - held
      if (!(quantity <= allowed * (1 + TOLERANCE))) {
        if (!(allowed > 0) || refuseLimits) {
          return this.overLimit("max_position_notional", allowed, notionalWhy(held, quantity, price, c.maxPositionNotional))
        }
        note = new RiskNote(undefined, POSITION_NOTIONAL, held, quantity, price, c.maxPositionNotional, allowed, 0, note)
        quantity = allowed
      }
    }
    if (c.maxGrossExposure !== undefined) {
      const open = r.openNotional ?? this.openNotional
      const allowed = (c.maxGrossExposure * r.equity - open) / price
      if (!(quantity <= allowed * (1 + TOLERANCE))) {
        if (!(allowed > 0) || refuseLimits) {
          return this.overLimit("gross_exposure", allowed, grossWhy(open, quantity, price, r.equity, c.maxGrossExposure))
        }
        note = new RiskNote(undefined, GROSS_EXPOSURE, open, quantity, price, r.equity, c.maxGrossExposure, allowed, note)
        quantity = allowed
      }
    }
    if (c.minQuantity !== undefined && quantity < c.minQuantity * (1 - TOLERANCE)) {
      return this.refuse("min_quantity", `quantity ${num(quantity)} is below the minimum ${num(c.minQuantity)}` + (note === undefined ? "" : ` after ${note.text()}`))
    }
    if (!(quantity > 0)) return this.refuse("invalid_request", `quantity ${num(quantity)} is not positive` + (note === undefined ? "" : ` after ${note.text()}`))
    return { ok: true, quantity, note }
  }

  /** The state as plain data. */
  snapshot(): RiskState {
    return {
      version: 1,
      dayStart: seen(this.dayStart),
      dayStartEquity: seen(this.dayStartEquity),
      peakEquity: seen(this.peakEquity),
      lastEquity: seen(this.lastEquity),
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
    m.dayStart = state.dayStart ?? Number.NaN
    m.dayStartEquity = state.dayStartEquity ?? Number.NaN
    m.peakEquity = state.peakEquity ?? Number.NaN
    m.lastEquity = state.lastEquity ?? Number.NaN
    m.openNotional = state.openNotional
    m.dayHalt = state.dayHalt
    m.kill = state.kill
    m.killedAt = state.killedAt
    m.unreported = state.unreported
    m.refusals = { ...state.refusals }
    return m
  }
}
