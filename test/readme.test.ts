/**
 * The README's code runs: the library snippet is executed as a script from the repository root, and the Lua strategy
 * snippet compiles and trades on the bundled data. A README that drifts from the code fails here.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { backtest } from "../src/backtest/run.ts"
import { compileLuaStrategy } from "../src/strategy/lua/host.ts"
import { repoFile } from "./support/data.ts"

const readme = fs.readFileSync(repoFile("README.md"), "utf8")
const blocks = (lang: string): Array<string> => [...readme.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]!)

describe("README", () => {
  it("the quick start has exactly two command lines, the second being the test command", () => {
    const quick = readme.split("## Quick start")[1]!.split("\n## ")[0]!
    const commands = blocks("sh").find((b) => quick.includes(b))!.trim().split("\n")
    expect(commands).toHaveLength(2)
    expect(commands[0]).toMatch(/^npm ci && npm run trading-engine -- backtest /)
    expect(commands[1]).toBe("npm test")
    expect(fs.readFileSync(repoFile(".ci", "run"), "utf8")).toContain("\nnpm test\n")
  })

  it("the library example runs and prints the summary", () => {
    const snippet = blocks("ts")[0]!
    expect(snippet).toContain("backtest(")
    const file = repoFile(`.readme-snippet-${process.pid}.ts`)
    fs.writeFileSync(file, snippet)
    try {
      const r = spawnSync(process.execPath, ["--import", "tsx", file], { cwd: repoFile(), encoding: "utf8", timeout: 60_000 })
      expect(r.stderr).toBe("")
      expect(r.status).toBe(0)
      expect(r.stdout).toMatch(/\| Trades +\| +147 \|/)
    } finally {
      fs.rmSync(file, { force: true })
    }
  })

  it("the Lua strategy snippet is a working strategy", async () => {
    const lua = blocks("lua")[0]!
    const result = await Effect.runPromise(backtest({
      data: { files: [repoFile("fixtures", "sim", "SIM-A_1h.csv")] },
      strategy: compileLuaStrategy(lua, "readme.lua")
    }))
    expect(result.failures).toEqual([])
    expect(result.trades.length).toBeGreaterThan(10)
  })
})
