/**
 * Strategy modules (`--strategy x.ts`): which export is the strategy, parameter overrides through `withParams`, and a
 * precise `StrategyError` for every way a module can be wrong. The modules are written to a temporary folder and
 * import `defineStrategy` from the repository by absolute URL, as a user's file elsewhere on disk would.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { StrategyError } from "../../src/domain/errors.ts"
import { isStrategyModule, loadStrategyModule } from "../../src/strategy/module.ts"
import { repoFile } from "../support/data.ts"

const DEFINE = pathToFileURL(repoFile("src", "strategy", "typescript.ts")).href
let dir = ""
let counter = 0

/** Writes a module and returns its path (a new file name each time: ES modules are cached by URL). */
const mod = (body: string): string => {
  const file = path.join(dir, `strategy_${counter++}.ts`)
  fs.writeFileSync(file, `import { defineStrategy } from ${JSON.stringify(DEFINE)}\n${body}\n`)
  return file
}

const strategy = (name: string, params = "") =>
  `defineStrategy({ name: ${JSON.stringify(name)}, ${params} detectOpportunity: () => undefined, filterCommitment: () => undefined, managePosition: () => undefined })`

const load = (target: string, params?: Record<string, string | number>) => Effect.runPromise(loadStrategyModule(target, { params }))
const fail = (target: string, params?: Record<string, string | number>) =>
  Effect.runPromise(Effect.flip(loadStrategyModule(target, { params }))) as Promise<StrategyError>

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "strategy-module-"))
})
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

describe("loadStrategyModule", () => {
  it("recognises module files by extension, with or without #export", () => {
    for (const f of ["a.ts", "dir/a.mts", "a.js", "a.mjs", "a.ts#fast"]) expect(isStrategyModule(f), f).toBe(true)
    for (const f of ["a.lua", "a", "a.ts.lua", "a.lua#x"]) expect(isStrategyModule(f), f).toBe(false)
  })

  it("takes the default export, and applies overrides through the declared parameters", async () => {
    const file = mod(`export default ${strategy("d", "params: { fast: { default: 12, min: 2, max: 50 }, mode: { default: \"trend\", choices: [\"trend\", \"range\"] } },")}`)
    const plain = await load(file)
    expect(plain.name).toBe("d")
    expect(plain.paramValues).toEqual({ fast: 12, mode: "trend" })
    const tuned = await load(file, { fast: "20", mode: "range" })
    expect(tuned.paramValues).toEqual({ fast: 20, mode: "range" })
    const bad = await fail(file, { fast: 1 })
    expect(bad.kind).toBe("params")
    expect(bad.detail).toBe("fast: must be >= 2, got 1")
    const unknown = await fail(file, { slow: 3 })
    expect(unknown.detail).toBe("slow: unknown parameter (declared: fast, mode)")
  })

  it("without a default export: the only definition among the exports, or the one named by #", async () => {
    const single = mod(`export const helper = 3\nexport const only = ${strategy("only")}`)
    expect((await load(single)).name).toBe("only")
    const two = mod(`export const a = ${strategy("a")}\nexport const b = ${strategy("b")}`)
    expect((await load(`${two}#b`)).name).toBe("b")
    const several = await fail(two)
    expect(several.kind).toBe("load")
    expect(several.detail).toBe(`exports several strategy definitions (a, b): choose one with ${two}#a`)
  })

  it("a module with no definition, an unknown or wrong #export", async () => {
    const none = mod(`export const x = 1\nexport function y() {}`)
    expect((await fail(none)).detail).toBe("exports no strategy definition: write `export default defineStrategy({ ... })` (exports: x, y)")
    const one = mod(`export const a = ${strategy("a")}\nexport const n = 5`)
    expect((await fail(`${one}#zz`)).detail).toBe("has no export named zz (exports: a, n)")
    expect((await fail(`${one}#n`)).detail).toBe("export n is not a strategy definition (build it with defineStrategy)")
  })

  it("overrides for a definition that cannot take them", async () => {
    const raw = mod(`export default { name: "raw", instantiate: () => ({}) }`)
    const e = await fail(raw, { fast: 3 })
    expect(e.kind).toBe("params")
    expect(e.detail).toBe("fast: the strategy declares no parameters (declare them with defineStrategy({ params }))")
  })

  it("a missing file, a syntax error and a throwing module are load errors naming the file", async () => {
    const missing = path.join(dir, "nope.ts")
    const m = await fail(missing)
    expect(m.kind).toBe("load")
    expect(m.message).toBe(`${missing}: load: cannot read the file: no such file`)
    const broken = mod(`export default {{`)
    const b = await fail(broken)
    expect(b.kind).toBe("load")
    // the transformer's wording differs (esbuild under tsx, oxc under vitest); the place is the file's line 2
    expect(b.detail).toMatch(new RegExp(`^cannot import the module: \\S*${path.basename(broken)}:2:\\d+: \\S`))
    const throwing = mod(`throw new Error("no config here")`)
    const t = await fail(throwing)
    expect(t.detail).toBe("cannot import the module: no config here")
  })

  it("the bundled strategies/ema_crossover.ts loads by its default export", async () => {
    const d = await load(repoFile("strategies", "ema_crossover.ts"))
    expect(d.name).toBe("ema_crossover.ts")
  })
})
