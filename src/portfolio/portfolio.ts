/**
 * The account: cash, one holding per symbol, marks, equity. Pure bookkeeping, synchronous, no Effects: the engine
 * calls it from the hot loop. Several symbols share one account's cash.
 *
 * Conventions: a long pays `quantity × price + fee` from cash and receives `quantity × price − fee` on exit; a short
 * receives `quantity × price − fee` on entry and pays `quantity × price + fee` on exit. Equity is cash plus every
 * holding marked at its symbol's last price (negative for shorts).
 *
 * @module
 */
import type { Side } from "../domain/action.ts"

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
  holding: Holding | undefined
  mark: number
}

/** One account shared by every symbol of a run. */
export class Portfolio {
  private cashBalance: number
  private readonly books = new Map<string, Book>()
  private readonly bookList: Array<Book> = []

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
      b = { holding: undefined, mark: NaN }
      this.books.set(symbol, b)
      this.bookList.push(b)
    }
    return b
  }

  /** Sets the price a symbol's holding is valued at (its last traded price). */
  mark(symbol: string, price: number): void {
    this.book(symbol).mark = price
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
  sizeEntry(side: Side, requested: number, price: number, commissionRate: number): Sizing {
    const equity = this.equity()
    if (!(equity > 0)) return { ok: false, reason: `no equity left (${equity})` }
    const isFraction = requested < 1
    const wanted = isFraction ? (requested * equity) / price : requested
    const budget = side === "long" ? this.cashBalance : equity
    const affordable = budget / (price * (1 + commissionRate))
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
    return { holding: h, exitPrice: price, exitFee: fee, gross, pnl: gross - h.entryFee - fee }
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
    return { holding: closed, exitPrice: price, exitFee: fee, gross, pnl: gross - closedFee - fee }
  }

  /** The account as plain data (for engine snapshots). */
  snapshot(): PortfolioSnapshot {
    return {
      cash: this.cashBalance,
      books: [...this.books].map(([symbol, b]) => ({ symbol, holding: b.holding, mark: b.mark }))
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
    }
    return p
  }
}

/** What {@link Portfolio.snapshot} gives. `mark` may be `NaN` (never marked), so encode it accordingly. */
export interface PortfolioSnapshot {
  readonly cash: number
  readonly books: ReadonlyArray<{ readonly symbol: string; readonly holding: Holding | undefined; readonly mark: number }>
}
