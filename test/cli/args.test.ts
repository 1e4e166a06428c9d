import { describe, expect, it } from "vitest"
import { parseArgs, parseCommission, parseFraction, parseSlippage, UsageError } from "../../src/cli/args.ts"

const usage = (argv: ReadonlyArray<string>): string => {
  try {
    parseArgs(argv)
  } catch (e) {
    if (e instanceof UsageError) return e.message
    throw e
  }
  throw new Error("expected a usage error")
}

describe("CLI arguments", () => {
  it("parses a full backtest command with several data files", () => {
    expect(parseArgs([
      "backtest", "--data", "a.csv", "b.csv", "--format", "binance", "--strategy", "s.lua",
      "--cash", "5000", "--commission", "0.1%", "--out", "o", "--bad-rows", "skip", "--window", "50", "--quiet",
      "--indicators", "ocaml"
    ])).toEqual({
      _tag: "backtest", data: ["a.csv", "b.csv"], simulate: [], bars: 5000, seed: 42, format: "binance", symbol: undefined,
      strategy: "s.lua", cash: 5000, commission: 0.001, out: "o", badRows: "skip", window: 50, from: undefined, to: undefined, period: "all", quiet: true,
      indicators: "ocaml", params: {}, closeWatchTimeout: undefined
    })
  })

  it("defaults", () => {
    const cmd = parseArgs(["backtest", "--data", "a.csv", "--strategy", "s.lua"])
    expect(cmd).toMatchObject({ format: "auto", cash: 10_000, commission: 0.001, badRows: "fail", window: 20, quiet: false, indicators: "typescript" })
  })

  it("date range in UTC", () => {
    const cmd = parseArgs(["backtest", "--data", "a.csv", "--strategy", "s.lua", "--from", "2022-01-01", "--to", "2023-03-31T12:00"])
    expect(cmd).toMatchObject({ from: Date.UTC(2022, 0, 1), to: Date.UTC(2023, 2, 31, 12) })
    expect(usage(["backtest", "--data", "a.csv", "--strategy", "s.lua", "--from", "2022-02-30"])).toBe('--from: expected a UTC date such as 2022-01-01 or 2022-01-01T12:00, got "2022-02-30"')
    expect(usage(["backtest", "--data", "a.csv", "--strategy", "s.lua", "--from", "2022-02-01", "--to", "2022-01-01"])).toBe("--to must be after --from")
  })

  it("--param overrides and --closewatch-timeout", () => {
    const base = ["backtest", "--data", "a.csv", "--strategy", "s.lua"]
    expect(parseArgs([...base, "--param", "fast=12", "slow=26", "--param", "mode=breakout"])).toMatchObject({
      params: { fast: "12", slow: "26", mode: "breakout" }
    })
    expect(usage([...base, "--param", "fast"])).toBe('--param: expected name=value, got "fast"')
    expect(usage([...base, "--param", "fast=1", "--param", "fast=2"])).toBe("--param: fast is given twice")
    expect(usage([...base, "--param", "2x=1"])).toBe('--param: expected name=value, got "2x=1"')
    expect(parseArgs([...base, "--closewatch-timeout", "12"])).toMatchObject({ closeWatchTimeout: { bars: 12 } })
    expect(parseArgs([...base, "--closewatch-timeout", "90m"])).toMatchObject({ closeWatchTimeout: { ms: 5_400_000 } })
    expect(parseArgs([...base, "--closewatch-timeout", "2d"])).toMatchObject({ closeWatchTimeout: { ms: 172_800_000 } })
    expect(usage([...base, "--closewatch-timeout", "1.5"])).toBe('--closewatch-timeout: a number of bars must be whole, got "1.5"')
    expect(usage([...base, "--closewatch-timeout", "soon"])).toBe(
      '--closewatch-timeout: expected a number of bars (12) or a duration (90m, 6h, 2d), got "soon"'
    )
  })

  it("validate --strategy [--param]", () => {
    expect(parseArgs(["validate", "--strategy", "s.lua", "--param", "fast=3"])).toEqual({ _tag: "validate", strategy: "s.lua", params: { fast: "3" } })
    expect(parseArgs(["validate", "--help"])).toEqual({ _tag: "help", topic: "validate" })
    expect(usage(["validate"])).toBe("--strategy <file.lua> is required")
    expect(usage(["validate", "--strategy", "s.lua", "x"])).toBe('unexpected argument "x"')
  })

  it("indicators --list [--json]", () => {
    expect(parseArgs(["indicators", "--list"])).toEqual({ _tag: "indicators", json: false })
    expect(parseArgs(["indicators", "--list", "--json"])).toEqual({ _tag: "indicators", json: true })
    expect(parseArgs(["indicators", "--help"])).toEqual({ _tag: "help", topic: "indicators" })
  })

  it("help and version", () => {
    expect(parseArgs([])).toEqual({ _tag: "help", topic: "main" })
    expect(parseArgs(["--help"])).toEqual({ _tag: "help", topic: "main" })
    expect(parseArgs(["backtest", "--help"])).toEqual({ _tag: "help", topic: "backtest" })
    expect(parseArgs(["--version"])).toEqual({ _tag: "version" })
  })

  it("commission as a fraction or a percentage, and refuses a likely mistake", () => {
    expect(parseCommission("0.001")).toBe(0.001)
    expect(parseCommission("0.1%")).toBeCloseTo(0.001, 15)
    expect(parseCommission("0")).toBe(0)
    expect(() => parseCommission("0.1")).toThrow("--commission: 0.1 is 10% per fill")
    expect(() => parseCommission("-1")).toThrow("--commission: expected a non-negative fraction")
  })

  it("clear messages for bad arguments", () => {
    expect(usage(["trade"])).toBe('unknown command "trade" (expected: backtest, validate or indicators)')
    expect(usage(["backtest", "--data", "a.csv", "--strategy", "s.lua", "--indicators", "rust"])).toBe('--indicators: expected typescript or ocaml, got "rust"')
    expect(usage(["indicators"])).toBe("indicators: give --list")
    expect(usage(["indicators", "--list", "--all"])).toBe("unknown option --all")
    expect(usage(["backtest", "--data", "a.csv"])).toBe("--strategy <file.lua> is required")
    expect(usage(["backtest", "--strategy", "s.lua"])).toBe("give --data <file>... or --simulate <SYM>...")
    expect(usage(["backtest", "--data", "--strategy", "s.lua"])).toBe("--data needs at least one value")
    expect(usage(["backtest", "--data", "a.csv", "--strategy", "s.lua", "--format", "xls"])).toBe('--format: expected auto, binance or ohlcv, got "xls"')
    expect(usage(["backtest", "--data", "a.csv", "--strategy", "s.lua", "--cash", "lots"])).toBe('--cash: expected a positive amount, got "lots"')
    expect(usage(["backtest", "--data", "a.csv", "--strategy", "s.lua", "--cash", "-5"])).toBe('--cash: expected a positive amount, got "-5"')
    expect(usage(["backtest", "--data", "a.csv", "--strategy", "s.lua", "--speed", "9"])).toBe("unknown option --speed")
    expect(usage(["backtest", "--data", "a.csv", "--simulate", "X", "--strategy", "s.lua"])).toBe("--data and --simulate cannot be combined")
    expect(usage(["backtest", "--simulate", "X", "--bars", "1.5", "--strategy", "s.lua"])).toBe('--bars: expected a positive integer, got "1.5"')
    expect(usage(["backtest", "--data", "a.csv", "--strategy"])).toBe("--strategy needs a value")
  })

  it("execution flags: fill model, intrabar rule, slippage, spread, commission schedule, volume cap, exchange info", () => {
    const base = ["backtest", "--data", "a.csv", "--strategy", "s.lua"]
    expect(parseArgs(base)).toMatchObject({ execution: undefined, risk: undefined, exchangeInfo: undefined })
    expect(parseArgs([
      ...base, "--fill", "same-close", "--intrabar", "path", "--slippage", "5bps", "--spread", "--commission", "0.1%",
      "--maker-commission", "0.08%", "--min-commission", "0.05", "--max-participation", "10%", "--exchange-info", "info.json"
    ])).toMatchObject({
      commission: 0.001,
      exchangeInfo: "info.json",
      execution: {
        marketFill: "same_bar_close",
        intrabar: "path",
        slippage: { kind: "bps", bps: 5 },
        spread: true,
        commission: { takerRate: 0.001, makerRate: 0.0008, minimum: 0.05 },
        maxParticipation: 0.1
      }
    })
    expect(parseArgs([...base, "--slippage", "2ticks", "--tick-size", "0.01"])).toMatchObject({ execution: { slippage: { kind: "ticks", ticks: 2, tickSize: 0.01 } } })
    expect(parseArgs([...base, "--slippage", "2ticks", "--exchange-info", "i.json"])).toMatchObject({ execution: { slippage: { kind: "ticks", ticks: 2 } } })
    expect(usage([...base, "--slippage", "2ticks"])).toBe("--slippage in ticks needs --tick-size, or --exchange-info for each symbol's tick size")
    expect(usage([...base, "--slippage", "5"])).toBe('--slippage: expected basis points (5bps) or ticks (2ticks), got "5"')
    expect(usage([...base, "--tick-size", "0.01"])).toBe("--tick-size only applies to --slippage in ticks")
    expect(usage([...base, "--fill", "close"])).toBe('--fill: expected next-open or same-close, got "close"')
    expect(usage([...base, "--intrabar", "optimistic"])).toBe('--intrabar: expected conservative or path, got "optimistic"')
    expect(usage([...base, "--max-participation", "2"])).toBe('--max-participation: expected at most 1, got "2"')
    expect(usage([...base, "--maker-commission", "0.5"])).toBe("--maker-commission: 0.5 is 50% per fill; write a fraction (0.001) or a percentage (0.1%)")
  })

  it("risk flags", () => {
    const base = ["backtest", "--data", "a.csv", "--strategy", "s.lua"]
    expect(parseArgs([
      ...base, "--risk-per-trade", "1%", "--max-drawdown", "0.2", "--flatten-on-kill", "--daily-loss-limit", "5%",
      "--max-open-positions", "2", "--max-exposure", "1.5"
    ])).toMatchObject({
      risk: { riskPerTrade: 0.01, maxDrawdown: 0.2, flattenOnKill: true, dailyLossLimit: 0.05, maxOpenPositions: 2, maxGrossExposure: 1.5 }
    })
    expect(usage([...base, "--flatten-on-kill"])).toBe("--flatten-on-kill needs --max-drawdown")
    expect(usage([...base, "--risk-per-trade", "0"])).toBe('--risk-per-trade: expected a fraction such as 0.01 or a percentage such as 1%, got "0"')
    expect(usage([...base, "--max-open-positions", "1.5"])).toBe('--max-open-positions: expected a positive integer, got "1.5"')
    expect(parseFraction("--x", "2.5%")).toBeCloseTo(0.025, 15)
    expect(parseSlippage("1.5 ticks")).toEqual({ kind: "ticks", ticks: 1.5 })
  })

  it("the Lua sandbox flags and the strategy-error policy", () => {
    const cmd = parseArgs(["backtest", "--data", "a.csv", "--strategy", "s.lua", "--isolation", "worker", "--instruction-limit", "20000",
      "--call-timeout", "250ms", "--memory-limit", "96MiB", "--coroutines", "--on-strategy-error", "flatten"])
    expect(cmd).toMatchObject({ lua: { isolation: "worker", instructionLimit: 20_000, timeoutMs: 250, memoryLimitMb: 96, coroutines: true }, onStrategyError: "flatten" })
    const plain = parseArgs(["backtest", "--data", "a.csv", "--strategy", "s.lua"])
    expect(plain).toMatchObject({ lua: undefined, onStrategyError: undefined })
    expect(usage(["backtest", "--data", "a.csv", "--strategy", "s.lua", "--isolation", "thread"])).toBe(`--isolation: expected none or worker, got "thread"`)
    expect(usage(["backtest", "--data", "a.csv", "--strategy", "s.lua", "--instruction-limit", "1.5"])).toBe(`--instruction-limit: expected a positive integer, got "1.5"`)
    expect(usage(["backtest", "--data", "a.csv", "--strategy", "s.lua", "--isolation", "worker", "--memory-limit", "8"]))
      .toBe(`--memory-limit: expected a whole number of MiB, at least 16, got "8"`)
    expect(usage(["backtest", "--data", "a.csv", "--strategy", "s.lua", "--on-strategy-error", "ignore"])).toBe(`--on-strategy-error: expected manage or flatten, got "ignore"`)
  })

  it("a margin account: --leverage and --maintenance-margin", () => {
    const base = ["backtest", "--data", "a.csv", "--strategy", "s.lua"]
    expect(parseArgs([...base, "--leverage", "3x", "--maintenance-margin", "25%"])).toMatchObject({ margin: { leverage: 3, maintenance: 0.25 } })
    expect(parseArgs([...base, "--leverage", "2"])).toMatchObject({ margin: { leverage: 2 } })
    expect(parseArgs(base)).toMatchObject({ margin: undefined })
    expect(usage([...base, "--leverage", "0.5"])).toBe(`--leverage: expected a multiple of equity of at least 1 such as 2 or 2x, got "0.5"`)
    expect(usage([...base, "--maintenance-margin", "10%"])).toBe("--maintenance-margin needs --leverage")
    expect(usage([...base, "--leverage", "4", "--maintenance-margin", "0.3"])).toBe("--maintenance-margin: must be below the initial margin 1/leverage (0.25), got 0.3")
  })
})
