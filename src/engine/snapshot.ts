/**
 * Text encoding of engine snapshots (`EngineCore.snapshot`): JSON that keeps what plain JSON loses, so decoding gives
 * back the same values bit for bit: `NaN`, `±Infinity` and `-0` (indicator states hold them during warm-up), typed
 * arrays (ring buffers), and `undefined` inside arrays.
 *
 * ```ts
 * const text = encodeSnapshot(core.snapshot())              // write it anywhere
 * const resumed = EngineCore.restore(definition, fills, settings, decodeSnapshot(text))
 * ```
 *
 * @module
 */
import type { EngineSnapshot } from "./core.ts"

const TYPED_ARRAYS = {
  Float64Array,
  Float32Array,
  Int32Array,
  Uint32Array,
  Int16Array,
  Uint16Array,
  Int8Array,
  Uint8Array
} as const
type TypedArrayName = keyof typeof TYPED_ARRAYS

const isTypedArrayName = (name: unknown): name is TypedArrayName => typeof name === "string" && Object.hasOwn(TYPED_ARRAYS, name)

function replacer(this: unknown, _key: string, value: unknown): unknown {
  if (typeof value === "number") {
    if (Number.isNaN(value)) return { $n: "NaN" }
    if (value === Infinity) return { $n: "Infinity" }
    if (value === -Infinity) return { $n: "-Infinity" }
    if (Object.is(value, -0)) return { $n: "-0" }
    return value
  }
  if (value === undefined) return { $u: 1 }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const name = value.constructor.name
    if (!isTypedArrayName(name)) throw new TypeError(`encodeSnapshot: cannot encode a ${name}`)
    return { $ta: name, v: Array.from(value as Float64Array) }
  }
  return value
}

const NUMBERS: Readonly<Record<string, number>> = { NaN: Number.NaN, Infinity: Infinity, "-Infinity": -Infinity, "-0": -0 }

function reviver(this: unknown, _key: string, value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value
  const v = value as Record<string, unknown>
  if (typeof v["$n"] === "string" && Object.keys(v).length === 1) {
    const n = NUMBERS[v["$n"]]
    if (n === undefined) throw new TypeError(`decodeSnapshot: unknown number ${JSON.stringify(v["$n"])}`)
    return n
  }
  if (v["$u"] === 1 && Object.keys(v).length === 1) return undefined
  if (isTypedArrayName(v["$ta"]) && Array.isArray(v["v"])) return TYPED_ARRAYS[v["$ta"]].from(v["v"] as Array<number>)
  return value
}

/** A snapshot as text (JSON with non-finite numbers, `-0`, typed arrays and `undefined` kept). */
export const encodeSnapshot = (snapshot: EngineSnapshot): string => JSON.stringify(snapshot, replacer)

/** The snapshot {@link encodeSnapshot} wrote. Throws a `SyntaxError` or `TypeError` on text it did not write. */
export const decodeSnapshot = (text: string): EngineSnapshot => {
  const value = JSON.parse(text, reviver) as EngineSnapshot
  if (typeof value !== "object" || value === null || value.version !== 1) {
    throw new TypeError("decodeSnapshot: not an engine snapshot (version 1)")
  }
  return value
}
