/**
 * Backtest config files (`--config run.toml`), parsed in-process: what each table and key sets, that the command
 * line overrides the file flag by flag (and `--param` parameter by parameter), that relative paths are relative to
 * the file, and that every problem names file, line and key. `test/cli/e2e.test.ts` runs the bundled
 * fixtures/config/demo.toml through the real CLI.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { BACKTEST_FLAGS, type BacktestCommand, parseArgs, UsageError, type ValidateCommand } from "../../src/cli/args.ts"
import { CONFIG_KEYS, parseBacktestConfig } from "../../src/cli/config-file.ts"
import { repoFile } from "../support/data.ts"

/** A reader serving config texts from memory, as `runCli` serves them from disk. */
const reader = (files: Readonly<Record<string, string>>) => (file: string) => {
  const text = files[file]
  if (text === undefined) throw new UsageError(`--config: cannot read ${file}: no such file`)
  return parseBacktestConfig(text, file)
}

const backtest = (argv: ReadonlyArray<string>, files: Readonly<Record<string, string>>): BacktestCommand => {
  const cmd = parseArgs(["backtest", ...argv], reader(files))
  if (cmd._tag !== "backtest") throw new Error(`expected a backtest command, got ${cmd._tag}`)
  return cmd
}

const usage = (argv: ReadonlyArray<string>, files: Readonly<Record<string, string>>): string => {
  try {
    parseArgs(argv, reader(files))
  } catch (e) {
    if (e instanceof UsageError) return e.message
    throw e
  }
  throw new Error("expected a usage error")
}

/** A config in a folder, so relative paths resolve against it (relative to the working directory in the result). */
const DIR = path.join(process.cwd(), "cfg")
const FILE = path.join(DIR, "run.toml")
const rel = (p: string): string => path.relative(process.cwd(), path.join(DIR, p))

const FULL = `# every table
[data]
files = ["a.csv", "sub/b.csv"]
format = "binance"
symbol = "BTCUSDT"
bad_rows = "skip"
from = 2022-01-01
to = 2023-03-31T12:00:00Z
period = "common"

[strategy]
file = "s.lua"
closewatch_timeout = "6h"
indicators = "ocaml"
window = 50
isolation = "worker"
instruction_limit = 5000000
call_timeout = "2s"
memory_limit = 128
coroutines = true
on_error = "flatten"

[strategy.params]
fast = 12
ratio = 0.5
allow_short = true
mode = "breakout"

[account]
cash = 5000
commission = "0.1%"
leverage = 3
maintenance_margin = "20%"

[execution]
fill = "same-close"
intrabar = "path"
slippage = "2ticks"
tick_size = 0.01
spread = true
maker_commission = 0.0005
min_commission = 1
max_participation = "10%"
exchange_info = "info.json"

[risk]
risk_per_trade = "1%"
max_drawdown = 0.2
flatten_on_kill = true
daily_loss_limit = "3%"
max_open_positions = 2
max_exposure = 1.5

[output]
dir = "out"
quiet = true
`

describe("backtest --config: what a config file sets", () => {
  it("every table and key, with paths relative to the file and typed parameters", () => {
    const cmd = backtest(["--config", FILE], { [FILE]: FULL })
    expect(cmd).toEqual({
      _tag: "backtest",
      data: [rel("a.csv"), rel("sub/b.csv")],
      simulate: [],
      bars: 5000,
      seed: 42,
      format: "binance",
      symbol: "BTCUSDT",
      strategy: rel("s.lua"),
      cash: 5000,
      commission: 0.001,
      out: rel("out"),
      badRows: "skip",
      window: 50,
      from: Date.UTC(2022, 0, 1),
      to: Date.UTC(2023, 2, 31, 12),
      period: "common",
      quiet: true,
      indicators: "ocaml",
      params: { fast: 12, ratio: 0.5, allow_short: true, mode: "breakout" },
      paramOrigins: {
        fast: `${FILE}:24: strategy.params.fast`,
        ratio: `${FILE}:25: strategy.params.ratio`,
        allow_short: `${FILE}:26: strategy.params.allow_short`,
        mode: `${FILE}:27: strategy.params.mode`
      },
      closeWatchTimeout: { ms: 6 * 3_600_000 },
      execution: {
        marketFill: "same_bar_close",
        intrabar: "path",
        slippage: { kind: "ticks", ticks: 2, tickSize: 0.01 },
        spread: true,
        maxParticipation: 0.1,
        commission: { takerRate: 0.001, makerRate: 0.0005, minimum: 1 }
      },
      exchangeInfo: rel("info.json"),
      risk: { riskPerTrade: 0.01, maxDrawdown: 0.2, flattenOnKill: true, dailyLossLimit: 0.03, maxOpenPositions: 2, maxGrossExposure: 1.5 },
      lua: { isolation: "worker", instructionLimit: 5_000_000, timeoutMs: 2000, memoryLimitMb: 128, coroutines: true },
      onStrategyError: "flatten",
      margin: { leverage: 3, maintenance: 0.2 }
    })
  })

  it("a config with simulated data, and unset keys keep the command-line defaults", () => {
    const cmd = backtest(["--config", FILE], { [FILE]: `[data]\nsimulate = ["X", "Y"]\nbars = 300\nseed = 7\n[strategy]\nfile = "s.lua"\n` })
    expect(cmd).toMatchObject({ simulate: ["X", "Y"], bars: 300, seed: 7, data: [], cash: 10_000, commission: 0.001, window: 20, indicators: "typescript", params: {} })
    expect(cmd.execution).toBeUndefined()
    expect(cmd.risk).toBeUndefined()
    expect(cmd.paramOrigins).toBeUndefined()
  })

  it("every key stands for a backtest flag, and every flag but --config and --param has a key", () => {
    const flagsOfKeys = Object.values(CONFIG_KEYS).flatMap((t) => Object.values(t).map((k) => k.flag))
    for (const flag of flagsOfKeys) expect(BACKTEST_FLAGS).toHaveProperty([flag])
    const missing = Object.keys(BACKTEST_FLAGS).filter((f) => f !== "--config" && f !== "--param" && !flagsOfKeys.includes(f))
    expect(missing).toEqual([])
    expect(new Set(flagsOfKeys).size).toBe(flagsOfKeys.length)
  })

  it("TOML dates: a local date, a UTC or local date-time (read as UTC), an offset date-time, or a string", () => {
    const from = (value: string) => backtest(["--config", FILE], { [FILE]: `[data]\nfiles = ["a.csv"]\nfrom = ${value}\n[strategy]\nfile = "s.lua"\n` }).from
    expect(from("2022-01-01")).toBe(Date.UTC(2022, 0, 1))
    expect(from("2022-01-01T12:30:00Z")).toBe(Date.UTC(2022, 0, 1, 12, 30))
    expect(from("2022-01-01T12:30:00")).toBe(Date.UTC(2022, 0, 1, 12, 30))
    expect(from("2022-01-01T12:30:00+02:00")).toBe(Date.UTC(2022, 0, 1, 10, 30))
    expect(from(`"2022-01-01T12:30"`)).toBe(Date.UTC(2022, 0, 1, 12, 30))
  })
})

describe("backtest --config: the command line overrides the file", () => {
  const base = `[data]\nfiles = ["a.csv"]\n[strategy]\nfile = "s.lua"\n[strategy.params]\nfast = 12\nslow = 26\n[account]\ncash = 5000\n[risk]\nmax_drawdown = "20%"\n`

  it("flag by flag, wherever --config stands among the flags", () => {
    for (const argv of [["--config", FILE, "--cash", "7000", "--data", "x.csv"], ["--cash", "7000", "--data", "x.csv", "--config", FILE]]) {
      const cmd = backtest(argv, { [FILE]: base })
      expect(cmd.cash).toBe(7000)
      expect(cmd.data).toEqual(["x.csv"])
      expect(cmd.strategy).toBe(rel("s.lua"))
      expect(cmd.risk).toEqual({ maxDrawdown: 0.2 })
    }
  })

  it("--param per parameter: the others keep the file's values, and the overridden one loses its file origin", () => {
    const cmd = backtest(["--config", FILE, "--param", "fast=20"], { [FILE]: base })
    expect(cmd.params).toEqual({ fast: "20", slow: 26 })
    expect(cmd.paramOrigins).toEqual({ slow: `${FILE}:7: strategy.params.slow` })
  })

  it("checks that involve several settings see both: --flatten-on-kill on the command line, --max-drawdown in the file", () => {
    expect(backtest(["--config", FILE, "--flatten-on-kill"], { [FILE]: base }).risk).toEqual({ maxDrawdown: 0.2, flattenOnKill: true })
    expect(usage(["backtest", "--config", FILE, "--flatten-on-kill"], { [FILE]: `[data]\nfiles = ["a.csv"]\n[strategy]\nfile = "s.lua"\n` }))
      .toBe("--flatten-on-kill needs --max-drawdown")
  })

  it("a file without a strategy needs --strategy", () => {
    expect(usage(["backtest", "--config", FILE], { [FILE]: `[data]\nfiles = ["a.csv"]\n` })).toBe("--strategy <file.lua> is required")
    expect(backtest(["--config", FILE, "--strategy", "t.lua"], { [FILE]: `[data]\nfiles = ["a.csv"]\n` }).strategy).toBe("t.lua")
  })

  it("validate --config takes the strategy and its parameters; --param and --strategy override them", () => {
    const validate = (argv: ReadonlyArray<string>) => parseArgs(["validate", ...argv], reader({ [FILE]: base })) as ValidateCommand
    expect(validate(["--config", FILE])).toEqual({ _tag: "validate", strategy: rel("s.lua"), params: { fast: 12, slow: 26 }, paramOrigins: { fast: `${FILE}:6: strategy.params.fast`, slow: `${FILE}:7: strategy.params.slow` } })
    expect(validate(["--config", FILE, "--param", "slow=30", "--strategy", "t.lua"])).toMatchObject({ strategy: "t.lua", params: { fast: 12, slow: "30" } })
  })
})

describe("backtest --config: problems name the file, the line and the key", () => {
  const problem = (text: string): string => usage(["backtest", "--config", FILE, "--strategy", "s.lua"], { [FILE]: text })

  it("a value the flag refuses, with the flag's reason", () => {
    expect(problem(`[data]\nfiles = ["a.csv"]\n\n[risk]\nmax_drawdown = -0.2\n`))
      .toBe(`${FILE}:5: risk.max_drawdown: expected a fraction such as 0.01 or a percentage such as 1%, got "-0.2"`)
    expect(problem(`[account]\ncommission = 1.5\n`)).toBe(`${FILE}:2: account.commission: 1.5 is 150% per fill; write a fraction (0.001) or a percentage (0.1%)`)
    expect(problem(`[execution]\nfill = "next_open"\n`)).toBe(`${FILE}:2: execution.fill: expected next-open or same-close, got "next_open"`)
  })

  it("a value of the wrong TOML type", () => {
    expect(problem(`[data]\nfiles = "a.csv"\n`)).toBe(`${FILE}:2: data.files: expected a non-empty array of file paths, got "a.csv"`)
    expect(problem(`[data]\nfiles = []\n`)).toBe(`${FILE}:2: data.files: expected a non-empty array of file paths, got an array`)
    expect(problem(`[account]\ncash = "5000"\n`)).toBe(`${FILE}:2: account.cash: expected a number, got "5000"`)
    expect(problem(`[risk]\nflatten_on_kill = "yes"\n`)).toBe(`${FILE}:2: risk.flatten_on_kill: expected true or false, got "yes"`)
    expect(problem(`[data]\nfrom = 12:00:00\n`)).toMatch(new RegExp(`^${FILE}:2: data.from: expected a date \\(2022-01-01\\)`))
    expect(problem(`[strategy.params]\nslow = [1, 2]\n`)).toBe(`${FILE}:2: strategy.params.slow: expected a number, a boolean or a string, got an array`)
    expect(problem(`[strategy]\nparams = 3\n`)).toBe(`${FILE}:2: strategy.params: expected a table of parameter values, got 3`)
  })

  it("an unknown table or key, listing the known ones", () => {
    expect(problem(`[datas]\nfiles = ["a.csv"]\n`)).toBe(
      `${FILE}:1: datas: unknown table (a config file has [data], [strategy], [account], [execution], [risk], [output])`
    )
    expect(problem(`[risk]\nmax_drawdown = 0.2\nmax_dd = 0.1\n`)).toBe(
      `${FILE}:3: risk.max_dd: unknown key (known in [risk]: risk_per_trade, max_drawdown, flatten_on_kill, daily_loss_limit, max_open_positions, max_exposure)`
    )
    expect(problem(`cash = 5000\n`)).toMatch(new RegExp(`^${FILE}:1: cash: unknown table`))
  })

  it("TOML syntax errors, at line and column", () => {
    expect(problem(`[data\nfiles = ["a.csv"]\n`)).toBe(`${FILE}:1:6: invalid TOML: illegal character in key`)
    expect(problem(`[account]\ncash = 1\ncash = 2\n`)).toMatch(new RegExp(`^${FILE}:3:1: invalid TOML: `))
  })

  it("a missing file, and --config given twice", () => {
    expect(usage(["backtest", "--config", "nope.toml"], {})).toBe("--config: cannot read nope.toml: no such file")
    expect(usage(["backtest", "--config", FILE, "--config", FILE], { [FILE]: "" })).toBe("--config is given twice")
  })
})

describe("the bundled fixtures/config/demo.toml", () => {
  it("parses, and names the demo's data and strategy, which exist", () => {
    const file = repoFile("fixtures", "config", "demo.toml")
    const cmd = backtest(["--config", file], { [file]: fs.readFileSync(file, "utf8") })
    for (const f of [...cmd.data, cmd.strategy]) expect(fs.existsSync(f), f).toBe(true)
    expect(cmd.data.map((f) => path.basename(f))).toEqual(["SIM-A_1h.csv", "SIM-B_1h.csv"])
    expect(path.basename(cmd.strategy)).toBe("ema_crossover.lua")
    expect(cmd.params).toMatchObject({ fast: 12, slow: 26 })
  })
})
