/**
 * What a strategy can ask for. Lua scripts return tables with an `action` field; TypeScript strategies return these
 * objects directly. Both are checked by {@link validateAction} before the engine acts on them.
 *
 * @module
 */

/** The action names of the Lua API, verbatim. */
export const ACTION_KINDS = [
  "enter_long",
  "enter_short",
  "exit",
  "update_stop_loss",
  "update_take_profit",
  "set_trailing_stop",
  "move_stop_to_breakeven",
  "start_analyzing",
  "cancel_analysis",
  "cancel_order",
  "amend_order"
] as const

/** Order types of an entry (`order_type`); `market` by default. */
export const ORDER_TYPES = ["market", "limit", "stop", "stop_limit"] as const
/** An entry's order type. */
export type EntryOrderType = (typeof ORDER_TYPES)[number]

/** Time in force of an entry (`time_in_force`); `GTC` by default. */
export const TIMES_IN_FORCE = ["GTC", "IOC", "FOK", "DAY"] as const
/** An entry's time in force. */
export type EntryTimeInForce = (typeof TIMES_IN_FORCE)[number]

/** Which way a position faces. */
export type Side = "long" | "short"

/** One of {@link ACTION_KINDS}. */
export type ActionKind = (typeof ACTION_KINDS)[number]

/**
 * An action requested by a strategy.
 *
 * - `quantity`: below 1 it is a fraction of account equity (0.1 = 10% of equity at the fill); 1 or more is a number
 *   of units. Required for entries.
 * - `price`: informational for market orders (the fill is the next bar's open); recorded with the trade.
 * - `stop_loss` / `take_profit`: protective levels attached to an entry.
 * - `new_stop` / `new_target`: the new level for `update_stop_loss` / `update_take_profit`.
 * - `trailing_stop` / `trailing_stop_pct` (entries and `set_trailing_stop`): a stop that follows the best price since
 *   entry at this distance (in price units, or as a fraction of that price); it only ever tightens.
 * - `breakeven_at` (entries): once the price reaches this level, the stop moves to the entry price.
 * - `quantity` / `fraction` on `exit`: close part of the position (units, or a fraction of it); the whole when absent.
 * - `order_type` (entries): `market` (default), `limit` (needs `limit_price`), `stop` (needs `stop_price`) or
 *   `stop_limit` (needs both); `time_in_force`: `GTC` (default), `IOC`, `FOK` or `DAY`. A limit or stop entry rests
 *   in the book until it fills, expires or is cancelled; the machine stays where it is until the first fill.
 * - `cancel_order`: cancels the working entry; `amend_order`: changes its `limit_price`, `stop_price` or `quantity`.
 * - `reason`: free text recorded with the transition.
 */
export interface Action {
  readonly action: ActionKind
  readonly price?: number | undefined
  readonly quantity?: number | undefined
  readonly fraction?: number | undefined
  readonly stop_loss?: number | undefined
  readonly take_profit?: number | undefined
  readonly new_stop?: number | undefined
  readonly new_target?: number | undefined
  readonly trailing_stop?: number | undefined
  readonly trailing_stop_pct?: number | undefined
  readonly breakeven_at?: number | undefined
  readonly order_type?: EntryOrderType | undefined
  readonly limit_price?: number | undefined
  readonly stop_price?: number | undefined
  readonly time_in_force?: EntryTimeInForce | undefined
  readonly reason?: string | undefined
}

/**
 * What one strategy call produced:
 * - `undefined`: nothing to do;
 * - an {@link Action};
 * - an opportunity: a record of fields (from `detect_opportunity`) to merge into the context; it moves the machine
 *   from Watch to CloseWatch.
 */
export type StrategyOutput =
  | undefined
  | { readonly _tag: "Action"; readonly action: Action }
  | { readonly _tag: "Opportunity"; readonly fields: Readonly<Record<string, unknown>> }

const isActionKind = (s: unknown): s is ActionKind => typeof s === "string" && (ACTION_KINDS as ReadonlyArray<string>).includes(s)

const NUMERIC_FIELDS = [
  "price",
  "quantity",
  "fraction",
  "stop_loss",
  "take_profit",
  "new_stop",
  "new_target",
  "trailing_stop",
  "trailing_stop_pct",
  "breakeven_at",
  "limit_price",
  "stop_price"
] as const

const ENTRY_FIELDS = [
  "price", "quantity", "stop_loss", "take_profit", "trailing_stop", "trailing_stop_pct", "breakeven_at", "order_type", "limit_price",
  "stop_price", "time_in_force"
]

/** Which optional fields each action accepts besides `reason` (a field meant for another action is an error). */
const FIELDS_OF: Readonly<Record<ActionKind, ReadonlyArray<string>>> = {
  enter_long: ENTRY_FIELDS,
  enter_short: ENTRY_FIELDS,
  exit: ["price", "quantity", "fraction"],
  update_stop_loss: ["new_stop"],
  update_take_profit: ["new_target"],
  set_trailing_stop: ["trailing_stop", "trailing_stop_pct"],
  move_stop_to_breakeven: [],
  start_analyzing: [],
  cancel_analysis: [],
  cancel_order: [],
  amend_order: ["limit_price", "stop_price", "quantity"]
}

/** {@link FIELDS_OF} as sets (looked up on every action). */
const FIELD_SETS: Readonly<Record<ActionKind, ReadonlySet<string>>> = Object.fromEntries(
  Object.entries(FIELDS_OF).map(([kind, fields]) => [kind, new Set(fields)])
) as unknown as Record<ActionKind, ReadonlySet<string>>

/** The fields checked against {@link FIELDS_OF}, in the order of the error they report first. */
const CHECKED_FIELDS: ReadonlyArray<string> = [...NUMERIC_FIELDS, "order_type", "time_in_force"]

/** Text fields with a fixed set of values (entries only). */
const CHOICE_FIELDS = [["order_type", ORDER_TYPES], ["time_in_force", TIMES_IN_FORCE]] as const

/**
 * Checks an untrusted action record (for example a table returned by Lua) and returns either the typed action or a
 * message naming the offending field.
 */
export const validateAction = (raw: Readonly<Record<string, unknown>>): { ok: true; action: Action } | { ok: false; error: string } => {
  const kind = raw["action"]
  if (!isActionKind(kind)) {
    return { ok: false, error: `action: unknown action ${JSON.stringify(kind)} (expected one of ${ACTION_KINDS.join(", ")})` }
  }
  const out: Record<string, unknown> = { action: kind }
  for (let i = 0; i < NUMERIC_FIELDS.length; i++) {
    const field = NUMERIC_FIELDS[i]!
    const v = raw[field]
    if (v === undefined || v === null) continue
    if (typeof v !== "number" || !Number.isFinite(v)) return { ok: false, error: `${field}: expected a finite number, got ${String(v)}` }
    if (v < 0 || (v === 0 && field !== "price")) return { ok: false, error: `${field}: must be positive, got ${v}` }
    out[field] = v
  }
  for (const [field, choices] of CHOICE_FIELDS) {
    const v = raw[field]
    if (v === undefined || v === null) continue
    if (typeof v !== "string" || !(choices as ReadonlyArray<string>).includes(v)) {
      return { ok: false, error: `${field}: expected one of ${choices.join(", ")}, got ${typeof v === "string" ? JSON.stringify(v) : String(v)}` }
    }
    out[field] = v
  }
  const reason = raw["reason"]
  if (reason !== undefined && reason !== null) out["reason"] = typeof reason === "string" ? reason : String(reason)
  const allowed = FIELD_SETS[kind]
  for (let i = 0; i < CHECKED_FIELDS.length; i++) {
    const field = CHECKED_FIELDS[i]!
    if (out[field] !== undefined && !allowed.has(field)) {
      return { ok: false, error: `${field}: not a field of ${kind} (${kind} takes ${[...FIELDS_OF[kind], "reason"].join(", ")})` }
    }
  }
  if ((kind === "enter_long" || kind === "enter_short") && out["quantity"] === undefined) {
    return { ok: false, error: `quantity: ${kind} needs a positive quantity` }
  }
  const fraction = out["fraction"] as number | undefined
  if (fraction !== undefined && fraction > 1) return { ok: false, error: `fraction: must be at most 1 (the whole position), got ${fraction}` }
  if (fraction !== undefined && out["quantity"] !== undefined) return { ok: false, error: "fraction: give quantity or fraction, not both" }
  const pct = out["trailing_stop_pct"] as number | undefined
  if (pct !== undefined && pct >= 1) return { ok: false, error: `trailing_stop_pct: a fraction of the price below 1 (0.02 = 2%), got ${pct}` }
  if (pct !== undefined && out["trailing_stop"] !== undefined) {
    return { ok: false, error: "trailing_stop_pct: give trailing_stop (a price distance) or trailing_stop_pct, not both" }
  }
  if (kind === "set_trailing_stop" && pct === undefined && out["trailing_stop"] === undefined) {
    return { ok: false, error: "trailing_stop: set_trailing_stop needs trailing_stop (a price distance) or trailing_stop_pct" }
  }
  if (kind === "enter_long" || kind === "enter_short") {
    const type = (out["order_type"] as EntryOrderType | undefined) ?? "market"
    const needsLimit = type === "limit" || type === "stop_limit"
    const needsStop = type === "stop" || type === "stop_limit"
    if (needsLimit && out["limit_price"] === undefined) return { ok: false, error: `limit_price: a ${type} entry needs limit_price` }
    if (needsStop && out["stop_price"] === undefined) return { ok: false, error: `stop_price: a ${type} entry needs stop_price` }
    if (!needsLimit && out["limit_price"] !== undefined) {
      return { ok: false, error: `limit_price: a ${type} entry has no limit price (order_type = "limit" or "stop_limit" takes one)` }
    }
    if (!needsStop && out["stop_price"] !== undefined) {
      return { ok: false, error: `stop_price: a ${type} entry has no stop price (order_type = "stop" or "stop_limit" takes one)` }
    }
  }
  if (kind === "amend_order" && out["limit_price"] === undefined && out["stop_price"] === undefined && out["quantity"] === undefined) {
    return { ok: false, error: "limit_price: amend_order needs limit_price, stop_price or quantity" }
  }
  if (kind === "update_stop_loss" && out["new_stop"] === undefined) return { ok: false, error: "new_stop: update_stop_loss needs new_stop" }
  if (kind === "update_take_profit" && out["new_target"] === undefined) return { ok: false, error: "new_target: update_take_profit needs new_target" }
  return { ok: true, action: out as unknown as Action }
}
