/**
 * The fengari stack patch (`scripts/patch-fengari.mjs`, run as `postinstall`; see `docs/lua-performance.md`):
 * - the installed fengari is 0.1.5 and patched (a stale or reinstalled-without-scripts fengari fails here);
 * - the script patches a pristine copy to exactly the installed files, is idempotent, leaves other versions alone
 *   and refuses (exit 1, nothing written) when the number of replacements differs;
 * - a Lua workload that grows, unwinds and shrinks the stack gives the known results, through fengari's API (with
 *   coroutines) and through the strategy host.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import { lauxlib, lua, lualib, to_luastring, type LuaJsFunction } from "fengari"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { compileLuaStrategy } from "../../src/strategy/lua/host.ts"
import { fakeView, fieldsOf, mkBar, SYM } from "./support.ts"

const MARKER = "/* trading-engine: patched by scripts/patch-fengari.mjs */"
/** Stack-slot deletes replaced per file in fengari 0.1.5 (the same table as in the script). */
const EXPECTED: Readonly<Record<string, number>> = {
  "lapi.js": 18,
  "ldebug.js": 1,
  "ldo.js": 5,
  "lparser.js": 1,
  "ltm.js": 1,
  "lvm.js": 3
}
const SLOT_DELETE = /\bdelete ((?:L|from)\.stack\[[^[\]\n;]+\]);/g
const SLOT_CLEAR = /\b((?:L|from)\.stack\[[^[\]\n;]+\]) = void 0;/g

const SCRIPT = path.resolve(import.meta.dirname, "../../scripts/patch-fengari.mjs")
const FENGARI = path.dirname(createRequire(import.meta.url).resolve("fengari/package.json"))
const installed = (file: string): string => fs.readFileSync(path.join(FENGARI, "src", file), "utf8")

describe("installed fengari", () => {
  it("is 0.1.5 (the only version the patch knows)", () => {
    expect(JSON.parse(fs.readFileSync(path.join(FENGARI, "package.json"), "utf8")).version).toBe("0.1.5")
  })

  it.each(Object.entries(EXPECTED))("%s carries the marker and no stack-slot delete (run `npm run postinstall`)", (file, n) => {
    const text = installed(file)
    expect(text.startsWith(`${MARKER}\n`)).toBe(true)
    expect(text).not.toContain("delete L.stack[")
    expect(text.match(SLOT_DELETE)).toBeNull()
    expect(text.match(SLOT_CLEAR)?.length).toBe(n)
  })

  it("no other fengari source deletes a stack slot", () => {
    for (const file of fs.readdirSync(path.join(FENGARI, "src"))) {
      if (file.endsWith(".js")) expect(installed(file), file).not.toMatch(/delete [\w.]*stack\[/)
    }
  })
})

describe("scripts/patch-fengari.mjs", () => {
  let tmp = ""
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "fengari-patch-"))
  })
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

  /** A copy of the installed package with the patch undone (marker removed, `X = void 0;` back to `delete X;`). */
  const pristineCopy = (name: string): string => {
    const dir = path.join(tmp, name)
    fs.mkdirSync(path.join(dir, "src"), { recursive: true })
    fs.copyFileSync(path.join(FENGARI, "package.json"), path.join(dir, "package.json"))
    for (const file of Object.keys(EXPECTED)) {
      const text = installed(file).slice(MARKER.length + 1).replace(SLOT_CLEAR, "delete $1;")
      fs.writeFileSync(path.join(dir, "src", file), text)
    }
    return dir
  }
  const run = (dir: string) => {
    const r = spawnSync(process.execPath, [SCRIPT, dir], { encoding: "utf8" })
    return { status: r.status, out: r.stdout + r.stderr }
  }
  const snapshot = (dir: string) => Object.keys(EXPECTED).map((f) => fs.readFileSync(path.join(dir, "src", f), "utf8"))

  it("patches a pristine copy to exactly the installed files, then changes nothing", () => {
    const dir = pristineCopy("fresh")
    const first = run(dir)
    expect(first.status).toBe(0)
    expect(first.out).toContain("lapi.js 18, ldebug.js 1, ldo.js 5, lparser.js 1, ltm.js 1, lvm.js 3")
    expect(first.out.trim().split("\n")).toHaveLength(1)
    expect(snapshot(dir)).toEqual(Object.keys(EXPECTED).map(installed))
    const second = run(dir)
    expect(second.status).toBe(0)
    expect(second.out).toContain("already patched")
    expect(snapshot(dir)).toEqual(Object.keys(EXPECTED).map(installed))
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

  it("fails loudly and writes nothing when a file has an unexpected number of deletes", () => {
    const dir = pristineCopy("modified")
    const lvm = path.join(dir, "src", "lvm.js")
    fs.appendFileSync(lvm, "\nfunction extra(L) { delete L.stack[--L.top]; }\n")
    const before = snapshot(dir)
    const r = run(dir)
    expect(r.status).toBe(1)
    expect(r.out).toContain("lvm.js: expected 3 stack-slot deletes for fengari 0.1.5, found 4")
    expect(snapshot(dir)).toEqual(before)
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

describe("Lua workload on the patched fengari", () => {
  it("gives the known results through fengari's API (with coroutines), twice on one state", () => {
    const L = lauxlib.luaL_newstate()
    const libs: ReadonlyArray<readonly [string, LuaJsFunction]> = [
      ["_G", lualib.luaopen_base],
      ["coroutine", lualib.luaopen_coroutine],
      ["string", lualib.luaopen_string],
      ["table", lualib.luaopen_table],
      ["math", lualib.luaopen_math]
    ]
    for (const [name, open] of libs) {
      lauxlib.luaL_requiref(L, to_luastring(name), open, 1)
      lua.lua_pop(L, 1)
    }
    const source = to_luastring(WORKLOAD)
    for (let round = 0; round < 2; round++) {
      expect(lauxlib.luaL_loadbufferx(L, source, source.length, to_luastring("=workload"), null)).toBe(lua.LUA_OK)
      const status = lua.lua_pcall(L, 0, 1, 0)
      const text = lua.lua_tojsstring(L, -1) ?? ""
      expect(status, text).toBe(lua.LUA_OK)
      expect(parse(text)).toEqual({ ...COMMON, ...COROUTINES, err_pos: `workload:${WHERE_LINE}: where` })
      lua.lua_pop(L, 1)
      expect(lua.lua_gettop(L)).toBe(0)
    }
    lua.lua_close(L)
  })

  it("gives the known results through the strategy host, on consecutive bars", () => {
    const source = `function detect_opportunity()\n  return { result = (function()${WORKLOAD}end)() }\nend\n` +
      "function filter_commitment() end\nfunction manage_position() end\n"
    const instance = compileLuaStrategy(source, "workload.lua", { instructionLimit: 100_000_000 }).instantiate(SYM)
    try {
      for (let bar = 0; bar < 2; bar++) {
        const result = fieldsOf(instance.detectOpportunity(mkBar(), fakeView())).result
        expect(typeof result).toBe("string")
        // The host opens no coroutine library; the workload's error line is one further down (the wrapper's line).
        expect(parse(result as string)).toEqual({ ...COMMON, err_pos: `workload.lua:${WHERE_LINE + 1}: where` })
      }
    } finally {
      instance.dispose()
    }
  })
})
