/**
 * Parity of the order book with the engine's historical fill rules (`fill-model.ts`): with `flatCommission(rate)`,
 * the default match model (next-bar open, conservative intrabar rule) and no volume cap, a market entry with a
 * stop-loss and a take-profit fills exactly like `marketFillPrice`, exits exactly like `checkProtectiveExit` (gaps,
 * both levels in one bar), and pays exactly `commission`. Over random bar sequences, long and short, with and without
 * each level; prices compared with `toBe` (bit for bit).
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { bar, type Bar, SymbolName } from "../../src/domain/bar.ts"
import { flatCommission } from "../../src/execution/costs.ts"
import { checkProtectiveExit, commission, marketFillPrice } from "../../src/execution/fill-model.ts"
import { type Fill, OrderBook } from "../../src/execution/orders.ts"

const S = SymbolName("PAR")
const H = 3_600_000

const barArb = fc.tuple(
  fc.integer({ min: 80, max: 120 }),
  fc.integer({ min: 0, max: 15 }),
  fc.integer({ min: 0, max: 15 }),
  fc.double({ min: 0, max: 1, noNaN: true })
).map(([open, up, down, where]) => {
  const high = open + up
  const low = open - down
  return { open, high, low, close: low + (high - low) * where }
})

describe("order book ≡ the historical fill rules (flat commission, default model, no cap)", () => {
  it("market entry at the open, then the bracket exits like checkProtectiveExit, commission like commission()", () => {
    fc.assert(
      fc.property(
        fc.array(barArb, { minLength: 2, maxLength: 12 }),
        fc.boolean(),
        fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
        fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
        fc.constantFrom(0, 0.001, 0.0025),
        fc.double({ min: 0.1, max: 50, noNaN: true }),
        (rows, long, stopOffset, targetOffset, rate, quantity) => {
          const bars: Array<Bar> = rows.map((r, i) => bar({ symbol: S, timestamp: (i + 1) * H, ...r, volume: 5 }))
          const decisionClose = 100
          const stopLoss = stopOffset === undefined ? undefined : long ? decisionClose - stopOffset : decisionClose + stopOffset
          const takeProfit = targetOffset === undefined ? undefined : long ? decisionClose + targetOffset : decisionClose - targetOffset
          const book = new OrderBook("PAR", { costs: flatCommission(rate) })
          const placed = book.submitBracket({
            entry: { symbol: "PAR", side: long ? "buy" : "sell", type: "market", quantity },
            stopLoss: stopLoss === undefined ? undefined : { stopPrice: stopLoss },
            takeProfit: takeProfit === undefined ? undefined : { limitPrice: takeProfit }
          }, 0, decisionClose)
          expect(placed.ok).toBe(true)

          // The historical rules, step by step.
          const expected: Array<{ price: number; commission: number; role: string }> = []
          const entryPrice = marketFillPrice(bars[0]!)
          expected.push({ price: entryPrice, commission: commission({ commissionRate: rate }, quantity, entryPrice), role: "entry" })
          for (const b of bars) {
            const hit = checkProtectiveExit({ side: long ? "long" : "short", stopLoss, takeProfit }, b)
            if (hit !== undefined) {
              expected.push({ price: hit.price, commission: commission({ commissionRate: rate }, quantity, hit.price), role: hit.reason })
              break
            }
          }

          const got: Array<Fill> = []
          let position = 0
          for (const b of bars) {
            for (const e of book.onBar(b, position)) {
              if (e.kind !== "fill") continue
              got.push(e.fill)
              position += e.fill.side === "buy" ? e.fill.quantity : -e.fill.quantity
            }
          }
          expect(got.map((f) => ({ price: f.price, commission: f.commission, role: f.role }))).toEqual(expected)
          expect(got.every((f) => f.quantity === quantity)).toBe(true)
        }
      ),
      { numRuns: 1000, seed: 20261129 }
    )
  })
})
