/**
 * The real `trading-engine` command, end to end, as a user runs it: `bin/trading-engine.mjs` spawned with the Node
 * running the tests (the project's pinned Node) from the repository root, with pipes for stdout and stderr (so not a
 * terminal), writing into a temporary folder. `test/cli/args.test.ts` covers parsing in-process; this file checks
 * what reaches the user: exit codes, messages, `result.json`, `report.html`.
 *
 * Facts checked against their sources:
 * - the 25 gaps of the BTCUSDT 6-column file are the ones listed in `shared/data/market/binance_btcusdt_1h_6col/
 *   README.md` ("Checks done here");
 * - the truncated ETHUSDT bar of 2023-03-24 12:00 (Binance outage) is the one described in
 *   `shared/data/market/binance_spot_klines_dump/README.md`, line 565 of `ETHUSDT-1h-2023-03.csv`.
 */
import { execFile, spawnSync, type SpawnSyncReturns } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { BacktestResult } from "../../src/backtest/result.ts"
import { indicatorRegistry } from "../../src/indicators/registry.ts"
import { dataFile, repoFile } from "../support/data.ts"
import { BTC_6COL_GAPS } from "../support/btc-gaps.ts"

const ROOT = repoFile()
const BIN = repoFile("bin", "trading-engine.mjs")
const DEMO_DATA = ["fixtures/sim/SIM-A_1h.csv", "fixtures/sim/SIM-B_1h.csv"]
const EMA_LUA = "strategies/ema_crossover.lua"

/**
 * Golden facts of the demo run (`npm run demo`: ema_crossover.lua on the two bundled SIM fixtures, default cash
 * 10,000 and commission 0.1%). The run is deterministic; these were recorded from it. If they change, a change in
 * the engine, the fill model, the strategy or the fixtures changed the demo's behaviour: check it was intended,
 * then update them.
 */
const GOLDEN_DEMO = {
  bars: 10_000,
  tradeCount: 147,
  finalEquity: 15155.999046403762
} as const

const BTC_GAPS = BTC_6COL_GAPS

const H = 3_600_000
const utc = (s: string): number => Date.parse(`${s.replace(" ", "T")}:00Z`)
const iso = (ms: number): string => new Date(ms).toISOString().replace(".000Z", "Z")

interface Run {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

const check = (r: SpawnSyncReturns<string>): Run => {
  if (r.error !== undefined) throw r.error
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

/**
 * Runs the CLI like `node bin/trading-engine.mjs …` from the repository root, stdout and stderr piped. Asynchronous,
 * so the event loop stays free while a run takes its time.
 */
const cli = (...args: ReadonlyArray<string>): Promise<Run> =>
  new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8", timeout: 60_000, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== "number") reject(error)
      else resolve({ status: error === null ? 0 : (error.code as number), stdout, stderr })
    })
  })

/** The run's exit code and output, so a failing assertion shows what the CLI said. */
const show = (r: Run): string => `exit ${r.status}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`

let tmp = ""
const tmpPath = (...parts: ReadonlyArray<string>): string => path.join(tmp, ...parts)
const readResult = (dir: string): BacktestResult => JSON.parse(fs.readFileSync(path.join(dir, "result.json"), "utf8")) as BacktestResult

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "trading-engine-e2e-"))
})
afterAll(() => {
  if (tmp !== "") fs.rmSync(tmp, { recursive: true, force: true })
})

/** A number from result.json, where non-finite values are written as strings ("Infinity"). */
const num = (v: unknown): number => (typeof v === "number" ? v : Number(v))

/** Trades, equity curve and metrics of a result.json agree with each other. */
const assertConsistent = (r: BacktestResult): void => {
  const m = r.metrics
  const { timestamps, equity } = r.equity
  expect(equity.length).toBe(timestamps.length)
  expect(equity.length).toBeGreaterThan(0)
  for (let i = 1; i < timestamps.length; i++) {
    if (!(timestamps[i]! > timestamps[i - 1]!)) throw new Error(`equity timestamps not increasing at ${i}`)
  }
  expect(m.start).toBe(timestamps[0])
  expect(m.end).toBe(timestamps[timestamps.length - 1])
  expect(equity[equity.length - 1]).toBe(m.finalEquity)
  expect(m.totalReturn).toBeCloseTo(m.finalEquity / m.initialCash - 1, 12)
  expect(m.tradeCount).toBe(r.trades.length)
  // Every position is closed at the end of the data, so the trades account for all of the profit or loss.
  const pnl = r.trades.reduce((s, t) => s + t.pnl, 0)
  expect(Math.abs(pnl - (m.finalEquity - m.initialCash))).toBeLessThan(1e-6)
  expect(Math.abs(r.trades.reduce((s, t) => s + t.fees, 0) - m.totalFees)).toBeLessThan(1e-6)
  const wins = r.trades.filter((t) => t.pnl > 0).length
  expect(m.winRate).toBeCloseTo(r.trades.length === 0 ? 0 : wins / r.trades.length, 12)
  const grossProfit = r.trades.reduce((s, t) => s + Math.max(t.pnl, 0), 0)
  const grossLoss = r.trades.reduce((s, t) => s + Math.max(-t.pnl, 0), 0)
  if (grossLoss > 0) expect(num(m.profitFactor)).toBeCloseTo(grossProfit / grossLoss, 9)
  let peak = -Infinity
  let worst = 0
  for (const e of equity) {
    peak = Math.max(peak, e)
    worst = Math.max(worst, (peak - e) / peak)
  }
  expect(m.maxDrawdown).toBeCloseTo(worst, 12)
  for (const t of r.trades) {
    expect(r.symbols).toContain(t.symbol)
    expect(t.exitTime).toBeGreaterThanOrEqual(t.entryTime)
    expect(t.entryTime).toBeGreaterThanOrEqual(m.start!)
    expect(t.exitTime).toBeLessThanOrEqual(m.end!)
    expect(t.quantity).toBeGreaterThan(0)
    expect(t.fees).toBeGreaterThanOrEqual(0)
  }
  // Each trade was opened by exactly one filled entry order.
  const filledEntries = r.orders.filter((o) => o.status === "filled" && o.action.startsWith("enter_"))
  expect(filledEntries.length).toBe(r.trades.length)
}

describe("trading-engine CLI: the demo run on the bundled fixtures", () => {
  const out = () => tmpPath("demo")
  let run: Run

  beforeAll(async () => {
    run = await cli("backtest", "--data", ...DEMO_DATA, "--strategy", EMA_LUA, "--out", out())
  })

  it("exits 0 with the summary table on stdout and nothing on stderr (not a terminal: no progress)", () => {
    expect(run.status, show(run)).toBe(0)
    expect(run.stderr).toBe("")
    expect(run.stdout).toContain("Strategy  ema_crossover")
    expect(run.stdout).toContain("Symbols   SIM-A, SIM-B")
    expect(run.stdout).toMatch(/\| Metric +\| +Value \|/)
    for (const label of ["Total return", "Max drawdown", "Sharpe ratio", "Trades", "Win rate", "Profit factor", "Fees", "Initial equity", "Final equity"]) {
      expect(run.stdout).toMatch(new RegExp(`\\| ${label} +\\| +\\S.* \\|`))
    }
    expect(run.stdout).toContain(`Wrote ${path.join(out(), "result.json")} and ${path.join(out(), "report.html")}`)
  })

  it("writes a result.json whose trades, equity curve and metrics agree", () => {
    const r = readResult(out())
    expect(r.strategy).toBe("ema_crossover")
    expect(r.symbols).toEqual(["SIM-A", "SIM-B"])
    expect(r.failures).toEqual([])
    assertConsistent(r)
  })

  it("matches the recorded golden facts (trade count, final equity, bars)", () => {
    const r = readResult(out())
    expect(r.metrics.bars).toBe(GOLDEN_DEMO.bars)
    expect(r.trades.length).toBe(GOLDEN_DEMO.tradeCount)
    expect(Math.abs(r.metrics.finalEquity - GOLDEN_DEMO.finalEquity)).toBeLessThan(1e-6)
    // The summary table shows the same numbers.
    expect(run.stdout).toMatch(new RegExp(`\\| Trades +\\| +${GOLDEN_DEMO.tradeCount} \\|`))
    const shown = GOLDEN_DEMO.finalEquity.toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ",")
    expect(run.stdout).toMatch(new RegExp(`\\| Final equity +\\| +${shown} \\|`))
  })

  it("writes a standalone report.html that loads nothing from the network", () => {
    const html = fs.readFileSync(path.join(out(), "report.html"), "utf8")
    // Matches are collected (not the whole file asserted) so a failure shows the offending text, not 800 kB of HTML.
    const found = (re: RegExp): Array<string> => [...html.matchAll(re)].map((m) => html.slice(Math.max(0, m.index - 40), m.index + m[0].length + 40))
    expect(html.slice(0, 15).toLowerCase()).toBe("<!doctype html>")
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none';/)
    // The only URL text allowed is uPlot's licence banner (a comment in the inlined script), which loads nothing.
    const urls = found(/\b(?:https?|wss?|ftp):\/\/[^\s"'<>)]*/gi).filter((s) => !s.includes("/*! https://github.com/leeoniya/uPlot"))
    expect(urls).toEqual([])
    expect(found(/\b(?:src|href|action|srcset)\s*=\s*["']?(?!data:|#)[^\s"'>]+/gi)).toEqual([])
    expect(found(/url\(\s*["']?(?!data:|#)[^)]/gi)).toEqual([])
    expect(found(/@import\b|\bimport\s*\(|\bfetch\s*\(|XMLHttpRequest|new WebSocket|sendBeacon/g)).toEqual([])
  })
})

describe("trading-engine CLI: real data", () => {
  it("runs the BTCUSDT 6-column file (62,482 bars) and lists its 25 gaps; no progress on a non-terminal stderr", async () => {
    const file = dataFile("market", "binance_btcusdt_1h_6col", "BTCUSDT_1h_2018-02-09_2025-03-31.csv")
    const out = tmpPath("btc")
    const run = await cli("backtest", "--data", file, "--strategy", EMA_LUA, "--out", out)
    expect(run.status, show(run)).toBe(0)
    // 62,482 bars is past the 50,000-bar progress step, without --quiet: only a terminal would get progress.
    expect(run.stderr).toBe("")

    const missing = BTC_GAPS.reduce((s, [, step]) => s + step - 1, 0)
    expect(missing).toBe(88)
    expect(run.stdout).toContain("Data quality:")
    expect(run.stdout).toContain(`BTCUSDT: 62482 bars 2018-02-09T16:00:00Z → 2025-03-31T17:00:00Z, 25 gap(s), ${missing} missing bar(s)`)
    for (const [after, step] of BTC_GAPS.slice(0, 5)) {
      expect(run.stdout).toContain(`gap after ${iso(utc(after))}: next bar ${iso(utc(after) + step * H)} (${step - 1} missing)`)
    }
    expect(run.stdout).toContain("… 20 more gap(s) in result.json")
    expect(run.stdout).toContain("suspect 2023-03-24T12:00:00Z")

    const r = readResult(out)
    const q = r.quality.symbols
    expect(q.map((s) => s.symbol)).toEqual(["BTCUSDT"])
    expect(q[0]!.bars).toBe(62_482)
    expect(q[0]!.gaps.map((g) => [g.after, g.next, g.missingBars])).toEqual(
      BTC_GAPS.map(([after, step]) => [utc(after), utc(after) + step * H, step - 1])
    )
    expect(r.failures).toEqual([])
    assertConsistent(r)
  })

  it("runs the 15 ETHUSDT dump files with --format binance and reports the truncated 2023-03-24 12:00 bar", async () => {
    const dir = dataFile("market", "binance_spot_klines_dump")
    const files = fs.readdirSync(dir).filter((f) => /^ETHUSDT-1h-.*\.csv$/.test(f)).sort().map((f) => path.join(dir, f))
    expect(files.length).toBe(15)
    const out = tmpPath("eth")
    const run = await cli("backtest", "--format", "binance", "--data", ...files, "--strategy", EMA_LUA, "--out", out)
    expect(run.status, show(run)).toBe(0)
    expect(run.stderr).toBe("")
    expect(run.stdout).toContain("ETHUSDT: 10919 bars 2022-01-01T00:00:00Z → 2023-03-31T23:00:00Z, 1 gap(s), 1 missing bar(s), 1 suspect bar(s)")
    expect(run.stdout).toMatch(/suspect 2023-03-24T12:00:00Z \(.*ETHUSDT-1h-2023-03\.csv:565\): truncated bar/)
    expect(run.stdout).toContain("gap after 2023-03-24T12:00:00Z: next bar 2023-03-24T14:00:00Z (1 missing)")

    const r = readResult(out)
    const suspects = r.quality.symbols[0]!.suspectBars
    expect(suspects.map((s) => [s.timestamp, path.basename(s.file), s.line])).toEqual([[1679659200000, "ETHUSDT-1h-2023-03.csv", 565]])
    assertConsistent(r)
  })

  it("BTCUSDT (6-column, 2018–2025) + ETHUSDT (15 dumps) in one account over their common period (--period common)", async () => {
    const dir = dataFile("market", "binance_spot_klines_dump")
    const eth = fs.readdirSync(dir).filter((f) => /^ETHUSDT-1h-.*\.csv$/.test(f)).sort().map((f) => path.join(dir, f))
    const btc = dataFile("market", "binance_btcusdt_1h_6col", "BTCUSDT_1h_2018-02-09_2025-03-31.csv")
    const out = tmpPath("btc-eth")
    const run = await cli("backtest", "--data", btc, ...eth, "--period", "common", "--strategy", EMA_LUA, "--out", out)
    expect(run.status, show(run)).toBe(0)
    expect(run.stdout).toContain("BTCUSDT: 10919 bars 2022-01-01T00:00:00Z → 2023-03-31T23:00:00Z")
    expect(run.stdout).toContain("ETHUSDT: 10919 bars 2022-01-01T00:00:00Z → 2023-03-31T23:00:00Z")
    const r = readResult(out)
    expect(r.symbols).toEqual(["BTCUSDT", "ETHUSDT"])
    assertConsistent(r)
    // both symbols trade, from one cash balance
    for (const symbol of r.symbols) expect(r.trades.filter((t) => t.symbol === symbol).length, symbol).toBeGreaterThan(10)
    // the shared account: the symbols' P&L curves add up to the equity minus the initial cash at every point
    const curves = r.symbolEquity!
    expect(curves.map((c) => c.symbol)).toEqual(["BTCUSDT", "ETHUSDT"])
    for (let i = 0; i < r.equity.equity.length; i++) {
      const sum = curves[0]!.pnl[i]! + curves[1]!.pnl[i]!
      if (Math.abs(r.metrics.initialCash + sum - r.equity.equity[i]!) > 1e-6) throw new Error(`point ${i}: ${r.metrics.initialCash} + ${sum} != ${r.equity.equity[i]}`)
    }
    const a = r.account!
    expect(a.symbols.map((s) => s.symbol)).toEqual(["BTCUSDT", "ETHUSDT"])
    expect(a.realizedPnl).toBeCloseTo(a.symbols.reduce((x, s) => x + s.realizedPnl, 0), 6)
    expect(a.cash).toBeCloseTo(r.metrics.finalEquity, 6) // everything is closed at the end of the data
  })
})

describe("trading-engine validate and --param", () => {
  const PARAMS_LUA = [
    'local FAST = param("fast", { default = 12, min = 2, max = 200, description = "fast EMA period" })',
    'local SLOW = param("slow", { default = 26, min = 3, max = 400 })',
    "function detect_opportunity(md, ctx, ind)",
    "  local f, s = ind.ema(FAST), ind.ema(SLOW)",
    "  if f == nil or s == nil then return nil end",
    "  if f > s and not ctx.long then ctx.long = true return { action = 'enter_long', quantity = 0.5 } end",
    "  if f < s then ctx.long = false end",
    "end",
    "function filter_commitment() end",
    "function manage_position(md, ctx, ind)",
    "  if ind.ema(FAST) < ind.ema(SLOW) then ctx.long = false return { action = 'exit' } end",
    "end"
  ].join("\n")

  it("a valid script: exit 0 and its declared parameters with the values in effect", async () => {
    const file = tmpPath("params.lua")
    fs.writeFileSync(file, PARAMS_LUA)
    const run = await cli("validate", "--strategy", file, "--param", "fast=5")
    expect(run.status, show(run)).toBe(0)
    expect(run.stdout).toContain(`${file}: ok`)
    expect(run.stdout).toContain("fast = 5 (default 12)  integer 2..200  fast EMA period")
    expect(run.stdout).toContain("slow = 26  integer 3..400")
  })

  it("a broken script or a bad override: exit 4 with file, line and reason", async () => {
    const broken = tmpPath("broken.lua")
    fs.writeFileSync(broken, "function detect_opportunity()\n  if then\nend\n")
    const syntax = await cli("validate", "--strategy", broken)
    expect(syntax.status, show(syntax)).toBe(4)
    expect(syntax.stderr).toContain(`${broken}:2: syntax:`)
    const missing = tmpPath("missing.lua")
    fs.writeFileSync(missing, "function detect_opportunity() end")
    const m = await cli("validate", "--strategy", missing)
    expect(m.status, show(m)).toBe(4)
    expect(m.stderr).toContain("missing function(s): filter_commitment, manage_position")
    const file = tmpPath("params.lua")
    fs.writeFileSync(file, PARAMS_LUA)
    const bad = await cli("validate", "--strategy", file, "--param", "fast=1")
    expect(bad.status, show(bad)).toBe(4)
    expect(bad.stderr).toContain("params: fast: must be >= 2, got 1")
    const unknown = await cli("validate", "--strategy", file, "--param", "fastt=3")
    expect(unknown.stderr).toContain("fastt: unknown parameter (declared: fast, slow)")
  })

  it("backtest --param changes the run, and the defaults reproduce the run without --param", async () => {
    const file = tmpPath("params.lua")
    fs.writeFileSync(file, PARAMS_LUA)
    const base = ["backtest", "--data", ...DEMO_DATA, "--strategy", file, "--quiet"]
    const plain = await cli(...base, "--out", tmpPath("p-plain"))
    const same = await cli(...base, "--out", tmpPath("p-same"), "--param", "fast=12", "slow=26")
    const other = await cli(...base, "--out", tmpPath("p-other"), "--param", "fast=5", "--param", "slow=60")
    for (const r of [plain, same, other]) expect(r.status, show(r)).toBe(0)
    expect(readResult(tmpPath("p-same")).trades).toEqual(readResult(tmpPath("p-plain")).trades)
    expect(readResult(tmpPath("p-other")).trades).not.toEqual(readResult(tmpPath("p-plain")).trades)
    const bad = await cli(...base, "--out", tmpPath("p-bad"), "--param", "slow=abc")
    expect(bad.status, show(bad)).toBe(4)
    expect(bad.stderr).toContain("slow: expected a finite number, got \"abc\"")
  })
})

describe("trading-engine backtest --config (fixtures/config/demo.toml)", () => {
  const DEMO_CONFIG = "fixtures/config/demo.toml"

  it("runs the demo from the config file: the same trades and equity as the same settings given as flags", async () => {
    const fromConfig = await cli("backtest", "--config", DEMO_CONFIG, "--out", tmpPath("cfg"), "--quiet")
    const fromFlags = await cli("backtest", "--data", ...DEMO_DATA, "--strategy", EMA_LUA, "--max-drawdown", "50%", "--out", tmpPath("cfg-flags"), "--quiet")
    for (const r of [fromConfig, fromFlags]) expect(r.status, show(r)).toBe(0)
    expect(fromConfig.stderr).toBe("")
    const a = readResult(tmpPath("cfg"))
    const b = readResult(tmpPath("cfg-flags"))
    expect(a.trades).toEqual(b.trades)
    expect(a.equity).toEqual(b.equity)
    expect(a.trades.length).toBe(GOLDEN_DEMO.tradeCount)
    expect(a.metrics.finalEquity).toBe(GOLDEN_DEMO.finalEquity)
  })

  it("--param on the command line overrides the file's [strategy.params]", async () => {
    const over = await cli("backtest", "--config", DEMO_CONFIG, "--param", "fast=5", "--out", tmpPath("cfg-fast5"), "--quiet")
    const flags = await cli("backtest", "--data", ...DEMO_DATA, "--strategy", EMA_LUA, "--max-drawdown", "50%", "--param", "fast=5", "--out", tmpPath("cfg-fast5-flags"), "--quiet")
    for (const r of [over, flags]) expect(r.status, show(r)).toBe(0)
    expect(readResult(tmpPath("cfg-fast5")).trades).toEqual(readResult(tmpPath("cfg-fast5-flags")).trades)
    expect(readResult(tmpPath("cfg-fast5")).trades.length).not.toBe(GOLDEN_DEMO.tradeCount)
  })

  it("validate --config lists the parameters with the file's values", async () => {
    const r = await cli("validate", "--config", DEMO_CONFIG, "--param", "slow=30")
    expect(r.status, show(r)).toBe(0)
    expect(r.stdout).toContain("strategies/ema_crossover.lua: ok")
    expect(r.stdout).toMatch(/^ {2}fast = 12 {2}integer/m)
    expect(r.stdout).toMatch(/^ {2}slow = 30 \(default 26\)/m)
  })

  it("a bad config exits 2 naming file:line and key; a parameter the strategy refuses exits 4 saying where it is set", async () => {
    const bad = tmpPath("bad.toml")
    fs.writeFileSync(bad, `[data]\nfiles = ["${path.join(ROOT, DEMO_DATA[0]!)}"]\n[strategy]\nfile = "${path.join(ROOT, EMA_LUA)}"\n[risk]\nmax_drawdown = 2\n`)
    const r = await cli("backtest", "--config", bad)
    expect(r.status, show(r)).toBe(2)
    expect(r.stderr).toContain(`${bad}:6: risk.max_drawdown: expected at most 1, got "2"`)
    const refused = tmpPath("refused.toml")
    fs.writeFileSync(refused, `[data]\nfiles = ["${path.join(ROOT, DEMO_DATA[0]!)}"]\n[strategy]\nfile = "${path.join(ROOT, EMA_LUA)}"\n[strategy.params]\nfast = 0\n`)
    const p = await cli("backtest", "--config", refused, "--out", tmpPath("refused"))
    expect(p.status, show(p)).toBe(4)
    expect(p.stderr).toContain("ema_crossover.lua:24: params: fast: must be >= 1, got 0")
    expect(p.stderr).toContain(`fast is set at ${refused}:6: strategy.params.fast`)
  })
})

describe("trading-engine indicators --list", () => {
  it("prints the registry: every indicator with its inputs, parameter defaults, outputs and lookback", async () => {
    const run = await cli("indicators", "--list")
    expect(run.status, show(run)).toBe(0)
    expect(run.stderr).toBe("")
    const lines = run.stdout.trimEnd().split("\n")
    expect(lines[0]).toMatch(/^name\s+inputs\s+parameters \(defaults\)\s+outputs\s+lookback\s+title$/)
    const rows = new Map(lines.slice(2).map((l) => [l.split(/\s+/)[0]!, l]))
    expect([...rows.keys()].sort()).toEqual(indicatorRegistry.map((s) => s.name).sort())
    expect(rows.get("macd")).toMatch(/^macd\s+close\s+fastPeriod=12 slowPeriod=26 signalPeriod=9\s+macd,signal,histogram\s+33\s+/)
    expect(rows.get("stoch")).toMatch(/^stoch\s+high,low,close\s+kPeriod=14 kSlowing=3 dPeriod=3\s+k,d\s+17\s+/)
    expect(rows.get("rsi")).toMatch(/^rsi\s+close\s+period=14\s+value\s+14\s+/)
  })

  it("--json gives the parameter bounds too", async () => {
    const run = await cli("indicators", "--list", "--json")
    expect(run.status, show(run)).toBe(0)
    const list = JSON.parse(run.stdout) as Array<{ name: string; params: Array<{ name: string; min: number; max: number }>; lookbackAtDefaults: number }>
    const bb = list.find((e) => e.name === "bbands")!
    expect(bb.params.map((p) => p.name)).toEqual(["period", "k"])
    expect(bb.lookbackAtDefaults).toBe(19)
    expect(list.find((e) => e.name === "sma")!.params[0]).toMatchObject({ min: 1, max: 100_000 })
  })

  it("without --list is a usage error (exit 2)", async () => {
    const run = await cli("indicators")
    expect(run.status, show(run)).toBe(2)
    expect(run.stderr).toContain("indicators: give --list")
    expect(run.stderr).toContain("trading-engine indicators --help")
  })
})

describe("trading-engine CLI: bad arguments exit 2 with a message", () => {
  const demo = ["--data", ...DEMO_DATA, "--strategy", EMA_LUA]

  it("an unknown option", async () => {
    const run = await cli("backtest", ...demo, "--bogus", "1")
    expect(run.status, show(run)).toBe(2)
    expect(run.stdout).toBe("")
    expect(run.stderr).toContain("trading-engine: unknown option --bogus")
    expect(run.stderr).toContain("Run 'trading-engine backtest --help' for usage.")
  })

  it("a missing --strategy", async () => {
    const run = await cli("backtest", "--data", ...DEMO_DATA)
    expect(run.status, show(run)).toBe(2)
    expect(run.stderr).toContain("--strategy <file.lua> is required")
  })

  it("a data file that does not exist, named in the message; nothing is written", async () => {
    const missing = tmpPath("no-such-dir", "BTCUSDT-1h-2099-01.csv")
    const out = tmpPath("missing-data-out")
    const run = await cli("backtest", "--data", missing, "--strategy", EMA_LUA, "--out", out)
    expect(run.status, show(run)).toBe(2)
    expect(run.stdout).toBe("")
    expect(run.stderr).toContain(`cannot read ${missing}`)
    expect(fs.existsSync(out)).toBe(false)
  })

  it("a bad --commission (not a number, or a percentage written as a fraction)", async () => {
    const notNumber = await cli("backtest", ...demo, "--commission", "abc")
    expect(notNumber.status, show(notNumber)).toBe(2)
    expect(notNumber.stderr).toContain(`--commission: expected a non-negative fraction such as 0.001 or a percentage such as 0.1%, got "abc"`)
    const tooLarge = await cli("backtest", ...demo, "--commission", "5")
    expect(tooLarge.status, show(tooLarge)).toBe(2)
    expect(tooLarge.stderr).toContain("--commission: 5 is 500% per fill")
  })
})

describe("trading-engine CLI: bad data and strategy errors", () => {
  /** A headered OHLCV file whose line 4 (the third data row) has a non-numeric close. */
  let badFile = ""
  beforeAll(() => {
    badFile = tmpPath("BADCLOSE_1h.csv")
    const lines = fs.readFileSync(repoFile("fixtures", "sim", "SIM-A_1h.csv"), "utf8").split("\n").slice(0, 60)
    expect(lines[0]!.split(",")[4]).toBe("close")
    const cells = lines[3]!.split(",")
    cells[4] = "n/a"
    lines[3] = cells.join(",")
    fs.writeFileSync(badFile, lines.join("\n") + "\n")
  })

  it("a non-numeric close exits 3 naming file:line:column and the field", async () => {
    const file = badFile
    const run = await cli("backtest", "--data", file, "--strategy", EMA_LUA, "--out", tmpPath("bad-fail"))
    expect(run.status, show(run)).toBe(3)
    expect(run.stdout).toBe("")
    expect(run.stderr).toContain(`${file}:4:5: close: `)
    expect(run.stderr).toContain(`"n/a"`)
  })

  it("with --bad-rows skip the same file runs (exit 0) and stdout reports the skipped row", async () => {
    const file = badFile
    const out = tmpPath("bad-skip")
    const run = await cli("backtest", "--data", file, "--strategy", EMA_LUA, "--out", out, "--bad-rows", "skip")
    expect(run.status, show(run)).toBe(0)
    expect(run.stdout).toContain("skipped 1 bad row(s):")
    expect(run.stdout).toContain(`${file}:4:5: close: `)
    const r = readResult(out)
    expect(r.quality.skippedRows).toBe(1)
    expect(r.metrics.bars).toBe(58)
    // The skipped row leaves a hole in the time grid, reported as a gap rather than filled in.
    expect(r.quality.symbols[0]!.gaps.map((g) => g.missingBars)).toEqual([1])
  })

  it("a Lua syntax error exits 4 naming file.lua:line", async () => {
    const file = tmpPath("syntax_error.lua")
    fs.writeFileSync(file, [
      "function detect_opportunity(market_data, context, indicators)",
      "  if market_data.close > 0 then",
      "    return { action = \"start_analyzing\"",
      "  end",
      "end"
    ].join("\n"))
    const run = await cli("backtest", "--data", DEMO_DATA[0]!, "--strategy", file, "--out", tmpPath("syntax-out"))
    expect(run.status, show(run)).toBe(4)
    expect(run.stderr).toMatch(new RegExp(`strategy error: ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:4: syntax: `))
  })

  it("a runtime error in detect_opportunity exits 0 and stdout lists the strategy failure with the script line", async () => {
    const file = tmpPath("runtime_error.lua")
    fs.writeFileSync(file, [
      "function detect_opportunity(market_data, context, indicators)",
      "  local missing = nil",
      "  if market_data.close > 0 then",
      "    return missing.field",
      "  end",
      "end",
      "function filter_commitment(market_data, context, indicators) return nil end",
      "function manage_position(market_data, context, indicators) return nil end"
    ].join("\n"))
    const out = tmpPath("runtime-out")
    const run = await cli("backtest", "--data", DEMO_DATA[0]!, "--strategy", file, "--out", out)
    expect(run.status, show(run)).toBe(0)
    expect(run.stdout).toContain("Strategy failures (the symbol stopped opening positions):")
    expect(run.stdout).toContain(`SIM-A at 2024-01-01T00:00:00Z: ${file}:4: runtime: attempt to index a nil value`)
    const r = readResult(out)
    expect(r.failures.length).toBe(1)
    expect(r.trades).toEqual([])
  })
})

describe("trading-engine CLI: TypeScript strategy modules", () => {
  it("--strategy strategies/ema_crossover.ts makes the same trades as the Lua script on the demo data", async () => {
    const ts = await cli("backtest", "--data", ...DEMO_DATA, "--strategy", "strategies/ema_crossover.ts", "--quiet", "--out", tmpPath("ts-demo"))
    expect(ts.status, show(ts)).toBe(0)
    expect(ts.stderr).toBe("")
    const r = readResult(tmpPath("ts-demo"))
    expect(r.strategy).toBe("ema_crossover.ts")
    expect(r.trades.length).toBe(GOLDEN_DEMO.tradeCount)
    expect(r.metrics.finalEquity).toBe(GOLDEN_DEMO.finalEquity)
  })

  it("a module with declared parameters takes --param; validate lists them; a syntax error exits 4 at file:line:column", async () => {
    const file = tmpPath("tuned.ts")
    fs.writeFileSync(file, `import { defineStrategy } from ${JSON.stringify(path.join(ROOT, "src", "strategy", "typescript.ts"))}
export default defineStrategy({
  name: "tuned",
  params: { fast: { default: 12, min: 2, max: 100, description: "fast EMA" }, slow: { default: 26, min: 3, max: 400 } },
  detectOpportunity: (bar, ctx, ind, p) => {
    const f = ind.ema(p.fast), s = ind.ema(p.slow)
    return f !== undefined && s !== undefined && f > s ? { action: "enter_long", quantity: 0.5 } : undefined
  },
  filterCommitment: () => undefined,
  managePosition: (bar, ctx, ind, p) => {
    const f = ind.ema(p.fast), s = ind.ema(p.slow)
    return f !== undefined && s !== undefined && f < s ? { action: "exit" } : undefined
  }
})
`)
    const valid = await cli("validate", "--strategy", file, "--param", "fast=8")
    expect(valid.status, show(valid)).toBe(0)
    expect(valid.stdout).toContain("ok (tuned: detectOpportunity, filterCommitment, managePosition)")
    expect(valid.stdout).toMatch(/^ {2}fast = 8 \(default 12\) {2}integer 2\.\.100 {2}fast EMA$/m)
    const base = ["backtest", "--data", DEMO_DATA[0]!, "--strategy", file, "--quiet"]
    const a = await cli(...base, "--out", tmpPath("tuned-a"))
    const b = await cli(...base, "--param", "fast=5", "slow=60", "--out", tmpPath("tuned-b"))
    for (const r of [a, b]) expect(r.status, show(r)).toBe(0)
    expect(readResult(tmpPath("tuned-a")).trades).not.toEqual(readResult(tmpPath("tuned-b")).trades)
    const refused = await cli(...base, "--param", "fast=1", "--out", tmpPath("tuned-c"))
    expect(refused.status, show(refused)).toBe(4)
    expect(refused.stderr).toContain(`${file}: params: fast: must be >= 2, got 1`)

    const broken = tmpPath("broken.ts")
    fs.writeFileSync(broken, "export default {{\n")
    const syntax = await cli("validate", "--strategy", broken)
    expect(syntax.status, show(syntax)).toBe(4)
    expect(syntax.stderr).toContain(`${broken}: load: cannot import the module: ${broken}:1:16: Expected identifier but found "{"`)
  })
})

describe("trading-engine CLI: the Lua sandbox flags", () => {
  /** Busy once (bar 50 of a symbol: a 200,000-step loop, about 400k instructions), enters on bar 10, fails on bar 30. */
  const PROBE_LUA = `
local n = 0
function detect_opportunity(market_data, context, indicators)
  n = n + 1
  if n == 50 then
    local t = 0
    for i = 1, 200000 do t = t + i end
  end
  if n == 10 then return { action = "enter_long", quantity = 0.5, stop_loss = market_data.close * 0.01 } end
  return nil
end
function filter_commitment(market_data, context, indicators) return nil end
function manage_position(market_data, context, indicators)
  n = n + 1
  if n == 30 then error("boom") end
  return nil
end
`
  const probe = () => {
    const file = tmpPath("probe.lua")
    fs.writeFileSync(file, PROBE_LUA)
    return ["--data", DEMO_DATA[0]!, "--strategy", file, "--quiet"]
  }

  it("--on-strategy-error flatten exits the failed symbol's position at the next open; manage (default) keeps it", async () => {
    const manage = await cli("backtest", ...probe(), "--out", tmpPath("probe-manage"))
    const flatten = await cli("backtest", ...probe(), "--on-strategy-error", "flatten", "--out", tmpPath("probe-flatten"))
    for (const r of [manage, flatten]) {
      expect(r.status, show(r)).toBe(0)
      expect(r.stdout).toMatch(/SIM-A at .*probe\.lua:15: runtime: boom/)
    }
    const kept = readResult(tmpPath("probe-manage")).trades
    const closed = readResult(tmpPath("probe-flatten")).trades
    expect(kept.map((t) => t.exitReason)).toEqual(["end_of_data"])
    expect(closed.map((t) => t.exitReason)).toEqual(["strategy"])
    const failedAt = readResult(tmpPath("probe-flatten")).failures[0]!.timestamp
    expect(closed[0]!.exitTime).toBe(failedAt + 3_600_000)
  })

  it("--instruction-limit: the busy bar fails with kind limit under a small budget and passes under the default", async () => {
    // enter nothing, so the busy bar (bar 50) is reached in Watch
    const file = tmpPath("busy.lua")
    fs.writeFileSync(file, PROBE_LUA.replace("if n == 10 then", "if false then"))
    const base = ["--data", DEMO_DATA[0]!, "--strategy", file, "--quiet"]
    const tight = await cli("backtest", ...base, "--instruction-limit", "100000", "--out", tmpPath("busy-tight"))
    const loose = await cli("backtest", ...base, "--out", tmpPath("busy-loose"))
    for (const r of [tight, loose]) expect(r.status, show(r)).toBe(0)
    expect(readResult(tmpPath("busy-loose")).failures).toEqual([])
    const failures = readResult(tmpPath("busy-tight")).failures
    expect(failures).toHaveLength(1)
    expect(failures[0]!.message).toMatch(/busy\.lua:7: limit: .*100000 instructions/)
  })

  it("--isolation worker --memory-limit: a table memory bomb fails with kind memory and the run goes on", async () => {
    const file = tmpPath("bomb.lua")
    fs.writeFileSync(file, `
function detect_opportunity(market_data, context, indicators)
  local t = {}
  for i = 1, 1e9 do t[i] = { i, i, i, i } end
end
function filter_commitment(market_data, context, indicators) return nil end
function manage_position(market_data, context, indicators) return nil end
`)
    const run = await cli("backtest", "--data", ...DEMO_DATA, "--strategy", file, "--quiet", "--isolation", "worker", "--memory-limit", "64",
      "--instruction-limit", "1000000000", "--call-timeout", "60s", "--out", tmpPath("bomb"))
    expect(run.status, show(run)).toBe(0)
    const r = readResult(tmpPath("bomb"))
    expect(r.failures.map((f) => f.symbol).sort()).toEqual(["SIM-A", "SIM-B"])
    for (const f of r.failures) expect(f.message).toMatch(/bomb\.lua.*memory/)
    expect(r.metrics.bars).toBe(GOLDEN_DEMO.bars)
  })

  it("bad sandbox flags are usage errors", async () => {
    const demo = ["--data", ...DEMO_DATA, "--strategy", EMA_LUA]
    const noWorker = await cli("backtest", ...demo, "--memory-limit", "64")
    expect(noWorker.status, show(noWorker)).toBe(2)
    expect(noWorker.stderr).toContain("--memory-limit needs --isolation worker")
    const badTimeout = await cli("backtest", ...demo, "--call-timeout", "soon")
    expect(badTimeout.status, show(badTimeout)).toBe(2)
    expect(badTimeout.stderr).toContain(`--call-timeout: expected milliseconds (250, 250ms) or seconds (2s), got "soon"`)
  })
})

describe("trading-engine CLI: help and version", () => {
  const pkg = JSON.parse(fs.readFileSync(repoFile("package.json"), "utf8")) as { version: string }

  it("--help and backtest --help exit 0", async () => {
    const main = await cli("--help")
    expect(main.status, show(main)).toBe(0)
    expect(main.stdout).toContain("Usage:")
    expect(main.stdout).toContain("trading-engine backtest --data <file>...")
    const sub = await cli("backtest", "--help")
    expect(sub.status, show(sub)).toBe(0)
    for (const flag of ["--data", "--strategy", "--format", "--commission", "--bad-rows", "--out", "--quiet"]) expect(sub.stdout).toContain(flag)
  })

  it("--version exits 0 with the package version", async () => {
    const run = await cli("--version")
    expect(run.status, show(run)).toBe(0)
    expect(run.stdout).toBe(`trading-engine ${pkg.version}\n`)
  })

  // The installed command, as `npx trading-engine` resolves it (the package's own `bin`), never from the registry.
  const npx = spawnSync("npx", ["--version"], { cwd: ROOT, encoding: "utf8" })
  it.skipIf(npx.error !== undefined || npx.status !== 0)("npx trading-engine --version runs the package's bin", () => {
    const run = check(spawnSync("npx", ["--no-install", "trading-engine", "--version"], { cwd: ROOT, encoding: "utf8", timeout: 60_000 }))
    expect(run.status, show(run)).toBe(0)
    expect(run.stdout).toBe(`trading-engine ${pkg.version}\n`)
  })
})
