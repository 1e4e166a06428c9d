/**
 * `isolation: "worker"`: a Lua strategy instance whose VM runs in its own worker thread, with a V8 heap limit
 * (`resourceLimits`), called synchronously from the engine's hot loop.
 *
 * The engine calls `detectOpportunity` & co. synchronously, so each call is a request written into a
 * `SharedArrayBuffer` followed by `Atomics.wait` for the response (protocol in `protocol.ts`). While the engine's
 * thread waits it cannot see a worker's `error` / `exit` events, so the workers are started by a supervisor thread
 * (`supervisor.mjs`, one per process, unref'd) which watches them and, when one dies, writes why into its buffer and
 * wakes the engine's thread. The outcomes:
 * - the VM raises (script error, instruction or time budget, string cap): a StrategyError, as in-process;
 * - the worker runs out of heap (V8 stops it): kind `memory`; the instance is dead, later calls throw the same error;
 * - a call does not return within twice its wall-clock budget plus a second (stuck inside one library call, where the
 *   count hook cannot fire): the worker is terminated, kind `timeout`, the instance is dead.
 * Other symbols have their own workers and are not affected. `dispose()` terminates the worker; the supervisor and
 * the workers never keep the process alive.
 *
 * @module
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads"
import type { StrategyOutput } from "../../domain/action.ts"
import type { Bar, SymbolName } from "../../domain/bar.ts"
import { StrategyError, type StrategyErrorKind } from "../../domain/errors.ts"
import type { StrategyParamSpec, StrategyParamValues } from "../../domain/params.ts"
import type { IndicatorView, PositionView, StrategyInstance } from "../../domain/strategy.ts"
import { interpretLuaTable, type StrategyPhase } from "../output.ts"
import {
  ARG0,
  ARG1,
  CB_ERROR,
  CB_UNDEFINED,
  CB_VALUE,
  CODE,
  DEAD,
  DEAD_MEMORY,
  F_BAR,
  F_CB_ARGS,
  F_CB_OUT,
  F_POSITION,
  F_PREFETCH,
  FLOAT_OFFSET,
  FLOAT_SLOTS,
  IND_ATR,
  IND_AVG_VOLUME,
  IND_BBANDS,
  IND_EMA,
  IND_HIGH,
  IND_LOW,
  IND_MACD,
  IND_RANGE,
  IND_RSI,
  IND_SMA,
  IND_STOCH,
  IND_VWAP,
  IND_WMA,
  INT_WORDS,
  MAIN,
  MAX_PREFETCH,
  OP_CALLBACK_REPLY,
  OP_CLEAR_POSITION,
  OP_DETECT,
  OP_FILTER,
  OP_MANAGE,
  OP_MERGE,
  OP_SET_POSITION,
  OP_SNAPSHOT,
  PF_MISSING,
  PF_UNDEFINED,
  PF_VALUE,
  PREFETCH_COUNT,
  PREFETCH_STATUS,
  R_CALLBACK,
  R_MESSAGE,
  R_NIL,
  READY,
  READY_OK,
  SAB_BYTES,
  Spinner,
  TEXT_BYTES,
  TEXT_LENGTH,
  TEXT_OFFSET,
  TURN,
  WORKER,
  type LuaHostSettings,
  type WorkerInit,
  type WorkerMessage
} from "./protocol.ts"

/** Default heap limit of a Lua worker, in MiB (also its cap on string memory). */
export const DEFAULT_MEMORY_LIMIT_MB = 256

/** How long a worker may take to start and run the script's top-level code. */
const STARTUP_TIMEOUT_MS = 60_000
/** Most spin iterations before `Atomics.wait`, waiting for a response (adaptive, see `Spinner`). */
const MAIN_SPIN = 1 << 14
/** Most spin iterations of a worker waiting for its next request before it sleeps (adaptive). */
const WORKER_SPIN = 1 << 12
/** Slice of `Atomics.wait` between two checks of the watchdog, in ms. */
const WAIT_SLICE_MS = 50

let supervisor: Worker | undefined
let nextId = 1

const getSupervisor = (): Worker => {
  if (supervisor === undefined) {
    const s = new Worker(new URL("./supervisor.mjs", import.meta.url), { name: "lua-supervisor", execArgv: [] })
    s.unref()
    s.on("error", () => {
      if (supervisor === s) supervisor = undefined
    })
    s.on("exit", () => {
      if (supervisor === s) supervisor = undefined
    })
    supervisor = s
  }
  return supervisor
}

interface PrefetchEntry {
  readonly kind: number
  readonly mask: number
  readonly a0: number
  readonly a1: number
  readonly a2: number
}

const FN_NAMES: Record<StrategyPhase, string> = { detect: "detect_opportunity", filter: "filter_commitment", manage: "manage_position" }

/** A Lua strategy bound to one symbol, its VM in a worker thread. */
export class WorkerLuaInstance implements StrategyInstance {
  readonly symbol: SymbolName
  readonly params: ReadonlyArray<StrategyParamSpec>
  readonly paramValues: StrategyParamValues
  readonly reloadKeepsContext: boolean
  readonly fastPath: boolean
  private readonly ints: Int32Array
  private readonly floats: Float64Array
  private readonly sab: SharedArrayBuffer
  private readonly port: MessagePort
  private readonly id: number
  private readonly script: string
  private readonly timeoutMs: number
  private readonly memoryLimitMb: number
  private readonly print: (line: string, symbol: string) => void
  private readonly prefetch: Array<PrefetchEntry> = []
  private readonly spinner = new Spinner(MAIN_SPIN)
  /** Set once the worker is gone: every later call throws it. */
  private dead: StrategyError | undefined = undefined
  private disposed = false

  constructor(settings: LuaHostSettings, symbol: SymbolName, print: (line: string, symbol: string) => void) {
    this.symbol = symbol
    this.script = settings.script
    this.timeoutMs = settings.timeoutMs
    this.memoryLimitMb = settings.memoryLimitMb
    this.print = print
    this.sab = new SharedArrayBuffer(SAB_BYTES)
    this.ints = new Int32Array(this.sab, 0, INT_WORDS)
    this.floats = new Float64Array(this.sab, FLOAT_OFFSET, FLOAT_SLOTS)
    const { port1, port2 } = new MessageChannel()
    this.port = port1
    port1.unref()
    this.id = nextId++
    const init: WorkerInit = {
      sab: this.sab,
      port: port2,
      symbol,
      source: settings.source,
      script: settings.script,
      instructionLimit: settings.instructionLimit,
      timeoutMs: settings.timeoutMs,
      maxStringBytes: settings.maxStringBytes,
      memoryLimitMb: settings.memoryLimitMb,
      hookInterval: settings.hookInterval,
      coroutines: settings.coroutines,
      portable: settings.portable,
      params: settings.params,
      spin: WORKER_SPIN
    }
    getSupervisor().postMessage(
      // V8's own limit is the backstop at twice the cap the worker checks (see memoryCheck in worker-main.ts).
      { type: "spawn", id: this.id, name: `lua ${symbol}`, workerData: init, resourceLimits: { maxOldGenerationSizeMb: 2 * settings.memoryLimitMb } },
      [port2]
    )
    // Wait until the script ran (or the worker died).
    const start = performance.now()
    while (Atomics.load(this.ints, READY) === 0 && Atomics.load(this.ints, DEAD) === 0) {
      Atomics.wait(this.ints, READY, 0, WAIT_SLICE_MS)
      if (performance.now() - start > STARTUP_TIMEOUT_MS && Atomics.load(this.ints, READY) === 0) {
        this.kill()
        throw this.error("load", `the Lua worker did not start within ${STARTUP_TIMEOUT_MS / 1000} s`)
      }
    }
    const message = this.receive()
    if (Atomics.load(this.ints, READY) !== READY_OK || message?.loaded === undefined) {
      this.kill()
      if (message?.failure !== undefined) throw this.failureError(message.failure)
      throw this.deathError("while loading the script")
    }
    this.params = message.loaded.params as ReadonlyArray<StrategyParamSpec>
    this.paramValues = message.loaded.paramValues as StrategyParamValues
    this.reloadKeepsContext = message.loaded.reloadKeepsContext
    this.fastPath = message.loaded.fastPath
  }

  detectOpportunity(bar: Bar, indicators: IndicatorView): StrategyOutput {
    return this.call(OP_DETECT, "detect", bar, indicators)
  }

  filterCommitment(bar: Bar, indicators: IndicatorView): StrategyOutput {
    return this.call(OP_FILTER, "filter", bar, indicators)
  }

  managePosition(bar: Bar, indicators: IndicatorView): StrategyOutput {
    return this.call(OP_MANAGE, "manage", bar, indicators)
  }

  mergeContext(fields: Readonly<Record<string, unknown>>): void {
    this.checkAlive()
    this.port.postMessage(fields)
    this.request(OP_MERGE, "mergeContext", undefined)
  }

  setPosition(position: PositionView | undefined): void {
    this.checkAlive()
    if (position === undefined) {
      this.finish(this.request(OP_CLEAR_POSITION, "setPosition", undefined))
      return
    }
    const f = this.floats
    f[F_POSITION] = position.side === "long" ? 1 : -1
    f[F_POSITION + 1] = position.quantity
    f[F_POSITION + 2] = position.entryPrice
    f[F_POSITION + 3] = position.entryTime
    f[F_POSITION + 4] = position.stopLoss ?? 0
    f[F_POSITION + 5] = position.takeProfit ?? 0
    this.ints[ARG0] = (position.stopLoss !== undefined ? 1 : 0) | (position.takeProfit !== undefined ? 2 : 0)
    this.finish(this.request(OP_SET_POSITION, "setPosition", undefined))
  }

  snapshotContext(): Record<string, unknown> {
    if (this.dead !== undefined || this.disposed) return {}
    const code = this.request(OP_SNAPSHOT, "snapshotContext", undefined)
    return code === R_MESSAGE ? (this.receive()?.snapshot ?? {}) : {}
  }

  dispose(): void {
    if (this.disposed) return
    this.disposed = true
    this.kill()
  }

  // ---- calls ------------------------------------------------------------------------------------------------------

  private call(op: number, phase: StrategyPhase, bar: Bar, view: IndicatorView): StrategyOutput {
    this.checkAlive()
    const f = this.floats
    f[F_BAR] = bar.timestamp
    f[F_BAR + 1] = bar.open
    f[F_BAR + 2] = bar.high
    f[F_BAR + 3] = bar.low
    f[F_BAR + 4] = bar.close
    f[F_BAR + 5] = bar.volume
    const bid = bar.bid
    const ask = bar.ask
    f[F_BAR + 6] = bid ?? 0
    f[F_BAR + 7] = ask ?? 0
    f[F_BAR + 8] = bar.mid
    this.ints[ARG0] = (bid !== undefined ? 1 : 0) | (ask !== undefined ? 2 : 0)
    this.prefetchAll(view)
    const fnName = FN_NAMES[phase]
    const code = this.request(op, fnName, view)
    if (code === R_NIL) return undefined
    const message = this.finish(code)
    if (message === undefined || message.result === undefined) return undefined
    return interpretLuaTable(message.result, phase, this.script, fnName)
  }

  /** Reads the port message of an `R_MESSAGE` response: prints its lines, throws its failure. */
  private finish(code: number): WorkerMessage | undefined {
    if (code !== R_MESSAGE) return undefined
    const message = this.receive()
    if (message === undefined) return undefined
    if (message.failure !== undefined) {
      const error = this.failureError(message.failure)
      if (message.failure.fatal === true) {
        this.dead = error
        this.kill()
      }
      throw error
    }
    return message
  }

  private receive(): WorkerMessage | undefined {
    const received = receiveMessageOnPort(this.port)
    if (received === undefined) return undefined
    const message = received.message as WorkerMessage
    if (message.print !== undefined) for (const line of message.print) this.print(line, this.symbol)
    return message
  }

  /** Sends a request and waits for its response, serving indicator callbacks in between; returns the response code. */
  private request(op: number, what: string, view: IndicatorView | undefined): number {
    const ints = this.ints
    ints[CODE] = op
    Atomics.store(ints, TURN, WORKER)
    Atomics.notify(ints, TURN)
    const deadline = performance.now() + 2 * this.timeoutMs + 1000
    for (;;) {
      this.waitForMain(deadline, what)
      const code = ints[CODE]!
      if (code !== R_CALLBACK) return code
      this.serveCallback(view)
      ints[CODE] = OP_CALLBACK_REPLY
      Atomics.store(ints, TURN, WORKER)
      Atomics.notify(ints, TURN)
    }
  }

  private waitForMain(deadline: number, what: string): void {
    const ints = this.ints
    if (this.spinner.spin(ints, TURN, WORKER)) return this.checkDeath(what)
    for (;;) {
      Atomics.wait(ints, TURN, WORKER, WAIT_SLICE_MS)
      if (Atomics.load(ints, TURN) === MAIN) return this.checkDeath(what)
      if (performance.now() > deadline) {
        this.dead = this.error("timeout", `${what} did not return within ${2 * this.timeoutMs + 1000} ms (stuck inside one library call, where the time budget cannot interrupt it); the worker was stopped and the strategy for ${this.symbol} is dead`)
        this.kill()
        throw this.dead
      }
    }
  }

  private checkDeath(what: string): void {
    if (Atomics.load(this.ints, DEAD) === 0) return
    this.dead = this.deathError(`in ${what}`)
    this.kill()
    throw this.dead
  }

  private checkAlive(): void {
    if (this.dead !== undefined) throw this.dead
    if (this.disposed) throw this.error("runtime", `the strategy instance for ${this.symbol} was disposed`)
  }

  // ---- indicators -------------------------------------------------------------------------------------------------

  /** Writes the value of every registered indicator for the coming call. */
  private prefetchAll(view: IndicatorView): void {
    const entries = this.prefetch
    for (let i = 0; i < entries.length; i++) this.writeEntry(view, entries[i]!, i)
    this.ints[PREFETCH_COUNT] = entries.length
  }

  private writeEntry(view: IndicatorView, e: PrefetchEntry, slot: number): void {
    const ints = this.ints
    let status: number
    try {
      status = this.readInto(view, e, this.floats, F_PREFETCH + 3 * slot) ? PF_VALUE : PF_UNDEFINED
    } catch {
      status = PF_MISSING // the worker asks again, and gets the error at the right place
    }
    ints[PREFETCH_STATUS + slot] = status
  }

  /** Reads one indicator from the view into `out[at..at+2]`; false when undefined. Throws what the view throws. */
  private readInto(view: IndicatorView, e: PrefetchEntry, out: Float64Array, at: number): boolean {
    const a = (bit: number, v: number): number | undefined => ((e.mask & bit) !== 0 ? v : undefined)
    let v: number | undefined
    switch (e.kind) {
      case IND_SMA: v = view.sma(e.a0); break
      case IND_EMA: v = view.ema(e.a0); break
      case IND_WMA: v = view.wma(e.a0); break
      case IND_RSI: v = view.rsi(e.a0); break
      case IND_ATR: v = view.atr(e.a0); break
      case IND_VWAP: v = (e.mask & 1) !== 0 ? view.vwap(e.a0) : view.vwap(); break
      case IND_HIGH: v = view.high; break
      case IND_LOW: v = view.low; break
      case IND_RANGE: v = view.range; break
      case IND_AVG_VOLUME: v = view.avgVolume; break
      case IND_MACD: {
        const m = view.macd(a(1, e.a0), a(2, e.a1), a(4, e.a2))
        if (m === undefined) return false
        out[at] = m.macd
        out[at + 1] = m.signal
        out[at + 2] = m.histogram
        return true
      }
      case IND_BBANDS: {
        const b = view.bbands(a(1, e.a0), a(2, e.a1))
        if (b === undefined) return false
        out[at] = b.upper
        out[at + 1] = b.middle
        out[at + 2] = b.lower
        return true
      }
      case IND_STOCH: {
        const s = view.stoch(a(1, e.a0), a(2, e.a1), a(4, e.a2))
        if (s === undefined) return false
        out[at] = s.k
        out[at + 1] = s.d
        return true
      }
      default:
        throw new Error(`Lua worker: unknown indicator ${e.kind}`)
    }
    if (v === undefined) return false
    out[at] = v
    return true
  }

  /** A first read of an indicator by the worker: compute it, register it for prefetching, reply. */
  private serveCallback(view: IndicatorView | undefined): void {
    const ints = this.ints
    const f = this.floats
    const entry: PrefetchEntry = { kind: ints[ARG0]!, mask: ints[ARG1]!, a0: f[F_CB_ARGS]!, a1: f[F_CB_ARGS + 1]!, a2: f[F_CB_ARGS + 2]! }
    let assigned = -1
    if (view === undefined) {
      this.port.postMessage({ callbackError: { name: "Error", message: "indicators are only available during a strategy call" } })
      ints[ARG0] = CB_ERROR
      ints[ARG1] = -1
      return
    }
    try {
      const present = this.readInto(view, entry, f, F_CB_OUT)
      ints[ARG0] = present ? CB_VALUE : CB_UNDEFINED
      if (this.prefetch.length < MAX_PREFETCH && !this.prefetch.some((p) => sameEntry(p, entry))) {
        assigned = this.prefetch.length
        this.prefetch.push(entry)
        this.writeEntry(view, entry, assigned)
        ints[PREFETCH_COUNT] = this.prefetch.length
      }
    } catch (e) {
      this.port.postMessage({ callbackError: { name: e instanceof Error ? e.name : "Error", message: e instanceof Error ? e.message : String(e) } })
      ints[ARG0] = CB_ERROR
    }
    ints[ARG1] = assigned
  }

  // ---- errors and death -------------------------------------------------------------------------------------------

  private kill(): void {
    const s = supervisor
    if (s !== undefined) s.postMessage({ type: "kill", id: this.id })
  }

  private error(kind: StrategyErrorKind, detail: string): StrategyError {
    return new StrategyError({ kind, script: this.script, detail })
  }

  private failureError(f: NonNullable<WorkerMessage["failure"]>): StrategyError {
    return new StrategyError({
      kind: f.kind as StrategyErrorKind,
      script: this.script,
      detail: f.detail,
      ...(f.line !== undefined ? { line: f.line } : {}),
      ...(f.traceback !== undefined ? { traceback: f.traceback } : {})
    })
  }

  private deathError(when: string): StrategyError {
    const code = Atomics.load(this.ints, DEAD)
    const length = Math.min(Atomics.load(this.ints, TEXT_LENGTH), TEXT_BYTES)
    const reason = new TextDecoder().decode(new Uint8Array(this.sab, TEXT_OFFSET, length).slice())
    if (code === DEAD_MEMORY) {
      return this.error("memory", `out of memory ${when}: the worker's heap reached its hard limit (2 x memoryLimitMb ${this.memoryLimitMb}); the strategy for ${this.symbol} is stopped`)
    }
    return this.error("runtime", `the Lua worker stopped unexpectedly ${when}: ${reason || "no reason given"}; the strategy for ${this.symbol} is stopped`)
  }
}

const sameEntry = (a: PrefetchEntry, b: PrefetchEntry): boolean =>
  a.kind === b.kind && a.mask === b.mask && Object.is(a.a0, b.a0) && Object.is(a.a1, b.a1) && Object.is(a.a2, b.a2)
