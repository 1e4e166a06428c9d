/**
 * Number and time formatting shared by the text summary and the HTML report. Locale-independent (no `Intl`), so a
 * report is byte-identical on every machine.
 *
 * @module
 */

/** Shown for a value that does not exist (no trades, a non-finite number). */
export const NOT_AVAILABLE = "n/a"

const groupThousands = (digits: string): string => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",")

/**
 * A fixed-point number with `decimals` decimals and `,` thousands separators: `formatNumber(1234.5) === "1,234.50"`.
 * `NaN` gives {@link NOT_AVAILABLE}; infinities give `"∞"` / `"-∞"`; `-0` and values that round to zero have no sign.
 */
export const formatNumber = (x: number, decimals = 2): string => {
  if (Number.isNaN(x)) return NOT_AVAILABLE
  if (x === Infinity) return "∞"
  if (x === -Infinity) return "-∞"
  const fixed = Math.abs(x).toFixed(decimals)
  const negative = x < 0 && Number(fixed) !== 0
  const dot = fixed.indexOf(".")
  const int = dot === -1 ? fixed : fixed.slice(0, dot)
  const frac = dot === -1 ? "" : fixed.slice(dot)
  return (negative ? "-" : "") + groupThousands(int) + frac
}

/** An integer count with thousands separators: `formatCount(12345) === "12,345"`. */
export const formatCount = (n: number): string => formatNumber(n, 0)

/**
 * A fraction as a percentage with 2 decimals: `formatPercent(0.1234) === "12.34%"`. With `signed`, positive values
 * get a `+` (`"+12.34%"`).
 */
export const formatPercent = (fraction: number, signed = false): string => {
  if (!Number.isFinite(fraction)) return formatNumber(fraction * 100)
  const s = formatNumber(fraction * 100, 2)
  return (signed && fraction > 0 && s !== "0.00" ? "+" : "") + s + "%"
}

/**
 * A price with enough significant digits for any instrument: at least 2 decimals, up to 8 significant digits, at most
 * 10 decimals, trailing zeros beyond the second decimal removed. `formatPrice(0.000012345)` is `"0.000012345"`,
 * `formatPrice(43250.5)` is `"43,250.50"`.
 */
export const formatPrice = (x: number): string => {
  if (!Number.isFinite(x)) return formatNumber(x)
  const abs = Math.abs(x)
  const magnitude = abs > 0 ? Math.floor(Math.log10(abs)) : 0
  const decimals = Math.min(10, Math.max(2, 7 - magnitude))
  let s = formatNumber(x, decimals)
  const dot = s.indexOf(".")
  if (dot !== -1) {
    let end = s.length
    while (end > dot + 3 && s[end - 1] === "0") end--
    s = s.slice(0, end)
  }
  return s
}

/** A quantity: up to 8 decimals, trailing zeros removed (`1.5`, `0.00125`, `3`). */
export const formatQuantity = (x: number): string => {
  if (!Number.isFinite(x)) return formatNumber(x)
  let s = formatNumber(x, 8)
  if (s.includes(".")) s = s.replace(/0+$/, "").replace(/\.$/, "")
  return s
}

/**
 * A UTC ISO-8601 time from epoch milliseconds, without milliseconds when they are zero:
 * `formatTime(0) === "1970-01-01T00:00:00Z"`. `undefined` or non-finite gives {@link NOT_AVAILABLE}.
 */
export const formatTime = (ms: number | undefined): string => {
  if (ms === undefined || !Number.isFinite(ms)) return NOT_AVAILABLE
  const d = new Date(ms)
  if (Number.isNaN(d.getTime())) return NOT_AVAILABLE
  const iso = d.toISOString()
  return iso.endsWith(".000Z") ? iso.slice(0, -5) + "Z" : iso
}

/** A duration in milliseconds as a compact bar interval: `"1m"`, `"4h"`, `"1d"`, `"1m 30s"` (at most two units). */
export const formatDuration = (ms: number | undefined): string => {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return NOT_AVAILABLE
  if (ms === 0) return "0s"
  const units: ReadonlyArray<readonly [string, number]> = [
    ["w", 604_800_000],
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
    ["ms", 1]
  ]
  const parts: Array<string> = []
  let rest = Math.round(ms)
  for (const [name, size] of units) {
    if (rest >= size) {
      const k = Math.floor(rest / size)
      parts.push(`${k}${name}`)
      rest -= k * size
    }
    if (parts.length === 2) break
  }
  return parts.join(" ")
}

/**
 * An elapsed time (holding time, drawdown duration): days and hours from one day up (`"843d 4h"`, `"2d"`), else as
 * {@link formatDuration} (`"5h 30m"`, `"45m"`). Days stay days (no weeks or years), so long spans compare at a glance.
 */
export const formatElapsed = (ms: number | undefined): string => {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return NOT_AVAILABLE
  const day = 86_400_000
  if (ms < day) return formatDuration(ms)
  const hours = Math.round(ms / 3_600_000)
  const d = Math.floor(hours / 24)
  const h = hours - d * 24
  return h > 0 ? `${formatCount(d)}d ${h}h` : `${formatCount(d)}d`
}

/** Escapes text for HTML element content and attribute values. */
export const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === '"' ? "&quot;" : "&#39;"))
