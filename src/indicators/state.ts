/**
 * Capturing and restoring the internal state of a streaming indicator, for engine snapshots (crash recovery, the
 * event log, seek). Generic over the indicator classes: their state is plain fields (numbers, booleans, typed-array
 * ring buffers, arrays, nested helper objects such as a window's deques), so a deep copy of the fields is the state,
 * and writing them back into a freshly constructed instance with the same parameters restores it exactly.
 * Functions are skipped (they are configuration, recreated by the constructor). Other kinds of values (a `Map`, a
 * class the walk does not know) throw, so an indicator that cannot be captured fails loudly rather than silently
 * restoring wrong.
 *
 * @module
 */

/** A captured state: plain data (numbers, booleans, strings, `null`, `undefined`, arrays, records, typed arrays). */
export type CapturedState = unknown

const MAX_DEPTH = 32

const isTypedArray = (v: unknown): v is Float64Array | Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array =>
  ArrayBuffer.isView(v) && !(v instanceof DataView)

const copyTypedArray = <T extends ArrayBufferView>(v: T): T => (v as unknown as { slice(): T }).slice()

const isRecord = (v: unknown): v is Record<string, unknown> => {
  if (typeof v !== "object" || v === null || Array.isArray(v) || isTypedArray(v)) return false
  if (v instanceof Map || v instanceof Set || v instanceof Date || v instanceof RegExp || v instanceof Promise) return false
  return true
}

/** A deep copy of an object's state (see the module comment). Throws a `TypeError` naming the path of an unknown value. */
export const captureState = (value: unknown, path = "state", depth = 0): CapturedState => {
  if (depth > MAX_DEPTH) throw new TypeError(`${path}: nested too deeply to capture (a cycle?)`)
  if (value === null || value === undefined) return value
  switch (typeof value) {
    case "number":
    case "boolean":
    case "string":
      return value
    case "function":
      return undefined
    case "object":
      break
    default:
      throw new TypeError(`${path}: cannot capture a ${typeof value}`)
  }
  if (isTypedArray(value)) return copyTypedArray(value)
  if (Array.isArray(value)) return value.map((v, i) => captureState(v, `${path}[${i}]`, depth + 1))
  if (!isRecord(value)) throw new TypeError(`${path}: cannot capture a ${Object.prototype.toString.call(value)}`)
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value)) {
    const v = value[key]
    if (typeof v === "function") continue
    out[key] = captureState(v, `${path}.${key}`, depth + 1)
  }
  return out
}

/**
 * Writes a captured state back into `target` (an instance built with the same parameters): typed arrays are filled
 * in place when the lengths match, nested objects and arrays of the same length are restored element by element in
 * place (so functions they hold, skipped by the capture, survive), everything else is replaced by a copy.
 */
export const restoreState = (target: object, state: CapturedState, path = "state", depth = 0): void => {
  if (depth > MAX_DEPTH) throw new TypeError(`${path}: nested too deeply to restore`)
  if (Array.isArray(target) && Array.isArray(state)) {
    if (target.length !== state.length) throw new TypeError(`${path}: expected ${target.length} elements, got ${state.length}`)
    for (let i = 0; i < state.length; i++) restoreSlot(target as unknown as Record<number, unknown>, i, state[i], `${path}[${i}]`, depth)
    return
  }
  if (!isRecord(state) || !isRecord(target)) {
    throw new TypeError(`${path}: expected a captured object, got ${Object.prototype.toString.call(state)}`)
  }
  for (const key of Object.keys(state)) restoreSlot(target, key, state[key], `${path}.${key}`, depth)
}

const restoreSlot = (t: Record<string | number, unknown>, key: string | number, saved: unknown, path: string, depth: number): void => {
  const current = t[key]
  if (typeof current === "function") return
  if (isTypedArray(current) && isTypedArray(saved) && current.length === saved.length && current.constructor === saved.constructor) {
    ;(current as Float64Array).set(saved as Float64Array)
  } else if (Array.isArray(current) && Array.isArray(saved) && current.length === saved.length) {
    restoreState(current, saved, path, depth + 1)
  } else if (isRecord(current) && isRecord(saved)) {
    restoreState(current, saved, path, depth + 1)
  } else {
    t[key] = captureState(saved, path, depth + 1)
  }
}
