/**
 * The fengari patches (`scripts/patch-fengari.mjs`, run as `postinstall`; see `docs/fengari-patches.md`):
 * - the installed fengari is 0.1.5 with every patch applied: each patched file, brought back to its original text by
 *   the script's own `unpatchSource`, is byte for byte the published 0.1.5 file (SHA-256) and patches to exactly the
 *   installed file (a stale or reinstalled-without-scripts fengari fails here); the `fast-exports` patch does its job;
 * - the script patches a pristine copy to exactly the installed files, is idempotent, upgrades a copy patched by its
 *   earlier versions (stack-slot deletes only; the five patches before `light-calls` and `field-cache`), leaves other
 *   versions alone and refuses (exit 1, nothing written) a modified file;
 * - Lua semantics are unchanged: a conformance sample (closures and upvalues, upvalues after errors and in dead
 *   coroutines, tail calls, varargs, errors and unwinding, metamethods, strings and number formatting, long loops,
 *   coroutines, stack growth, debug hooks) gives the results of the reference Lua 5.3 interpreter (the expected
 *   values below were produced by `lua5.3`), and a stack workload gives its known results, through fengari's API
 *   (several rounds on one state) and through the strategy host;
 * - `light-calls` agrees with the regular call in every call shape (values, errors and their lines, instruction
 *   counts, hooks), and `field-cache` gives `lua5.3`'s results on a sample of cache-hostile table use.
 */
import { spawnSync } from "node:child_process"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { lauxlib, lua, lualib, to_luastring, type LuaJsFunction, type LuaState } from "fengari"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { compileLuaStrategy } from "../../src/strategy/lua/host.ts"
import { fakeView, fieldsOf, mkBar, SYM } from "./support.ts"

/** The script's exports (it is plain JS, so it is typed here). */
interface PatchScript {
  readonly VERSION: string
  readonly MARKER: string
  readonly FILES: ReadonlyArray<string>
  readonly PRISTINE_SHA256: Readonly<Record<string, string>>
  readonly DELETE_COUNTS: Readonly<Record<string, number>>
  readonly SLOT_DELETE: RegExp
  readonly PATCHES: ReadonlyArray<{ readonly id: string; readonly edits: ReadonlyArray<{ readonly file: string; readonly find: string; readonly replace: string }> }>
  readonly patchSource: (file: string, pristine: string) => string
  readonly unpatchSource: (file: string, text: string) => string
}

const SCRIPT = path.resolve(import.meta.dirname, "../../scripts/patch-fengari.mjs")
const P = (await import(pathToFileURL(SCRIPT).href)) as PatchScript
const FENGARI = path.dirname(createRequire(import.meta.url).resolve("fengari/package.json"))
const installed = (file: string): string => fs.readFileSync(path.join(FENGARI, "src", file), "utf8")
const sha256 = (text: string): string => crypto.createHash("sha256").update(text, "utf8").digest("hex")
const occurrences = (text: string, part: string): number => text.split(part).length - 1
const PATCH_IDS = ["stack-slot-delete", ...P.PATCHES.map((p) => p.id)]

describe("installed fengari", () => {
  it("is 0.1.5 (the only version the patches know)", () => {
    expect(JSON.parse(fs.readFileSync(path.join(FENGARI, "package.json"), "utf8")).version).toBe(P.VERSION)
    expect(P.VERSION).toBe("0.1.5")
  })

  it.each(P.FILES)("%s is the published 0.1.5 file with every patch applied (run `npm run postinstall`)", (file) => {
    const text = installed(file)
    expect(text.startsWith(`${P.MARKER}\n`)).toBe(true)
    const original = P.unpatchSource(file, text)
    expect(sha256(original)).toBe(P.PRISTINE_SHA256[file])
    expect(P.patchSource(file, original)).toBe(text)
  })

  it("carries every edit of every patch exactly once", () => {
    expect(PATCH_IDS).toEqual(["stack-slot-delete", "fast-exports", "stack-slot-reuse", "smi-fields", "callinfo-reuse", "light-calls", "field-cache"])
    for (const patch of P.PATCHES) {
      for (const edit of patch.edits) {
        expect(occurrences(installed(edit.file), edit.replace), `${patch.id} in ${edit.file}`).toBe(1)
        if (!edit.replace.includes(edit.find)) expect(installed(edit.file), `${patch.id} in ${edit.file}`).not.toContain(edit.find)
      }
    }
  })

  it("no fengari source deletes a stack slot", () => {
    for (const file of fs.readdirSync(path.join(FENGARI, "src"))) {
      if (file.endsWith(".js")) expect(installed(file), file).not.toMatch(/delete [\w.]*stack\[/)
    }
  })

  it("fast-exports: the exports of lobject.js and lapi.js are fast-mode objects (dictionary mode without the patch)", () => {
    const code = `require(${JSON.stringify(path.join(FENGARI, "src", "fengari.js"))});` +
      `for (const m of ["lobject.js", "lapi.js", "ldo.js", "lvm.js"]) ` +
      `console.log(m, %HasFastProperties(require(${JSON.stringify(path.join(FENGARI, "src"))} + "/" + m)))`
    const r = spawnSync(process.execPath, ["--allow-natives-syntax", "-e", code], { encoding: "utf8" })
    expect(r.stderr).toBe("")
    expect(r.stdout.trim().split("\n")).toEqual(["lobject.js true", "lapi.js true", "ldo.js true", "lvm.js true"])
  })
})

describe("scripts/patch-fengari.mjs", () => {
  let tmp = ""
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "fengari-patch-"))
  })
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

  /** A copy of the package's patched files, each made by `make` from the original 0.1.5 text. */
  const copy = (name: string, make: (file: string, original: string) => string): string => {
    const dir = path.join(tmp, name)
    fs.mkdirSync(path.join(dir, "src"), { recursive: true })
    fs.copyFileSync(path.join(FENGARI, "package.json"), path.join(dir, "package.json"))
    for (const file of P.FILES) fs.writeFileSync(path.join(dir, "src", file), make(file, P.unpatchSource(file, installed(file))))
    return dir
  }
  const pristineCopy = (name: string): string => copy(name, (_, original) => original)
  const run = (dir: string) => {
    const r = spawnSync(process.execPath, [SCRIPT, dir], { encoding: "utf8" })
    return { status: r.status, out: r.stdout + r.stderr }
  }
  const snapshot = (dir: string) => P.FILES.map((f) => fs.readFileSync(path.join(dir, "src", f), "utf8"))

  it("patches a pristine copy to exactly the installed files, then changes nothing", () => {
    const dir = pristineCopy("fresh")
    for (const [i, file] of P.FILES.entries()) expect(sha256(snapshot(dir)[i]!), file).toBe(P.PRISTINE_SHA256[file])
    const first = run(dir)
    expect(first.status).toBe(0)
    expect(first.out).toContain(`patched ${P.FILES.length} of ${P.FILES.length} files (${PATCH_IDS.join(", ")})`)
    expect(first.out.trim().split("\n")).toHaveLength(1)
    expect(snapshot(dir)).toEqual(P.FILES.map(installed))
    const second = run(dir)
    expect(second.status).toBe(0)
    expect(second.out).toContain("already patched")
    expect(snapshot(dir)).toEqual(P.FILES.map(installed))
  })

  it("upgrades a copy patched by its earlier version (stack-slot deletes only)", () => {
    const dir = copy("earlier", (file, original) =>
      file in P.DELETE_COUNTS ? `${P.MARKER}\n${original.replace(P.SLOT_DELETE, "$1 = void 0;")}` : original)
    const r = run(dir)
    expect(r.status).toBe(0)
    expect(r.out).toContain("patched")
    expect(snapshot(dir)).toEqual(P.FILES.map(installed))
  })

  it("upgrades a copy patched before light-calls and field-cache existed (five patches)", () => {
    const newer = new Set(["light-calls", "field-cache"])
    const dir = copy("five", (file, original) => {
      // lopcodes.js and lundump.js were not patched at all then (no marker).
      if (file === "lopcodes.js" || file === "lundump.js") return original
      let t = P.patchSource(file, original)
      for (const patch of [...P.PATCHES].reverse()) {
        if (!newer.has(patch.id)) continue
        for (const e of [...patch.edits].reverse()) if (e.file === file) t = t.replace(e.replace, () => e.find)
      }
      return t
    })
    expect(fs.readFileSync(path.join(dir, "src", "lvm.js"), "utf8")).not.toContain("trading-engine light-calls")
    const r = run(dir)
    expect(r.status).toBe(0)
    expect(r.out).toContain("patched 3 of")
    expect(snapshot(dir)).toEqual(P.FILES.map(installed))
  })

  it("leaves another fengari version alone (warning, exit 0)", () => {
    const dir = pristineCopy("other-version")
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "fengari", version: "0.1.6" }))
    const before = snapshot(dir)
    const r = run(dir)
    expect(r.status).toBe(0)
    expect(r.out).toMatch(/warning: fengari 0\.1\.6/)
    expect(snapshot(dir)).toEqual(before)
  })

  it("fails loudly and writes nothing when a file is not the one it knows", () => {
    for (const [name, file, change] of [
      ["appended", "lvm.js", (t: string) => `${t}\nfunction extra(L) { delete L.stack[--L.top]; }\n`],
      ["edited", "ldo.js", (t: string) => t.replace("L.top++", "L.top += 1")]
    ] as const) {
      const dir = pristineCopy(name)
      const target = path.join(dir, "src", file)
      fs.writeFileSync(target, change(fs.readFileSync(target, "utf8")))
      const before = snapshot(dir)
      const r = run(dir)
      expect(r.status, name).toBe(1)
      expect(r.out, name).toContain(`${file} is neither the original fengari 0.1.5 file nor a patched one`)
      expect(snapshot(dir), name).toEqual(before)
    }
  })

  it("patchSource refuses a text that is not the original", () => {
    const file = "lobject.js"
    expect(() => P.patchSource(file, `${P.unpatchSource(file, installed(file))} `)).toThrow(/not the original fengari 0\.1\.5 text/)
  })
})

/**
 * A workload over the stack paths the patch touches: deep Lua recursion, C-level recursion through pcall, stack
 * growth then an error unwinding and shrinking it, 5000-value varargs, error unwinding (tables, levels, metamethods,
 * comparators), string and table library calls, metamethods, coroutines (yield across pcall and inside metamethods).
 * Returns `key=value` lines.
 */
const WORKLOAD = String.raw`
local out = {}
local function put(k, v) out[#out + 1] = k .. "=" .. tostring(v) end

local function depth(n) if n == 0 then return 0 end local a, b, c = n, n * 2, n * 3 return 1 + depth(n - 1) + (a + b + c) * 0 end
put("depth150", depth(150))
put("depth20000", depth(20000))

local function cdepth(n) if n == 0 then return 0 end local ok, v = pcall(cdepth, n - 1) assert(ok, v) return v + 1 end
put("cdepth150", cdepth(150))
local okc, errc = pcall(cdepth, 400)
put("cdepth400", tostring(okc) .. ":" .. tostring(errc):match("stack overflow"))

local function dive(n) if n == 0 then error({ depth = "bottom" }) end local x = n return dive(n - 1) + x end
local okd, errd = pcall(dive, 30000)
put("dive", tostring(okd) .. ":" .. errd.depth)
local okinf, errinf = pcall(function() local function inf(n) return 1 + inf(n + 1) end return inf(1) end)
put("overflow", tostring(okinf) .. ":" .. tostring(errinf):match("stack overflow"))
put("after_shrink", depth(300))

local t = {}
for i = 1, 5000 do t[i] = i end
local function pass(...) return ... end
local function count(...) return select("#", ...) end
put("unpack_count", select("#", table.unpack(t)))
put("unpack_last", select(-1, table.unpack(t)))
local packed = table.pack(pass(table.unpack(t)))
local s = 0
for i = 1, packed.n do s = s + packed[i] end
put("pass_sum", s)
put("nils", count(nil, nil, nil) .. "/" .. count(pass(1, nil, nil)) .. "/" .. count(pass()))
local function grow(n, ...) if n == 0 then return count(...) end local r = { grow(n - 1, n, ...) } return r[1] end
put("grow", grow(200))
put("bytes", select("#", string.byte(string.rep("ab", 2500), 1, -1)))

put("err_table", select(2, pcall(error, { code = 7 })).code)
put("err_level0", select(2, pcall(error, "plain", 0)))
put("err_pos", select(2, pcall(function() error("where") end)))
put("err_count", select("#", pcall(function() local a, b, c = 1, 2, 3 error("x") end)))
put("xpcall", select(2, xpcall(function() local y = nil; return y.z end, function(m) return "handled:" .. (m:match("attempt to index") or m) end)))
put("nested", select(2, pcall(function()
  local ok, e = pcall(function() error("inner", 0) end)
  error(e .. "+outer", 0)
end)))
local okm, errm = pcall(function() return setmetatable({}, { __add = function() error("meta", 0) end }) + 1 end)
put("err_meta", tostring(okm) .. ":" .. errm)
local oks, errs = pcall(table.sort, { 3, 1, 2 }, function(a, b) if a == 2 then error("cmp", 0) end return a < b end)
put("err_sort", tostring(oks) .. ":" .. errs)

local parts = {}
for i = 1, 200 do parts[#parts + 1] = string.format("%03d", i) end
local joined = table.concat(parts, ",")
put("concat_len", #joined)
put("concat_ops", "a" .. 1 .. "b" .. 2.5 .. "c" .. ("d"):rep(3) .. "e")
put("gsub", (string.gsub("hello world from lua", "(%w+)", function(w) return w:upper():sub(1, 1) .. w:sub(2) end)))
put("gsub_n", select(2, string.gsub(joined, "%d+", "")))
put("find", table.concat({ string.find("key=value; other=thing", "(%w+)=(%w+)", 12) }, "|"))
put("char", string.char(table.unpack({ 76, 117, 97 })))
put("fmt", string.format("%5.2f|%d|%s", math.pi, 42, "x"))

local tt = {}
for i = 1, 100 do table.insert(tt, i * i) end
table.insert(tt, 1, 0)
local removed = table.remove(tt, 1) + table.remove(tt)
put("tbl_len", #tt .. "/" .. removed)
local words = { "pear", "apple", "fig", "banana", "cherry" }
table.sort(words, function(a, b) return #a < #b or (#a == #b and a < b) end)
put("sort", table.concat(words, " "))
local h = { a = 1, b = 2, c = 3, [1] = 10, [2] = 20 }
local keys, total = 0, 0
for k, v in pairs(h) do keys = keys + 1 total = total + v end
put("pairs", keys .. "/" .. total)
local isum = 0
for i, v in ipairs(tt) do isum = isum + i end
put("ipairs", isum)
put("move", table.concat(table.move({ 1, 2, 3, 4, 5 }, 2, 4, 1), ","))

local V = {}
V.__index = V
V.__add = function(a, b) return setmetatable({ x = a.x + b.x }, V) end
V.__eq = function(a, b) return a.x == b.x end
V.__lt = function(a, b) return a.x < b.x end
V.__le = function(a, b) return a.x <= b.x end
V.__concat = function(a, b) return tostring(a) .. "&" .. tostring(b) end
V.__tostring = function(a) return "V(" .. a.x .. ")" end
V.__call = function(self, k) return self.x * k end
V.__len = function(a) return a.x end
local function vec(x) return setmetatable({ x = x }, V) end
local v = vec(1) + vec(2) + vec(3)
put("meta", tostring(v) .. "/" .. tostring(v == vec(6)) .. "/" .. tostring(vec(1) < vec(2)) .. "/" .. tostring(vec(3) <= vec(2)) .. "/" .. v(7) .. "/" .. #v .. "/" .. (vec(1) .. vec(2)))
local proxy = setmetatable({}, { __index = function(_, k) return k * 2 end, __newindex = function(tbl, k, val) rawset(tbl, k, val + 1) end })
proxy[5] = 5
put("proxy", proxy[5] .. "/" .. proxy[21])

if coroutine then
  local gen = coroutine.wrap(function(...) local n = select("#", ...) for i = 1, n do coroutine.yield(i, (select(i, ...))) end return "done" end)
  local acc = {}
  local a1, b1 = gen("p", "q", "r")
  acc[#acc + 1] = a1 .. b1
  while true do
    local a, b = gen()
    if b == nil then acc[#acc + 1] = a break end
    acc[#acc + 1] = a .. b
  end
  put("co", table.concat(acc, ","))
  local co = coroutine.wrap(function()
    local ok = pcall(function() coroutine.yield("in-pcall") error("boom", 0) end)
    local Y = setmetatable({}, {
      __add = function(a, b) return coroutine.yield("in-add") end,
      __lt = function(a, b) return coroutine.yield("in-lt") end,
      __concat = function(a, b) return coroutine.yield("in-concat") end
    })
    local r = Y + 1
    local c = Y < Y
    local d = "x" .. Y .. "y"
    return tostring(ok) .. ":" .. r .. ":" .. tostring(c) .. ":" .. d
  end)
  local seq = { co(), co(), co(40), co(false), co("m"), "" }
  put("co_yield", table.concat(seq, ","))
  local cdive = coroutine.create(function() return dive(20000) end)
  local okr, er = coroutine.resume(cdive)
  put("co_err", tostring(okr) .. ":" .. er.depth .. ":" .. coroutine.status(cdive))
  local okdead, edead = coroutine.resume(cdive, 1, 2, 3)
  put("co_dead", tostring(okdead) .. ":" .. edead)
  local crec = coroutine.wrap(function() local okx, ex = pcall(dive, 20000) coroutine.yield(ex.depth) return depth(100) end)
  put("co_recover", crec() .. "/" .. crec())
end

return table.concat(out, "\n")
`

/** Line of `error("where")` in WORKLOAD (the chunk starts with a newline, so line 1 is empty). */
const WHERE_LINE = WORKLOAD.split("\n").findIndex((l) => l.includes(`error("where")`)) + 1

const COMMON: Readonly<Record<string, string>> = {
  depth150: "150",
  depth20000: "20000",
  cdepth150: "150",
  cdepth400: "false:stack overflow",
  dive: "false:bottom",
  overflow: "false:stack overflow",
  after_shrink: "300",
  unpack_count: "5000",
  unpack_last: "5000",
  pass_sum: "12502500",
  nils: "3/3/0",
  grow: "200",
  bytes: "5000",
  err_table: "7",
  err_level0: "plain",
  err_count: "2",
  xpcall: "handled:attempt to index",
  nested: "inner+outer",
  err_meta: "false:meta",
  err_sort: "false:cmp",
  concat_len: "799",
  concat_ops: "a1b2.5cddde",
  gsub: "Hello World From Lua",
  gsub_n: "200",
  find: "12|22|other|thing",
  char: "Lua",
  fmt: " 3.14|42|x",
  tbl_len: "99/10000",
  sort: "fig pear apple banana cherry",
  pairs: "5/36",
  ipairs: "4950",
  move: "2,3,4,4,5",
  meta: "V(6)/true/true/false/42/6/V(1)&V(2)",
  proxy: "6/42"
}
const COROUTINES: Readonly<Record<string, string>> = {
  co: "1p,2q,3r,done",
  co_yield: "in-pcall,in-add,in-lt,in-concat,false:40:false:xm,",
  co_err: "false:bottom:dead",
  co_dead: "false:cannot resume dead coroutine",
  co_recover: "bottom/100"
}

const parse = (text: string): Record<string, string> =>
  Object.fromEntries(text.split("\n").map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]))

/**
 * A Lua 5.3 conformance sample: one function per area, each returning a string. The chunk returns `name=result`
 * lines, sorted by name. The parts that need `coroutine` or `debug` return "no coroutine" / "no debug" when the
 * library is not open (the strategy host opens neither).
 */
const CONFORMANCE = String.raw`
local S = {}

S.closures = function()
  local function counter()
    local n = 0
    return function() n = n + 1 return n end, function() return n end
  end
  local inc1, get1 = counter()
  local inc2, get2 = counter()
  inc1() inc1() inc2()
  local fs = {}
  for i = 1, 5 do fs[i] = function() return i * 10 end end
  local acc = {}
  for i = 1, 5 do acc[#acc + 1] = fs[i]() end
  local ws = {}
  local j = 0
  while j < 3 do j = j + 1 local v = j * 2 ws[j] = function() v = v + 1 return v end end
  local function deep(a) return function(b) return function(c) return a .. b .. c end end end
  -- captured values must survive later calls that reuse the same stack depth
  local keep = {}
  local function make(x) local y = x * 2 keep[#keep + 1] = function() return x + y end end
  local function noise(a, b, c, d, e, f, g) local h, i, k = a + b, c + d, e + f return h + i + k + g end
  for i = 1, 4 do make(i) noise(1, 2, 3, 4, 5, 6, 7) end
  local ks = {}
  for i = 1, 4 do ks[i] = keep[i]() end
  return get1() .. "," .. get2() .. "|" .. table.concat(acc, ",") .. "|" .. ws[1]() .. ws[1]() .. ws[2]() .. ws[3]() ..
    "|" .. deep("a")("b")("c") .. "|" .. table.concat(ks, ",")
end

S.upvalue_after_error = function()
  local keep
  local function f(n) local x = n * 3 keep = function() x = x + 1 return x end error("boom") end
  local ok = pcall(f, 14)
  local function g(a, b, c, d, e) local s = a + b + c + d + e return s end
  local r = g(1, 2, 3, 4, 5)
  local t = {}
  for i = 1, 50 do t[i] = g(i, i, i, i, i) end
  return tostring(ok) .. ":" .. keep() .. ":" .. keep() .. ":" .. r .. ":" .. t[50]
end

S.tailcalls = function()
  local function loop(n, acc) if n == 0 then return acc end return loop(n - 1, acc + 1) end
  local function toS(x) return tostring(x) end
  local function viaJS(x) return toS(x) end
  local callable = setmetatable({}, { __call = function(self, a, b) return a * b end })
  local function viaCall(a, b) return callable(a, b) end
  local function va(...) return select("#", ...), ... end
  local function tailva(...) return va(...) end
  local n, a, b, c = tailva(1, nil, 3)
  local function tailJS(...) return select("#", ...) end
  return loop(100000, 0) .. ":" .. viaJS(12.5) .. ":" .. viaCall(6, 7) .. ":" .. n .. tostring(a) .. tostring(b) .. tostring(c) ..
    ":" .. tailJS(nil, nil)
end

S.varargs = function()
  local function pack2(...) return { n = select("#", ...), ... } end
  local function count(...) return select("#", ...) end
  local function mid(...) local a, b = ... return a, b, select(2, ...) end
  local p = pack2(1, nil, 3, nil)
  local t = {}
  for i = 1, 300 do t[i] = i end
  local function sum(...) local s = 0 for i = 1, select("#", ...) do s = s + (select(i, ...)) end return s end
  local function fwd(...) return ... end
  local x1, x2, x3, x4 = mid(10, 20, 30)
  return p.n .. ":" .. tostring(p[4]) .. ":" .. count(fwd()) .. ":" .. count(fwd(nil)) .. ":" .. sum(table.unpack(t)) ..
    ":" .. x1 .. x2 .. x3 .. x4 .. ":" .. count(table.unpack({}, 1, 3)) .. ":" .. select(-2, "a", "b", "c")
end

S.errors = function()
  local out = {}
  local function lvl1() error("L1", 1) end
  local function lvl2() error("L2", 2) end
  local function call2() lvl2() end
  out[#out + 1] = select(2, pcall(lvl1)):match("L1$") and "l1" or "?"
  out[#out + 1] = select(2, pcall(error)) == nil and "nil" or "?"
  out[#out + 1] = select(2, pcall(error, 42)) + 1
  local ok, e = pcall(function() local t = setmetatable({}, { __index = function(_, k) error("no " .. k, 0) end }) return t.foo end)
  out[#out + 1] = e
  ok, e = pcall(function() return 1 + {} end)
  out[#out + 1] = e:match("arithmetic") and "arith" or e
  ok, e = pcall(function() return #5 end)
  out[#out + 1] = e:match("length") and "len" or e
  ok, e = pcall(function() return ("x")() end)
  out[#out + 1] = e:match("call") and "call" or e
  ok, e = pcall(function() return {} < {} end)
  out[#out + 1] = e:match("compare") and "cmp" or e
  local depth = 0
  local function rec() depth = depth + 1 return rec() + 1 end
  ok, e = pcall(rec)
  out[#out + 1] = tostring(ok) .. (e:match("stack overflow") and "so" or e)
  local r = { xpcall(function(a, b) return a + b end, debug and debug.traceback or print, 3, 4) }
  out[#out + 1] = tostring(r[1]) .. r[2]
  local msgs = {}
  for i = 1, 3 do
    local ok2, e2 = pcall(function() local a, b, c = i, i * 2, i * 3 if i % 2 == 1 then error({ i = a + b + c }) end return a end)
    msgs[#msgs + 1] = ok2 and ("ok" .. e2) or ("err" .. e2.i)
  end
  out[#out + 1] = table.concat(msgs, "/")
  return table.concat(out, ",")
end

S.metamethods = function()
  local mt = {}
  mt.__index = function(t, k) return k .. "!" end
  mt.__newindex = function(t, k, v) rawset(t, k, v * 2) end
  mt.__unm = function(a) return "neg" end
  mt.__mod = function(a, b) return "mod" end
  mt.__idiv = function(a, b) return "idiv" end
  mt.__band = function(a, b) return "band" end
  mt.__shl = function(a, b) return "shl" end
  mt.__bnot = function(a) return "bnot" end
  local o = setmetatable({}, mt)
  o.x = 5
  local base = { greet = function(self) return "hi " .. self.name end }
  local obj = setmetatable({ name = "lua" }, { __index = base })
  local chain = setmetatable({}, { __index = setmetatable({}, { __index = { deep = "yes" } }) })
  local eqmt = { __eq = function(a, b) return a.v == b.v end }
  local e1, e2 = setmetatable({ v = 1 }, eqmt), setmetatable({ v = 1 }, eqmt)
  local cnt = 0
  local lenmt = setmetatable({}, { __len = function() cnt = cnt + 1 return 7 end })
  return o.x .. "," .. o.y .. "," .. -o .. "," .. (o % 1) .. "," .. (o // 1) .. "," .. (o & 1) .. "," .. (o << 1) .. "," .. ~o ..
    "," .. obj:greet() .. "," .. chain.deep .. "," .. tostring(e1 == e2) .. tostring(rawequal(e1, e2)) .. "," .. #lenmt .. #lenmt .. cnt
end

S.strings = function()
  local s = "Hello, Lua 5.3!"
  local parts = {}
  for w in s:gmatch("%a+") do parts[#parts + 1] = w:lower() end
  local fmt = string.format("%d|%5.1f|%-4s|%x|%q", 42, 3.14159, "ab", 255, "a\"b\0")
  return table.concat(parts, "+") .. ";" .. s:sub(-4, -2) .. ";" .. s:rep(2, "#"):len() .. ";" .. fmt .. ";" ..
    ("10" + 5) .. ";" .. (1 .. "") .. ";" .. (1.0 .. "") .. ";" .. (2^10 .. "") .. ";" .. tostring(10 // 3) .. tostring(10.0 // 3) ..
    ";" .. (7 % -3) .. (-7 % 3) .. ";" .. tostring("abc" < "abd") .. ";" .. s:byte(1) .. ";" .. #s .. ";" ..
    string.gsub("a,b,,c", ",", ";") .. ";" .. ("%d"):format(3.0) .. ";" .. tostring(math.type(3)) .. tostring(math.type(3.0)) ..
    ";" .. tostring(3 == 3.0) .. ";" .. string.reverse("abc") .. ";" .. ("x"):rep(0) .. "."
end

S.longloop = function()
  local x = 0.0
  for i = 1, 1000000 do x = x + i * 0.5 end
  local n = 0
  local i = 0
  while i < 200000 do i = i + 1 if i % 3 == 0 then n = n + 1 end end
  local r = 0
  repeat r = r + 2 until r >= 100001
  local t = {}
  for k = 1, 100000 do t[k] = k % 7 end
  local s = 0
  for k = 1, #t do s = s + t[k] end
  local f = 0
  for v = 10, 1, -0.5 do f = f + v end
  return string.format("%.1f", x) .. ":" .. n .. ":" .. r .. ":" .. s .. ":" .. f
end

S.coroutines = function()
  if not coroutine then return "no coroutine" end
  local out = {}
  local function gen(n) return coroutine.wrap(function() for i = 1, n do coroutine.yield(i) end return "end" end) end
  local g = gen(3)
  out[#out + 1] = g() .. g() .. g() .. g()
  local co = coroutine.create(function(a, b)
    local c = coroutine.yield(a + b)
    local d, e = coroutine.yield(c * 2)
    return d + e, "done"
  end)
  local r = {}
  local _, v1 = coroutine.resume(co, 1, 2)
  local _, v2 = coroutine.resume(co, 10)
  local _, v3, v4 = coroutine.resume(co, 3, 4)
  out[#out + 1] = v1 .. "," .. v2 .. "," .. v3 .. "," .. v4 .. "," .. coroutine.status(co)
  -- upvalues of a coroutine that died with an error stay usable
  local getter
  local dead = coroutine.create(function() local x = "alive" getter = function() return x end coroutine.yield() x = "changed" error("dead", 0) end)
  coroutine.resume(dead)
  local before = getter()
  local okd, ed = coroutine.resume(dead)
  local okd2, ed2 = coroutine.resume(dead, 1, 2, 3)
  out[#out + 1] = before .. "/" .. getter() .. "/" .. tostring(okd) .. ed .. "/" .. tostring(okd2) .. ed2
  -- nested coroutines and yields through pcall
  local outer = coroutine.wrap(function()
    local inner = coroutine.wrap(function() coroutine.yield("i1") return "i2" end)
    coroutine.yield(inner())
    local ok, v = pcall(function() coroutine.yield("in-pcall") return inner() end)
    return tostring(ok) .. v
  end)
  out[#out + 1] = outer() .. outer() .. outer()
  out[#out + 1] = tostring(coroutine.isyieldable())
  local w = coroutine.wrap(function() error({ code = 5 }) end)
  local okw, ew = pcall(w)
  out[#out + 1] = tostring(okw) .. ew.code
  return table.concat(out, ";")
end

S.stack = function()
  local function depth(n) if n == 0 then return 0 end return 1 + depth(n - 1) end
  local t = {}
  for i = 1, 7000 do t[i] = i end
  local function pass(...) return ... end
  local n1 = select("#", pass(table.unpack(t)))
  local ok, e = pcall(function() return select("#", table.unpack(t, 1, 1e7)) end)
  local function wide(...) local a = { ... } return #a end
  return depth(5000) .. ":" .. n1 .. ":" .. tostring(ok) .. (tostring(e):match("too many results") and "tmr" or tostring(e)) .. ":" ..
    wide(table.unpack(t, 1, 2500)) .. ":" .. depth(10)
end

S.misc = function()
  local a, b, c = 1, 2
  a, b = b, a
  local t = { 10, 20, 30, nil, 50 }
  local n = 0
  for _, v in ipairs(t) do n = n + v end
  local acc = {}
  for i = 1, 10 do
    if i % 2 == 0 then goto continue end
    acc[#acc + 1] = i
    ::continue::
  end
  local env = { x = 5 }
  local chunk = load("return x * 2", "chunk", "t", env)
  local sorted = { 5, 2, 8, 1, 9, 3 }
  table.sort(sorted, function(p, q) return p > q end)
  local ints = 0
  for i = 1, 3, 0.5 do ints = ints + 1 end
  return a .. b .. tostring(c) .. ":" .. n .. ":" .. table.concat(acc, ",") .. ":" .. chunk() .. ":" .. table.concat(sorted, ",") ..
    ":" .. ints .. ":" .. math.max(3, 7.5, -1) .. ":" .. math.floor(-3.5) .. ":" .. tostring(math.tointeger(4.0)) ..
    ":" .. #"\u{48}\u{49}" .. ":" .. tostring(0.1 + 0.2 == 0.3) .. ":" .. tostring(1 / 0 > 1e308) .. ":" .. tostring(-(0 / 0) ~= -(0 / 0))
end

S.hooks = function()
  if not debug then return "no debug" end
  local lines = {}
  local function target(n)
    local s = 0
    for i = 1, n do
      s = s + i
    end
    return s
  end
  local base = debug.getinfo(target, "S").linedefined
  debug.sethook(function(_, line) if debug.getinfo(2, "f").func == target then lines[#lines + 1] = line - base end end, "l")
  local r = target(2)
  debug.sethook()
  local count = 0
  debug.sethook(function() count = count + 1 end, "", 10)
  local x = 0
  for i = 1, 1000 do x = x + i end
  debug.sethook()
  local calls = 0
  debug.sethook(function(ev) if ev == "call" or ev == "tail call" then calls = calls + 1 end end, "c")
  local function tc(n) if n == 0 then return 0 end return tc(n - 1) end
  tc(5)
  debug.sethook()
  local function locals(a, b) local c = a + b local name, val = debug.getlocal(1, 3) return name .. "=" .. val end
  return table.concat(lines, ",") .. ":" .. r .. ":" .. (count >= 200 and count <= 400 and "count-ok" or count) .. ":" .. calls ..
    ":" .. locals(2, 3) .. ":" .. x
end

local names = {}
for k in pairs(S) do names[#names + 1] = k end
table.sort(names)
local out = {}
for _, n in ipairs(names) do out[#out + 1] = n .. "=" .. S[n]() end
return table.concat(out, "\n")
`

/** What the reference interpreter prints for CONFORMANCE (`lua5.3`, 5.3.6, all libraries open). */
const LUA53: Readonly<Record<string, string>> = {
  closures: "2,1|10,20,30,40,50|3457|abc|3,6,9,12",
  coroutines: "123end;3,20,7,done,dead;alive/changed/falsedead/falsecannot resume dead coroutine;i1in-pcalltruei2;false;false5",
  errors: "l1,nil,43,no foo,arith,len,call,cmp,falseso,true7,err6/ok2/err18",
  hooks: "1,2,3,2,3,2,5:3:count-ok:7:c=5:500500",
  longloop: "250000250000.0:66666:100002:300000:104.5",
  metamethods: "10,y!,neg,mod,idiv,band,shl,bnot,hi lua,yes,truefalse,772",
  misc: "21nil:60:1,3,5,7,9:10:9,8,5,3,2,1:5:7.5:-4:4:2:false:true:true",
  stack: "5000:7000:falsetmr:2500:10",
  strings: "hello+lua;5.3;31;42|  3.1|ab  |ff|\"a\\\"b\\0\";15.0;1;1.0;1024.0;33.0;-22;true;72;15;a;b;;c;3;integerfloat;true;cba;.",
  tailcalls: "100000:12.5:42:31nil3:2",
  upvalue_after_error: "false:43:44:15:250",
  varargs: "4:nil:0:1:45150:10202030:3:b"
}

const openLibs = (L: LuaState, names: ReadonlyArray<string>): void => {
  const all: Readonly<Record<string, LuaJsFunction>> = {
    _G: lualib.luaopen_base,
    coroutine: lualib.luaopen_coroutine,
    debug: lualib.luaopen_debug,
    math: lualib.luaopen_math,
    string: lualib.luaopen_string,
    table: lualib.luaopen_table
  }
  for (const name of names) {
    lauxlib.luaL_requiref(L, to_luastring(name), all[name]!, 1)
    lua.lua_pop(L, 1)
  }
}

/** Loads and runs `source` on `L`, returns its string result; the stack is left as it was. */
const runChunk = (L: LuaState, source: string, chunkname: string): string => {
  const top = lua.lua_gettop(L)
  const bytes = to_luastring(source)
  expect(lauxlib.luaL_loadbufferx(L, bytes, bytes.length, to_luastring(`=${chunkname}`), null)).toBe(lua.LUA_OK)
  const status = lua.lua_pcall(L, 0, 1, 0)
  const text = lua.lua_tojsstring(L, -1) ?? ""
  expect(status, text).toBe(lua.LUA_OK)
  lua.lua_pop(L, 1)
  expect(lua.lua_gettop(L)).toBe(top)
  return text
}

describe("Lua semantics on the patched fengari", () => {
  it("the conformance sample gives the results of Lua 5.3, in several rounds on one state", () => {
    const L = lauxlib.luaL_newstate()
    openLibs(L, ["_G", "coroutine", "debug", "math", "string", "table"])
    // Values left on the stack below the chunk's frame must survive every round untouched.
    lua.lua_pushnumber(L, 0.25)
    lua.lua_pushstring(L, to_luastring("below"))
    for (let round = 0; round < 3; round++) {
      expect(parse(runChunk(L, CONFORMANCE, "conformance"))).toEqual(LUA53)
      expect(parse(runChunk(L, WORKLOAD, "workload"))).toEqual({ ...COMMON, ...COROUTINES, err_pos: `workload:${WHERE_LINE}: where` })
      expect(lua.lua_tonumber(L, 1)).toBe(0.25)
      expect(lua.lua_tojsstring(L, 2)).toBe("below")
    }
    lua.lua_close(L)
  })

  it("gives the known results through the strategy host, on consecutive bars", () => {
    const source = `function detect_opportunity()\n  return { result = (function()${WORKLOAD}end)(), sample = (function()${CONFORMANCE}end)() }\nend\n` +
      "function filter_commitment() end\nfunction manage_position() end\n"
    const instance = compileLuaStrategy(source, "workload.lua", { instructionLimit: 100_000_000 }).instantiate(SYM)
    try {
      for (let bar = 0; bar < 2; bar++) {
        const fields = fieldsOf(instance.detectOpportunity(mkBar(), fakeView()))
        expect(typeof fields.result).toBe("string")
        // The host opens no coroutine library; the workload's error line is one further down (the wrapper's line).
        expect(parse(fields.result as string)).toEqual({ ...COMMON, err_pos: `workload.lua:${WHERE_LINE + 1}: where` })
        expect(parse(fields.sample as string)).toEqual({ ...LUA53, coroutines: "no coroutine", hooks: "no debug" })
      }
    } finally {
      instance.dispose()
    }
  })
})

describe("light-calls: OP_CALL calls a JS function's lightcall without a call frame", () => {
  /** A JS function `f(n)` returning `n * 2` (a float) or nil, with a lightcall that agrees with it. */
  const makeF = () => {
    const calls = { regular: 0, light: 0 }
    const mode = { answer: "value" as "value" | "nil" | "decline" }
    const regular: LuaJsFunction = (L) => {
      calls.regular++
      if (lua.lua_type(L, 1) !== lua.LUA_TNUMBER) {
        lauxlib.luaL_where(L, 1)
        lua.lua_pushstring(L, to_luastring("f: not a number"))
        lua.lua_concat(L, 2)
        return lua.lua_error(L)
      }
      if (mode.answer === "nil") lua.lua_pushnil(L)
      else lua.lua_pushnumber(L, lua.lua_tonumber(L, 1) * 2)
      return 1
    }
    const lightcall = (arg: { readonly type: number; readonly value: unknown }): number | null | undefined => {
      calls.light++
      if (mode.answer === "decline" || (arg.type & 15) !== lua.LUA_TNUMBER) return undefined
      return mode.answer === "nil" ? null : (arg.value as number) * 2
    }
    return { f: Object.assign(regular, { lightcall }), plain: regular, calls, mode }
  }
  const withF = (f: LuaJsFunction, run: (L: LuaState) => void): void => {
    const L = lauxlib.luaL_newstate()
    openLibs(L, ["_G", "debug", "math", "string", "table"])
    lua.lua_pushjsfunction(L, f)
    lua.lua_setglobal(L, to_luastring("f"))
    try {
      run(L)
    } finally {
      lua.lua_close(L)
    }
  }
  const failing = (L: LuaState, source: string): string => {
    const bytes = to_luastring(source)
    expect(lauxlib.luaL_loadbufferx(L, bytes, bytes.length, to_luastring("=light"), null)).toBe(lua.LUA_OK)
    expect(lua.lua_pcall(L, 0, 1, 0)).toBe(lua.LUA_ERRRUN)
    const text = lua.lua_tojsstring(L, -1) ?? ""
    lua.lua_pop(L, 1)
    return text
  }

  it("is used for `local x = f(n)` and gives what the regular call gives (value, nil, declined)", () => {
    const { f, calls, mode } = makeF()
    withF(f, (L) => {
      const src = "local x = f(21)\nlocal y = f(2.5)\nreturn tostring(math.type(x)) .. tostring(x) .. ',' .. tostring(y)"
      expect(runChunk(L, src, "light")).toBe("float42.0,5.0")
      expect(calls).toEqual({ regular: 0, light: 2 })
      mode.answer = "nil"
      expect(runChunk(L, src, "light")).toBe("nilnil,nil")
      expect(calls).toEqual({ regular: 0, light: 4 })
      mode.answer = "decline"
      expect(runChunk(L, src, "light")).toBe("float42.0,5.0")
      expect(calls).toEqual({ regular: 2, light: 6 })
    })
  })

  it("is not used for other call shapes, nor with a call hook", () => {
    const { f, calls } = makeF()
    withF(f, (L) => {
      expect(runChunk(L, "local a, b = f(1)\nf(2)\nlocal c = f(3, 4)\nlocal t = { f(5) }\nreturn a .. tostring(b) .. c .. t[1] .. (f(6))", "light"))
        .toBe("2.0nil6.010.012.0")
      expect(calls.light).toBe(1) // only `(f(6))`: one argument, one result
      calls.light = 0
      calls.regular = 0
      expect(runChunk(L, "local n = 0\ndebug.sethook(function() n = n + 1 end, 'c')\nlocal x = f(4)\ndebug.sethook()\nreturn x .. ':' .. n", "light"))
        .toBe("8.0:2") // as lua5.3: the calls of f and of debug.sethook
      expect(calls).toEqual({ regular: 1, light: 0 })
    })
  })

  it("an error of the regular call after a declined light call is raised at the caller's line", () => {
    const { f, calls } = makeF()
    withF(f, (L) => {
      expect(failing(L, "local a = 1\nlocal x = f('no')\nreturn x")).toBe("light:2: f: not a number")
      expect(calls).toEqual({ regular: 1, light: 1 })
    })
  })

  it("counts the same instructions, and leaves the same registers, as the regular call", () => {
    const src = "local s = 0\nfor i = 1, 200 do local x = f(i) local y s = s + x + (y or 0) end\nreturn tostring(s)"
    const count = (fn: LuaJsFunction): { result: string; count: number } => {
      let result = ""
      let n = 0
      withF(fn, (L) => {
        lua.lua_sethook(L, () => { n++ }, lua.LUA_MASKCOUNT, 1)
        result = runChunk(L, src, "light")
        lua.lua_sethook(L, null, 0, 0)
      })
      return { result, count: n }
    }
    const light = makeF()
    const withLight = count(light.f)
    expect(light.calls).toEqual({ regular: 0, light: 200 })
    const plain = makeF()
    expect(count(plain.plain)).toEqual(withLight)
    expect(withLight.result).toBe("40200.0")
  })
})

describe("field-cache: table reads and writes with constant string keys", () => {
  // Expected output produced by the reference interpreter: lua5.3 -e 'print(dofile("fields.lua"))' (5.3.6).
  const FIELDS = String.raw`
local out = {}
local function put(s) out[#out + 1] = tostring(s) end
-- one instruction, many tables; deleted and re-added keys; __index and __newindex after a delete
local function get(t) return t.k end
local function set(t, v) t.k = v end
local a, b = { k = 1 }, { k = 2 }
put(get(a) .. get(b) .. get(a))
set(a, 10) set(b, 20) set(a, 11)
put(get(a) .. get(b))
set(a, nil)
put(tostring(get(a)))
local n = 0 for _ in pairs(a) do n = n + 1 end put(n)
set(a, 12) put(get(a))
local mt = { __index = function(_, key) return "idx:" .. key end }
local c = setmetatable({ k = 3 }, mt)
put(get(c)) set(c, nil) put(get(c)) set(c, 4) put(get(c))
local log = {}
local d = setmetatable({ k = 5 }, { __newindex = function(t, key, v) log[#log + 1] = key .. "=" .. tostring(v) rawset(t, key, v * 100) end })
set(d, 6) put(get(d)) set(d, nil) set(d, 7) put(get(d)) set(d, 8) put(get(d)) put(table.concat(log, ","))
-- globals through _ENV (GETTABUP / SETTABUP)
G1 = 1
local function gg() return G1 end
local function sg(v) G1 = v end
put(gg()) sg(2) put(gg()) sg(nil) put(tostring(gg())) sg(3) put(gg())
-- a table that becomes a non-table in the same register
local function any(x) local ok, v = pcall(function() return x.k end) return tostring(ok) .. ":" .. tostring(v) end
put(any(a)) put(any("str")) put(any(a)) put(any(setmetatable({}, { __index = { k = "inh" } })))
-- same key through a metatable's own field: the metatable changes after a cached write
local base = { k = "base" }
local mt2 = { __index = base }
local e = setmetatable({}, mt2)
put(get(e)) set(base, "base2") put(get(e)) set(mt2, "x") put(get(e))
mt2.__index = { k = "other" } put(get(e))
-- integer-like and long string keys
local long = string.rep("x", 50)
local f = { [long] = 1, [1] = "one" }
local function gl(t) return t[long] end
put(gl(f)) f[long] = nil put(tostring(gl(f))) f[long] = 2 put(gl(f))
return table.concat(out, " ")
`
  const EXPECTED = "121 1120 nil 0 12 3 idx:k 4 6 700 8 k=7 1 2 nil 3 true:12 true:nil true:12 true:inh base base2 base2 other 1 nil 2"

  it("gives Lua 5.3's results: one instruction over many tables, deleted and re-added keys, metamethods, globals", () => {
    const L = lauxlib.luaL_newstate()
    openLibs(L, ["_G", "string", "table"])
    for (let round = 0; round < 3; round++) expect(runChunk(L, FIELDS, "fields")).toBe(EXPECTED)
    lua.lua_close(L)
  })
})
