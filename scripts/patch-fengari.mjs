#!/usr/bin/env node
/**
 * Patches the installed fengari 0.1.5 for speed, without changing what any Lua program computes. Runs as the
 * `postinstall` script. What each patch does and why it is safe: docs/fengari-patches.md (the first one is described
 * in docs/lua-performance.md).
 *
 * Patches, in the order they are applied:
 * 1. `stack-slot-delete`: every `delete L.stack[<expr>];` (and `delete from.stack[<expr>];` in `lua_xmove`) becomes
 *    `L.stack[<expr>] = void 0;` (deletes turn the stack array into a slow dictionary-mode array). A fixed count per
 *    file (DELETE_COUNTS).
 * 2. Exact-text edits (PATCHES): each `find` text must occur exactly once in the file (after patch 1) and is replaced
 *    by its `replace` text.
 *
 * Safety net of the script itself:
 * - Only fengari 0.1.5 is patched; any other version gets a warning and is left alone (exit 0).
 * - Before patching, each file is brought back to the original 0.1.5 text (marker removed, edits and patch 1
 *   reverted, so a file patched by an older version of this script is upgraded) and its SHA-256 must equal the
 *   published 0.1.5 file's (PRISTINE_SHA256). Anything else (a modified or half-edited install) makes the script
 *   print an error and exit 1 without writing anything: a modified install must be noticed, not half patched.
 * - Every file is then patched from that original text; a file already identical to the result is not rewritten
 *   (idempotent: the second run prints "already patched").
 * - Files are written only when all of them check out, each through a temporary file and a rename.
 *
 * Usage: `node scripts/patch-fengari.mjs [fengari-package-dir]` (the directory defaults to the installed `fengari`).
 * Plain Node ESM, no dependencies (Node >= 20). Importing the module (as test/strategy/fengari-patch.test.ts does)
 * runs nothing: it exports the patch tables and the pure functions `patchSource` and `unpatchSource`.
 */
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const TAG = "[patch-fengari]"
export const VERSION = "0.1.5"
export const MARKER = "/* trading-engine: patched by scripts/patch-fengari.mjs */"

/** `delete L.stack[<expr>];` or `delete from.stack[<expr>];`, where <expr> has no brackets, `;` or newline. */
export const SLOT_DELETE = /\bdelete ((?:L|from)\.stack\[[^\[\]\n;]+\]);/g
/** What patch 1 turns a delete into (used to revert it). */
export const SLOT_CLEAR = /\b((?:L|from)\.stack\[[^\[\]\n;]+\]) = void 0;/g

/** Patch 1: stack-slot deletes in fengari 0.1.5, per file under src/. */
export const DELETE_COUNTS = {
  "lapi.js": 18,
  "ldebug.js": 1,
  "ldo.js": 5,
  "lparser.js": 1,
  "ltm.js": 1,
  "lvm.js": 3
}

/** SHA-256 of the files of the published fengari 0.1.5 (`npm pack fengari@0.1.5`) that the patches touch. */
export const PRISTINE_SHA256 = {
  "lapi.js": "49c1d89b701beeca32b1359807220ecf907c91df3336df929209e0b484150d15",
  "ldebug.js": "624f81be3133cae7d91ec88dbb3bec9f265c5394babe3e1fa864d612a1b6ac85",
  "ldo.js": "675bda3021b0d9b6c47e36e81b83c7956ff6542ad56ee2a811790255a826adf2",
  "lobject.js": "3984c89e245469ff79a72f19eaac96566800fdf06ad7bf5361fe2017d30362b2",
  "lopcodes.js": "05ff44648c2d2069e64a76e5125a7434ac98c50ee63c0341d7683d2524dc977e",
  "lparser.js": "23c6f045e91254d9aea1dde39dc886515252190a8d5255c71651c6801da95178",
  "lstate.js": "328179088667b512d9500333c445e07db84edd36b5698d2d7cbe3b8b09acc1ee",
  "ltm.js": "ced7bb56f13543b5f5119c45ead7da47e7bf6ce20174585f562f29dcbf754eda",
  "lundump.js": "e979182d533d8238126625a8320856b254fe9b778100f5d3c586df8a31878274",
  "lvm.js": "b693090a36fddc1cdc152e731dbd008fa96cf67dbe930b96110abd7ec2676f0d"
}

/** The exports of lobject.js and lapi.js, in the order the modules assign them (patch `fast-exports`). */
const LOBJECT_EXPORTS = [
  "luaO_nilobject", "CClosure", "LClosure", "LUA_TDEADKEY", "LUA_TPROTO", "LocVar", "TValue", "Udata", "UTF8BUFFSZ",
  "luaO_arith", "luaO_chunkid", "luaO_hexavalue", "luaO_int2fb", "luaO_pushfstring", "luaO_pushvfstring",
  "luaO_str2num", "luaO_tostring", "luaO_utf8esc", "numarith", "pushobj2s", "pushsvalue2s", "setobjs2s", "setobj2s",
  "setsvalue2s"
]
const LAPI_EXPORTS = [
  "api_incr_top", "api_checknelems", "lua_absindex", "lua_arith", "lua_atpanic", "lua_atnativeerror", "lua_call",
  "lua_callk", "lua_checkstack", "lua_compare", "lua_concat", "lua_copy", "lua_createtable", "lua_dump", "lua_error",
  "lua_gc", "lua_getallocf", "lua_getextraspace", "lua_getfield", "lua_getglobal", "lua_geti", "lua_getmetatable",
  "lua_gettable", "lua_gettop", "lua_getupvalue", "lua_getuservalue", "lua_insert", "lua_isboolean",
  "lua_iscfunction", "lua_isfunction", "lua_isinteger", "lua_islightuserdata", "lua_isnil", "lua_isnone",
  "lua_isnoneornil", "lua_isnumber", "lua_isproxy", "lua_isstring", "lua_istable", "lua_isthread", "lua_isuserdata",
  "lua_len", "lua_load", "lua_newtable", "lua_newuserdata", "lua_next", "lua_pcall", "lua_pcallk", "lua_pop",
  "lua_pushboolean", "lua_pushcclosure", "lua_pushcfunction", "lua_pushfstring", "lua_pushglobaltable",
  "lua_pushinteger", "lua_pushjsclosure", "lua_pushjsfunction", "lua_pushlightuserdata", "lua_pushliteral",
  "lua_pushlstring", "lua_pushnil", "lua_pushnumber", "lua_pushstring", "lua_pushthread", "lua_pushvalue",
  "lua_pushvfstring", "lua_rawequal", "lua_rawget", "lua_rawgeti", "lua_rawgetp", "lua_rawlen", "lua_rawset",
  "lua_rawseti", "lua_rawsetp", "lua_register", "lua_remove", "lua_replace", "lua_rotate", "lua_setallocf",
  "lua_setfield", "lua_setglobal", "lua_seti", "lua_setmetatable", "lua_settable", "lua_settop", "lua_setupvalue",
  "lua_setuservalue", "lua_status", "lua_stringtonumber", "lua_toboolean", "lua_tocfunction", "lua_todataview",
  "lua_tointeger", "lua_tointegerx", "lua_tojsstring", "lua_tolstring", "lua_tonumber", "lua_tonumberx",
  "lua_topointer", "lua_toproxy", "lua_tostring", "lua_tothread", "lua_touserdata", "lua_type", "lua_typename",
  "lua_upvalueid", "lua_upvaluejoin", "lua_version", "lua_xmove"
]

const STRICT = '"use strict";\n'
/** Patch `fast-exports`: the early declarations inserted after `"use strict";`. */
const declareExports = (names) =>
  STRICT +
  "/* trading-engine fast-exports: declare every export before the circular requires below (docs/fengari-patches.md) */\n" +
  names.map((n) => `module.exports.${n} = void 0;\n`).join("")

/** A push that reuses the TValue object of the free slot at L.top, if there is one (patch `stack-slot-reuse`). */
const reusePush = (name, head, type, value) => ({
  find: `const ${name} = function(L${head}) {\n` +
    (name === "lua_pushnumber" ? '    fengari_argcheck(typeof n === "number");\n' : "") +
    (name === "lua_pushinteger" ? "    fengari_argcheckinteger(n);\n" : "") +
    `    L.stack[L.top] = new TValue(${type}, ${value});\n` +
    "    api_incr_top(L);\n" +
    "};",
  replace: `const ${name} = function(L${head}) {\n` +
    (name === "lua_pushnumber" ? '    fengari_argcheck(typeof n === "number");\n' : "") +
    (name === "lua_pushinteger" ? "    fengari_argcheckinteger(n);\n" : "") +
    "    let o = L.stack[L.top]; /* trading-engine stack-slot-reuse */\n" +
    "    if (o === void 0)\n" +
    `        L.stack[L.top] = new TValue(${type}, ${value});\n` +
    "    else {\n" +
    `        o.type = ${type};\n` +
    `        o.value = ${value};\n` +
    "    }\n" +
    "    api_incr_top(L);\n" +
    "};"
})

/**
 * The exact-text patches, applied after patch 1 (so `find` texts show `L.stack[…] = void 0;` where fengari has a
 * delete). `id` names the patch in docs/fengari-patches.md, which explains why each is safe.
 */
export const PATCHES = [
  {
    id: "fast-exports",
    summary: "declare the exports of lobject.js and lapi.js up front, so they stay fast-mode objects",
    edits: [
      { file: "lobject.js", find: STRICT, replace: declareExports(LOBJECT_EXPORTS) },
      { file: "lapi.js", find: STRICT, replace: declareExports(LAPI_EXPORTS) }
    ]
  },
  {
    id: "stack-slot-reuse",
    summary: "reuse the TValue objects of free stack slots instead of allocating new ones",
    edits: [
      {
        file: "ldo.js",
        find: `const adjust_top = function(L, newtop) {
    if (L.top < newtop) {
        while (L.top < newtop)
            L.stack[L.top++] = new lobject.TValue(LUA_TNIL, null);
    } else {
        while (L.top > newtop)
            L.stack[--L.top] = void 0;
    }
};`,
        replace: `const adjust_top = function(L, newtop) {
    /* trading-engine stack-slot-reuse: a free slot keeps its (unshared) TValue, set to nil */
    if (L.top < newtop) {
        while (L.top < newtop) {
            let o = L.stack[L.top];
            if (o === void 0)
                L.stack[L.top] = new lobject.TValue(LUA_TNIL, null);
            else
                o.setnilvalue();
            L.top++;
        }
    } else {
        while (L.top > newtop) {
            let o = L.stack[--L.top];
            if (o !== void 0)
                o.setnilvalue();
        }
    }
};`
      },
      {
        file: "ldo.js",
        find: `            for (let i=L.top; i>=(res + nres); i--)
                L.stack[i] = void 0;
            L.top = res + nres;`,
        replace: `            for (let i=L.top; i>=(res + nres); i--) {
                let o = L.stack[i]; /* trading-engine stack-slot-reuse */
                if (o !== void 0)
                    o.setnilvalue();
            }
            L.top = res + nres;`
      },
      {
        file: "ldo.js",
        find: `    for (let i=L.top; i>=newtop; i--)
        L.stack[i] = void 0;
    L.top = newtop;`,
        replace: `    for (let i=L.top; i>=newtop; i--) {
        let o = L.stack[i]; /* trading-engine stack-slot-reuse */
        if (o !== void 0)
            o.setnilvalue();
    }
    L.top = newtop;`
      },
      {
        // lua_settop keeps fengari's own pops (the slots let go of their TValues): the API can lower the top below
        // the registers of a running Lua function (a hook's lua_settop), whose TValues closures may share.
        file: "lapi.js",
        find: `        newtop = L.top + idx + 1; /* 'subtract' index (index is negative) */
    }
    ldo.adjust_top(L, newtop);
};`,
        replace: `        newtop = L.top + idx + 1; /* 'subtract' index (index is negative) */
    }
    if (newtop < L.top) { /* trading-engine stack-slot-reuse: API pops release the slots' TValues, as before */
        while (L.top > newtop)
            L.stack[--L.top] = void 0;
    } else
        ldo.adjust_top(L, newtop);
};`
      },
      {
        // Not a speed-up: C Lua copies the error object here (setobjs2s); sharing one TValue between two stacks
        // would break the rule stack-slot-reuse relies on (no TValue is in two slots).
        file: "ldo.js",
        find: "            g.mainthread.stack[g.mainthread.top++] = L.stack[L.top - 1];  /* copy error obj. */",
        replace: "            g.mainthread.stack[g.mainthread.top++] = new lobject.TValue(L.stack[L.top - 1].type, L.stack[L.top - 1].value);  /* copy error obj. (trading-engine: a copy, as in C) */"
      },
      {
        file: "lobject.js",
        find: `const pushobj2s = function(L, tv) {
    L.stack[L.top++] = new TValue(tv.type, tv.value);
};`,
        replace: `const pushobj2s = function(L, tv) {
    let o = L.stack[L.top]; /* trading-engine stack-slot-reuse */
    if (o === void 0)
        L.stack[L.top] = new TValue(tv.type, tv.value);
    else {
        o.type = tv.type;
        o.value = tv.value;
    }
    L.top++;
};`
      },
      { file: "lapi.js", ...reusePush("lua_pushnil", "", "LUA_TNIL", "null") },
      { file: "lapi.js", ...reusePush("lua_pushnumber", ", n", "LUA_TNUMFLT", "n") },
      { file: "lapi.js", ...reusePush("lua_pushinteger", ", n", "LUA_TNUMINT", "n") },
      { file: "lapi.js", ...reusePush("lua_pushboolean", ", b", "LUA_TBOOLEAN", "!!b") }
    ]
  },
  {
    id: "smi-fields",
    summary: "initialise the stack-index fields of CallInfo and lua_State with 0 instead of NaN (small-integer fields)",
    edits: [
      {
        file: "lstate.js",
        find: `        this.func = null;
        this.funcOff = NaN;
        this.top = NaN;
        this.previous = null;
        this.next = null;

        /* only for Lua functions */
        this.l_base = NaN; /* base for this function */
        this.l_code = null; /* reference to this.func.p.code */
        this.l_savedpc = NaN; /* offset into l_code */`,
        replace: `        /* trading-engine smi-fields: 0, not NaN, so that V8 keeps these fields as small integers */
        this.func = null;
        this.funcOff = 0;
        this.top = 0;
        this.previous = null;
        this.next = null;

        /* only for Lua functions */
        this.l_base = 0; /* base for this function */
        this.l_code = null; /* reference to this.func.p.code */
        this.l_savedpc = 0; /* offset into l_code */`
      },
      {
        file: "lstate.js",
        find: `        this.nresults = NaN;
        this.callstatus = NaN;
    }`,
        replace: `        this.nresults = 0;
        this.callstatus = 0;
    }`
      },
      {
        file: "lstate.js",
        find: `        this.top = NaN; /* first free slot in the stack */
        this.stack_last = NaN; /* last free slot in the stack */`,
        replace: `        this.top = 0; /* first free slot in the stack (trading-engine smi-fields: 0, not NaN) */
        this.stack_last = 0; /* last free slot in the stack */`
      }
    ]
  },
  {
    id: "callinfo-reuse",
    summary: "keep returned CallInfo records linked and reuse them for the next call, as C Lua does",
    edits: [
      {
        file: "lstate.js",
        find: `        this.c_ctx = null;  /* context info. in case of yields */
`,
        replace: `        this.c_ctx = null;  /* context info. in case of yields */
        this.extra = 0; /* trading-engine callinfo-reuse: declared here so every CallInfo has one shape */
`
      },
      {
        file: "lstate.js",
        find: `const luaE_extendCI = function(L) {
    let ci = new CallInfo();
    L.ci.next = ci;
    ci.previous = L.ci;
    ci.next = null;
    L.ci = ci;
    return ci;
};`,
        replace: `const luaE_extendCI = function(L) {
    let ci = L.ci.next; /* trading-engine callinfo-reuse: reuse a returned CallInfo, reset as if new */
    if (ci === null) {
        ci = new CallInfo();
        L.ci.next = ci;
        ci.next = null;
    } else {
        ci.func = null;
        ci.funcOff = 0;
        ci.top = 0;
        ci.l_base = 0;
        ci.l_code = null;
        ci.l_savedpc = 0;
        ci.c_k = null;
        ci.c_old_errfunc = null;
        ci.c_ctx = null;
        ci.nresults = 0;
        ci.callstatus = 0;
        ci.extra = 0;
    }
    ci.previous = L.ci;
    L.ci = ci;
    return ci;
};`
      },
      {
        file: "ldo.js",
        find: `    let res = ci.funcOff;
    L.ci = ci.previous;
    L.ci.next = null;
    return moveresults(L, firstResult, res, nres, wanted);`,
        replace: `    let res = ci.funcOff;
    L.ci = ci.previous; /* trading-engine callinfo-reuse: 'ci' stays linked as L.ci.next for the next call */
    return moveresults(L, firstResult, res, nres, wanted);`
      }
    ]
  },
  {
    id: "light-calls",
    summary: "OP_CALL calls the `lightcall` of a JS function that has one, without a call frame (one argument, one result)",
    edits: [
      {
        file: "lvm.js",
        find: `    LUA_MASKLINE,
    LUA_MASKCOUNT,
    LUA_MULTRET,
`,
        replace: `    LUA_MASKLINE,
    LUA_MASKCOUNT,
    LUA_MULTRET,
    LUA_MASKCALL, /* trading-engine light-calls */
    LUA_MASKRET,
    LUA_MINSTACK,
`
      },
      {
        file: "lvm.js",
        find: `const luaV_execute = function(L) {
`,
        replace: `/*
** trading-engine light-calls (docs/fengari-patches.md): a JS function 'f' with a function property 'f.lightcall'
** may be called by OP_CALL with one argument and one result without a call frame: 'f.lightcall(argTValue)' returns
** a number (the result, a float), null (the result is nil) or undefined (not handled: the regular call follows, as
** if the light call had not been tried). It must not throw, touch the Lua state, or differ from what 'f' returns.
** Not tried when a call or return hook is set, nor when the regular call would have to grow the stack.
*/
const light_call = function(L, ra, ci) {
    let fv = L.stack[ra];
    if (fv.type !== LUA_TLCF) return false;
    let light = fv.value.lightcall;
    if (typeof light !== "function" || (L.hookmask & (LUA_MASKCALL | LUA_MASKRET)) !== 0 || L.stack_last - (ra + 2) <= LUA_MINSTACK)
        return false;
    let r = light(L.stack[ra + 1]);
    if (r === null)
        fv.setnilvalue();
    else if (typeof r === "number")
        fv.setfltvalue(r);
    else
        return false;
    /* the stack as after the regular call: the slots above the result nil, the top at ci.top */
    let top = ci.top;
    if (L.top === top) {
        for (let j = ra + 1; j < top; j++)
            L.stack[j].setnilvalue();
    } else {
        ldo.adjust_top(L, ra + 1);
        ldo.adjust_top(L, top);
    }
    return true;
};

const luaV_execute = function(L) {
`
      },
      {
        file: "lvm.js",
        find: `                let nresults = i.C - 1;
                if (b !== 0) ldo.adjust_top(L, ra+b);  /* else previous instruction set top */
                if (ldo.luaD_precall(L, ra, nresults)) {`,
        replace: `                let nresults = i.C - 1;
                if (b === 2 && nresults === 1 && light_call(L, ra, ci)) /* trading-engine light-calls */
                    break;
                if (b !== 0) ldo.adjust_top(L, ra+b);  /* else previous instruction set top */
                if (ldo.luaD_precall(L, ra, nresults)) {`
      }
    ]
  },
  {
    id: "field-cache",
    summary: "GETTABLE / SETTABLE / GETTABUP / SETTABUP with a constant string key remember the table entry they found",
    edits: [
      {
        file: "lopcodes.js",
        find: `            sBx:    ((ins >> POS_Bx) & MASK1(SIZE_Bx, 0)) - MAXARG_sBx
        };`,
        replace: `            sBx:    ((ins >> POS_Bx) & MASK1(SIZE_Bx, 0)) - MAXARG_sBx,
            cache_t: null, /* trading-engine field-cache: the table and entry last found by this instruction */
            cache_e: null
        };`
      },
      {
        file: "lundump.js",
        find: `                sBx:    ((ins >> POS_Bx) & p.MASK1(SIZE_Bx, 0)) - MAXARG_sBx
            };`,
        replace: `                sBx:    ((ins >> POS_Bx) & p.MASK1(SIZE_Bx, 0)) - MAXARG_sBx,
                cache_t: null, /* trading-engine field-cache (same shape as lopcodes.fullins) */
                cache_e: null
            };`
      },
      {
        file: "lvm.js",
        find: `const RB = function(L, base, i) {
`,
        replace: `/*
** trading-engine field-cache (docs/fengari-patches.md): an instruction that indexes a table with a constant string
** key remembers the table ('i.cache_t') and the entry of the key ('i.cache_e'). An entry stays the table's entry for
** its key until it is removed ('mark_dead' sets its 'value' to undefined; adding the key again makes a new entry), and
** assignments to an existing key write into its value TValue, so while 'cache_e.value' is defined and not nil it is
** what 'luaH_get' would return for the key.
*/
const cache_field = function(i, t, key) {
    if (!key.ttisstring()) return;
    let e = t.strong.get(luaS_hashlongstr(key.value));
    if (e !== void 0) {
        i.cache_t = t;
        i.cache_e = e;
    }
};

const RB = function(L, base, i) {
`
      },
      {
        file: "lvm.js",
        find: `            case OP_GETTABUP: {
                let upval = cl.upvals[i.B];
                let rc = RKC(L, base, k, i);
                luaV_gettable(L, upval, rc, ra);
                break;
            }
            case OP_GETTABLE: {
                let rb = L.stack[RB(L, base, i)];
                let rc = RKC(L, base, k, i);
                luaV_gettable(L, rb, rc, ra);
                break;
            }
            case OP_SETTABUP: {
                let upval = cl.upvals[i.A];
                let rb = RKB(L, base, k, i);
                let rc = RKC(L, base, k, i);
                settable(L, upval, rb, rc);
                break;
            }`,
        replace: `            case OP_GETTABUP: {
                let upval = cl.upvals[i.B];
                let t = upval.value; /* trading-engine field-cache */
                if (t === i.cache_t && upval.type === LUA_TTABLE) {
                    let cv = i.cache_e.value;
                    if (cv !== void 0 && cv.type !== LUA_TNIL) {
                        L.stack[ra].setfrom(cv);
                        break;
                    }
                }
                let istable = upval.type === LUA_TTABLE;
                let rc = RKC(L, base, k, i);
                luaV_gettable(L, upval, rc, ra);
                if (istable && ISK(i.C)) cache_field(i, t, rc);
                break;
            }
            case OP_GETTABLE: {
                let rb = L.stack[RB(L, base, i)];
                let t = rb.value; /* trading-engine field-cache */
                if (t === i.cache_t && rb.type === LUA_TTABLE) {
                    let cv = i.cache_e.value;
                    if (cv !== void 0 && cv.type !== LUA_TNIL) {
                        L.stack[ra].setfrom(cv);
                        break;
                    }
                }
                let istable = rb.type === LUA_TTABLE;
                let rc = RKC(L, base, k, i);
                luaV_gettable(L, rb, rc, ra);
                if (istable && ISK(i.C)) cache_field(i, t, rc);
                break;
            }
            case OP_SETTABUP: {
                let upval = cl.upvals[i.A];
                let rc = RKC(L, base, k, i);
                let t = upval.value; /* trading-engine field-cache */
                if (t === i.cache_t && upval.type === LUA_TTABLE && rc.type !== LUA_TNIL) {
                    let cv = i.cache_e.value;
                    if (cv !== void 0 && cv.type !== LUA_TNIL) {
                        cv.setfrom(rc);
                        t.flags = 0; /* ltable.invalidateTMcache */
                        break;
                    }
                }
                let istable = upval.type === LUA_TTABLE;
                let rb = RKB(L, base, k, i);
                settable(L, upval, rb, rc);
                if (istable && ISK(i.B)) cache_field(i, t, rb);
                break;
            }`
      },
      {
        file: "lvm.js",
        find: `            case OP_SETTABLE: {
                let table = L.stack[ra];
                let key = RKB(L, base, k, i);
                let v = RKC(L, base, k, i);

                settable(L, table, key, v);
                break;`,
        replace: `            case OP_SETTABLE: {
                let table = L.stack[ra];
                let v = RKC(L, base, k, i);
                let t = table.value; /* trading-engine field-cache */
                if (t === i.cache_t && table.type === LUA_TTABLE && v.type !== LUA_TNIL) {
                    let cv = i.cache_e.value;
                    if (cv !== void 0 && cv.type !== LUA_TNIL) {
                        cv.setfrom(v);
                        t.flags = 0; /* ltable.invalidateTMcache */
                        break;
                    }
                }
                let istable = table.type === LUA_TTABLE;
                let key = RKB(L, base, k, i);

                settable(L, table, key, v);
                if (istable && ISK(i.B)) cache_field(i, t, key);
                break;`
      }
    ]
  }
]

/** The files the script reads and writes. */
export const FILES = Object.keys(PRISTINE_SHA256)

const sha256 = (text) => crypto.createHash("sha256").update(text, "utf8").digest("hex")
const count = (text, part) => text.split(part).length - 1

/** The edits of PATCHES that apply to `file`, in order. */
const editsOf = (file) => PATCHES.flatMap((p) => p.edits.filter((e) => e.file === file).map((e) => ({ ...e, id: p.id })))

/**
 * Brings a (possibly patched) fengari 0.1.5 source file back to its original text: removes the marker, reverts the
 * exact-text edits (last first) and patch 1. Does not check the result (compare its SHA-256 with PRISTINE_SHA256).
 */
export const unpatchSource = (file, text) => {
  let t = text.startsWith(`${MARKER}\n`) ? text.slice(MARKER.length + 1) : text
  for (const e of editsOf(file).reverse()) {
    if (count(t, e.replace) === 1) t = t.replace(e.replace, () => e.find)
  }
  if (file in DELETE_COUNTS) t = t.replace(SLOT_CLEAR, "delete $1;")
  return t
}

/**
 * Patches the original text of fengari 0.1.5's `file` (whose SHA-256 must be PRISTINE_SHA256[file]). Returns the
 * patched text; throws an Error naming the file and the patch when an expected text is missing or not unique.
 */
export const patchSource = (file, pristine) => {
  if (sha256(pristine) !== PRISTINE_SHA256[file]) throw new Error(`${file}: not the original fengari ${VERSION} text`)
  let t = pristine
  const expected = DELETE_COUNTS[file]
  if (expected !== undefined) {
    let n = 0
    t = t.replace(SLOT_DELETE, (_, slot) => {
      n++
      return `${slot} = void 0;`
    })
    if (n !== expected) throw new Error(`${file}: expected ${expected} stack-slot deletes for fengari ${VERSION}, found ${n}`)
  }
  for (const e of editsOf(file)) {
    const n = count(t, e.find)
    if (n !== 1) throw new Error(`${file}: patch ${e.id}: expected the text to replace exactly once, found it ${n} times:\n${e.find}`)
    t = t.replace(e.find, () => e.replace)
  }
  return `${MARKER}\n${t}`
}

const main = () => {
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
      `${TAG} warning: fengari ${version} found at ${pkgDir}, but these patches are only known to be safe for ${VERSION}; ` +
        `leaving it unpatched (Lua strategies will run slower). Review docs/fengari-patches.md and update the script.`
    )
    process.exit(0)
  }

  // Plan every file first; write only when all of them check out.
  const writes = []
  for (const file of FILES) {
    const target = path.join(pkgDir, "src", file)
    let current
    try {
      current = fs.readFileSync(target, "utf8")
    } catch (e) {
      fail(`cannot read ${target}: ${e.message}`)
    }
    const original = unpatchSource(file, current)
    if (sha256(original) !== PRISTINE_SHA256[file]) {
      fail(`${target} is neither the original fengari ${VERSION} file nor a patched one (SHA-256 of its original text ${sha256(original)})`)
    }
    let patched
    try {
      patched = patchSource(file, original)
    } catch (e) {
      fail(e.message)
    }
    if (patched !== current) writes.push({ target, text: patched })
  }

  for (const { target, text } of writes) {
    // Write to a temporary file, then rename: an interrupted run never leaves a half-written module.
    const tmp = `${target}.patch-tmp`
    fs.writeFileSync(tmp, text)
    fs.renameSync(tmp, target)
  }

  const ids = ["stack-slot-delete", ...PATCHES.map((p) => p.id)].join(", ")
  if (writes.length === 0) {
    console.log(`${TAG} fengari ${VERSION} already patched (${FILES.length} files; ${ids}), nothing to do.`)
  } else {
    console.log(`${TAG} fengari ${VERSION}: patched ${writes.length} of ${FILES.length} files (${ids}).`)
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main()
