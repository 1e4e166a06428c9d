import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { checkRiskConfig, type EntryRequest, type RiskConfig, RiskManager } from "../../src/risk/risk-manager.ts"
import { riskPerUnit, sizeByRisk } from "../../src/risk/sizing.ts"

const fcParams = { numRuns: 500, seed: 20261125 } as const
const HOUR = 3_600_000
const DAY1 = Date.UTC(2021, 9, 22)
const DAY2 = Date.UTC(2021, 9, 23)

const entry = (r: Partial<EntryRequest> = {}): EntryRequest => ({
  symbol: "BTCUSDT",
  side: "long",
  timestamp: DAY1 + 10 * HOUR,
  price: 100,
  quantity: 10,
  equity: 10_000,
  openPositions: 0,
  openNotional: 0,
  ...r
})

describe("position sizing by stop distance", () => {
  it("risks the fraction of equity at the stop", () => {
    expect(sizeByRisk({ side: "long", equity: 10_000, riskFraction: 0.01, entry: 100, stop: 95 })).toEqual({ ok: true, quantity: 20, riskPerUnit: 5 })
    expect(sizeByRisk({ side: "short", equity: 10_000, riskFraction: 0.02, entry: 100, stop: 104 })).toEqual({ ok: true, quantity: 50, riskPerUnit: 4 })
  })
  it("counts the fees of entry and stop exit when a fee rate is given", () => {
    const r = sizeByRisk({ side: "long", equity: 10_000, riskFraction: 0.01, entry: 100, stop: 95, feeRate: 0.001 })
    expect(r.ok && r.riskPerUnit).toBeCloseTo(5 + 0.195, 12)
  })
  it("refuses a stop on the wrong side, or at the entry", () => {
    expect(riskPerUnit("long", 100, 101)).toBe("stop_loss 101 must be below the entry price 100 for a long")
    expect(sizeByRisk({ side: "short", equity: 10_000, riskFraction: 0.01, entry: 100, stop: 100 })).toEqual({
      ok: false,
      reason: "stop_loss 100 must be above the entry price 100 for a short"
    })
    expect(sizeByRisk({ side: "long", equity: 0, riskFraction: 0.01, entry: 100, stop: 95 }).ok).toBe(false)
  })
  it("property: the sized quantity never risks more than the fraction of equity", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 1e9, noNaN: true }),
        fc.double({ min: 1e-4, max: 1, noNaN: true }),
        fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
        fc.double({ min: 1e-6, max: 0.99, noNaN: true }),
        fc.boolean(),
        fc.double({ min: 0, max: 0.01, noNaN: true }),
        (equity, fraction, entryPrice, distance, long, feeRate) => {
          const stop = long ? entryPrice * (1 - distance) : entryPrice * (1 + distance)
          if (stop === entryPrice) return
          const r = sizeByRisk({ side: long ? "long" : "short", equity, riskFraction: fraction, entry: entryPrice, stop, feeRate })
          if (!r.ok) throw new Error(r.reason)
          const loss = r.quantity * (Math.abs(entryPrice - stop) + feeRate * (entryPrice + stop))
          expect(loss).toBeLessThanOrEqual(fraction * equity)
          expect(loss).toBeGreaterThan(fraction * equity * (1 - 1e-9))
        }
      ),
      fcParams
    )
  })
})

describe("risk manager: entries", () => {
  it("without rules, the requested quantity passes", () => {
    expect(new RiskManager().checkEntry(entry())).toEqual({ ok: true, quantity: 10, note: undefined })
  })

  it("risk per trade sizes an entry without a quantity and caps a larger one", () => {
    const risk = new RiskManager({ riskPerTrade: 0.01 })
    expect(risk.checkEntry(entry({ quantity: undefined, stopLoss: 95 }))).toEqual({ ok: true, quantity: 20, note: undefined })
    const capped = risk.checkEntry(entry({ quantity: 50, stopLoss: 95 }))
    expect(capped).toEqual({
      ok: true,
      quantity: 20,
      note: "risk per trade: 1% of equity 10000 = 100 at 5 per unit allows 20 (requested 50)"
    })
    expect(risk.checkEntry(entry({ quantity: 5, stopLoss: 95 }))).toMatchObject({ ok: true, quantity: 5 })
    expect(risk.checkEntry(entry({ quantity: undefined }))).toEqual({
      ok: false,
      rule: "invalid_request",
      reason: "no quantity: give a quantity, or configure riskPerTrade and give a stop_loss"
    })
    expect(new RiskManager({ riskPerTrade: 0.01, requireStopLoss: true }).checkEntry(entry())).toEqual({
      ok: false,
      rule: "risk_per_trade",
      reason: "risk per trade: an entry needs a stop_loss to be sized (riskPerTrade 1%)"
    })
    expect(risk.checkEntry(entry({ stopLoss: 101 }))).toEqual({
      ok: false,
      rule: "risk_per_trade",
      reason: "risk per trade: stop_loss 101 must be below the entry price 100 for a long"
    })
  })

  it("maximum position units and notional: reduce (default) or refuse", () => {
    const reduce = new RiskManager({ maxPositionUnits: 6, maxPositionNotional: 500 })
    expect(reduce.checkEntry(entry())).toEqual({
      ok: true,
      quantity: 5,
      note: "max position size: 0 held + 10 = 10 units exceeds 6: reduced to 6; " +
        "max position notional: (0 + 6) × 100 = 600 exceeds 500: reduced to 5"
    })
    const refuse = new RiskManager({ maxPositionUnits: 6, onLimit: "refuse" })
    expect(refuse.checkEntry(entry())).toEqual({
      ok: false,
      rule: "max_position_units",
      reason: "max position size: 0 held + 10 = 10 units exceeds 6"
    })
    expect(new RiskManager({ maxPositionNotional: 500, onLimit: "refuse" }).checkEntry(entry({ quantity: 6 }))).toEqual({
      ok: false,
      rule: "max_position_notional",
      reason: "max position notional: (0 + 6) × 100 = 600 exceeds 500"
    })
    // adding to a position counts what is held
    expect(reduce.checkEntry(entry({ quantity: 2, positionQuantity: 5 }))).toMatchObject({ ok: false, rule: "max_position_notional" })
    expect(reduce.checkEntry(entry({ quantity: 2, positionQuantity: 6 }))).toEqual({
      ok: false,
      rule: "max_position_units",
      reason: "max position size: 6 held + 2 = 8 units exceeds 6; nothing left for a new entry"
    })
  })

  it("maximum open positions across symbols; adding to a held symbol is not a new position", () => {
    const risk = new RiskManager({ maxOpenPositions: 2 })
    expect(risk.checkEntry(entry({ openPositions: 1 })).ok).toBe(true)
    expect(risk.checkEntry(entry({ openPositions: 2 }))).toEqual({ ok: false, rule: "max_open_positions", reason: "max open positions: 2 open, the limit is 2" })
    expect(risk.checkEntry(entry({ openPositions: 2, positionQuantity: 1 })).ok).toBe(true)
  })

  it("gross exposure: open plus new notional over equity", () => {
    const risk = new RiskManager({ maxGrossExposure: 1 })
    expect(risk.checkEntry(entry({ openNotional: 9500 }))).toEqual({
      ok: true,
      quantity: 5,
      note: "gross exposure: (open 9500 + new 1000) / equity 10000 = 1.05 exceeds 1: reduced to 5"
    })
    expect(risk.checkEntry(entry({ openNotional: 10_000 }))).toEqual({
      ok: false,
      rule: "gross_exposure",
      reason: "gross exposure: (open 10000 + new 1000) / equity 10000 = 1.1 exceeds 1; nothing left for a new entry"
    })
    // the open notional given to onEquity is used when the request has none
    risk.onEquity(DAY1, 10_000, 9900)
    expect(risk.checkEntry(entry({ openNotional: undefined }))).toMatchObject({ ok: true, quantity: 1 })
  })

  it("a minimum quantity refuses what the limits cut too small", () => {
    const risk = new RiskManager({ maxPositionUnits: 6, minQuantity: 2 })
    expect(risk.checkEntry(entry({ positionQuantity: 5 }))).toEqual({
      ok: false,
      rule: "min_quantity",
      reason: "quantity 1 is below the minimum 2 after max position size: 5 held + 10 = 15 units exceeds 6: reduced to 1"
    })
  })

  it("property: an allowed entry respects every configured limit", () => {
    fc.assert(
      fc.property(
        fc.record({
          riskPerTrade: fc.option(fc.double({ min: 0.001, max: 0.1, noNaN: true }), { nil: undefined }),
          maxPositionUnits: fc.option(fc.double({ min: 0.1, max: 100, noNaN: true }), { nil: undefined }),
          maxPositionNotional: fc.option(fc.double({ min: 10, max: 1e5, noNaN: true }), { nil: undefined }),
          maxGrossExposure: fc.option(fc.double({ min: 0.1, max: 3, noNaN: true }), { nil: undefined })
        }),
        fc.double({ min: 1, max: 1e4, noNaN: true }),
        fc.double({ min: 0.001, max: 0.5, noNaN: true }),
        fc.option(fc.double({ min: 0.001, max: 1000, noNaN: true }), { nil: undefined }),
        fc.double({ min: 100, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 2, noNaN: true }),
        fc.double({ min: 0, max: 50, noNaN: true }),
        (config: RiskConfig, price, distance, quantity, equity, exposure, held) => {
          const stopLoss = price * (1 - distance)
          const openNotional = exposure * equity
          const risk = new RiskManager(config)
          const d = risk.checkEntry(entry({ price, stopLoss, quantity, equity, openNotional, positionQuantity: held, openPositions: held > 0 ? 1 : 0 }))
          if (!d.ok) {
            expect(d.reason.length).toBeGreaterThan(0)
            return
          }
          const q = d.quantity
          const tol = 1 + 1e-9
          expect(q).toBeGreaterThan(0)
          if (quantity !== undefined) expect(q).toBeLessThanOrEqual(quantity)
          if (config.riskPerTrade !== undefined) expect(q * (price - stopLoss)).toBeLessThanOrEqual(config.riskPerTrade * equity * tol)
          if (config.maxPositionUnits !== undefined) expect(held + q).toBeLessThanOrEqual(config.maxPositionUnits * tol)
          if (config.maxPositionNotional !== undefined) expect((held + q) * price).toBeLessThanOrEqual(config.maxPositionNotional * tol)
          if (config.maxGrossExposure !== undefined) expect((openNotional + q * price) / equity).toBeLessThanOrEqual(config.maxGrossExposure * tol)
        }
      ),
      fcParams
    )
  })
})

describe("risk manager: halts", () => {
  it("daily loss limit: halts new entries for the rest of the UTC day, then lifts", () => {
    const risk = new RiskManager({ dailyLossLimit: 0.05 })
    expect(risk.onEquity(DAY1, 10_000)).toBeUndefined()
    expect(risk.onEquity(DAY1 + HOUR, 9600)).toBeUndefined() // -4%
    const trigger = risk.onEquity(DAY1 + 2 * HOUR, 9400) // -6%
    const reason = "daily loss limit: equity 9400 is 6% below the day's start equity 10000 (limit 5%); no new entries until 2021-10-23T00:00:00.000Z"
    expect(trigger).toEqual({ rule: "daily_loss", timestamp: DAY1 + 2 * HOUR, reason, flatten: false })
    expect(risk.halted).toBe(true)
    expect(risk.checkEntry(entry({ timestamp: DAY1 + 3 * HOUR, equity: 9800 }))).toEqual({ ok: false, rule: "daily_loss", reason })
    // the next day starts from its own start equity
    expect(risk.onEquity(DAY2, 9400)).toBeUndefined()
    expect(risk.checkEntry(entry({ timestamp: DAY2 + HOUR, equity: 9400 })).ok).toBe(true)
    expect(risk.snapshot().refusals).toEqual({ daily_loss: 1 })
  })

  it("daily loss counts realised and unrealised: any equity drop seen by checkEntry halts at once", () => {
    const risk = new RiskManager({ dailyLossLimit: 0.05 })
    risk.onEquity(DAY1, 10_000)
    expect(risk.checkEntry(entry({ equity: 9000 }))).toMatchObject({ ok: false, rule: "daily_loss" })
    expect(risk.takeTrigger()?.rule).toBe("daily_loss")
    expect(risk.takeTrigger()).toBeUndefined()
  })

  it("a session offset moves the day boundary", () => {
    const risk = new RiskManager({ dailyLossLimit: 0.05, sessionOffsetMs: 8 * HOUR })
    risk.onEquity(DAY1 + 9 * HOUR, 10_000)
    risk.onEquity(DAY1 + 10 * HOUR, 9000)
    expect(risk.halted).toBe(true)
    risk.onEquity(DAY2 + 7 * HOUR, 9000) // still the same session (until 08:00)
    expect(risk.halted).toBe(true)
    risk.onEquity(DAY2 + 8 * HOUR, 9000)
    expect(risk.halted).toBe(false)
  })

  it("max drawdown kill switch: halts for the rest of the run and asks for a flatten when configured", () => {
    const risk = new RiskManager({ maxDrawdown: 0.2, flattenOnKill: true, dailyLossLimit: 0.5 })
    risk.onEquity(DAY1, 10_000)
    risk.onEquity(DAY1 + HOUR, 12_000) // new peak
    expect(risk.onEquity(DAY1 + 2 * HOUR, 9700)).toBeUndefined() // -19.2% from the peak
    const trigger = risk.onEquity(DAY2, 9500) // -20.8%
    const reason = "max drawdown kill switch: equity 9500 is 20.8333% below the peak 12000 (limit 20%); no new entries for the rest of the run"
    expect(trigger).toEqual({ rule: "kill_switch", timestamp: DAY2, reason, flatten: true })
    expect(risk.killed).toBe(true)
    // recovery and new days do not lift it
    risk.onEquity(DAY2 + 30 * 24 * HOUR, 20_000)
    expect(risk.checkEntry(entry({ timestamp: DAY2 + 30 * 24 * HOUR, equity: 20_000 }))).toEqual({ ok: false, rule: "kill_switch", reason })
    expect(new RiskManager({ maxDrawdown: 0.1 }).onEquity(DAY1, 1)).toBeUndefined()
  })

  it("without flattenOnKill the trigger does not ask for a flatten", () => {
    const risk = new RiskManager({ maxDrawdown: 0.1 })
    risk.onEquity(DAY1, 100)
    expect(risk.onEquity(DAY1 + HOUR, 89)?.flatten).toBe(false)
  })

  it("the state is plain data: a manager restored through JSON continues identically", () => {
    const config: RiskConfig = { maxDrawdown: 0.2, dailyLossLimit: 0.05, riskPerTrade: 0.01 }
    const a = new RiskManager(config)
    a.onEquity(DAY1, 10_000)
    a.onEquity(DAY1 + HOUR, 9400)
    a.checkEntry(entry({ timestamp: DAY1 + HOUR, equity: 9400 }))
    const b = RiskManager.restore(config, JSON.parse(JSON.stringify(a.snapshot())))
    expect(b.snapshot()).toEqual(a.snapshot())
    const next = entry({ timestamp: DAY2 + HOUR, equity: 9400, quantity: undefined, stopLoss: 90 })
    a.onEquity(DAY2, 9400)
    b.onEquity(DAY2, 9400)
    expect(b.checkEntry(next)).toEqual(a.checkEntry(next))
    expect(b.snapshot()).toEqual(a.snapshot())
  })
})

describe("risk configuration", () => {
  it("invalid values are named by field", () => {
    expect(checkRiskConfig({})).toBeUndefined()
    expect(checkRiskConfig({ riskPerTrade: 2 })).toEqual({ field: "riskPerTrade", reason: "must be a fraction in (0, 1], got 2" })
    expect(checkRiskConfig({ maxOpenPositions: 1.5 })?.field).toBe("maxOpenPositions")
    expect(checkRiskConfig({ maxPositionNotional: -1 })?.field).toBe("maxPositionNotional")
    expect(() => new RiskManager({ maxDrawdown: 0 })).toThrow("risk config: maxDrawdown: must be a fraction in (0, 1], got 0")
  })
})

describe("risk manager: deferred notes", () => {
  it("decideEntry gives checkEntry's decision, its note formatted on demand (with a prefix when set)", () => {
    const config: RiskConfig = { riskPerTrade: 0.02, maxPositionUnits: 40, maxPositionNotional: 3_000, maxGrossExposure: 0.5 }
    const request: EntryRequest = {
      symbol: "X",
      side: "long",
      timestamp: 1_700_000_000_000,
      price: 101.37,
      quantity: 500,
      stopLoss: 99.1,
      equity: 10_000,
      openPositions: 0,
      openNotional: 1_200,
      positionQuantity: 0
    } as EntryRequest
    for (const c of [config, { maxPositionUnits: 10 }, { maxPositionNotional: 2_000 }, { maxGrossExposure: 0.3 }, { riskPerTrade: 0.01 }] as Array<RiskConfig>) {
      const eager = new RiskManager(c).checkEntry(request)
      const deferred = new RiskManager(c).decideEntry(request)
      expect(eager.ok && deferred.ok).toBe(true)
      if (!eager.ok || !deferred.ok) continue
      expect(deferred.quantity).toBe(eager.quantity)
      expect(deferred.note?.text()).toBe(eager.note)
      expect(eager.note).toMatch(/reduced to|requested/)
      deferred.note!.prefix = "first"
      expect(deferred.note!.text()).toBe(`first; ${eager.note}`)
    }
  })
})
