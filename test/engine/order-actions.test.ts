/**
 * The actions that reach the order types (issue 5): `order_type`, `limit_price`, `stop_price`, `time_in_force` on
 * entries, `cancel_order` and `amend_order`. Validation names the field, as for every other action.
 */
import { describe, expect, it } from "vitest"
import { validateAction } from "../../src/domain/action.ts"

describe("entry order fields", () => {
  it("accepts every order type with its prices and every time in force", () => {
    expect(validateAction({ action: "enter_long", quantity: 1, order_type: "limit", limit_price: 99, time_in_force: "DAY" })).toEqual({
      ok: true,
      action: { action: "enter_long", quantity: 1, order_type: "limit", limit_price: 99, time_in_force: "DAY" }
    })
    expect(validateAction({ action: "enter_short", quantity: 1, order_type: "stop", stop_price: 95 }).ok).toBe(true)
    expect(validateAction({ action: "enter_long", quantity: 1, order_type: "stop_limit", stop_price: 101, limit_price: 102, time_in_force: "IOC" }).ok).toBe(true)
    expect(validateAction({ action: "enter_long", quantity: 1, order_type: "market", time_in_force: "FOK" }).ok).toBe(true)
  })

  it("names the field of a bad value", () => {
    expect(validateAction({ action: "enter_long", quantity: 1, order_type: "iceberg" })).toEqual({
      ok: false,
      error: 'order_type: expected one of market, limit, stop, stop_limit, got "iceberg"'
    })
    expect(validateAction({ action: "enter_long", quantity: 1, time_in_force: "GTD" })).toEqual({
      ok: false,
      error: 'time_in_force: expected one of GTC, IOC, FOK, DAY, got "GTD"'
    })
    expect(validateAction({ action: "enter_long", quantity: 1, order_type: "limit" })).toEqual({ ok: false, error: "limit_price: a limit entry needs limit_price" })
    expect(validateAction({ action: "enter_long", quantity: 1, order_type: "stop_limit", limit_price: 5 })).toEqual({
      ok: false,
      error: "stop_price: a stop_limit entry needs stop_price"
    })
    expect(validateAction({ action: "enter_long", quantity: 1, limit_price: 5 })).toEqual({
      ok: false,
      error: 'limit_price: a market entry has no limit price (order_type = "limit" or "stop_limit" takes one)'
    })
    expect(validateAction({ action: "enter_long", quantity: 1, order_type: "limit", limit_price: 5, stop_price: 4 })).toEqual({
      ok: false,
      error: 'stop_price: a limit entry has no stop price (order_type = "stop" or "stop_limit" takes one)'
    })
    expect(validateAction({ action: "enter_long", quantity: 1, order_type: "limit", limit_price: -5 })).toEqual({ ok: false, error: "limit_price: must be positive, got -5" })
    expect(validateAction({ action: "exit", order_type: "limit" })).toEqual({
      ok: false,
      error: "order_type: not a field of exit (exit takes price, quantity, fraction, reason)"
    })
  })
})

describe("cancel_order and amend_order", () => {
  it("cancel_order takes only a reason", () => {
    expect(validateAction({ action: "cancel_order", reason: "stale" })).toEqual({ ok: true, action: { action: "cancel_order", reason: "stale" } })
    expect(validateAction({ action: "cancel_order", quantity: 1 })).toEqual({ ok: false, error: "quantity: not a field of cancel_order (cancel_order takes reason)" })
  })

  it("amend_order needs a new limit price, stop price or quantity", () => {
    expect(validateAction({ action: "amend_order", limit_price: 98.5 })).toEqual({ ok: true, action: { action: "amend_order", limit_price: 98.5 } })
    expect(validateAction({ action: "amend_order", quantity: 0.2, stop_price: 101 }).ok).toBe(true)
    expect(validateAction({ action: "amend_order" })).toEqual({ ok: false, error: "limit_price: amend_order needs limit_price, stop_price or quantity" })
    expect(validateAction({ action: "amend_order", limit_price: 1, order_type: "limit" })).toEqual({
      ok: false,
      error: "order_type: not a field of amend_order (amend_order takes limit_price, stop_price, quantity, reason)"
    })
  })
})
