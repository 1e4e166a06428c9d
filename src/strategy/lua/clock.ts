/**
 * The deterministic date functions behind the sandbox's `os.time` and `os.date`: always UTC, C locale, and fed from
 * the engine clock (the current bar) instead of the wall clock, so a backtest gives the same result on every machine
 * and in every time zone.
 *
 * @module
 */

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]

/** The fields of `os.date("*t")` (Lua's names; `month` 1–12, `wday` 1 = Sunday, `yday` 1 = January 1st). */
export interface DateFields {
  readonly year: number
  readonly month: number
  readonly day: number
  readonly hour: number
  readonly min: number
  readonly sec: number
  readonly wday: number
  readonly yday: number
  readonly isdst: false
}

/** The UTC fields of `seconds` since the epoch. */
export const dateFields = (seconds: number): DateFields => {
  const d = new Date(seconds * 1000)
  const year = d.getUTCFullYear()
  const yday = Math.floor((Date.UTC(year, d.getUTCMonth(), d.getUTCDate()) - Date.UTC(year, 0, 1)) / 86_400_000) + 1
  return {
    year,
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    min: d.getUTCMinutes(),
    sec: d.getUTCSeconds(),
    wday: d.getUTCDay() + 1,
    yday,
    isdst: false
  }
}

/**
 * Seconds since the epoch of UTC date fields, normalised like C's `mktime` (month 13 is January of the next year,
 * day 0 the last day of the previous month, …). `undefined` when the date is outside JavaScript's range.
 */
export const secondsOf = (f: { readonly year: number; readonly month: number; readonly day: number; readonly hour: number; readonly min: number; readonly sec: number }): number | undefined => {
  const ms = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.min, f.sec)
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000)
}

const pad = (n: number, width: number, fill = "0"): string => String(n).padStart(width, fill)

/** ISO 8601 week-based year and week number of a UTC date. */
const isoWeek = (d: Date): { readonly year: number; readonly week: number } => {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()))
  const dow = t.getUTCDay() === 0 ? 7 : t.getUTCDay()
  t.setUTCDate(t.getUTCDate() + 4 - dow) // the Thursday of this week decides the year
  const year = t.getUTCFullYear()
  const week = Math.floor((t.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 / 7) + 1
  return { year, week }
}

/**
 * `strftime` in UTC with the C locale, for the conversions Lua 5.3 accepts (`%a %A %b %B %c %C %d %D %e %F %g %G %h
 * %H %I %j %m %M %n %p %r %R %S %t %T %u %U %V %w %W %x %X %y %Y %z %Z %%`; the `E` and `O` modifiers are accepted
 * and ignored). Returns the text, or an error message naming an invalid conversion.
 */
export const formatDate = (format: string, seconds: number): { readonly ok: true; readonly text: string } | { readonly ok: false; readonly error: string } => {
  const d = new Date(seconds * 1000)
  if (Number.isNaN(d.getTime())) return { ok: false, error: "time out of range" }
  const f = dateFields(seconds)
  let out = ""
  for (let i = 0; i < format.length; i++) {
    const ch = format[i]!
    if (ch !== "%") {
      out += ch
      continue
    }
    let conv = format[++i]
    if (conv === "E" || conv === "O") conv = format[++i]
    const hour12 = f.hour % 12 === 0 ? 12 : f.hour % 12
    const jan1 = new Date(Date.UTC(f.year, 0, 1)).getUTCDay()
    switch (conv) {
      case "a": out += DAYS[f.wday - 1]!.slice(0, 3); break
      case "A": out += DAYS[f.wday - 1]; break
      case "b":
      case "h": out += MONTHS[f.month - 1]!.slice(0, 3); break
      case "B": out += MONTHS[f.month - 1]; break
      case "c": out += `${DAYS[f.wday - 1]!.slice(0, 3)} ${MONTHS[f.month - 1]!.slice(0, 3)} ${pad(f.day, 2, " ")} ${pad(f.hour, 2)}:${pad(f.min, 2)}:${pad(f.sec, 2)} ${f.year}`; break
      case "C": out += pad(Math.floor(f.year / 100), 2); break
      case "d": out += pad(f.day, 2); break
      case "D": out += `${pad(f.month, 2)}/${pad(f.day, 2)}/${pad(f.year % 100, 2)}`; break
      case "e": out += pad(f.day, 2, " "); break
      case "F": out += `${f.year}-${pad(f.month, 2)}-${pad(f.day, 2)}`; break
      case "g": out += pad(isoWeek(d).year % 100, 2); break
      case "G": out += String(isoWeek(d).year); break
      case "H": out += pad(f.hour, 2); break
      case "I": out += pad(hour12, 2); break
      case "j": out += pad(f.yday, 3); break
      case "m": out += pad(f.month, 2); break
      case "M": out += pad(f.min, 2); break
      case "n": out += "\n"; break
      case "p": out += f.hour < 12 ? "AM" : "PM"; break
      case "r": out += `${pad(hour12, 2)}:${pad(f.min, 2)}:${pad(f.sec, 2)} ${f.hour < 12 ? "AM" : "PM"}`; break
      case "R": out += `${pad(f.hour, 2)}:${pad(f.min, 2)}`; break
      case "S": out += pad(f.sec, 2); break
      case "t": out += "\t"; break
      case "T":
      case "X": out += `${pad(f.hour, 2)}:${pad(f.min, 2)}:${pad(f.sec, 2)}`; break
      case "u": out += String(f.wday === 1 ? 7 : f.wday - 1); break
      case "U": out += pad(Math.floor((f.yday - 1 + jan1) / 7), 2); break
      case "V": out += pad(isoWeek(d).week, 2); break
      case "w": out += String(f.wday - 1); break
      case "W": out += pad(Math.floor((f.yday - 1 + ((jan1 + 6) % 7)) / 7), 2); break
      case "x": out += `${pad(f.month, 2)}/${pad(f.day, 2)}/${pad(f.year % 100, 2)}`; break
      case "y": out += pad(f.year % 100, 2); break
      case "Y": out += String(f.year); break
      case "z": out += "+0000"; break
      case "Z": out += "UTC"; break
      case "%": out += "%"; break
      default:
        return { ok: false, error: `invalid conversion specifier '%${conv ?? ""}'` }
    }
  }
  return { ok: true, text: out }
}
