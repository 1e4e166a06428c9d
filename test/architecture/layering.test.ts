/**
 * The dependency direction of `src/`, enforced rather than remembered (ARCHITECTURE.md, "Suggested src/ layout"):
 *
 *   domain ← indicators ← state-machine / risk / portfolio / execution / strategy;  domain ← market-data, event-log
 *   engine ← backtest / optimize / report ← cli / api / index.ts
 *
 * Every `.ts` file under `src/` is read and its import specifiers are taken from `import … from "…"`,
 * `export … from "…"`, `import "…"` and `import("…")` (comment lines skipped). The checks:
 * 1. each capability imports only the capabilities (and external packages) its row of {@link LAYERS} allows;
 * 2. the engine imports service interfaces only, never adapters, directly or (apart from a listed exception)
 *    transitively;
 * 3. only `cli/`, `backtest/run.ts` and `src/index.ts` choose concrete Layers;
 * 4. the deterministic core reads no wall clock and no unseeded randomness, and no module reads `process.env`;
 * 5. there is no import cycle between files.
 *
 * Exceptions are listed with the reason; each exception is also checked to still be needed, so a fixed one is
 * noticed and removed. A new top-level folder under `src/` fails the test until it gets a row in {@link LAYERS}.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { repoFile } from "../support/data.ts"

const SRC = repoFile("src")

// ---------------------------------------------------------------------------------------------------------------
// Reading imports

/** Code lines only: lines that are comments (`//`, `/*`, ` * …`) are blanked, so examples in doc comments don't count. */
const codeOnly = (text: string): string =>
  text.split("\n").map((line) => (/^\s*(?:\/\/|\/\*|\*)/.test(line) ? "" : line)).join("\n")

/** The module specifiers a TypeScript source imports or re-exports, in order of appearance. */
const parseImports = (text: string): Array<string> => {
  const code = codeOnly(text)
  const found: Array<{ at: number; spec: string }> = []
  // `import x from "m"`, `import type { A, B } from "m"`, `export * from "m"`, `export { a,\n b } from "m"`, `import "m"`
  const fromRe = /^[ \t]*(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]*?\bfrom\s*)?["']([^"'\n]+)["']/gm
  // `import("m")`, also in type positions (`import("./errors.ts").StrategyError`)
  const dynamicRe = /\bimport\s*\(\s*["']([^"'\n]+)["']\s*\)/g
  for (const m of code.matchAll(fromRe)) found.push({ at: m.index, spec: m[1]! })
  for (const m of code.matchAll(dynamicRe)) found.push({ at: m.index, spec: m[1]! })
  return found.sort((a, b) => a.at - b.at).map((f) => f.spec)
}

const listTs = (dir: string): Array<string> =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name)
    if (e.isDirectory()) return listTs(full)
    return e.name.endsWith(".ts") ? [full] : []
  })

/** A file's path relative to `src/`, with `/` separators: `engine/core.ts`. */
const rel = (abs: string): string => path.relative(SRC, abs).split(path.sep).join("/")

interface Node {
  /** Files under `src/` this file imports (relative to `src/`). */
  readonly internal: ReadonlyArray<string>
  /** External package names: `effect`, `node:fs`, `fengari`, `@effect/platform-node`. */
  readonly external: ReadonlyArray<string>
  readonly code: string
}

const packageName = (spec: string): string => {
  if (spec.startsWith("node:")) return spec
  const parts = spec.split("/")
  return spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!
}

const buildGraph = (): Map<string, Node> => {
  const graph = new Map<string, Node>()
  for (const abs of listTs(SRC).sort()) {
    const text = fs.readFileSync(abs, "utf8")
    const internal: Array<string> = []
    const external: Array<string> = []
    for (const spec of parseImports(text)) {
      if (spec.startsWith(".")) internal.push(rel(path.resolve(path.dirname(abs), spec)))
      else external.push(packageName(spec))
    }
    graph.set(rel(abs), { internal: [...new Set(internal)], external: [...new Set(external)], code: codeOnly(text) })
  }
  return graph
}

/** The capability of a file: its top-level folder under `src/`, or the file name for top-level files. */
const layerOf = (file: string): string => file.split("/")[0]!

// ---------------------------------------------------------------------------------------------------------------
// The rules

/** Pure capabilities: the ones below the engine. */
const CAPABILITIES = ["domain", "indicators", "state-machine", "risk", "portfolio", "execution", "strategy", "market-data", "event-log"]
/** Everything the engine and above build on. */
const BELOW_BACKTEST = ["engine", ...CAPABILITIES]

/**
 * Per capability (top-level folder of `src/`): the other capabilities it may import, and the external packages
 * (`node:` stands for every Node built-in). Imports within one capability are always allowed. Extend deliberately.
 */
const LAYERS: Readonly<Record<string, { readonly internal: ReadonlyArray<string>; readonly external: ReadonlyArray<string> }>> = {
  domain: { internal: [], external: ["effect"] },
  indicators: { internal: ["domain"], external: ["effect"] },
  "state-machine": { internal: ["domain", "indicators"], external: ["effect"] },
  risk: { internal: ["domain", "indicators"], external: ["effect"] },
  portfolio: { internal: ["domain", "indicators"], external: ["effect"] },
  execution: { internal: ["domain", "indicators"], external: ["effect"] },
  strategy: { internal: ["domain", "indicators"], external: ["effect", "node:", "fengari"] },
  "market-data": { internal: ["domain"], external: ["effect", "node:"] },
  "event-log": { internal: ["domain"], external: ["effect", "node:"] },
  // The engine: the one pipeline. Deterministic and I/O-free (the Layers do the I/O), so `effect` only. Which files
  // of market-data / strategy / execution it may import is narrowed further by ENGINE_MAY_IMPORT.
  // EXCEPTION (backtest): the core builds the run's result, so it imports the result types and the metrics from
  // `backtest/` (see ENGINE_BACKTEST_EXCEPTIONS); nothing else of `backtest/`.
  engine: { internal: [...CAPABILITIES, "backtest"], external: ["effect"] },
  backtest: { internal: BELOW_BACKTEST, external: ["effect"] },
  optimize: { internal: ["backtest", ...BELOW_BACKTEST], external: ["effect", "node:"] },
  report: { internal: ["backtest", ...BELOW_BACKTEST], external: ["effect", "node:"] },
  cli: { internal: ["report", "optimize", "backtest", ...BELOW_BACKTEST], external: ["effect", "node:", "@effect/platform-node", "smol-toml"] },
  api: { internal: ["report", "optimize", "backtest", ...BELOW_BACKTEST], external: ["effect", "node:", "@effect/platform-node"] },
  "index.ts": { internal: ["report", "optimize", "backtest", ...BELOW_BACKTEST], external: [] }
}

/** Service interfaces (and pure rules) of the capabilities whose adapters the engine must not know. */
const ENGINE_MAY_IMPORT: ReadonlyArray<string> = [
  "market-data/MarketData.ts",
  "strategy/Strategy.ts",
  "strategy/StrategyReloads.ts",
  "execution/Execution.ts",
  // The venue's configuration and the classic fill rules (next-open fills, stop/target precedence, commission).
  "execution/fill-model.ts",
  // The pure, synchronous venue the core runs bar by bar: order books and matching, the intrabar path, costs, and
  // the exchange's instrument rules. Rules, not adapters: no I/O, no Layer.
  "execution/orders.ts",
  "execution/intrabar.ts",
  "execution/costs.ts",
  "execution/instrument.ts"
]
const ENGINE_NARROWED = ["market-data", "strategy", "execution"]
/** The documented exception to "engine imports no `backtest/` file": the core builds the `BacktestResult`. */
const ENGINE_BACKTEST_EXCEPTIONS: ReadonlyArray<string> = ["backtest/result.ts", "backtest/metrics.ts"]

/** Adapter modules: concrete sources, loaders and Layers, plus the barrels that re-export them. */
const isAdapter = (file: string): boolean =>
  file.startsWith("indicators/ocaml/") ||
  (file.startsWith("market-data/") && file !== "market-data/MarketData.ts") ||
  file.startsWith("strategy/lua/") ||
  file === "strategy/hot-reload.ts" ||
  file === "strategy/index.ts" ||
  (file.startsWith("execution/") && !ENGINE_MAY_IMPORT.includes(file))

/**
 * KNOWN EXCEPTION to "the engine reaches no adapter, even transitively": `Strategy.layerLua` is a static of the
 * service class, so `strategy/Strategy.ts` (the interface the engine reads) imports the Lua host, and with it
 * fengari. Moving `layerLua` next to the host (e.g. `strategy/lua/layer.ts`) would remove this edge.
 */
const TRANSITIVE_EXCEPTIONS: ReadonlyArray<readonly [string, string]> = [["strategy/Strategy.ts", "strategy/lua/host.ts"]]

/** The only places that choose concrete Layers. */
const isLayerChooser = (file: string): boolean => file.startsWith("cli/") || file === "backtest/run.ts" || file === "index.ts"
/** The modules that define the Layers (and so name them). */
const LAYER_DEFINERS = [
  "market-data/layers.ts", "market-data/MarketData.ts", "strategy/Strategy.ts", "execution/Execution.ts",
  "indicators/IndicatorEngine.ts", "indicators/ocaml/backend.ts", "strategy/hot-reload.ts", "strategy/StrategyReloads.ts"
]
/** Code that builds or picks a concrete Layer of one of the three services. */
const CHOOSES_LAYER = /\b(?:csvMarketData|simulatedMarketData|queueMarketData|indicatorEngineLayer|watchLuaStrategy)\s*\(|\bocamlIndicatorEngine\b|\b(?:MarketData|Strategy|Execution)\.layer\w*\b|Layer\.(?:succeed|effect|sync)\(\s*(?:MarketData|Strategy|Execution|IndicatorEngine|StrategyReloads)\b/
/** Modules whose import means access to the concrete Layer constructors. */
const LAYER_MODULES = ["market-data/layers.ts", "market-data/index.ts"]

/** Folders outside the deterministic core: they may read the wall clock (the CLI times a run for its report line). */
const MAY_READ_CLOCK = ["cli", "api"]
/**
 * KNOWN EXCEPTIONS to "the core reads no wall clock": the Lua host's wall-clock budget per strategy call (`vm.ts`,
 * read from the instruction hook) and the worker watchdog (`worker-host.ts`). The clock only bounds how long a call
 * may run; it never feeds a value the strategy or the engine computes with (a call that exceeds it fails with kind
 * `timeout`, like a runaway loop).
 */
const CLOCK_EXCEPTIONS = ["strategy/lua/vm.ts", "strategy/lua/worker-host.ts"]
const NON_DETERMINISTIC = /\bDate\.now\s*\(|\bnew Date\(\s*\)|\bMath\.random\s*\(|\bperformance\.now\s*\(|\bprocess\.hrtime\b|\bcrypto\.random\w*\s*\(/

// ---------------------------------------------------------------------------------------------------------------

const graph = buildGraph()
const files = [...graph.keys()]

/** Every import of a file that breaks `allowed(from, to)`, as `from → to`. */
const violations = (allowed: (from: string, to: string) => boolean): Array<string> =>
  files.flatMap((from) => graph.get(from)!.internal.filter((to) => !allowed(from, to)).map((to) => `${from} → ${to}`))

/** Files reachable from `start`, following internal imports except the edges in `skip`. */
const reachable = (start: ReadonlyArray<string>, skip: ReadonlyArray<readonly [string, string]>): Set<string> => {
  const seen = new Set<string>()
  const stack = [...start]
  while (stack.length > 0) {
    const f = stack.pop()!
    if (seen.has(f)) continue
    seen.add(f)
    for (const to of graph.get(f)?.internal ?? []) {
      if (!skip.some(([a, b]) => a === f && b === to)) stack.push(to)
    }
  }
  return seen
}

/** Import cycles between files (DFS, one cycle reported per back edge), each as `a → b → … → a`. */
const findCycles = (g: ReadonlyMap<string, ReadonlyArray<string>>): Array<string> => {
  const state = new Map<string, "active" | "done">()
  const stack: Array<string> = []
  const cycles: Array<string> = []
  const visit = (f: string): void => {
    state.set(f, "active")
    stack.push(f)
    for (const to of g.get(f) ?? []) {
      const s = state.get(to)
      if (s === "active") cycles.push([...stack.slice(stack.indexOf(to)), to].join(" → "))
      else if (s === undefined) visit(to)
    }
    stack.pop()
    state.set(f, "done")
  }
  for (const f of [...g.keys()].sort()) if (!state.has(f)) visit(f)
  return cycles
}

describe("the import reader", () => {
  it("reads every import form and ignores comments", () => {
    const sample = [
      "/**",
      " * ```ts",
      " * import { backtest } from \"trading-engine\"",
      " * ```",
      " */",
      "// import { nope } from \"./commented.ts\"",
      "import { Effect, Stream } from \"effect\"",
      "import type { Bar } from \"../domain/bar.ts\"",
      "import * as path from \"node:path\"",
      "import \"./side-effect.ts\"",
      "export * from \"./star.ts\"",
      "export {",
      "  a,",
      "  type B",
      "} from \"./multi-line.ts\"",
      "export const x: import(\"./typed.ts\").T = await import(\"./dynamic.ts\")",
      "export const notAnImport = \"from ./string.ts\""
    ].join("\n")
    expect(parseImports(sample)).toEqual([
      "effect",
      "../domain/bar.ts",
      "node:path",
      "./side-effect.ts",
      "./star.ts",
      "./multi-line.ts",
      "./typed.ts",
      "./dynamic.ts"
    ])
  })

  it("finds the source tree and its imports, and every relative import resolves to a file", () => {
    expect(files.length).toBeGreaterThan(30)
    expect(graph.get("engine/Engine.ts")!.internal).toEqual(expect.arrayContaining(["engine/core.ts", "market-data/MarketData.ts"]))
    expect(graph.get("market-data/layers.ts")!.external).toEqual(expect.arrayContaining(["effect", "node:fs/promises"]))
    // The js_of_ocaml build is generated JavaScript, not part of the TypeScript graph; it must exist on disk.
    const generated = new Set(["indicators/ocaml/indicators.bc.cjs"])
    const unresolved = files.flatMap((f) =>
      graph.get(f)!.internal.filter((to) => !graph.has(to) && !(generated.has(to) && fs.existsSync(path.join(SRC, to)))).map((to) => `${f} → ${to}`))
    expect(unresolved).toEqual([])
  })
})

describe("layering (ARCHITECTURE.md)", () => {
  it("every top-level folder of src/ has a row in the layering table", () => {
    expect(files.map(layerOf).filter((l) => LAYERS[l] === undefined)).toEqual([])
  })

  it("each capability imports only the capabilities below it", () => {
    expect(violations((from, to) => {
      const a = layerOf(from)
      const b = layerOf(to)
      return a === b || (LAYERS[a]?.internal.includes(b) ?? false)
    })).toEqual([])
  })

  it("each capability imports only its allowed external packages (domain: effect only)", () => {
    const bad = files.flatMap((f) => {
      const allowed = LAYERS[layerOf(f)]?.external ?? []
      return graph.get(f)!.external
        .filter((p) => !allowed.some((a) => (a === "node:" ? p.startsWith("node:") : p === a)))
        .map((p) => `${f} → ${p}`)
    })
    expect(bad).toEqual([])
  })

  it("nothing imports the CLI or the public index (they are entry points)", () => {
    expect(violations((from, to) => (to === "index.ts" || to.startsWith("cli/")) ? layerOf(from) === layerOf(to) : true)).toEqual([])
  })

  it("the engine imports service interfaces only, never adapters", () => {
    expect(violations((from, to) => {
      if (layerOf(from) !== "engine") return true
      if (ENGINE_NARROWED.includes(layerOf(to))) return ENGINE_MAY_IMPORT.includes(to)
      if (layerOf(to) === "backtest") return ENGINE_BACKTEST_EXCEPTIONS.includes(to)
      return true
    })).toEqual([])
  })

  it("the engine's exceptions are still needed (remove them from this test once they are not)", () => {
    const engineImports = files.filter((f) => layerOf(f) === "engine").flatMap((f) => graph.get(f)!.internal)
    for (const e of ENGINE_BACKTEST_EXCEPTIONS) expect(engineImports).toContain(e)
    for (const [a, b] of TRANSITIVE_EXCEPTIONS) expect(graph.get(a)?.internal ?? []).toContain(b)
  })

  it("the engine reaches no adapter even transitively, apart from the listed exception", () => {
    const engine = files.filter((f) => layerOf(f) === "engine")
    expect([...reachable(engine, TRANSITIVE_EXCEPTIONS)].filter(isAdapter).sort()).toEqual([])
    // What the exception costs today, stated so that a growth is noticed: the Lua host and its helpers.
    expect([...reachable(engine, [])].filter(isAdapter).sort()).toEqual([
      "strategy/lua/clock.ts",
      "strategy/lua/host.ts",
      "strategy/lua/market-data-writer.ts",
      "strategy/lua/marshal.ts",
      "strategy/lua/prelude.ts",
      "strategy/lua/protocol.ts",
      "strategy/lua/string-guard.ts",
      "strategy/lua/vm.ts",
      "strategy/lua/worker-host.ts"
    ])
  })

  it("only cli/, backtest/run.ts and src/index.ts choose concrete Layers", () => {
    const choosing = files.filter((f) => !LAYER_DEFINERS.includes(f) && CHOOSES_LAYER.test(graph.get(f)!.code))
    expect(choosing.filter((f) => !isLayerChooser(f))).toEqual([])
    expect(choosing).toContain("backtest/run.ts")
    expect(violations((from, to) =>
      !LAYER_MODULES.includes(to) || layerOf(from) === "market-data" || isLayerChooser(from)
    )).toEqual([])
  })

  it("the deterministic core reads no wall clock and no unseeded randomness; no module reads process.env", () => {
    const clock = files.filter((f) => !MAY_READ_CLOCK.includes(layerOf(f)) && NON_DETERMINISTIC.test(graph.get(f)!.code))
    expect(clock.filter((f) => !CLOCK_EXCEPTIONS.includes(f))).toEqual([])
    expect(CLOCK_EXCEPTIONS.filter((f) => !clock.includes(f))).toEqual([]) // each exception still needed
    expect(files.filter((f) => /\bprocess\.env\b/.test(graph.get(f)!.code))).toEqual([])
  })
})

describe("import cycles", () => {
  it("the cycle finder finds a planted cycle", () => {
    const g = new Map<string, ReadonlyArray<string>>([["a.ts", ["b.ts"]], ["b.ts", ["c.ts"]], ["c.ts", ["a.ts", "d.ts"]], ["d.ts", []]])
    expect(findCycles(g)).toEqual(["a.ts → b.ts → c.ts → a.ts"])
  })

  it("there is no import cycle between files of src/ (type-only imports included)", () => {
    const g = new Map(files.map((f) => [f, graph.get(f)!.internal] as const))
    expect(findCycles(g)).toEqual([])
  })
})
