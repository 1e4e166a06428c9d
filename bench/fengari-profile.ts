/**
 * Summarises a V8 CPU profile (`.cpuprofile`) by function: self time and inclusive time (time with the function on
 * the stack), as a share of the samples, with the source file and line. Used to find fengari's hot spots (see
 * docs/fengari-patches.md).
 *
 * Profile, then summarise:
 *   npx tsx --cpu-prof --cpu-prof-dir=/tmp/prof bench/fengari-bench.ts --case engine --runs 3
 *   npx tsx bench/fengari-profile.ts /tmp/prof/CPU.*.cpuprofile [--top 40] [--filter fengari]
 *
 * `--filter` keeps only functions whose file path contains the text (the percentages stay relative to all samples).
 * `--lines name` also prints the self samples of the functions called `name` by source line (from V8's position
 * ticks), with the line's text when the file is readable.
 */
import * as fs from "node:fs"

interface CallFrame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
}
interface ProfileNode {
  readonly id: number
  readonly callFrame: CallFrame
  readonly children?: ReadonlyArray<number>
  readonly positionTicks?: ReadonlyArray<{ readonly line: number; readonly ticks: number }>
}
interface Profile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

const args = process.argv.slice(2)
const opt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : undefined
}
const top = Number(opt("top") ?? 40)
const filter = opt("filter")
const lines = opt("lines")
const files = args.filter((a, i) => !a.startsWith("--") && (i === 0 || !args[i - 1]!.startsWith("--")))
const sourceLines = new Map<string, Array<string>>()
const lineText = (url: string, line: number): string => {
  if (!sourceLines.has(url)) {
    let text: Array<string> = []
    try {
      text = fs.readFileSync(new URL(url), "utf8").split("\n")
    } catch {
      // not a readable file URL
    }
    sourceLines.set(url, text)
  }
  return (sourceLines.get(url)![line - 1] ?? "").trim().slice(0, 110)
}
if (files.length === 0) {
  console.error("usage: npx tsx bench/fengari-profile.ts <file.cpuprofile> [--top N] [--filter text]")
  process.exit(2)
}

for (const file of files) {
  const profile = JSON.parse(fs.readFileSync(file, "utf8")) as Profile
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const key = (f: CallFrame): string => `${f.functionName || "(anonymous)"} ${f.url.replace(/^.*\/(node_modules|src|bench)\//, "$1/")}:${f.lineNumber + 1}`
  const self = new Map<string, number>()
  const incl = new Map<string, number>()
  let total = 0
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0
    total += dt
    let id: number | undefined = profile.samples[i]!
    const leaf = byId.get(id)!
    self.set(key(leaf.callFrame), (self.get(key(leaf.callFrame)) ?? 0) + dt)
    const seen = new Set<string>()
    while (id !== undefined) {
      const k = key(byId.get(id)!.callFrame)
      if (!seen.has(k)) {
        seen.add(k)
        incl.set(k, (incl.get(k) ?? 0) + dt)
      }
      id = parent.get(id)
    }
  }
  const pct = (x: number): string => ((100 * x) / total).toFixed(1).padStart(5)
  const rows = [...self.keys()].filter((k) => filter === undefined || k.includes(filter))
  console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled`)
  console.log("self%  incl%  function")
  for (const k of rows.sort((a, b) => self.get(b)! - self.get(a)!).slice(0, top)) {
    console.log(`${pct(self.get(k)!)}  ${pct(incl.get(k) ?? 0)}  ${k}`)
  }
  if (lines !== undefined) {
    // Position ticks count samples; scale them to the share of all samples.
    const ticks = new Map<string, { url: string; line: number; n: number }>()
    let all = 0
    for (const n of profile.nodes) for (const t of n.positionTicks ?? []) all += t.ticks
    for (const n of profile.nodes) {
      if (n.callFrame.functionName !== lines) continue
      for (const t of n.positionTicks ?? []) {
        const id = `${n.callFrame.url}:${t.line}`
        const e = ticks.get(id) ?? { url: n.callFrame.url, line: t.line, n: 0 }
        e.n += t.ticks
        ticks.set(id, e)
      }
    }
    console.log(`\nself samples of ${lines} by line (% of all position ticks):`)
    for (const e of [...ticks.values()].sort((a, b) => b.n - a.n).slice(0, top)) {
      console.log(`${((100 * e.n) / all).toFixed(2).padStart(6)}  ${String(e.line).padStart(5)}  ${lineText(e.url, e.line)}`)
    }
  }
}
