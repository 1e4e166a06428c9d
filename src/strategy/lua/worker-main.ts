/**
 * The entry of a Lua worker thread (`isolation: "worker"`): one {@link LuaVm} for one symbol, serving the engine's
 * synchronous requests over shared memory (`protocol.ts`). Loaded by `worker-bootstrap.mjs`; imports nothing that
 * pulls in Effect, so a worker starts quickly.
 *
 * @module
 */
import { getHeapStatistics, setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import { receiveMessageOnPort, workerData } from "node:worker_threads"
import { to_luastring } from "fengari"
import type { Bar } from "../../domain/bar.ts"
import type { BandsValue, IndicatorView, MacdValue, PositionView, StochValue } from "../../domain/strategy.ts"
import {
  ARG0,
  ARG1,
  CB_ERROR,
  CB_UNDEFINED,
  CODE,
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
  OP_CALLBACK_REPLY,
  OP_CLEAR_POSITION,
  OP_DETECT,
  OP_FILTER,
  OP_MANAGE,
  OP_MERGE,
  OP_SET_POSITION,
  OP_SNAPSHOT,
  PF_UNDEFINED,
  PF_VALUE,
  PREFETCH_COUNT,
  PREFETCH_STATUS,
  R_CALLBACK,
  R_MESSAGE,
  R_NIL,
  R_OK,
  READY,
  Spinner,
  READY_FAILED,
  READY_OK,
  TURN,
  WORKER,
  type WorkerInit,
  type WorkerMessage
} from "./protocol.ts"
import { DETECT, FILTER, LuaVm, MANAGE, type VmFailure } from "./vm.ts"

const init = workerData as WorkerInit
const ints = new Int32Array(init.sab, 0, INT_WORDS)
const floats = new Float64Array(init.sab, FLOAT_OFFSET, FLOAT_SLOTS)
const port = init.port
const spin = init.spin

/** What `makeError` throws inside the worker: the failure, sent to the engine's thread as data. */
class Failure {
  readonly failure: VmFailure
  constructor(failure: VmFailure) {
    this.failure = failure
  }
}

const spinner = new Spinner(spin)
const waitTurn = (): void => {
  if (spinner.spin(ints, TURN, MAIN)) return
  while (Atomics.load(ints, TURN) !== WORKER) Atomics.wait(ints, TURN, MAIN)
}

const respond = (code: number): void => {
  ints[CODE] = code
  Atomics.store(ints, TURN, MAIN)
  Atomics.notify(ints, TURN)
}

const printed: Array<string> = []

/** Responds with a port message (and any pending `print` lines). */
const respondWith = (message: Omit<WorkerMessage, "print">): void => {
  port.postMessage(printed.length > 0 ? { ...message, print: printed.splice(0) } : message)
  respond(R_MESSAGE)
}

const memoryLimit = init.memoryLimitMb * 1024 * 1024
const mib = (bytes: number): string => (bytes / 1048576).toFixed(1)

let collect: (() => void) | undefined
/** A full garbage collection (`gc`, exposed to a fresh context of this worker's isolate on first use). */
const collectGarbage = (): void => {
  if (collect === undefined) {
    setFlagsFromString("--expose-gc")
    collect = runInNewContext("gc") as () => void
  }
  collect()
}

let overMemory = false
/**
 * The VM's memory cap: heap + strings (whose bytes live outside the V8 heap) at most `memoryLimitMb`, checked by the
 * count hook and on every string over 1 MiB. Over it, a full collection decides (the heap counts garbage until then).
 * The V8 heap limit of the worker is twice as high: V8 stops a worker at its limit only when the growth happens in
 * small steps (one large allocation past the limit aborts the whole process), so this check is what keeps the VM
 * below it, and V8's limit is the backstop.
 */
const memoryCheck = (): string | undefined => {
  let stats = getHeapStatistics()
  if (stats.used_heap_size + stats.external_memory <= memoryLimit) return undefined
  collectGarbage()
  stats = getHeapStatistics()
  const used = stats.used_heap_size + stats.external_memory
  if (used <= memoryLimit) return undefined
  overMemory = true
  return `out of memory: ${mib(used)} MiB in use (heap ${mib(stats.used_heap_size)} MiB, strings ${mib(stats.external_memory)} MiB; memoryLimitMb ${init.memoryLimitMb})`
}

interface Entry {
  readonly kind: number
  readonly mask: number
  readonly a0: number
  readonly a1: number
  readonly a2: number
}

/**
 * The IndicatorView of the worker's VM: prefetched values from the shared buffer, or a callback to the engine's
 * thread for an indicator not read before (which registers it for prefetching).
 */
class RemoteView implements IndicatorView {
  private readonly entries: Array<Entry> = []
  /** Entries valid for the call in progress. */
  valid = 0
  private readonly out = [0, 0, 0]

  private find(kind: number, mask: number, a0: number, a1: number, a2: number): number {
    const entries = this.entries
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!
      if (e.kind === kind && e.mask === mask && Object.is(e.a0, a0) && Object.is(e.a1, a1) && Object.is(e.a2, a2)) return i
    }
    return -1
  }

  /** Reads an indicator into `out`; false while it is undefined. */
  private read(kind: number, mask: number, a0: number, a1: number, a2: number): boolean {
    const slot = this.find(kind, mask, a0, a1, a2)
    if (slot >= 0 && slot < this.valid) {
      const status = ints[PREFETCH_STATUS + slot]
      if (status === PF_UNDEFINED) return false
      if (status === PF_VALUE) {
        const base = F_PREFETCH + 3 * slot
        this.out[0] = floats[base]!
        this.out[1] = floats[base + 1]!
        this.out[2] = floats[base + 2]!
        return true
      }
    }
    return this.callback(kind, mask, a0, a1, a2)
  }

  private callback(kind: number, mask: number, a0: number, a1: number, a2: number): boolean {
    ints[ARG0] = kind
    ints[ARG1] = mask
    floats[F_CB_ARGS] = a0
    floats[F_CB_ARGS + 1] = a1
    floats[F_CB_ARGS + 2] = a2
    respond(R_CALLBACK)
    waitTurn()
    const status = ints[ARG0]!
    const assigned = ints[ARG1]!
    if (assigned >= 0) {
      this.entries[assigned] = { kind, mask, a0, a1, a2 }
      if (assigned + 1 > this.valid) this.valid = assigned + 1
    }
    if (status === CB_ERROR) {
      const m = receiveMessageOnPort(port)?.message as { readonly callbackError?: { readonly name: string; readonly message: string } } | undefined
      const e = m?.callbackError
      const error = e?.name === "RangeError" ? new RangeError(e.message) : new Error(e?.message ?? "indicator read failed")
      if (e !== undefined) error.name = e.name
      throw error
    }
    if (status === CB_UNDEFINED) return false
    this.out[0] = floats[F_CB_OUT]!
    this.out[1] = floats[F_CB_OUT + 1]!
    this.out[2] = floats[F_CB_OUT + 2]!
    return true
  }

  private single(kind: number, period: number): number | undefined {
    return this.read(kind, 1, period, 0, 0) ? this.out[0] : undefined
  }

  private triple(kind: number, a: number | undefined, b: number | undefined, c: number | undefined): boolean {
    const mask = (a === undefined ? 0 : 1) | (b === undefined ? 0 : 2) | (c === undefined ? 0 : 4)
    return this.read(kind, mask, a ?? 0, b ?? 0, c ?? 0)
  }

  sma(period: number): number | undefined {
    return this.single(IND_SMA, period)
  }
  ema(period: number): number | undefined {
    return this.single(IND_EMA, period)
  }
  wma(period: number): number | undefined {
    return this.single(IND_WMA, period)
  }
  rsi(period: number): number | undefined {
    return this.single(IND_RSI, period)
  }
  atr(period: number): number | undefined {
    return this.single(IND_ATR, period)
  }
  vwap(period?: number): number | undefined {
    return this.read(IND_VWAP, period === undefined ? 0 : 1, period ?? 0, 0, 0) ? this.out[0] : undefined
  }
  macd(fastPeriod?: number, slowPeriod?: number, signalPeriod?: number): MacdValue | undefined {
    if (!this.triple(IND_MACD, fastPeriod, slowPeriod, signalPeriod)) return undefined
    return { macd: this.out[0]!, signal: this.out[1]!, histogram: this.out[2]! }
  }
  bbands(period?: number, k?: number): BandsValue | undefined {
    if (!this.triple(IND_BBANDS, period, k, undefined)) return undefined
    return { upper: this.out[0]!, middle: this.out[1]!, lower: this.out[2]! }
  }
  stoch(kPeriod?: number, kSlowing?: number, dPeriod?: number): StochValue | undefined {
    if (!this.triple(IND_STOCH, kPeriod, kSlowing, dPeriod)) return undefined
    return { k: this.out[0]!, d: this.out[1]! }
  }
  private windowStat(kind: number): number | undefined {
    return this.read(kind, 0, 0, 0, 0) ? this.out[0] : undefined
  }
  get high(): number | undefined {
    return this.windowStat(IND_HIGH)
  }
  get low(): number | undefined {
    return this.windowStat(IND_LOW)
  }
  get range(): number | undefined {
    return this.windowStat(IND_RANGE)
  }
  get avgVolume(): number | undefined {
    return this.windowStat(IND_AVG_VOLUME)
  }
}

const makeError = (failure: VmFailure): Failure => new Failure(failure)

const load = (): LuaVm | undefined => {
  try {
    const vm = new LuaVm(to_luastring(init.source), {
      script: init.script,
      symbol: init.symbol,
      instructionLimit: init.instructionLimit,
      timeoutMs: init.timeoutMs,
      maxStringBytes: init.maxStringBytes,
      hookInterval: init.hookInterval,
      coroutines: init.coroutines,
      portable: init.portable,
      params: init.params,
      print: (line) => printed.push(line),
      memoryCheck,
      makeError
    })
    port.postMessage({
      loaded: { params: vm.params, paramValues: vm.paramValues, reloadKeepsContext: vm.reloadKeepsContext, fastPath: vm.fastPath },
      print: printed.splice(0)
    } satisfies WorkerMessage)
    Atomics.store(ints, READY, READY_OK)
    Atomics.notify(ints, READY)
    return vm
  } catch (e) {
    port.postMessage({ failure: failureOf(e), print: printed.splice(0) } satisfies WorkerMessage)
    Atomics.store(ints, READY, READY_FAILED)
    Atomics.notify(ints, READY)
    return undefined // the module ends and the worker exits
  }
}

function failureOf(e: unknown): NonNullable<WorkerMessage["failure"]> {
  if (e instanceof Failure) {
    const f = e.failure
    // Over the memory cap the VM keeps what it holds: the engine's thread stops this worker.
    return { ...f, fatal: overMemory }
  }
  return { kind: "runtime", detail: `host error: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}` }
}

const view = new RemoteView()
const bar = { symbol: init.symbol, timestamp: 0, open: 0, high: 0, low: 0, close: 0, volume: 0, mid: 0, bid: undefined as number | undefined, ask: undefined as number | undefined }
const FN_NAMES = ["", "detect_opportunity", "filter_commitment", "manage_position"]
const SLOTS = [0, DETECT, FILTER, MANAGE]

const call = (vm: LuaVm, op: number): void => {
  const flags = ints[ARG0]!
  bar.timestamp = floats[F_BAR]!
  bar.open = floats[F_BAR + 1]!
  bar.high = floats[F_BAR + 2]!
  bar.low = floats[F_BAR + 3]!
  bar.close = floats[F_BAR + 4]!
  bar.volume = floats[F_BAR + 5]!
  bar.bid = (flags & 1) !== 0 ? floats[F_BAR + 6]! : undefined
  bar.ask = (flags & 2) !== 0 ? floats[F_BAR + 7]! : undefined
  bar.mid = floats[F_BAR + 8]!
  view.valid = ints[PREFETCH_COUNT]!
  let result: unknown
  try {
    result = vm.step(SLOTS[op]!, FN_NAMES[op]!, bar as unknown as Bar, view)
  } catch (e) {
    respondWith({ failure: failureOf(e) })
    return
  }
  if (result === undefined && printed.length === 0) respond(R_NIL)
  else respondWith({ result })
}

/** Serves requests until the worker is terminated. */
const serve = (vm: LuaVm): never => {
  for (;;) {
    waitTurn()
    const op = ints[CODE]!
    switch (op) {
      case OP_DETECT:
      case OP_FILTER:
      case OP_MANAGE:
        call(vm, op)
        break
      case OP_MERGE: {
        const fields = receiveMessageOnPort(port)?.message as Readonly<Record<string, unknown>> | undefined
        vm.mergeContext(fields ?? {})
        respond(R_OK)
        break
      }
      case OP_SET_POSITION:
      case OP_CLEAR_POSITION: {
        let position: PositionView | undefined
        if (op === OP_SET_POSITION) {
          const flags = ints[ARG0]!
          position = {
            side: floats[F_POSITION]! > 0 ? "long" : "short",
            quantity: floats[F_POSITION + 1]!,
            entryPrice: floats[F_POSITION + 2]!,
            entryTime: floats[F_POSITION + 3]!,
            stopLoss: (flags & 1) !== 0 ? floats[F_POSITION + 4]! : undefined,
            takeProfit: (flags & 2) !== 0 ? floats[F_POSITION + 5]! : undefined
          }
        }
        try {
          vm.setPosition(position)
        } catch (e) {
          respondWith({ failure: failureOf(e) })
          break
        }
        if (printed.length > 0) respondWith({})
        else respond(R_OK)
        break
      }
      case OP_SNAPSHOT:
        respondWith({ snapshot: vm.snapshotContext() })
        break
      case OP_CALLBACK_REPLY:
        // Only expected inside a callback; ignore a stray one.
        respond(R_OK)
        break
      default:
        respondWith({ failure: { kind: "runtime", detail: `Lua worker: unknown request ${op}` } })
    }
  }
}

const loaded = load()
if (loaded !== undefined) serve(loaded)
