/**
 * The shared-memory protocol between the engine's thread and a Lua worker (`worker-host.ts` ↔ `worker-main.ts`),
 * and the supervisor that starts and watches the workers (`supervisor.mjs`, which repeats the few constants it
 * needs).
 *
 * One `SharedArrayBuffer` per worker. Both threads take turns: the side whose turn it is reads the request or
 * response, writes its own, flips `TURN` and wakes the other (`Atomics.notify`); the other waits on `TURN` (a short
 * spin, then `Atomics.wait`). Bars, positions, indicator arguments and values travel as numbers in the buffer;
 * anything else (a returned table, an error, `print` lines, an opportunity to merge, a context snapshot) as one
 * structured-clone message on a `MessagePort`, read synchronously with `receiveMessageOnPort`.
 *
 * Indicators: the worker's VM reads them through a `RemoteView`. The first read of an indicator (say `ema(12)`) is a
 * callback to the engine's thread, which registers it; from then on the engine's thread writes its value into the
 * buffer before every call ("prefetch"), so a strategy that reads the same indicators every bar costs one round trip
 * per bar. Reading an indicator that exists has no side effect (the engine updates every indicator on every bar), so
 * prefetching changes no value.
 *
 * @module
 */
import type { MessagePort } from "node:worker_threads"

/** Bytes of one worker's shared buffer. */
export const SAB_BYTES = 4096

// ---- Int32 words (Int32Array over bytes 0..255) ----
/** Whose turn it is: {@link MAIN} or {@link WORKER}. */
export const TURN = 0
/** The request (main → worker) or response (worker → main) code. */
export const CODE = 1
/** Non-zero once the worker thread is gone (written by the supervisor): one of the `DEAD_*` codes. */
export const DEAD = 2
/** 0 while starting, {@link READY_OK} or {@link READY_FAILED} once the script ran (details on the port). */
export const READY = 3
/** Small integer arguments of a request or response. */
export const ARG0 = 4
export const ARG1 = 5
export const ARG2 = 6
export const ARG3 = 7
/** Number of prefetched indicator entries written before a call. */
export const PREFETCH_COUNT = 8
/** First word of the per-entry prefetch status ({@link PF_UNDEFINED}, {@link PF_VALUE}, {@link PF_MISSING}). */
export const PREFETCH_STATUS = 16
/** Most prefetched entries per worker; reads beyond them are callbacks every time. */
export const MAX_PREFETCH = 48
export const INT_WORDS = 64

export const MAIN = 0
export const WORKER = 1

export const READY_OK = 1
export const READY_FAILED = 2

/** The worker ran out of heap (V8 `resourceLimits`). */
export const DEAD_MEMORY = 1
/** The worker stopped otherwise (uncaught error, exit, terminated). */
export const DEAD_EXIT = 2

// ---- Float64 slots (Float64Array over bytes 256..2047) ----
export const FLOAT_OFFSET = 256
export const FLOAT_SLOTS = 224
/** timestamp, open, high, low, close, volume, bid, ask, mid (bid / ask presence in ARG0 bits 0 and 1). */
export const F_BAR = 0
/** side (1 long, -1 short), quantity, entry price, entry time, stop loss, take profit (presence in ARG0 bits). */
export const F_POSITION = 9
/** Callback arguments (presence bits in ARG1). */
export const F_CB_ARGS = 16
/** Callback results (up to three values). */
export const F_CB_OUT = 20
/** Prefetched values: three per entry. */
export const F_PREFETCH = 32

// ---- Text (Uint8Array over bytes 2048..4095): the supervisor's reason when a worker dies ----
export const TEXT_OFFSET = 2048
export const TEXT_BYTES = 2048
/** Byte length of the text, in this Int32 word. */
export const TEXT_LENGTH = 9

// ---- Request codes (main → worker) ----
export const OP_DETECT = 1
export const OP_FILTER = 2
export const OP_MANAGE = 3
/** Merge the opportunity fields sent on the port into `context`. */
export const OP_MERGE = 4
/** Set `context.position` from F_POSITION (ARG0 bit 0: stop loss present, bit 1: take profit present). */
export const OP_SET_POSITION = 5
export const OP_CLEAR_POSITION = 6
/** Send a JSON-safe snapshot of `context` on the port. */
export const OP_SNAPSHOT = 7
/** Answer to a callback: ARG0 status (CB_*), values in F_CB_OUT, ARG1 the prefetch entry assigned (or -1). */
export const OP_CALLBACK_REPLY = 8

// ---- Response codes (worker → main) ----
/** The function returned nil (nothing else to read). */
export const R_NIL = 10
/** Read one message on the port ({@link WorkerMessage}). */
export const R_MESSAGE = 11
/** Done, nothing to read (merge, position). */
export const R_OK = 12
/** An indicator read: ARG0 the indicator (IND_*), F_CB_ARGS its arguments, ARG1 their presence bits. */
export const R_CALLBACK = 13

// ---- Indicator codes ----
export const IND_SMA = 0
export const IND_EMA = 1
export const IND_WMA = 2
export const IND_RSI = 3
export const IND_ATR = 4
export const IND_VWAP = 5
export const IND_MACD = 6
export const IND_BBANDS = 7
export const IND_STOCH = 8
export const IND_HIGH = 9
export const IND_LOW = 10
export const IND_RANGE = 11
export const IND_AVG_VOLUME = 12

// Callback reply status.
export const CB_UNDEFINED = 0
export const CB_VALUE = 1
/** The view threw: `{ callbackError: { name, message } }` is on the port. */
export const CB_ERROR = 2

// Prefetch status.
export const PF_UNDEFINED = 0
export const PF_VALUE = 1
/** Not computed for this call (the read threw): the worker asks with a callback. */
export const PF_MISSING = 2

/** What the worker sends on its port. */
export interface WorkerMessage {
  readonly print?: ReadonlyArray<string>
  /** The returned table, copied by `luaToJs`. */
  readonly result?: unknown
  readonly failure?: {
    readonly kind: string
    readonly detail: string
    readonly line?: number | undefined
    readonly traceback?: string | undefined
    /** The VM is over its memory cap: the instance is dead. */
    readonly fatal?: boolean
  }
  readonly snapshot?: Record<string, unknown>
  /** After loading. */
  readonly loaded?: {
    readonly params: ReadonlyArray<unknown>
    readonly paramValues: Readonly<Record<string, unknown>>
    readonly reloadKeepsContext: boolean
    readonly fastPath: boolean
  }
}

/** Settings shared by every VM of one Lua definition (resolved options of `compileLuaStrategy`). */
export interface LuaHostSettings {
  readonly source: string
  readonly script: string
  readonly instructionLimit: number
  readonly timeoutMs: number
  readonly maxStringBytes: number
  readonly memoryLimitMb: number
  readonly hookInterval: number
  readonly coroutines: boolean
  readonly portable: boolean
  readonly params: Readonly<Record<string, number | boolean | string>>
}

/** The `workerData` of a Lua worker. */
export interface WorkerInit extends LuaHostSettings {
  readonly sab: SharedArrayBuffer
  readonly port: MessagePort
  readonly symbol: string
  /** Spin iterations before `Atomics.wait` while waiting for the next request. */
  readonly spin: number
}

/**
 * Waits for `ints[index]` to change from `value`: a spin of adaptive length, then `Atomics.wait`. The spin doubles
 * (up to `max`) each time the change arrives while spinning and halves each time it does not, so two threads that
 * answer each other quickly (a short strategy call, a bar loop with nothing else to do) meet in a fraction of a
 * microsecond, and a thread whose partner is slow, or a machine with fewer free cores than spinning threads, falls
 * back to sleeping in the kernel (~5–10 µs to wake up) instead of burning the CPU the partner needs.
 */
export class Spinner {
  private budget: number
  private readonly max: number

  constructor(max: number) {
    this.max = max
    this.budget = max >> 4
  }

  /** Spins; true when the value changed during the spin. */
  spin(ints: Int32Array, index: number, value: number): boolean {
    const budget = this.budget
    for (let i = 0; i < budget; i++) {
      if (Atomics.load(ints, index) !== value) {
        this.budget = Math.min(this.max, budget === 0 ? 16 : budget * 2)
        return true
      }
    }
    this.budget = budget >> 1
    return false
  }
}
