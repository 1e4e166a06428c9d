/**
 * The per-symbol trade state machine: Watch → CloseWatch → InTrade → Watch.
 *
 * A pure transition function: given a state and an event it returns the next state and the recorded transition, or
 * the reason the event is not allowed in that state. The engine owns the state; nothing here has side effects.
 *
 * ```
 *            opportunity / start_analyzing              entry filled
 *   Watch ───────────────────────────────▶ CloseWatch ─────────────▶ InTrade
 *     ▲  ◀──────────────────────────────────┘ cancel_analysis, timeout,  │
 *     │            entry rejected                                       │ exit by strategy,
 *     └─────────────────────────────────────────────────────────────────┘ stop-loss, take-profit, end of data
 *   (an entry returned directly in Watch goes Watch → InTrade when it fills)
 * ```
 *
 * @module
 */
import type { TradeStateName } from "../domain/strategy.ts"

/** An event that may move the machine. `reason` is recorded with the transition. */
export type MachineEvent =
  | { readonly _tag: "Opportunity"; readonly reason: string }
  | { readonly _tag: "CancelAnalysis"; readonly reason: string }
  /** CloseWatch lasted longer than the run allows (bars or time) without an entry. */
  | { readonly _tag: "Timeout"; readonly reason: string }
  | { readonly _tag: "EntryFilled"; readonly reason: string }
  | { readonly _tag: "EntryRejected"; readonly reason: string }
  | { readonly _tag: "PositionClosed"; readonly reason: string }

/** A state change, as recorded in the run's history. */
export interface StateChange {
  readonly from: TradeStateName
  readonly to: TradeStateName
  readonly reason: string
}

/** The outcome of {@link transition}. */
export type TransitionResult =
  | { readonly ok: true; readonly next: TradeStateName; readonly change: StateChange }
  | { readonly ok: false; readonly error: string }

const allowed: Record<MachineEvent["_tag"], ReadonlyArray<TradeStateName>> = {
  Opportunity: ["Watch"],
  CancelAnalysis: ["CloseWatch"],
  Timeout: ["CloseWatch"],
  EntryFilled: ["Watch", "CloseWatch"],
  EntryRejected: ["Watch", "CloseWatch"],
  PositionClosed: ["InTrade"]
}

const target = (event: MachineEvent): TradeStateName => {
  switch (event._tag) {
    case "Opportunity":
      return "CloseWatch"
    case "EntryFilled":
      return "InTrade"
    case "CancelAnalysis":
    case "Timeout":
    case "EntryRejected":
    case "PositionClosed":
      return "Watch"
  }
}

/** The pure transition function of the trade machine. */
export const transition = (state: TradeStateName, event: MachineEvent): TransitionResult => {
  if (!allowed[event._tag].includes(state)) {
    return { ok: false, error: `${event._tag} is not allowed in ${state}` }
  }
  const next = target(event)
  return { ok: true, next, change: { from: state, to: next, reason: event.reason } }
}

/** Which strategy function a state calls. */
export const strategyFunctionFor = (state: TradeStateName): "detect_opportunity" | "filter_commitment" | "manage_position" =>
  state === "Watch" ? "detect_opportunity" : state === "CloseWatch" ? "filter_commitment" : "manage_position"
