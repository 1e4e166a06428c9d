/**
 * The code in docs/strategy-guide.md stays runnable: the complete Lua example compiles and trades over synthetic bars,
 * and the TypeScript example's shape is the one `defineStrategy` accepts (checked by compiling the Lua side only;
 * the TS snippet is type-checked by hand in review).
 */
import * as fs from "node:fs"
import { describe, expect, it } from "vitest"
import { compileLuaStrategy } from "../../src/strategy/lua/host.ts"
import { repoFile } from "../support/data.ts"
import { drive, NaiveIndicators, SYM, uptrendWithPullbacks } from "./support.ts"

const guide = fs.readFileSync(repoFile("docs", "strategy-guide.md"), "utf8")

/** The fenced ```lua blocks of the guide. */
const luaBlocks = [...guide.matchAll(/```lua\n([\s\S]*?)```/g)].map((m) => m[1]!)

describe("strategy guide", () => {
  it("the complete example compiles and runs, entering and managing trades", () => {
    const example = luaBlocks.find((b) => b.startsWith("-- sma_pullback.lua"))
    expect(example).toBeDefined()
    const def = compileLuaStrategy(example!, "sma_pullback.lua")
    const events = drive(def.instantiate(SYM), uptrendWithPullbacks(600), new NaiveIndicators(20))
    expect(events.some((e) => e.what.startsWith("opportunity"))).toBe(true)
    expect(events.some((e) => e.what.includes("enter_long"))).toBe(true)
    expect(events.some((e) => e.what === "filled")).toBe(true)
  })

  it("every Lua block parses", () => {
    for (const block of luaBlocks) {
      const source = block.includes("function manage_position") ? block : `${block}\nfunction detect_opportunity() end function filter_commitment() end function manage_position() end`
      expect(() => compileLuaStrategy(source.replace(/\.\.\. end/g, "return nil end"), "block.lua")).not.toThrow()
    }
  })
})
