// The supervisor of the Lua worker threads (see worker-host.ts): one per process, started on first use.
//
// The engine's thread blocks in Atomics.wait while a worker runs a strategy call, so it cannot receive the worker's
// 'error' / 'exit' events. This thread can: it starts each worker (with its heap limit), and when one dies (out of
// memory, crash, termination) it writes the reason into the worker's shared buffer and wakes the engine's thread.
// Plain JavaScript with no imports beyond node:worker_threads, so it starts in a few milliseconds.
import { parentPort, Worker } from "node:worker_threads"

// Keep in sync with protocol.ts.
const TURN = 0
const DEAD = 2
const READY = 3
const TEXT_LENGTH = 9
const MAIN = 0
const DEAD_MEMORY = 1
const DEAD_EXIT = 2
const TEXT_OFFSET = 2048
const TEXT_BYTES = 2048

const workers = new Map()
const encoder = new TextEncoder()

const markDead = (sab, code, reason) => {
  const ints = new Int32Array(sab, 0, 64)
  if (Atomics.load(ints, DEAD) !== 0) return
  const bytes = encoder.encode(reason).subarray(0, TEXT_BYTES)
  new Uint8Array(sab, TEXT_OFFSET, TEXT_BYTES).set(bytes)
  Atomics.store(ints, TEXT_LENGTH, bytes.length)
  Atomics.store(ints, DEAD, code)
  Atomics.store(ints, TURN, MAIN)
  Atomics.notify(ints, TURN)
  Atomics.notify(ints, READY)
}

parentPort.on("message", (m) => {
  if (m.type === "spawn") {
    let worker
    try {
      worker = new Worker(new URL("./worker-bootstrap.mjs", import.meta.url), {
        workerData: m.workerData,
        transferList: [m.workerData.port],
        resourceLimits: m.resourceLimits,
        name: m.name,
        // Not the parent's flags: under tsx they would load every module through tsx's hooks (twice as slow to start);
        // worker-bootstrap.mjs picks the loader itself.
        execArgv: []
      })
    } catch (e) {
      markDead(m.workerData.sab, DEAD_EXIT, `the worker could not start: ${e instanceof Error ? e.message : String(e)}`)
      return
    }
    workers.set(m.id, worker)
    worker.on("error", (e) => {
      const oom = e !== null && typeof e === "object" && e.code === "ERR_WORKER_OUT_OF_MEMORY"
      markDead(m.workerData.sab, oom ? DEAD_MEMORY : DEAD_EXIT, e instanceof Error ? `${e.name}: ${e.message}` : String(e))
    })
    worker.on("exit", (code) => {
      workers.delete(m.id)
      markDead(m.workerData.sab, DEAD_EXIT, `the worker exited (code ${code})`)
    })
  } else if (m.type === "kill") {
    const worker = workers.get(m.id)
    if (worker !== undefined) {
      workers.delete(m.id)
      void worker.terminate()
    }
  }
})
