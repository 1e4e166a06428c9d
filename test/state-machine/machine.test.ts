import { describe, expect, it } from "vitest"
import type { TradeStateName } from "../../src/domain/strategy.ts"
import { strategyFunctionFor, transition, type MachineEvent } from "../../src/state-machine/machine.ts"

const states: ReadonlyArray<TradeStateName> = ["Watch", "CloseWatch", "InTrade"]
const events: ReadonlyArray<MachineEvent> = [
  { _tag: "Opportunity", reason: "r" },
  { _tag: "CancelAnalysis", reason: "r" },
  { _tag: "Timeout", reason: "r" },
  { _tag: "EntryFilled", reason: "r" },
  { _tag: "EntryRejected", reason: "r" },
  { _tag: "PositionClosed", reason: "r" }
]

// The complete table: every (state, event) pair and where it leads, or undefined when it is refused.
const expected: Record<TradeStateName, Record<MachineEvent["_tag"], TradeStateName | undefined>> = {
  Watch: { Opportunity: "CloseWatch", CancelAnalysis: undefined, Timeout: undefined, EntryFilled: "InTrade", EntryRejected: "Watch", PositionClosed: undefined },
  CloseWatch: { Opportunity: undefined, CancelAnalysis: "Watch", Timeout: "Watch", EntryFilled: "InTrade", EntryRejected: "Watch", PositionClosed: undefined },
  InTrade: { Opportunity: undefined, CancelAnalysis: undefined, Timeout: undefined, EntryFilled: undefined, EntryRejected: undefined, PositionClosed: "Watch" }
}

describe("trade state machine", () => {
  for (const state of states) {
    for (const event of events) {
      const want = expected[state][event._tag]
      it(`${state} + ${event._tag} → ${want ?? "refused"}`, () => {
        const result = transition(state, { ...event, reason: `because ${event._tag}` } as MachineEvent)
        if (want === undefined) {
          expect(result.ok).toBe(false)
          if (!result.ok) expect(result.error).toBe(`${event._tag} is not allowed in ${state}`)
        } else {
          expect(result).toEqual({ ok: true, next: want, change: { from: state, to: want, reason: `because ${event._tag}` } })
        }
      })
    }
  }

  it("calls the strategy function of each state", () => {
    expect(strategyFunctionFor("Watch")).toBe("detect_opportunity")
    expect(strategyFunctionFor("CloseWatch")).toBe("filter_commitment")
    expect(strategyFunctionFor("InTrade")).toBe("manage_position")
  })
})
