/**
 * Helpers for the OCaml reference tests: the source hash of `ocaml/` (same algorithm as
 * `scripts/ocaml-source-hash.sh`), the native batch runner `ind_batch.exe` (its text protocol is documented in
 * `ocaml/bin/ind_batch.ml`), and a seeded series generator.
 */
import { spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import { repoFile } from "../support/data.ts"

/** The OCaml sources the JavaScript build depends on, as repository-relative paths in byte order. */
export const ocamlSourceFiles = (): Array<string> => {
  const out: Array<string> = []
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(repoFile(rel), { withFileTypes: true })) {
      const child = `${rel}/${e.name}`
      if (e.isDirectory()) {
        if (child !== "ocaml/_build") walk(child)
      } else if (e.isFile() && (/\.mli?$/.test(e.name) || e.name === "dune" || e.name === "dune-project")) {
        out.push(child)
      }
    }
  }
  walk("ocaml")
  return out.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
}

/** SHA-256 over `"<path>\0<sha256 of file>\n"` for every OCaml source file (see scripts/ocaml-source-hash.sh). */
export const ocamlSourceHash = (): string => {
  const all = createHash("sha256")
  for (const f of ocamlSourceFiles()) {
    const one = createHash("sha256").update(fs.readFileSync(repoFile(f))).digest("hex")
    all.update(`${f}\0${one}\n`)
  }
  return all.digest("hex")
}

/** Path of the native batch runner built by `dune build --root ocaml`. */
export const nativeExe: string = repoFile("ocaml", "_build", "default", "bin", "ind_batch.exe")

/** One request to the native runner: indicator name, parameters, input series (all of the same length). */
export interface NativeRequest {
  readonly name: string
  readonly params: ReadonlyArray<number>
  readonly inputs: ReadonlyArray<Float64Array>
}

/** A native answer: the output series, or the error message. */
export type NativeResult = { readonly ok: true; readonly outputs: Array<Float64Array> } | {
  readonly ok: false
  readonly error: string
}

const numberText = (x: number): string =>
  Number.isNaN(x) ? "nan" : x === Infinity ? "inf" : x === -Infinity ? "-inf" : Object.is(x, -0) ? "-0" : String(x)

const parseNumber = (t: string): number =>
  t === "nan" ? Number.NaN : t === "inf" ? Infinity : t === "-inf" ? -Infinity : Number(t)

/** The catalog of the native runner: name → parameter, input and output names. */
export const nativeCatalog = (): Map<string, { params: Array<string>; inputs: Array<string>; outputs: Array<string> }> => {
  const r = spawnSync(nativeExe, ["--list"], { encoding: "utf8" })
  if (r.status !== 0) throw new Error(`${nativeExe} --list failed: ${r.stderr}`)
  const out = new Map<string, { params: Array<string>; inputs: Array<string>; outputs: Array<string> }>()
  for (const line of r.stdout.trim().split("\n")) {
    const m = /^(\S+) params=\[(.*)\] inputs=\[(.*)\] outputs=\[(.*)\]$/.exec(line)
    if (m === null) throw new Error(`bad --list line: ${line}`)
    const words = (s: string) => (s === "" ? [] : s.split(" "))
    out.set(m[1]!, { params: words(m[2]!), inputs: words(m[3]!), outputs: words(m[4]!) })
  }
  return out
}

/**
 * The protocol line of a request. Numbers are written as JavaScript's shortest round-trip decimal (`String(x)`),
 * which OCaml's `float_of_string` (C `strtod`, correctly rounded) reads back to the same double; the runner answers
 * with `"%.17g"`, which `Number` reads back exactly (property-tests/indicator-parity.test.ts checks both ways).
 */
export const nativeRequestLine = (q: NativeRequest): string => {
  const len = q.inputs[0]?.length ?? 0
  const values = q.inputs.flatMap((xs) => Array.from(xs, numberText))
  return [q.name, ...q.params.map(numberText), String(len), ...values].join(" ")
}

/** Runs every request through one `ind_batch.exe` process; the answers come back in order. */
export const runNative = (requests: ReadonlyArray<NativeRequest>, outputCounts: ReadonlyArray<number>): Array<NativeResult> => {
  const input = requests.map(nativeRequestLine).join("\n") + "\n"
  const r = spawnSync(nativeExe, [], { input, encoding: "utf8", maxBuffer: 1 << 30 })
  if (r.status !== 0) throw new Error(`${nativeExe} failed (${r.status}): ${r.stderr}`)
  const lines = r.stdout.split("\n").filter((l) => l.length > 0)
  if (lines.length !== requests.length) throw new Error(`expected ${requests.length} answers, got ${lines.length}`)
  return lines.map((line, i) => {
    if (line.startsWith("error ")) return { ok: false, error: line.slice(6) }
    const toks = line.split(" ")
    if (toks[0] !== "ok") throw new Error(`bad answer: ${line.slice(0, 100)}`)
    const values = toks.slice(1).map(parseNumber)
    const k = outputCounts[i]!
    const len = values.length / k
    return { ok: true, outputs: Array.from({ length: k }, (_, j) => Float64Array.from(values.slice(j * len, (j + 1) * len))) }
  })
}

/** A small seeded generator (mulberry32), uniform in [0, 1). */
export const seeded = (seed: number): (() => number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
