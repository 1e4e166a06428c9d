#!/usr/bin/env node
/**
 * Patches the installed fengari 0.1.5 for speed (run as the `postinstall` script; see docs/lua-performance.md).
 *
 * fengari pops its Lua stack with `delete L.stack[i]`. On V8, deleting array elements makes the stack array sparse
 * and, once sparse enough, a dictionary-mode (hash table) array, which slows every stack access. This script rewrites
 * each such statement to `L.stack[i] = void 0;` (same value on every later read: `undefined`). Only statements of the
 * exact form `delete L.stack[<expr>];` (and `delete from.stack[<expr>];` in `lua_xmove`) are touched.
 *
 * - Only fengari 0.1.5 is patched; any other version gets a warning and is left alone (exit 0).
 * - Idempotent: a patched file starts with MARKER and is skipped.
 * - The number of replacements per file must match the counts known for 0.1.5, otherwise the script prints an error
 *   and exits 1 without writing anything (a modified install must be noticed, not half patched).
 *
 * Usage: `node scripts/patch-fengari.mjs [fengari-package-dir]` (the directory defaults to the installed `fengari`).
 * Plain Node ESM, no dependencies (Node >= 20).
 */
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"

const TAG = "[patch-fengari]"
const VERSION = "0.1.5"
const MARKER = "/* trading-engine: patched by scripts/patch-fengari.mjs */"

/** `delete L.stack[<expr>];` or `delete from.stack[<expr>];`, where <expr> has no brackets, `;` or newline. */
const PATTERN = /\bdelete ((?:L|from)\.stack\[[^\[\]\n;]+\]);/g

/** Replacements expected in fengari 0.1.5, per file under src/. */
const EXPECTED = {
  "lapi.js": 18,
  "ldebug.js": 1,
  "ldo.js": 5,
  "lparser.js": 1,
  "ltm.js": 1,
  "lvm.js": 3
}

const fail = (message) => {
  console.error(`${TAG} ERROR: ${message}`)
  console.error(`${TAG} fengari was left unpatched. Reinstall it (npm ci) or update scripts/patch-fengari.mjs.`)
  process.exit(1)
}

let pkgDir
if (process.argv[2] !== undefined) {
  pkgDir = path.resolve(process.argv[2])
} else {
  try {
    pkgDir = path.dirname(createRequire(import.meta.url).resolve("fengari/package.json"))
  } catch {
    console.warn(`${TAG} warning: fengari is not installed; nothing to patch.`)
    process.exit(0)
  }
}

let version
try {
  version = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8")).version
} catch (e) {
  fail(`cannot read ${path.join(pkgDir, "package.json")}: ${e.message}`)
}
if (version !== VERSION) {
  console.warn(
    `${TAG} warning: fengari ${version} found at ${pkgDir}, but this patch is only known to be safe for ${VERSION}; ` +
      `leaving it unpatched (Lua strategies will run slower). Review docs/lua-performance.md and update the script.`
  )
  process.exit(0)
}

// Plan every file first; write only when all of them check out.
const writes = []
const counts = []
let already = 0
for (const [file, expected] of Object.entries(EXPECTED)) {
  const target = path.join(pkgDir, "src", file)
  let source
  try {
    source = fs.readFileSync(target, "utf8")
  } catch (e) {
    fail(`cannot read ${target}: ${e.message}`)
  }
  if (source.startsWith(MARKER)) {
    if (source.match(PATTERN) !== null) fail(`${target} carries the patch marker but still contains a stack-slot delete`)
    already++
    counts.push(`${file} ok`)
    continue
  }
  let n = 0
  const patched = source.replace(PATTERN, (_, slot) => {
    n++
    return `${slot} = void 0;`
  })
  if (n !== expected) fail(`${target}: expected ${expected} stack-slot deletes for fengari ${VERSION}, found ${n}`)
  writes.push({ target, text: `${MARKER}\n${patched}` })
  counts.push(`${file} ${n}`)
}

for (const { target, text } of writes) {
  // Write to a temporary file, then rename: an interrupted run never leaves a half-written module.
  const tmp = `${target}.patch-tmp`
  fs.writeFileSync(tmp, text)
  fs.renameSync(tmp, target)
}

const total = Object.values(EXPECTED).reduce((a, b) => a + b, 0)
if (writes.length === 0) {
  console.log(`${TAG} fengari ${VERSION} already patched (${already} files), nothing to do.`)
} else {
  console.log(
    `${TAG} fengari ${VERSION}: replaced stack-slot deletes in ${writes.length} files (${counts.join(", ")}; ` +
      `${total} expected in all)${already > 0 ? `, ${already} already patched` : ""}.`
  )
}
