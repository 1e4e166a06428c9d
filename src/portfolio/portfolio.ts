/**
 * The account: cash, one holding per symbol, marks, equity, realised and unrealised profit and loss, fees. Pure
 * bookkeeping, synchronous, no Effects: the engine calls it from the hot loop. Several symbols share one account's
 * cash.
 *
 * Conventions: a long pays `quantity × price + fee` from cash and receives `quantity × price − fee` on exit; a short
 * receives `quantity × price − fee` on entry and pays `quantity × price + fee` on exit. Equity is cash plus every
 * holding marked at its symbol's last price (negative for shorts). Adding to a holding (a later partial fill of the
 * entry) moves its entry price to the quantity-weighted average and adds the fee to its entry fee.
 *
 * Per symbol: `realized` is the net result (after both fees) of everything closed so far; the unrealised result of
 * the open holding is `±quantity × (mark − entry price)`; the symbol's P&L is `realized + unrealized − entry fee of
 * the open holding`, so the account's equity is always `initial cash + Σ symbol P&L`.
 *
 * @module
 */
import type { Side } from "../domain/action.ts"

/**
 * A margin account. `leverage` (≥ 1) makes the buying power `equity × leverage − gross notional` for entries of
 * either side (a long may borrow cash, a short's proceeds stay in the account); `maintenance`, a fraction of the
 * gross notional below `1 / leverage`, is the equity under which the engine closes every position (a margin call).
 */
export interface MarginConfig {
  readonly leverage: number
  readonly maintenance?: number | undefined
}

/** Checks a margin configuration; the problem names the field. */
export const checkMarginConfig = (m: MarginConfig): { readonly field: string; readonly reason: string } | undefined => {
  if (!(Number.isFinite(m.leverage) && m.leverage >= 1)) return { field: "margin.leverage", reason: `must be a number >= 1, got ${m.leverage}` }
  if (m.maintenance !== undefined) {
    if (!(m.maintenance > 0 && m.maintenance < 1 / m.leverage)) {
      return { field: "margin.maintenance", reason: `must be in (0, ${1 / m.leverage}) (below the initial margin 1/leverage), got ${m.maintenance}` }
    }
  }
  return undefined
}

/** What the account holds of one symbol. */
export interface Holding {
  readonly side: Side
  readonly quantity: number
  readonly entryPrice: number
  readonly entryFee: number
}

/** The money side of a closed holding. */
export interface Realized {
  readonly holding: Holding
  readonly exitPrice: number
  readonly exitFee: number
  /** Price difference times quantity, in the holding's direction, before fees. */
  readonly gross: number
  /** `gross − entry fee − exit fee`. */
  readonly pnl: number
}

/** The outcome of sizing an entry. */
export type Sizing =
  | { readonly ok: true; readonly quantity: number; readonly reduced: boolean }
  | { readonly ok: false; readonly reason: string }

interface Book {
  readonly symbol: string
  holding: Holding | undefined
  mark: number
  /** Net result (after fees) of everything closed so far. */
  realized: number
  /** Every commission paid for the symbol. */
  fees: number
}

/**
 * A symbol's money state: its P&L at a mark `m` is `realized + position × (m − entryPrice) − entryFee` (`realized`
 * alone when flat), exactly as {@link Portfolio.symbolPnlAt} computes it.
 */
export interface SymbolState {
  readonly realized: number
  /** Signed units held: long > 0, short < 0, 0 when flat. */
  readonly position: number
  readonly entryPrice: number
  readonly entryFee: number
}

/** One symbol's share of the account (see the module comment). */
export interface SymbolAccount {
  readonly symbol: string
  /** Signed units held: long > 0, short < 0. */
  readonly position: number
  /** Average entry price of the open holding (0 when flat). */
  readonly averagePrice: number
  readonly realizedPnl: number
  readonly unrealizedPnl: number
  readonly fees: number
}

/** One account shared by every symbol of a run. */
export class Portfolio {
  private cashBalance: number
  private readonly books = new Map<string, Book>()
  private readonly bookList: Array<Book> = []

  /**
   * A margin account's leverage (see {@link MarginConfig}); `undefined` for the cash account: longs paid from cash,
   * shorts limited to 1× equity notional.
   */
  leverage: number | undefined = undefined

  constructor(readonly initialCash: number) {
    this.cashBalance = initialCash
  }

  /** Cash available now. */
  get cash(): number {
    return this.cashBalance
  }

  private book(symbol: string): Book {
    let b = this.books.get(symbol)
    if (b === undefined) {
      b = { symbol, holding: undefined, mark: NaN, realized: 0, fees: 0 }
      this.books.set(symbol, b)
      this.bookList.push(b)
    }
    return b
  }

  /** The symbol's slot: a stable index for {@link Portfolio.symbolPnlAt} (the symbol is added when new). */
  slot(symbol: string): number {
    this.book(symbol)
    return this.bookList.findIndex((b) => b.symbol === symbol)
  }

  /** The P&L of the symbol in `slot` (see the module comment): realised + unrealised − the open holding's entry fee. */
  symbolPnlAt(slot: number): number {
    const b = this.bookList[slot]!
    const h = b.holding
    return h === undefined ? b.realized : b.realized + (h.side === "long" ? h.quantity : -h.quantity) * (b.mark - h.entryPrice) - h.entryFee
  }

  /** The money state of the symbol in `slot`, for {@link Portfolio.symbolPnlAt}-style curves computed later. */
  stateAt(slot: number): SymbolState {
    const b = this.bookList[slot]!
    const h = b.holding
    return h === undefined
      ? { realized: b.realized, position: 0, entryPrice: 0, entryFee: 0 }
      : { realized: b.realized, position: h.side === "long" ? h.quantity : -h.quantity, entryPrice: h.entryPrice, entryFee: h.entryFee }
  }

  /** Number of symbols holding a position. */
  openPositions(): number {
    let n = 0
    const list = this.bookList
    for (let i = 0; i < list.length; i++) if (list[i]!.holding !== undefined) n++
    return n
  }

  /** A margin account's room for new positions: `equity × leverage − gross notional` (0 when none is left). */
  buyingPower(): number {
    return Math.max(0, this.equity() * (this.leverage ?? 1) - this.grossNotional())
  }

  /** Gross notional of the open holdings at their marks (`Σ quantity × mark`). */
  grossNotional(): number {
    let sum = 0
    const list = this.bookList
    for (let i = 0; i < list.length; i++) {
      const b = list[i]!
      if (b.holding !== undefined) sum += b.holding.quantity * Math.abs(b.mark)
    }
    return sum
  }

  /**
   * Units of `symbol` the account can still add on `side` at `price` paying `rate` of notional (plus `minimumFee`):
   * a long is paid from cash; a short's notional (what is held plus the addition) is limited to 1× equity.
   */
  affordable(symbol: string, side: Side, price: number, rate: number, minimumFee = 0): number {
    const unit = price * (1 + rate)
    if (this.leverage !== undefined) return Math.max(0, (this.buyingPower() - minimumFee) / unit)
    if (side === "long") return Math.max(0, (this.cashBalance - minimumFee) / unit)
    const held = this.books.get(symbol)?.holding
    const heldQuantity = held !== undefined && held.side === "short" ? held.quantity : 0
    return Math.max(0, (this.equity() - minimumFee) / unit - heldQuantity)
  }

  /** Realised result of everything closed so far, after fees. */
  realizedPnl(): number {
    let sum = 0
    for (const b of this.bookList) sum += b.realized
    return sum
  }

  /** Unrealised result of the open holdings at their marks (before the entry fees already paid). */
  unrealizedPnl(): number {
    let sum = 0
    for (const b of this.bookList) {
      const h = b.holding
      if (h !== undefined) sum += (h.side === "long" ? h.quantity : -h.quantity) * (b.mark - h.entryPrice)
    }
    return sum
  }

  /** Every commission paid so far. */
  totalFees(): number {
    let sum = 0
    for (const b of this.bookList) sum += b.fees
    return sum
  }

  /** Each symbol's share of the account, in the order the symbols appeared. */
  accounts(): Array<SymbolAccount> {
    return this.bookList.map((b) => {
      const h = b.holding
      return {
        symbol: b.symbol,
        position: h === undefined ? 0 : h.side === "long" ? h.quantity : -h.quantity,
        averagePrice: h === undefined ? 0 : h.entryPrice,
        realizedPnl: b.realized,
        unrealizedPnl: h === undefined ? 0 : (h.side === "long" ? h.quantity : -h.quantity) * (b.mark - h.entryPrice),
        fees: b.fees
      }
    })
  }

  /** Sets the price a symbol's holding is valued at (its last traded price). */
  mark(symbol: string, price: number): void {
    this.book(symbol).mark = price
  }

  /** {@link Portfolio.mark} by slot (see {@link Portfolio.slot}): no lookup, for the hot loop. */
  markSlot(slot: number, price: number): void {
    this.bookList[slot]!.mark = price
  }

  /** The symbol's holding, if any. */
  holding(symbol: string): Holding | undefined {
    return this.books.get(symbol)?.holding
  }

  /** Whether any symbol holds a position. */
  hasHoldings(): boolean {
    const list = this.bookList
    for (let i = 0; i < list.length; i++) if (list[i]!.holding !== undefined) return true
    return false
  }

  /** Cash plus every holding at its mark. */
  equity(): number {
    let equity = this.cashBalance
    const list = this.bookList
    for (let i = 0; i < list.length; i++) {
      const b = list[i]!
      const h = b.holding
      if (h !== undefined) equity += (h.side === "long" ? h.quantity : -h.quantity) * b.mark
    }
    return equity
  }

  /**
   * How many units an entry gets. `requested` below 1 is a fraction of equity, otherwise units. Longs are paid from
   * cash; shorts are limited to 1× equity notional (no margin model yet). A fraction that does not fit is reduced to
   * what fits after commission; a unit quantity that does not fit is refused with the amounts.
   */
  sizeEntry(side: Side, requested: number, price: number, commissionRate: number, minimumFee = 0): Sizing {
    const equity = this.equity()
    if (!(equity > 0)) return { ok: false, reason: `no equity left (${equity})` }
    const isFraction = requested < 1
    const wanted = isFraction ? (requested * equity) / price : requested
    if (this.leverage !== undefined) {
      const power = this.buyingPower()
      const affordable = (power - minimumFee) / (price * (1 + commissionRate))
      if (wanted > affordable && !isFraction) {
        const needed = wanted * price * (1 + commissionRate)
        return { ok: false, reason: `insufficient margin: needs ${needed.toFixed(2)}, buying power ${power.toFixed(2)} at ${this.leverage}× leverage` }
      }
      const quantity = Math.min(wanted, affordable)
      if (!(quantity > 0)) return { ok: false, reason: `insufficient margin: buying power ${power.toFixed(2)} at ${this.leverage}× leverage` }
      return { ok: true, quantity, reduced: quantity < wanted }
    }
    const budget = side === "long" ? this.cashBalance : equity
    const affordable = (minimumFee > 0 ? budget - minimumFee : budget) / (price * (1 + commissionRate))
    if (wanted > affordable && !isFraction) {
      const needed = wanted * price * (1 + commissionRate)
      return { ok: false, reason: `insufficient ${side === "long" ? "cash" : "equity"}: needs ${needed.toFixed(2)}, has ${budget.toFixed(2)}` }
    }
    const quantity = Math.min(wanted, affordable)
    if (!(quantity > 0)) return { ok: false, reason: `quantity ${quantity} is not positive at price ${price}` }
    return { ok: true, quantity, reduced: quantity < wanted }
  }

  /** Opens a holding at `price`, paying `fee`. The symbol must hold nothing. */
  open(symbol: string, side: Side, quantity: number, price: number, fee: number): void {
    const b = this.book(symbol)
    if (b.holding !== undefined) throw new Error(`portfolio: ${symbol} already has a holding`)
    this.cashBalance += side === "long" ? -(quantity * price) - fee : quantity * price - fee
    b.holding = { side, quantity, entryPrice: price, entryFee: fee }
    b.mark = price
    b.fees += fee
  }

  /**
   * Adds `quantity` at `price` to the symbol's holding (same side), paying `fee`: the entry price becomes the
   * quantity-weighted average, the fee is added to the entry fee.
   */
  add(symbol: string, quantity: number, price: number, fee: number): void {
    const b = this.book(symbol)
    const h = b.holding
    if (h === undefined) throw new Error(`portfolio: ${symbol} has no holding to add to`)
    this.cashBalance += h.side === "long" ? -(quantity * price) - fee : quantity * price - fee
    const total = h.quantity + quantity
    b.holding = { side: h.side, quantity: total, entryPrice: (h.entryPrice * h.quantity + price * quantity) / total, entryFee: h.entryFee + fee }
    b.mark = price
    b.fees += fee
  }

  /** Closes the symbol's holding at `price`, paying `fee`, and returns the realized result. */
  close(symbol: string, price: number, fee: number): Realized {
    const b = this.book(symbol)
    const h = b.holding
    if (h === undefined) throw new Error(`portfolio: ${symbol} has no holding to close`)
    this.cashBalance += h.side === "long" ? h.quantity * price - fee : -(h.quantity * price) - fee
    b.holding = undefined
    b.mark = price
    const gross = (h.side === "long" ? 1 : -1) * (price - h.entryPrice) * h.quantity
    const pnl = gross - h.entryFee - fee
    b.realized += pnl
    b.fees += fee
    return { holding: h, exitPrice: price, exitFee: fee, gross, pnl }
  }

  /**
   * Replaces the holding's quantity by `quantity`, which must be within float noise of it: for callers that keep
   * quantities on an exchange's lot grid (a sum of lot multiples drifts off the grid by a few ulps). Cash, entry
   * price and fees stay.
   */
  snapQuantity(symbol: string, quantity: number): void {
    const b = this.book(symbol)
    const h = b.holding
    if (h === undefined) throw new Error(`portfolio: ${symbol} has no holding`)
    if (!(Math.abs(quantity - h.quantity) <= h.quantity * 1e-9)) {
      throw new Error(`portfolio: ${symbol}: ${quantity} is not within float noise of the holding ${h.quantity}`)
    }
    b.holding = { ...h, quantity }
  }

  /**
   * Closes `quantity` units of the symbol's holding (a partial exit; `quantity` must be below the holding's) at
   * `price`, paying `fee`. The entry fee is shared in proportion to the quantity: the closed part carries its share
   * (in the returned `holding`), the rest stays with the holding.
   */
  reduce(symbol: string, quantity: number, price: number, fee: number): Realized {
    const b = this.book(symbol)
    const h = b.holding
    if (h === undefined) throw new Error(`portfolio: ${symbol} has no holding to reduce`)
    if (!(quantity > 0 && quantity < h.quantity)) {
      throw new Error(`portfolio: ${symbol}: cannot reduce a holding of ${h.quantity} by ${quantity}`)
    }
    const closedFee = (h.entryFee * quantity) / h.quantity
    this.cashBalance += h.side === "long" ? quantity * price - fee : -(quantity * price) - fee
    b.holding = { side: h.side, quantity: h.quantity - quantity, entryPrice: h.entryPrice, entryFee: h.entryFee - closedFee }
    b.mark = price
    const closed: Holding = { side: h.side, quantity, entryPrice: h.entryPrice, entryFee: closedFee }
    const gross = (h.side === "long" ? 1 : -1) * (price - h.entryPrice) * quantity
    const pnl = gross - closedFee - fee
    b.realized += pnl
    b.fees += fee
    return { holding: closed, exitPrice: price, exitFee: fee, gross, pnl }
  }

  /** The account as plain data (for engine snapshots). */
  snapshot(): PortfolioSnapshot {
    return {
      cash: this.cashBalance,
      books: this.bookList.map((b) => ({ symbol: b.symbol, holding: b.holding, mark: b.mark, realized: b.realized, fees: b.fees }))
    }
  }

  /** An account restored from {@link Portfolio.snapshot}, in the same book order. */
  static restore(initialCash: number, snapshot: PortfolioSnapshot): Portfolio {
    const p = new Portfolio(initialCash)
    p.cashBalance = snapshot.cash
    for (const entry of snapshot.books) {
      const b = p.book(entry.symbol)
      b.holding = entry.holding
      b.mark = entry.mark
      b.realized = entry.realized ?? 0
      b.fees = entry.fees ?? 0
    }
    return p
  }
}

/** What {@link Portfolio.snapshot} gives. `mark` may be `NaN` (never marked), so encode it accordingly. */
export interface PortfolioSnapshot {
  readonly cash: number
  readonly books: ReadonlyArray<{
    readonly symbol: string
    readonly holding: Holding | undefined
    readonly mark: number
    /** Absent in snapshots taken before realised P&L was tracked (read as 0). */
    readonly realized?: number | undefined
    readonly fees?: number | undefined
  }>
}
