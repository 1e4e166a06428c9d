/**
 * Command-line parsing for `trading-engine`. Pure: argv in, a typed command or a usage error out, so every message
 * and exit code is tested without spawning processes.
 *
 * @module
 */
import { parseParamAssignments, type StrategyParamValue } from "../domain/params.ts"
import type { FillModelConfig, SlippageConfig } from "../execution/fill-model.ts"
import { type IndicatorBackendName, INDICATOR_BACKENDS } from "../indicators/IndicatorEngine.ts"
import type { RiskConfig } from "../risk/risk-manager.ts"
import type { LuaSandboxOptions } from "../backtest/run.ts"
import type { StrategyErrorPolicy } from "../engine/core.ts"
import type { MarginConfig } from "../portfolio/portfolio.ts"

/** Exit codes of the CLI. */
export const ExitCode = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  data: 3,
  strategy: 4,
  io: 5
} as const

/** A usage problem: printed with a hint to `--help`, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError"
}

/** One setting of a config file, as the flag it stands for with its values as command-line text. */
export interface ConfigSetting {
  readonly flag: string
  readonly values: ReadonlyArray<string>
  /** Where it was written, for messages: `run.toml:7: risk.max_drawdown`. */
  readonly where: string
}

/** What a config file says: flag settings in file order, and the strategy's parameters with their TOML types. */
export interface ConfigSettings {
  readonly file: string
  readonly flags: ReadonlyArray<ConfigSetting>
  readonly params: Readonly<Record<string, StrategyParamValue>>
  /** Where each parameter is set (`run.toml:12: strategy.params.fast`), for messages about its value. */
  readonly paramOrigins: Readonly<Record<string, string>>
}

/** The parsed `backtest` command. */
export interface BacktestCommand {
  readonly _tag: "backtest"
  readonly data: ReadonlyArray<string>
  readonly simulate: ReadonlyArray<string>
  readonly bars: number
  readonly seed: number
  readonly format: "auto" | "binance" | "ohlcv"
  readonly symbol: string | undefined
  readonly strategy: string
  readonly cash: number
  readonly commission: number
  readonly out: string | undefined
  readonly badRows: "fail" | "skip"
  readonly window: number
  readonly from: number | undefined
  readonly to: number | undefined
  /** `--period common`: only the period every symbol covers. */
  readonly period: "all" | "common"
  readonly quiet: boolean
  /** Which backend computes the indicators. */
  readonly indicators: IndicatorBackendName
  /**
   * Strategy parameter overrides: typed values from the config file's `[strategy.params]`, overridden by
   * `--param name=value` (text read by each parameter's declared type).
   */
  readonly params: Readonly<Record<string, StrategyParamValue>>
  /** Where each parameter set in the config file is written, for messages when the strategy refuses its value. */
  readonly paramOrigins?: Readonly<Record<string, string>> | undefined
  /** `--closewatch-timeout`: bars or milliseconds in CloseWatch before returning to Watch. */
  readonly closeWatchTimeout: { readonly bars?: number; readonly ms?: number } | undefined
  /**
   * The simulated venue beyond `--commission` (`--fill`, `--intrabar`, `--slippage`, `--tick-size`, `--spread`,
   * `--maker-commission`, `--min-commission`, `--max-participation`); `undefined` when none of them is given.
   */
  readonly execution?: Omit<FillModelConfig, "instruments" | "commissionRate"> | undefined
  /** `--exchange-info <file.json>`: Binance exchangeInfo whose filters become the instrument rules. */
  readonly exchangeInfo?: string | undefined
  /** The risk rules (`--risk-per-trade`, `--max-drawdown`, …); `undefined` when none is given. */
  readonly risk?: RiskConfig | undefined
  /** The Lua sandbox (`--isolation`, `--instruction-limit`, `--call-timeout`, `--memory-limit`, `--coroutines`). */
  readonly lua?: LuaSandboxOptions | undefined
  /** `--leverage`, `--maintenance-margin`: a margin account instead of the cash account. */
  readonly margin?: MarginConfig | undefined
  /** `--on-strategy-error`: what happens to a failed symbol's open position (default `manage`). */
  readonly onStrategyError?: StrategyErrorPolicy | undefined
}

/** The parsed `validate` command: load a strategy (with parameter overrides) and report. */
export interface ValidateCommand {
  readonly _tag: "validate"
  readonly strategy: string
  readonly params: Readonly<Record<string, StrategyParamValue>>
  /** As {@link BacktestCommand.paramOrigins}. */
  readonly paramOrigins?: Readonly<Record<string, string>> | undefined
}

/** The parsed `indicators` command: print the registry as a table or as JSON. */
export interface IndicatorsCommand {
  readonly _tag: "indicators"
  readonly json: boolean
}

/** Every command the CLI understands. */
export type Command =
  | BacktestCommand
  | IndicatorsCommand
  | ValidateCommand
  | { readonly _tag: "help"; readonly topic: "main" | "backtest" | "indicators" | "validate" }
  | { readonly _tag: "version" }

/** Top-level help text. */
export const MAIN_HELP = `trading-engine: backtest and trade with Lua or TypeScript strategies

Usage:
  trading-engine backtest --data <file>... --strategy <file.lua> [options]
  trading-engine backtest --simulate <SYM>... --bars <n> --strategy <file.lua> [options]
  trading-engine backtest --config <file.toml> [options]
  trading-engine validate --strategy <file.lua> [--param name=value...]
  trading-engine validate --config <file.toml> [--param name=value...]
  trading-engine indicators --list [--json]
  trading-engine --help | --version

Run 'trading-engine backtest --help' for the backtest options.
`

/** Help text of the validate command. */
export const VALIDATE_HELP = `trading-engine validate: check a strategy without running it

Usage:
  trading-engine validate --strategy <file.lua> [--param name=value...]
  trading-engine validate --config <file.toml> [--strategy <file.lua>] [--param name=value...]

With --config, the strategy and its [strategy.params] come from the config file (docs/config.md); flags override.
Loads the script in the sandbox: syntax, the three required functions, the parameters it declares and the
overrides given. Prints the declared parameters and exits 0 when valid; otherwise prints file:line and the reason
and exits 4 (2 for bad arguments).
`

/** Help text of the indicators command. */
export const INDICATORS_HELP = `trading-engine indicators: the indicator registry

Usage:
  trading-engine indicators --list          a table: name, inputs, parameters with defaults, outputs, lookback
  trading-engine indicators --list --json   the same with parameter bounds and descriptions, as JSON

Lua strategies call them as indicators.<name>(...); see docs/strategy-guide.md.
`

/** Help text of the backtest command. */
export const BACKTEST_HELP = `trading-engine backtest: run a strategy over historical or simulated bars

Config file (docs/config.md):
  --config <file.toml>    read the settings below from a TOML file ([data], [strategy], [strategy.params],
                          [account], [execution], [risk], [output]); flags given here override it
Data (one of):
  --data <file>...        CSV files: Binance dump (12 columns, no header) or headered OHLCV;
                          several symbols are merged in time order
  --simulate <SYM>...     seeded random-walk bars for these symbols instead of files
    --bars <n>            bars per simulated symbol (default 5000)
    --seed <n>            random seed (default 42)
  --format <f>            auto | binance | ohlcv (default auto)
  --symbol <S>            symbol name for the files (default: from each file name)
  --bad-rows <policy>     fail | skip: what to do with a malformed row (default fail)
  --from <time>           only bars opening at or after this UTC time (2022-01-01 or 2022-01-01T12:00Z)
  --to <time>             only bars opening before this UTC time
  --period <p>            all | common: with several symbols, only the period all of them cover (default all)
Strategy and account:
  --strategy <file>       the strategy (required): a Lua script, or a TypeScript/JavaScript module exporting a
                          definition (strategies/ema_crossover.ts; file.ts#name picks an export)
  --cash <amount>         starting cash (default 10000)
  --commission <rate>     per fill, a fraction (0.001) or a percentage (0.1%) (default 0.001)
  --window <n>            bars for indicators.high/low/range/avg_volume (default 20)
  --indicators <backend>  typescript | ocaml: which implementation computes the indicators
                          (default typescript; ocaml runs the OCaml reference build, same values)
  --param <name=value>... override a parameter the strategy declares (repeatable)
  --closewatch-timeout <n|duration>
                          leave CloseWatch after n bars, or after a duration (90m, 6h, 2d), without an entry
Execution (docs/execution.md; defaults: next-open fills, no slippage, no cap):
  --fill <model>          next-open | same-close: where market orders fill (same-close only when chosen)
  --intrabar <mode>       conservative | path: a stop and a target both inside one bar (default conservative:
                          the stop first; path: the order the bar's path gives)
  --slippage <n>bps|<n>ticks
                          adverse slippage on market and stop fills (5bps, 2ticks)
  --tick-size <x>         the tick for --slippage in ticks (default: each symbol's, from --exchange-info)
  --spread                pay half the quoted spread on market and stop fills (bars with bid/ask)
  --maker-commission <rate>
                          commission of resting limit fills (default: --commission)
  --min-commission <amount>
                          minimum commission per fill
  --max-participation <p> trade at most this fraction of a bar's volume; the rest fills on later bars
  --exchange-info <file>  Binance exchangeInfo JSON: tick size, lot step, min/max quantity and notional
Risk (docs/risk.md; fractions as 0.01 or 1%):
  --risk-per-trade <f>    size entries with a stop so the stop loses this fraction of equity
  --max-drawdown <f>      kill switch: no new entries once equity is this far below its peak
  --flatten-on-kill       and close every position when the kill switch trips
  --daily-loss-limit <f>  no new entries for the rest of the UTC day after this loss
  --max-open-positions <n>
                          at most n symbols with a position
  --max-exposure <x>      gross notional of all positions at most x × equity
  --leverage <x>          a margin account: entries of either side may use equity × x − gross notional
                          (default: cash account, longs paid from cash, shorts up to 1× equity)
  --maintenance-margin <f>
                          with --leverage: close every position when equity < f × gross notional (margin call)
Lua sandbox (docs/strategy-guide.md, "Sandbox and limits"):
  --isolation <mode>      none | worker: run each symbol's VM in a worker thread with a hard memory cap
                          (default none: in-process, about 6x faster)
  --instruction-limit <n> Lua instructions per strategy call (default 1000000)
  --call-timeout <t>      wall-clock budget per call: 250ms, 2s (default 2 µs per allowed instruction, >= 1s)
  --memory-limit <MiB>    with --isolation worker: each worker's heap (default 256)
  --coroutines            open the coroutine library (same limits apply)
  --on-strategy-error <p> manage | flatten: a failed symbol opens nothing new and keeps managing its open position
                          with its stops (default), or exits it at the next open
Output:
  --out <dir>             write result.json and report.html there (default out/<strategy name>)
  --quiet                 no progress on stderr
Exit codes: 0 ok, 2 bad arguments, 3 bad data, 4 strategy error, 5 cannot write output, 1 unexpected.
`

const takeValues = (argv: ReadonlyArray<string>, i: number, flag: string): [Array<string>, number] => {
  const values: Array<string> = []
  let j = i + 1
  while (j < argv.length && !argv[j]!.startsWith("--")) values.push(argv[j++]!)
  if (values.length === 0) throw new UsageError(`${flag} needs at least one value`)
  return [values, j]
}

const takeValue = (argv: ReadonlyArray<string>, i: number, flag: string): string => {
  const v = argv[i + 1]
  if (v === undefined || v.startsWith("--")) throw new UsageError(`${flag} needs a value`)
  return v
}

const parseNumber = (flag: string, raw: string, check: (n: number) => boolean, expectation: string): number => {
  const n = Number(raw)
  if (raw.trim() === "" || !Number.isFinite(n) || !check(n)) throw new UsageError(`${flag}: expected ${expectation}, got ${JSON.stringify(raw)}`)
  return n
}

/** `raw` when it is one of `choices`; otherwise a usage error listing them (`--fill: expected next-open or same-close, got "x"`). */
const parseChoice = <const C extends string>(flag: string, raw: string, choices: ReadonlyArray<C>): C => {
  const found = choices.find((c) => c === raw)
  if (found !== undefined) return found
  const list = choices.length === 1 ? choices[0] : `${choices.slice(0, -1).join(", ")} or ${choices[choices.length - 1]}`
  throw new UsageError(`${flag}: expected ${list}, got ${JSON.stringify(raw)}`)
}

/** Parses a commission given as a fraction (`0.001`) or a percentage (`0.1%`). */
export const parseCommission = (raw: string, flag = "--commission"): number => {
  const isPercent = raw.endsWith("%")
  const n = parseNumber(flag, isPercent ? raw.slice(0, -1) : raw, (x) => x >= 0, "a non-negative fraction such as 0.001 or a percentage such as 0.1%")
  const rate = isPercent ? n / 100 : n
  if (rate >= 0.1) {
    throw new UsageError(`${flag}: ${raw} is ${rate * 100}% per fill; write a fraction (0.001) or a percentage (0.1%)`)
  }
  return rate
}

/** A fraction given as `0.01` or `1%`, in (0, max]. */
export const parseFraction = (flag: string, raw: string, max = 1): number => {
  const isPercent = raw.endsWith("%")
  const n = parseNumber(flag, isPercent ? raw.slice(0, -1) : raw, (x) => x > 0, "a fraction such as 0.01 or a percentage such as 1%")
  const f = isPercent ? n / 100 : n
  if (f > max) throw new UsageError(`${flag}: expected at most ${max}, got ${JSON.stringify(raw)}`)
  return f
}

/** `5bps` or `2ticks` (a bare number is refused: the unit matters). */
export const parseSlippage = (raw: string): SlippageConfig => {
  const m = /^(\d+(?:\.\d+)?)\s*(bps|ticks?)$/.exec(raw.trim())
  if (m === null) throw new UsageError(`--slippage: expected basis points (5bps) or ticks (2ticks), got ${JSON.stringify(raw)}`)
  const n = Number(m[1])
  if (m[2] === "bps") {
    if (n >= 10_000) throw new UsageError(`--slippage: ${raw} is 100% or more of the price`)
    return { kind: "bps", bps: n }
  }
  return { kind: "ticks", ticks: n }
}

/** Parses a UTC date or date-time (`2022-01-01`, `2022-01-01T12:00`, `2022-01-01 12:00:00Z`) to epoch ms. */
export const parseTime = (flag: string, raw: string): number => {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?Z?$/.exec(raw.trim())
  const ms = m === null ? NaN : Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0))
  if (m === null || !Number.isFinite(ms) || new Date(ms).getUTCDate() !== +m[3]!) {
    throw new UsageError(`${flag}: expected a UTC date such as 2022-01-01 or 2022-01-01T12:00, got ${JSON.stringify(raw)}`)
  }
  return ms
}

/** How many values a flag takes: none (a switch), exactly one, or one or more (up to the next `--flag`). */
type Arity = "none" | "one" | "many"

/** Every `backtest` flag and its arity. `--config` is handled before the others (its file is read first). */
export const BACKTEST_FLAGS: Readonly<Record<string, Arity>> = {
  "--config": "one",
  "--data": "many",
  "--simulate": "many",
  "--bars": "one",
  "--seed": "one",
  "--format": "one",
  "--symbol": "one",
  "--strategy": "one",
  "--cash": "one",
  "--commission": "one",
  "--out": "one",
  "--bad-rows": "one",
  "--window": "one",
  "--from": "one",
  "--to": "one",
  "--period": "one",
  "--indicators": "one",
  "--param": "many",
  "--closewatch-timeout": "one",
  "--fill": "one",
  "--intrabar": "one",
  "--slippage": "one",
  "--tick-size": "one",
  "--spread": "none",
  "--maker-commission": "one",
  "--min-commission": "one",
  "--max-participation": "one",
  "--exchange-info": "one",
  "--risk-per-trade": "one",
  "--max-drawdown": "one",
  "--daily-loss-limit": "one",
  "--flatten-on-kill": "none",
  "--max-open-positions": "one",
  "--max-exposure": "one",
  "--quiet": "none",
  "--isolation": "one",
  "--instruction-limit": "one",
  "--call-timeout": "one",
  "--memory-limit": "one",
  "--coroutines": "none",
  "--on-strategy-error": "one",
  "--leverage": "one",
  "--maintenance-margin": "one"
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/** The backtest settings while flags are being applied: defaults, then the config file, then the command line. */
interface BacktestDraft {
  data: Array<string>
  simulate: Array<string>
  bars: number
  seed: number
  format: BacktestCommand["format"]
  symbol: string | undefined
  strategy: string | undefined
  cash: number
  commission: number
  out: string | undefined
  badRows: BacktestCommand["badRows"]
  window: number
  from: number | undefined
  to: number | undefined
  period: "all" | "common"
  quiet: boolean
  indicators: IndicatorBackendName
  /** Parameters from the config file (typed TOML values); `--param` on the command line overrides them. */
  configParams: Record<string, StrategyParamValue>
  /** Where the config file sets each of `configParams`; a `--param` of the same name removes its entry. */
  configParamOrigins: Record<string, string>
  /** `--param` assignments of the command line. */
  params: Record<string, string>
  closeWatchTimeout: BacktestCommand["closeWatchTimeout"]
  execution: Mutable<NonNullable<BacktestCommand["execution"]>>
  risk: Mutable<RiskConfig>
  lua: Mutable<LuaSandboxOptions>
  onStrategyError: StrategyErrorPolicy | undefined
  leverage: number | undefined
  maintenance: number | undefined
  exchangeInfo: string | undefined
  makerRate: number | undefined
  minimum: number | undefined
  tickSize: number | undefined
}

const newBacktestDraft = (): BacktestDraft => ({
  data: [],
  simulate: [],
  bars: 5000,
  seed: 42,
  format: "auto",
  symbol: undefined,
  strategy: undefined,
  cash: 10_000,
  commission: 0.001,
  out: undefined,
  badRows: "fail",
  window: 20,
  from: undefined,
  to: undefined,
  period: "all",
  quiet: false,
  indicators: "typescript",
  configParams: {},
  configParamOrigins: {},
  params: {},
  closeWatchTimeout: undefined,
  execution: {},
  risk: {},
  lua: {},
  onStrategyError: undefined,
  leverage: undefined,
  maintenance: undefined,
  exchangeInfo: undefined,
  makerRate: undefined,
  minimum: undefined,
  tickSize: undefined
})

/**
 * Applies one flag with its values (already split by {@link BACKTEST_FLAGS}'s arity) to the draft. A later value of
 * a flag replaces an earlier one, which is how the command line overrides the config file.
 */
const applyBacktestFlag = (d: BacktestDraft, flag: string, values: ReadonlyArray<string>): void => {
  const v = values[0] ?? ""
  switch (flag) {
    case "--data":
      d.data = [...values]
      return
    case "--simulate":
      d.simulate = [...values]
      return
    case "--bars":
      d.bars = parseNumber(flag, v, (n) => Number.isInteger(n) && n > 0, "a positive integer")
      return
    case "--seed":
      d.seed = parseNumber(flag, v, (n) => Number.isInteger(n) && n >= 0, "a non-negative integer")
      return
    case "--format":
      d.format = parseChoice(flag, v, ["auto", "binance", "ohlcv"])
      return
    case "--symbol":
      if (!/^[^\s,]+$/.test(v)) throw new UsageError(`--symbol: invalid symbol ${JSON.stringify(v)}`)
      d.symbol = v
      return
    case "--strategy":
      d.strategy = v
      return
    case "--cash":
      d.cash = parseNumber(flag, v, (n) => n > 0, "a positive amount")
      return
    case "--commission":
      d.commission = parseCommission(v)
      return
    case "--out":
      d.out = v
      return
    case "--bad-rows":
      d.badRows = parseChoice(flag, v, ["fail", "skip"])
      return
    case "--window":
      d.window = parseNumber(flag, v, (n) => Number.isInteger(n) && n > 0, "a positive integer")
      return
    case "--from":
      d.from = parseTime(flag, v)
      return
    case "--to":
      d.to = parseTime(flag, v)
      return
    case "--period":
      d.period = parseChoice(flag, v, ["all", "common"])
      return
    case "--indicators":
      d.indicators = parseChoice(flag, v, INDICATOR_BACKENDS)
      return
    case "--param":
      d.params = { ...d.params, ...parseParams(values, d.params) }
      return
    case "--closewatch-timeout":
      d.closeWatchTimeout = parseTimeout(v)
      return
    case "--fill":
      d.execution.marketFill = parseChoice(flag, v, ["next-open", "same-close"]) === "next-open" ? "next_bar_open" : "same_bar_close"
      return
    case "--intrabar":
      d.execution.intrabar = parseChoice(flag, v, ["conservative", "path"])
      return
    case "--slippage":
      d.execution.slippage = parseSlippage(v)
      return
    case "--tick-size":
      d.tickSize = parseNumber(flag, v, (n) => n > 0, "a positive price step such as 0.01")
      return
    case "--spread":
      d.execution.spread = true
      return
    case "--maker-commission":
      d.makerRate = parseCommission(v, flag)
      return
    case "--min-commission":
      d.minimum = parseNumber(flag, v, (n) => n >= 0, "a non-negative amount")
      return
    case "--max-participation":
      d.execution.maxParticipation = parseFraction(flag, v)
      return
    case "--exchange-info":
      d.exchangeInfo = v
      return
    case "--risk-per-trade":
      d.risk.riskPerTrade = parseFraction(flag, v)
      return
    case "--max-drawdown":
      d.risk.maxDrawdown = parseFraction(flag, v)
      return
    case "--daily-loss-limit":
      d.risk.dailyLossLimit = parseFraction(flag, v)
      return
    case "--flatten-on-kill":
      d.risk.flattenOnKill = true
      return
    case "--max-open-positions":
      d.risk.maxOpenPositions = parseNumber(flag, v, (n) => Number.isInteger(n) && n > 0, "a positive integer")
      return
    case "--max-exposure":
      d.risk.maxGrossExposure = parseNumber(flag, v, (n) => n > 0, "a positive multiple of equity such as 1")
      return
    case "--quiet":
      d.quiet = true
      return
    case "--isolation":
      d.lua.isolation = parseChoice(flag, v, ["none", "worker"])
      return
    case "--instruction-limit":
      d.lua.instructionLimit = parseNumber(flag, v, (n) => Number.isInteger(n) && n > 0, "a positive integer")
      return
    case "--call-timeout":
      d.lua.timeoutMs = parseMilliseconds(flag, v)
      return
    case "--memory-limit":
      d.lua.memoryLimitMb = parseNumber(flag, v.replace(/\s*(MiB|MB|M)$/i, ""), (n) => Number.isInteger(n) && n >= 16, "a whole number of MiB, at least 16")
      return
    case "--coroutines":
      d.lua.coroutines = true
      return
    case "--leverage":
      d.leverage = parseNumber(flag, v.replace(/x$/i, ""), (n) => n >= 1, "a multiple of equity of at least 1 such as 2 or 2x")
      return
    case "--maintenance-margin":
      d.maintenance = parseFraction(flag, v)
      return
    case "--on-strategy-error":
      d.onStrategyError = parseChoice(flag, v, ["manage", "flatten"])
      return
    default:
      throw new UsageError(`unknown option ${flag}`)
  }
}

/** The checks that involve several flags, after the config file and the command line are both applied. */
const finishBacktest = (d: BacktestDraft): BacktestCommand => {
  const { execution, risk } = d
  if (d.strategy === undefined) throw new UsageError("--strategy <file.lua> is required")
  if (d.data.length === 0 && d.simulate.length === 0) throw new UsageError("give --data <file>... or --simulate <SYM>...")
  if (d.data.length > 0 && d.simulate.length > 0) throw new UsageError("--data and --simulate cannot be combined")
  if (d.from !== undefined && d.to !== undefined && d.to <= d.from) throw new UsageError("--to must be after --from")
  if (d.tickSize !== undefined) {
    if (execution.slippage?.kind !== "ticks") throw new UsageError("--tick-size only applies to --slippage in ticks")
    execution.slippage = { ...execution.slippage, tickSize: d.tickSize }
  }
  if (execution.slippage?.kind === "ticks" && execution.slippage.tickSize === undefined && d.exchangeInfo === undefined) {
    throw new UsageError("--slippage in ticks needs --tick-size, or --exchange-info for each symbol's tick size")
  }
  if (risk.flattenOnKill === true && risk.maxDrawdown === undefined) throw new UsageError("--flatten-on-kill needs --max-drawdown")
  if (d.maintenance !== undefined && d.leverage === undefined) throw new UsageError("--maintenance-margin needs --leverage")
  if (d.maintenance !== undefined && d.leverage !== undefined && d.maintenance >= 1 / d.leverage) {
    throw new UsageError(`--maintenance-margin: must be below the initial margin 1/leverage (${1 / d.leverage}), got ${d.maintenance}`)
  }
  if (d.lua.memoryLimitMb !== undefined && d.lua.isolation !== "worker") {
    throw new UsageError("--memory-limit needs --isolation worker (an in-process Lua VM has no memory cap of its own)")
  }
  if (d.makerRate !== undefined || d.minimum !== undefined) {
    execution.commission = {
      takerRate: d.commission,
      ...(d.makerRate !== undefined ? { makerRate: d.makerRate } : {}),
      ...(d.minimum !== undefined ? { minimum: d.minimum } : {})
    }
  }
  return {
    _tag: "backtest",
    data: d.data,
    simulate: d.simulate,
    bars: d.bars,
    seed: d.seed,
    format: d.format,
    symbol: d.symbol,
    strategy: d.strategy,
    cash: d.cash,
    commission: d.commission,
    out: d.out,
    badRows: d.badRows,
    window: d.window,
    from: d.from,
    to: d.to,
    period: d.period,
    quiet: d.quiet,
    indicators: d.indicators,
    params: { ...d.configParams, ...d.params },
    paramOrigins: paramOrigins(d),
    closeWatchTimeout: d.closeWatchTimeout,
    execution: Object.keys(execution).length > 0 ? execution : undefined,
    exchangeInfo: d.exchangeInfo,
    risk: Object.keys(risk).length > 0 ? risk : undefined,
    lua: Object.keys(d.lua).length > 0 ? d.lua : undefined,
    onStrategyError: d.onStrategyError,
    margin: d.leverage === undefined ? undefined : { leverage: d.leverage, ...(d.maintenance !== undefined ? { maintenance: d.maintenance } : {}) }
  }
}

/** The config file's parameter origins that the command line did not override. */
const paramOrigins = (d: BacktestDraft): Record<string, string> | undefined => {
  const entries = Object.entries(d.configParamOrigins).filter(([name]) => !Object.prototype.hasOwnProperty.call(d.params, name))
  return entries.length > 0 ? Object.fromEntries(entries) : undefined
}

/**
 * Reads a config file named by `--config`: returns its settings as flags, or throws {@link UsageError} naming the
 * file, line and key. Injected so that parsing stays pure (the CLI passes a reader of the file system).
 */
export type ConfigReader = (file: string) => ConfigSettings

/** Splits argv into flags and their values by {@link BACKTEST_FLAGS}. */
const splitFlags = (argv: ReadonlyArray<string>, arities: Readonly<Record<string, Arity>>): Array<[string, Array<string>]> => {
  const out: Array<[string, Array<string>]> = []
  let i = 0
  while (i < argv.length) {
    const flag = argv[i]!
    const arity = Object.prototype.hasOwnProperty.call(arities, flag) ? arities[flag] : undefined
    if (arity === undefined) throw new UsageError(flag.startsWith("--") ? `unknown option ${flag}` : `unexpected argument ${JSON.stringify(flag)}`)
    if (arity === "none") {
      out.push([flag, []])
      i += 1
    } else if (arity === "one") {
      out.push([flag, [takeValue(argv, i, flag)]])
      i += 2
    } else {
      const [values, next] = takeValues(argv, i, flag)
      out.push([flag, values])
      i = next
    }
  }
  return out
}

/** The one `--config <file>` among the flags, if any. */
const configFlag = (flags: ReadonlyArray<[string, Array<string>]>): string | undefined => {
  const given = flags.filter(([f]) => f === "--config")
  if (given.length > 1) throw new UsageError("--config is given twice")
  return given[0]?.[1][0]
}

/** Applies a config file's settings; a problem is reported at the setting's place in the file. */
const applyConfig = (d: BacktestDraft, settings: ConfigSettings, only?: ReadonlySet<string>): void => {
  for (const s of settings.flags) {
    if (only !== undefined && !only.has(s.flag)) continue
    try {
      applyBacktestFlag(d, s.flag, s.values)
    } catch (e) {
      if (!(e instanceof UsageError)) throw e
      throw new UsageError(`${s.where}: ${e.message.startsWith(`${s.flag}: `) ? e.message.slice(s.flag.length + 2) : e.message}`)
    }
  }
  d.configParams = { ...settings.params }
  d.configParamOrigins = { ...settings.paramOrigins }
}

/**
 * Parses argv (without the node and script paths). Throws {@link UsageError} with a message naming the flag.
 * With `--config <file>`, `readConfig` supplies the file's settings; they apply first, and every flag on the command
 * line overrides them (`--param` per parameter).
 */
export const parseArgs = (argv: ReadonlyArray<string>, readConfig?: ConfigReader): Command => {
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") return { _tag: "help", topic: "main" }
  if (argv[0] === "--version" || argv[0] === "-v") return { _tag: "version" }
  const [command, ...rest] = argv
  if (command === "indicators") return parseIndicatorsArgs(rest)
  if (command === "validate") return parseValidateArgs(rest, readConfig)
  if (command !== "backtest") throw new UsageError(`unknown command ${JSON.stringify(command)} (expected: backtest, validate or indicators)`)
  if (rest.includes("--help") || rest.includes("-h")) return { _tag: "help", topic: "backtest" }

  const flags = splitFlags(rest, BACKTEST_FLAGS)
  const draft = newBacktestDraft()
  const configFile = configFlag(flags)
  if (configFile !== undefined) applyConfig(draft, loadConfig(readConfig, configFile))
  for (const [flag, values] of flags) if (flag !== "--config") applyBacktestFlag(draft, flag, values)
  return finishBacktest(draft)
}

const loadConfig = (readConfig: ConfigReader | undefined, file: string): ConfigSettings => {
  if (readConfig === undefined) throw new UsageError(`--config: no config reader to read ${file}`)
  return readConfig(file)
}

/** `name=value` assignments; a name given twice (here or in `before`) is a usage error. */
const parseParams = (values: ReadonlyArray<string>, before: Readonly<Record<string, string>>): Record<string, string> => {
  const parsed = parseParamAssignments(values)
  if (!parsed.ok) throw new UsageError(`--param: ${parsed.problem}`)
  for (const name of Object.keys(parsed.overrides)) {
    if (Object.prototype.hasOwnProperty.call(before, name)) throw new UsageError(`--param: ${name} is given twice`)
  }
  return parsed.overrides
}

const DURATION_UNITS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** `250ms`, `2s` or a bare number of milliseconds. */
export const parseMilliseconds = (flag: string, raw: string): number => {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s)?$/.exec(raw.trim())
  const n = m === null ? NaN : Number(m[1]) * (m[2] === "s" ? 1000 : 1)
  if (m === null || !(n > 0)) throw new UsageError(`${flag}: expected milliseconds (250, 250ms) or seconds (2s), got ${JSON.stringify(raw)}`)
  return n
}

/** `12` (bars) or a duration `90m`, `6h`, `2d`, `30s`. */
export const parseTimeout = (raw: string): { readonly bars: number } | { readonly ms: number } => {
  const m = /^(\d+(?:\.\d+)?)([smhd])?$/.exec(raw.trim())
  const n = m === null ? NaN : Number(m[1])
  if (m === null || !(n > 0)) {
    throw new UsageError(`--closewatch-timeout: expected a number of bars (12) or a duration (90m, 6h, 2d), got ${JSON.stringify(raw)}`)
  }
  if (m[2] === undefined) {
    if (!Number.isInteger(n)) throw new UsageError(`--closewatch-timeout: a number of bars must be whole, got ${JSON.stringify(raw)}`)
    return { bars: n }
  }
  return { ms: n * DURATION_UNITS[m[2]]! }
}

const VALIDATE_FLAGS: Readonly<Record<string, Arity>> = { "--config": "one", "--strategy": "one", "--param": "many" }

const parseValidateArgs = (rest: ReadonlyArray<string>, readConfig: ConfigReader | undefined): Command => {
  if (rest.includes("--help") || rest.includes("-h")) return { _tag: "help", topic: "validate" }
  const flags = splitFlags(rest, VALIDATE_FLAGS)
  const draft = newBacktestDraft()
  const configFile = configFlag(flags)
  // only the strategy and its parameters matter here, but the whole file is read (and checked) as for a backtest
  if (configFile !== undefined) applyConfig(draft, loadConfig(readConfig, configFile), new Set(["--strategy"]))
  for (const [flag, values] of flags) if (flag !== "--config") applyBacktestFlag(draft, flag, values)
  if (draft.strategy === undefined) throw new UsageError("--strategy <file.lua> is required")
  return { _tag: "validate", strategy: draft.strategy, params: { ...draft.configParams, ...draft.params }, paramOrigins: paramOrigins(draft) }
}

const parseIndicatorsArgs = (rest: ReadonlyArray<string>): Command => {
  if (rest.includes("--help") || rest.includes("-h")) return { _tag: "help", topic: "indicators" }
  let list = false
  let json = false
  for (const arg of rest) {
    if (arg === "--list") list = true
    else if (arg === "--json") json = true
    else throw new UsageError(arg.startsWith("--") ? `unknown option ${arg}` : `unexpected argument ${JSON.stringify(arg)}`)
  }
  if (!list) throw new UsageError("indicators: give --list")
  return { _tag: "indicators", json }
}
