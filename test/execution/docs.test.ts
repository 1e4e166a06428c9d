/**
 * The examples of docs/orders.md, docs/risk.md and docs/execution.md run and print what the docs say they print.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import { describe, expect, it } from "vitest"
import { dataDir, repoFile } from "../support/data.ts"

/** The first `ts` block of a doc and the `text` block that follows it (the documented output). */
const example = (doc: string): { code: string; output: string } => {
  const text = fs.readFileSync(repoFile("docs", doc), "utf8")
  const code = /```ts\n([\s\S]*?)```/.exec(text)![1]!
  const after = text.slice(text.indexOf(code) + code.length)
  const output = /```text\n([\s\S]*?)```/.exec(after)![1]!
  return { code, output }
}

const runSnippet = (code: string): string => {
  const file = repoFile(`.docs-snippet-${process.pid}-${Math.floor(performance.now())}.ts`)
  fs.writeFileSync(file, code.replaceAll("../shared/data/", `${dataDir}/`))
  try {
    const r = spawnSync(process.execPath, ["--import", "tsx", file], { cwd: repoFile(), encoding: "utf8", timeout: 60_000 })
    expect(r.stderr).toBe("")
    expect(r.status).toBe(0)
    return r.stdout
  } finally {
    fs.rmSync(file, { force: true })
  }
}

describe("documentation examples", () => {
  it.each(["orders.md", "risk.md", "execution.md"])("docs/%s: the example prints the documented output", (doc) => {
    const { code, output } = example(doc)
    expect(runSnippet(code)).toBe(output)
  })
})
