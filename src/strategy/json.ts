/**
 * JSON-safe copies of strategy contexts, for results and debugging: functions and symbols are skipped, cycles and
 * very deep nesting are cut, non-finite numbers become `null`.
 *
 * @module
 */

/** How deep a context snapshot goes before cutting (a guard against pathological nesting). */
export const MAX_SNAPSHOT_DEPTH = 16

/**
 * A JSON-safe deep copy of `value`, or `undefined` when the value has no JSON form (function, symbol, a cycle, too
 * deep). `undefined` members are dropped from objects and become `null` in arrays, like `JSON.stringify`.
 */
export const toJsonSafe = (value: unknown, depth = 0, seen: Set<object> = new Set()): unknown => {
  switch (typeof value) {
    case "number":
      return Number.isFinite(value) ? value : null
    case "string":
    case "boolean":
      return value
    case "bigint":
      return Number(value)
    case "object": {
      if (value === null) return null
      if (depth >= MAX_SNAPSHOT_DEPTH || seen.has(value)) return undefined
      seen.add(value)
      try {
        if (Array.isArray(value)) {
          return value.map((v) => {
            const c = toJsonSafe(v, depth + 1, seen)
            return c === undefined ? null : c
          })
        }
        const out: Record<string, unknown> = {}
        for (const [k, v] of Object.entries(value)) {
          const c = toJsonSafe(v, depth + 1, seen)
          if (c !== undefined) setOwn(out, k, c)
        }
        return out
      } finally {
        // Only ancestors count as cycles: a shared (non-cyclic) sub-object is copied at each place it appears.
        seen.delete(value)
      }
    }
    default:
      return undefined
  }
}

/** Sets an own property, even `__proto__`, without touching the prototype chain. */
export const setOwn = (obj: Record<string, unknown>, key: string, value: unknown): void => {
  if (key === "__proto__") Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true })
  else obj[key] = value
}
