/**
 * Backtest config files (`trading-engine backtest --config run.toml`). A config file holds the same settings as the
 * command-line flags, grouped in TOML tables, plus the strategy's parameters in `[strategy.params]`:
 *
 * ```toml
 * [data]
 * files = ["../sim/SIM-A_1h.csv", "../sim/SIM-B_1h.csv"]
 *
 * [strategy]
 * file = "../../strategies/ema_crossover.lua"
 *
 * [strategy.params]
 * fast = 12
 * slow = 26
 *
 * [account]
 * cash = 10000
 * commission = "0.1%"
 * ```
 *
 * This module turns the TOML text into flag settings (each with its place in the file) for `args.ts`, which applies
 * them before the command line's own flags, so one parser validates both and the command line always wins. Relative
 * paths are relative to the config file, as a file that names its neighbours should read. Every problem (TOML
 * syntax, an unknown table or key, a value of the wrong type) is a {@link UsageError} naming file, line and key.
 *
 * @module
 */
import { parse as parseToml, TomlError } from "smol-toml"
import * as path from "node:path"
import type { StrategyParamValue } from "../domain/params.ts"
import { type ConfigSetting, type ConfigSettings, UsageError } from "./args.ts"

/**
 * How a key's TOML value is read: `text` a string; `texts` an array of strings; `path`/`paths` the same, resolved
 * against the config file's folder; `number` a TOML number; `quantity` a number or a string with a unit
 * (`"0.1%"`, `"5bps"`, `"6h"`); `switch` a boolean (true sets the flag); `time` a TOML date or date-time, or a string.
 */
type ValueKind = "text" | "texts" | "path" | "paths" | "number" | "quantity" | "switch" | "time"

interface KeySpec {
  readonly flag: string
  readonly kind: ValueKind
}

const key = (flag: string, kind: ValueKind): KeySpec => ({ flag, kind })

/** Tables and keys of a backtest config file, each with the flag it stands for. */
export const CONFIG_KEYS: Readonly<Record<string, Readonly<Record<string, KeySpec>>>> = {
  data: {
    files: key("--data", "paths"),
    format: key("--format", "text"),
    symbol: key("--symbol", "text"),
    bad_rows: key("--bad-rows", "text"),
    from: key("--from", "time"),
    to: key("--to", "time"),
    period: key("--period", "text"),
    simulate: key("--simulate", "texts"),
    bars: key("--bars", "number"),
    seed: key("--seed", "number")
  },
  strategy: {
    file: key("--strategy", "path"),
    closewatch_timeout: key("--closewatch-timeout", "quantity"),
    indicators: key("--indicators", "text"),
    window: key("--window", "number"),
    isolation: key("--isolation", "text"),
    instruction_limit: key("--instruction-limit", "number"),
    call_timeout: key("--call-timeout", "quantity"),
    memory_limit: key("--memory-limit", "quantity"),
    coroutines: key("--coroutines", "switch"),
    on_error: key("--on-strategy-error", "text")
  },
  account: {
    cash: key("--cash", "number"),
    commission: key("--commission", "quantity"),
    leverage: key("--leverage", "number"),
    maintenance_margin: key("--maintenance-margin", "quantity")
  },
  execution: {
    fill: key("--fill", "text"),
    intrabar: key("--intrabar", "text"),
    slippage: key("--slippage", "text"),
    tick_size: key("--tick-size", "number"),
    spread: key("--spread", "switch"),
    maker_commission: key("--maker-commission", "quantity"),
    min_commission: key("--min-commission", "number"),
    max_participation: key("--max-participation", "quantity"),
    exchange_info: key("--exchange-info", "path")
  },
  risk: {
    risk_per_trade: key("--risk-per-trade", "quantity"),
    max_drawdown: key("--max-drawdown", "quantity"),
    flatten_on_kill: key("--flatten-on-kill", "switch"),
    daily_loss_limit: key("--daily-loss-limit", "quantity"),
    max_open_positions: key("--max-open-positions", "number"),
    max_exposure: key("--max-exposure", "number")
  },
  output: {
    dir: key("--out", "path"),
    quiet: key("--quiet", "switch")
  }
}

/** The table holding the strategy's parameters (`[strategy.params]`). */
const PARAMS_KEY = "params"

/** A TOML value as it would be written in the file, for messages. */
const describe = (v: unknown): string =>
  v instanceof Date
    ? v.toISOString()
    : Array.isArray(v)
    ? "an array"
    : typeof v === "object" && v !== null
    ? "a table"
    : typeof v === "string"
    ? JSON.stringify(v)
    : String(v)

const isTable = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date)

/**
 * The line of each key path (`risk.max_drawdown`), found by scanning for table headers and `key =` lines. A locator
 * for messages only: keys it cannot place (inline tables, quoted keys with dots) are named without a line.
 */
const keyLines = (text: string): ReadonlyMap<string, number> => {
  const lines = new Map<string, number>()
  let table = ""
  const rows = text.split(/\r?\n/)
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!
    const header = /^\s*\[\s*([A-Za-z0-9_.\s-]+?)\s*\]\s*(#.*)?$/.exec(row)
    if (header !== null) {
      table = header[1]!.replace(/\s+/g, "")
      if (!lines.has(table)) lines.set(table, i + 1)
      continue
    }
    const assignment = /^\s*([A-Za-z0-9_.-]+)\s*=/.exec(row)
    if (assignment !== null) {
      const full = table === "" ? assignment[1]! : `${table}.${assignment[1]!}`
      if (!lines.has(full)) lines.set(full, i + 1)
    }
  }
  return lines
}

/** `file` relative to the config's folder, written relative to the working directory (messages stay short). */
const resolvePath = (baseDir: string, file: string): string => {
  const absolute = path.resolve(baseDir, file)
  const relative = path.relative(process.cwd(), absolute)
  return relative === "" ? "." : path.isAbsolute(relative) ? absolute : relative
}

/** A value of `kind` as command-line text, or the reason it is not one. */
const asFlagValues = (kind: ValueKind, value: unknown, baseDir: string): ReadonlyArray<string> | string => {
  const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined)
  switch (kind) {
    case "text":
      return text(value) !== undefined ? [value as string] : `expected a string, got ${describe(value)}`
    case "path":
      return typeof value === "string" && value !== "" ? [resolvePath(baseDir, value)] : `expected a file path, got ${describe(value)}`
    case "texts":
    case "paths": {
      if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === "string" && v !== "")) {
        return `expected a non-empty array of ${kind === "paths" ? "file paths" : "strings"}, got ${describe(value)}`
      }
      return kind === "paths" ? value.map((v: string) => resolvePath(baseDir, v)) : value as Array<string>
    }
    case "number":
      return typeof value === "number" || typeof value === "bigint" ? [String(value)] : `expected a number, got ${describe(value)}`
    case "quantity":
      return typeof value === "number" || typeof value === "bigint" || typeof value === "string"
        ? [String(value)]
        : `expected a number or a string such as "0.1%", got ${describe(value)}`
    case "switch":
      return typeof value === "boolean" ? [] : `expected true or false, got ${describe(value)}`
    case "time": {
      if (typeof value === "string") return [value]
      // smol-toml's dates: a local date-time is read as UTC, as the command line reads times; a bare time has no day
      const tomlDate = value as Date & { isTime?: () => boolean; isDate?: () => boolean }
      if (value instanceof Date && Number.isFinite(value.getTime()) && tomlDate.isTime?.() !== true && value.getTime() % 1000 === 0) {
        // the instant in UTC (smol-toml's own toISOString keeps the written offset)
        const iso = Date.prototype.toISOString.call(value)
        return [tomlDate.isDate?.() === true ? iso.slice(0, 10) : `${iso.slice(0, 19)}Z`]
      }
      return `expected a date (2022-01-01), a date-time (2022-01-01T12:00:00Z) or a string, got ${describe(value)}`
    }
  }
}

/** Parses a backtest config file's text; `file` names it in messages and anchors its relative paths. */
export const parseBacktestConfig = (text: string, file: string): ConfigSettings => {
  let doc: Record<string, unknown>
  try {
    doc = parseToml(text) as Record<string, unknown>
  } catch (e) {
    if (e instanceof TomlError) {
      const reason = e.message.split("\n")[0]!.replace(/^Invalid TOML document: /, "")
      throw new UsageError(`${file}:${e.line}:${e.column}: invalid TOML: ${reason}`)
    }
    throw e
  }
  const lines = keyLines(text)
  const at = (keyPath: string): string => {
    const line = lines.get(keyPath)
    return line === undefined ? `${file}: ${keyPath}` : `${file}:${line}: ${keyPath}`
  }
  const baseDir = path.dirname(path.resolve(file))
  const flags: Array<ConfigSetting> = []
  let params: Record<string, StrategyParamValue> = {}
  const paramOrigins: Record<string, string> = {}
  for (const [tableName, table] of Object.entries(doc)) {
    const spec = CONFIG_KEYS[tableName]
    if (spec === undefined || !isTable(table)) {
      const known = Object.keys(CONFIG_KEYS).map((t) => `[${t}]`).join(", ")
      throw new UsageError(`${at(tableName)}: ${spec === undefined ? "unknown table" : "expected a table"} (a config file has ${known})`)
    }
    for (const [name, value] of Object.entries(table)) {
      const keyPath = `${tableName}.${name}`
      if (tableName === "strategy" && name === PARAMS_KEY) {
        params = readParams(value, keyPath, at)
        for (const name of Object.keys(params)) paramOrigins[name] = at(`${keyPath}.${name}`)
        continue
      }
      const k = Object.prototype.hasOwnProperty.call(spec, name) ? spec[name] : undefined
      if (k === undefined) {
        const known = [...Object.keys(spec), ...(tableName === "strategy" ? [PARAMS_KEY] : [])].join(", ")
        throw new UsageError(`${at(keyPath)}: unknown key (known in [${tableName}]: ${known})`)
      }
      const values = asFlagValues(k.kind, value, baseDir)
      if (typeof values === "string") throw new UsageError(`${at(keyPath)}: ${values}`)
      if (k.kind === "switch" && value === false) continue
      flags.push({ flag: k.flag, values, where: at(keyPath) })
    }
  }
  return { file, flags, params, paramOrigins }
}

/** `[strategy.params]`: scalar values only; their declared types are checked when the strategy is loaded. */
const readParams = (value: unknown, keyPath: string, at: (k: string) => string): Record<string, StrategyParamValue> => {
  if (!isTable(value)) throw new UsageError(`${at(keyPath)}: expected a table of parameter values, got ${describe(value)}`)
  const out: Record<string, StrategyParamValue> = {}
  for (const [name, v] of Object.entries(value)) {
    if (typeof v === "number" || typeof v === "boolean" || typeof v === "string") out[name] = v
    else if (typeof v === "bigint") out[name] = Number(v)
    else throw new UsageError(`${at(`${keyPath}.${name}`)}: expected a number, a boolean or a string, got ${describe(v)}`)
  }
  return out
}
