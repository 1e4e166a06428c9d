/**
 * Every `examples/*.ts` runs as a user would run it (`npx tsx examples/<name>.ts` from the repository root): as a
 * child process of the Node running the tests (the project's pinned Node), with tsx as a loader. Each example must
 * exit with 0; the ones listed in `EXPECTED` must also print the given fragments. A new example without an entry
 * still has to run cleanly.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import { describe, expect, it } from "vitest"
import { repoFile } from "./support/data.ts"

const examples = fs.readdirSync(repoFile("examples")).filter((f) => f.endsWith(".ts")).sort()

/** Output fragments each example must print. */
const EXPECTED: Readonly<Record<string, ReadonlyArray<string | RegExp>>> = {
  "backtest.ts": [
    "Strategy  ema_crossover",
    "Symbols   SIM-A, SIM-B",
    /\| Trades +\| +\d+ \|/,
    "| Final equity",
    /First trades of \d+:/,
    /^1 +SIM-[AB] +long /m,
    "TypeScript strategy ema_crossover.ts:",
    "Lua and TypeScript strategies made identical trades."
  ]
}

describe("examples", () => {
  it("the folder has examples, and each listed one exists", () => {
    expect(examples.length).toBeGreaterThan(0)
    for (const name of Object.keys(EXPECTED)) expect(examples).toContain(name)
    const readme = fs.readFileSync(repoFile("examples", "README.md"), "utf8")
    for (const name of examples) expect(readme, `examples/README.md lists ${name}`).toContain(`\`${name}\``)
  })

  it.each(examples)("%s runs and exits with 0", (name) => {
    const r = spawnSync(process.execPath, ["--import", "tsx", `examples/${name}`], {
      cwd: repoFile(),
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, NO_COLOR: "1" }
    })
    expect(r.error).toBeUndefined()
    expect(r.status, `stderr:\n${r.stderr}`).toBe(0)
    for (const fragment of EXPECTED[name] ?? []) {
      if (typeof fragment === "string") expect(r.stdout).toContain(fragment)
      else expect(r.stdout).toMatch(fragment)
    }
  })
})
