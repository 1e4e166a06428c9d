/**
 * The `trading-engine` command line. Parses arguments, runs the command, maps every failure to a message and an
 * exit code (see `args.ts`). The CLI is one of the few places that choose concrete Layers.
 *
 * @module
 */
import { Cause, Effect, Exit, Logger } from "effect"
import { access, constants, mkdir, readFile, stat, writeFile } from "node:fs/promises"
import { readFileSync } from "node:fs"
import * as path from "node:path"
import { backtest } from "../backtest/run.ts"
import type { BacktestResult } from "../backtest/result.ts"
import { renderHtmlReport } from "../report/html.ts"
import { formatSummaryTable } from "../report/summary.ts"
import { defaultParams, formatRegistry, indicatorRegistry } from "../indicators/registry.ts"
import type { StrategyParamSpec } from "../domain/params.ts"
import type { StrategyError } from "../domain/errors.ts"
import { loadLuaStrategy } from "../strategy/lua/host.ts"
import { isStrategyModule, loadStrategyModule, strategyTargetFile } from "../strategy/module.ts"
import { type InstrumentSpec, parseBinanceExchangeInfo } from "../execution/instrument.ts"
import {
  BACKTEST_HELP,
  type ConfigSettings,
  type BacktestCommand,
  ExitCode,
  INDICATORS_HELP,
  MAIN_HELP,
  parseArgs,
  UsageError,
  VALIDATE_HELP,
  type ValidateCommand
} from "./args.ts"
import { parseBacktestConfig } from "./config-file.ts"

/** Where the CLI writes; injectable so tests capture output without a terminal. */
export interface CliIO {
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
  /** Whether stderr is a terminal (progress is only shown on one). */
  readonly interactive: boolean
}

/** JSON with non-finite numbers kept readable (`"Infinity"`), since JSON has no literal for them. */
export const toJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v), 2)

const formatTime = (ms: number | undefined): string => (ms === undefined ? "-" : new Date(ms).toISOString().replace(".000Z", "Z"))

/** A short, human account of what the data-quality report found. */
export const describeQuality = (result: BacktestResult): Array<string> => {
  const lines: Array<string> = []
  for (const q of result.quality.symbols) {
    const parts = [`${q.bars} bars ${formatTime(q.first)} → ${formatTime(q.last)}`]
    if (q.gaps.length > 0) parts.push(`${q.gaps.length} gap(s), ${q.gaps.reduce((s, g) => s + g.missingBars, 0)} missing bar(s)`)
    if (q.suspectBars.length > 0) parts.push(`${q.suspectBars.length} suspect bar(s)`)
    if (q.zeroVolumeBars > 0) parts.push(`${q.zeroVolumeBars} zero-volume bar(s)`)
    lines.push(`  ${q.symbol}: ${parts.join(", ")}`)
    for (const s of q.suspectBars.slice(0, 5)) lines.push(`    suspect ${formatTime(s.timestamp)} (${s.file}:${s.line}): ${s.reason}`)
    for (const g of q.gaps.slice(0, 5)) lines.push(`    gap after ${formatTime(g.after)}: next bar ${formatTime(g.next)} (${g.missingBars} missing)`)
    if (q.gaps.length > 5) lines.push(`    … ${q.gaps.length - 5} more gap(s) in result.json`)
  }
  if (result.quality.skippedRows > 0) {
    lines.push(`  skipped ${result.quality.skippedRows} bad row(s):`)
    for (const e of result.quality.skippedSamples.slice(0, 5)) lines.push(`    ${e.message}`)
  }
  return lines
}

const strategyName = (target: string): string => path.basename(strategyTargetFile(target)).replace(/\.[^.]+$/, "")

/** For a refused parameter value that came from a config file: a line saying where it is set. */
const paramOriginNotes = (e: StrategyError, origins: Readonly<Record<string, string>> | undefined): string => {
  if (e.kind !== "params" || origins === undefined) return ""
  return Object.entries(origins)
    .filter(([name]) => new RegExp(`(^|[\\s;])${name}:`).test(e.detail))
    .map(([name, where]) => `  ${name} is set at ${where}\n`)
    .join("")
}

/** Runs `backtest` and writes the outputs; returns the exit code. */
export const runBacktestCommand = (cmd: BacktestCommand, io: CliIO): Effect.Effect<number> =>
  Effect.gen(function*() {
    // A missing strategy or data file is an argument problem: say so before doing any work.
    for (const file of [strategyTargetFile(cmd.strategy), ...cmd.data, ...(cmd.exchangeInfo !== undefined ? [cmd.exchangeInfo] : [])]) {
      const readable = yield* Effect.tryPromise(async () => {
        await access(file, constants.R_OK)
        return (await stat(file)).isFile()
      }).pipe(Effect.orElseSucceed(() => false))
      if (!readable) {
        io.stderr(`trading-engine: cannot read ${file}: no such file or not readable\nRun 'trading-engine backtest --help' for usage.\n`)
        return ExitCode.usage
      }
    }
    let instruments: ReadonlyMap<string, InstrumentSpec> | undefined
    if (cmd.exchangeInfo !== undefined) {
      const file = cmd.exchangeInfo
      const parsed = yield* Effect.tryPromise(async () => parseBinanceExchangeInfo(JSON.parse(await readFile(file, "utf8")), file)).pipe(
        Effect.result
      )
      if (parsed._tag === "Failure") {
        io.stderr(`trading-engine: --exchange-info: ${file} is not JSON: ${String(parsed.failure.cause ?? parsed.failure)}\n`)
        return ExitCode.usage
      }
      if (!parsed.success.ok) {
        io.stderr(`trading-engine: --exchange-info: ${parsed.success.error.message}\n`)
        return ExitCode.usage
      }
      instruments = parsed.success.value
    }
    let lastReport = 0
    const onProgress = cmd.quiet || !io.interactive ? undefined : (n: number) => {
      if (n - lastReport >= 50_000) {
        lastReport = n
        io.stderr(`\r  ${n.toLocaleString("en-US")} bars…`)
      }
    }
    const started = performance.now()
    const result = yield* backtest({
      data: cmd.data.length > 0
        ? { files: cmd.data, format: cmd.format, symbol: cmd.symbol, badRows: cmd.badRows, from: cmd.from, to: cmd.to, period: cmd.period }
        : { simulate: cmd.simulate, bars: cmd.bars, seed: cmd.seed },
      strategy: cmd.strategy,
      initialCash: cmd.cash,
      commissionRate: cmd.commission,
      windowSize: cmd.window,
      indicators: cmd.indicators,
      params: cmd.params,
      closeWatchTimeout: cmd.closeWatchTimeout,
      execution: cmd.execution === undefined && instruments === undefined
        ? undefined
        : { ...cmd.execution, ...(instruments !== undefined ? { instruments } : {}) },
      risk: cmd.risk,
      lua: cmd.lua,
      onStrategyError: cmd.onStrategyError,
      margin: cmd.margin,
      onProgress
    })
    const seconds = (performance.now() - started) / 1000
    if (onProgress !== undefined && lastReport > 0) io.stderr("\r\x1b[K")

    const outDir = cmd.out ?? path.join("out", strategyName(cmd.strategy))
    const written = yield* Effect.tryPromise({
      try: async () => {
        await mkdir(outDir, { recursive: true })
        const jsonFile = path.join(outDir, "result.json")
        const htmlFile = path.join(outDir, "report.html")
        await writeFile(jsonFile, toJson(result))
        await writeFile(htmlFile, renderHtmlReport(result))
        return { jsonFile, htmlFile }
      },
      catch: (e) => e
    }).pipe(Effect.result)

    io.stdout(formatSummaryTable(result) + "\n")
    const quality = describeQuality(result)
    if (quality.length > 0) io.stdout(`Data quality:\n${quality.join("\n")}\n`)
    if (result.failures.length > 0) {
      io.stdout(`Strategy failures (the symbol stopped opening positions):\n${result.failures.map((f) => `  ${f.symbol} at ${formatTime(f.timestamp)}: ${f.message}`).join("\n")}\n`)
    }
    if (result.rejections.length > 0) io.stdout(`${result.rejections.length} action(s) refused; see result.json "rejections".\n`)
    for (const e of result.riskEvents ?? []) {
      io.stdout(`${e.rule === "margin_call" ? "Margin call" : "Risk halt"} at ${formatTime(e.timestamp)}: ${e.reason}${e.flatten ? " (positions closed)" : ""}\n`)
    }
    const rate = result.metrics.bars / Math.max(seconds, 1e-9)
    io.stdout(`Processed ${result.metrics.bars.toLocaleString("en-US")} bars in ${seconds.toFixed(2)} s (${Math.round(rate).toLocaleString("en-US")} bars/s, ${cmd.indicators} indicators).\n`)
    if (written._tag === "Failure") {
      io.stderr(`trading-engine: cannot write the results to ${outDir}: ${String(written.failure)}\n`)
      return ExitCode.io
    }
    io.stdout(`Wrote ${written.success.jsonFile} and ${written.success.htmlFile}\n`)
    return ExitCode.ok
  }).pipe(
    Effect.catchTags({
      DataRowError: (e) => Effect.sync(() => (io.stderr(`trading-engine: bad data: ${e.message}\n`), ExitCode.data)),
      DataFileError: (e) => Effect.sync(() => (io.stderr(`trading-engine: bad data file: ${e.message}\n`), ExitCode.data)),
      StrategyError: (e) =>
        Effect.sync(() => (io.stderr(`trading-engine: strategy error: ${e.message}\n${paramOriginNotes(e, cmd.paramOrigins)}${e.traceback ?? ""}`), ExitCode.strategy)),
      ConfigError: (e) => Effect.sync(() => (io.stderr(`trading-engine: ${e.message}\n`), ExitCode.usage))
    })
  )

/** The registry as plain data (`indicators --list --json`): everything but the factories, lookback at the defaults. */
export const registryAsJson = (): Array<Record<string, unknown>> =>
  indicatorRegistry.map((s) => ({
    name: s.name,
    title: s.title,
    description: s.description,
    reference: s.reference,
    inputs: s.inputs,
    params: s.params,
    outputs: s.outputs,
    lookbackAtDefaults: s.lookback(defaultParams(s))
  }))

const HELP = { main: MAIN_HELP, backtest: BACKTEST_HELP, indicators: INDICATORS_HELP, validate: VALIDATE_HELP } as const

const describeParam = (p: StrategyParamSpec, value: unknown): string => {
  const bounds = p.choices !== undefined
    ? ` one of ${p.choices.join("|")}`
    : p.min !== undefined || p.max !== undefined
    ? ` ${p.min ?? "-inf"}..${p.max ?? "inf"}`
    : ""
  const changed = value !== p.default ? ` (default ${String(p.default)})` : ""
  return `  ${p.name} = ${String(value)}${changed}  ${p.type}${bounds}${p.description !== undefined ? `  ${p.description}` : ""}`
}

/** `validate`: loads the strategy as a backtest would (sandbox, required functions, parameters) and reports. */
export const runValidateCommand = (cmd: ValidateCommand, io: CliIO): Effect.Effect<number> =>
  (isStrategyModule(cmd.strategy) ? loadStrategyModule(cmd.strategy, { params: cmd.params }) : loadLuaStrategy(cmd.strategy, { params: cmd.params })).pipe(
    Effect.map((definition) => {
      const params = definition.params ?? []
      const functions = isStrategyModule(cmd.strategy) ? "detectOpportunity, filterCommitment, managePosition" : "detect_opportunity, filter_commitment, manage_position"
      const lines = [`${cmd.strategy}: ok (${definition.name}: ${functions})`]
      if (params.length === 0) lines.push("no parameters declared")
      else lines.push(`parameters:`, ...params.map((p) => describeParam(p, definition.paramValues?.[p.name])))
      io.stdout(lines.join("\n") + "\n")
      return ExitCode.ok
    }),
    Effect.catchTag("StrategyError", (e) =>
      Effect.sync(() => {
        io.stderr(`trading-engine: invalid strategy: ${e.message}\n${paramOriginNotes(e, cmd.paramOrigins)}`)
        return e.kind === "load" && /cannot read/.test(e.detail) ? ExitCode.usage : ExitCode.strategy
      }))
  )

/** Reads and parses a `--config` file; a missing or unreadable file is a usage error naming it. */
export const readConfigFile = (file: string): ConfigSettings => {
  let text: string
  try {
    text = readFileSync(file, "utf8")
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String((e as Error).message)
    throw new UsageError(`--config: cannot read ${file}: ${reason}`)
  }
  return parseBacktestConfig(text, file)
}

/** Runs the CLI with the given arguments; returns the exit code. */
export const runCli = async (argv: ReadonlyArray<string>, io: CliIO): Promise<number> => {
  let command
  try {
    command = parseArgs(argv, readConfigFile)
  } catch (e) {
    if (e instanceof UsageError) {
      const topic = argv[0] === "backtest" || argv[0] === "indicators" || argv[0] === "validate" ? `${argv[0]} ` : ""
      io.stderr(`trading-engine: ${e.message}\nRun 'trading-engine ${topic}--help' for usage.\n`)
      return ExitCode.usage
    }
    throw e
  }
  switch (command._tag) {
    case "help":
      io.stdout(HELP[command.topic])
      return ExitCode.ok
    case "validate": {
      const exit = await Effect.runPromiseExit(runValidateCommand(command, io))
      if (Exit.isSuccess(exit)) return exit.value
      io.stderr(`trading-engine: unexpected failure:\n${Cause.pretty(exit.cause)}\n`)
      return ExitCode.unexpected
    }
    case "indicators":
      io.stdout(command.json ? toJson(registryAsJson()) + "\n" : formatRegistry())
      return ExitCode.ok
    case "version": {
      const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
      io.stdout(`trading-engine ${pkg.version}\n`)
      return ExitCode.ok
    }
    case "backtest": {
      // Logs (strategy failures as they happen) go to stderr: stdout carries the summary table.
      const logToStderr = Logger.layer([Logger.map(Logger.formatSimple, (line) => io.stderr(`${line}\n`))])
      const exit = await Effect.runPromiseExit(runBacktestCommand(command, io).pipe(Effect.provide(logToStderr)))
      if (Exit.isSuccess(exit)) return exit.value
      io.stderr(`trading-engine: unexpected failure:\n${Cause.pretty(exit.cause)}\n`)
      return ExitCode.unexpected
    }
  }
}
