/**
 * A/B comparison of fengari copies (see docs/fengari-patches.md): runs `bench/fengari-bench.ts` in fresh processes,
 * alternating between the given fengari package directories round by round (so machine noise hits all of them
 * alike), and prints each case's median and best bars/s per copy and the ratio of medians against the first copy.
 *
 * Run: `npx tsx bench/fengari-ab.ts [--rounds 3] [--case engine,host,micro] [--bars 1000000] [--runs 3] [--clock cpu] name=dir ...`
 * where `dir` is a fengari package directory (`installed` = the installed node_modules/fengari). Example, from a
 * pristine copy made with `npm pack fengari@0.1.5` (its dependencies must resolve from its location, e.g. through a
 * `node_modules` symlink in a parent directory):
 *   npx tsx bench/fengari-ab.ts pristine=/tmp/fp/pristine patched=installed
 */
import { spawnSync } from "node:child_process"
import * as path from "node:path"

const argv = process.argv.slice(2)
const opt = (name: string, fallback: string): string => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? argv[i + 1]! : fallback
}
const rounds = Number(opt("rounds", "3"))
const passThrough = ["case", "bars", "runs", "clock"].flatMap((n) => (argv.includes(`--${n}`) ? [`--${n}`, opt(n, "")] : []))
const variants = argv
  .filter((a, i) => a.includes("=") && !a.startsWith("--") && (i === 0 || !argv[i - 1]!.startsWith("--")))
  .map((a) => {
    const [name, dir] = [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]
    return { name, dir: dir === "installed" ? "" : path.resolve(dir) }
  })
if (variants.length === 0) {
  console.error("usage: npx tsx bench/fengari-ab.ts [--rounds N] [--case ...] [--bars N] [--runs N] [--clock wall|cpu] name=dir ...")
  process.exit(2)
}

const bench = path.join(import.meta.dirname, "fengari-bench.ts")
/** samples[variant][case] = bars/s of each run */
const samples = new Map<string, Map<string, Array<number>>>()
const checks = new Map<string, unknown>()
for (let r = 0; r < rounds; r++) {
  for (const v of variants) {
    const res = spawnSync(process.execPath, ["--import", "tsx", bench, ...passThrough], {
      encoding: "utf8",
      env: { ...process.env, FENGARI_DIR: v.dir },
      maxBuffer: 1 << 24
    })
    if (res.status !== 0) {
      console.error(`${v.name}: exit ${res.status}\n${res.stderr}`)
      process.exit(1)
    }
    const line = res.stdout.trim().split("\n").pop()!
    const out = JSON.parse(line) as { results: Record<string, { all: Array<number>; check: unknown }> }
    const byCase = samples.get(v.name) ?? new Map<string, Array<number>>()
    samples.set(v.name, byCase)
    for (const [c, x] of Object.entries(out.results)) {
      byCase.set(c, [...(byCase.get(c) ?? []), ...x.all])
      const prev = checks.get(c)
      if (prev !== undefined && prev !== x.check) console.error(`warning: ${c} check differs: ${String(prev)} vs ${String(x.check)} (${v.name})`)
      checks.set(c, x.check)
    }
    process.stderr.write(`round ${r + 1}/${rounds} ${v.name}: ${Object.entries(out.results).map(([c, x]) => `${c} ${x.all.map((n) => Math.round(n / 1000) + "k").join("/")}`).join(", ")}\n`)
  }
}

const median = (xs: Array<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}
const k = (n: number): string => `${Math.round(n / 1000).toLocaleString("en-US")}k`
const cases = [...samples.get(variants[0]!.name)!.keys()]
console.log(`| case | ${variants.map((v) => `${v.name} median (best)`).join(" | ")} | ${variants.slice(1).map((v) => `${v.name} / ${variants[0]!.name}`).join(" | ")} |`)
console.log(`|---|${variants.map(() => "---:").join("|")}|${variants.slice(1).map(() => "---:").join("|")}|`)
for (const c of cases) {
  const meds = variants.map((v) => median(samples.get(v.name)!.get(c)!))
  const bests = variants.map((v) => Math.max(...samples.get(v.name)!.get(c)!))
  console.log(`| ${c} | ${meds.map((m, i) => `${k(m)} (${k(bests[i]!)})`).join(" | ")} | ${meds.slice(1).map((m) => `×${(m / meds[0]!).toFixed(2)}`).join(" | ")} |`)
}
