/**
 * Hot reload of a Lua strategy file: a Layer that provides the `Strategy` (the file as it is now) and
 * `StrategyReloads` (a new version each time the file changes). Each change is re-read and re-validated (syntax,
 * required functions, parameters); a valid version is swapped in by the engine at the next bar boundary, a broken
 * one is reported in the run's `reloads` and the running version keeps going.
 *
 * ```ts
 * const live = runEngine({ initialCash: 10_000 }).pipe(Effect.provide(Layer.mergeAll(
 *   queueMarketData(queue), watchLuaStrategy("strategies/ema_crossover.lua"), Execution.layerSimulated({ commissionRate: 0.001 }))))
 * ```
 *
 * The directory is watched (editors often save by writing a new file and renaming it over the old one), changes are
 * debounced, and a save that leaves the content unchanged is ignored.
 *
 * @module
 */
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { Effect, Layer, Queue, Stream } from "effect"
import { StrategyError } from "../domain/errors.ts"
import { compileLuaStrategy, type LuaStrategyOptions } from "./lua/host.ts"
import { Strategy } from "./Strategy.ts"
import { type StrategyReload, StrategyReloads } from "./StrategyReloads.ts"

/** Options of {@link watchLuaStrategy}: the Lua options plus the debounce delay (ms, default 100). */
export interface WatchOptions extends LuaStrategyOptions {
  readonly debounceMs?: number
}

const digest = (text: string): string => createHash("sha256").update(text).digest("hex")

/**
 * The new versions of a Lua file, as a stream: one element per change of its content, `Loaded` with the compiled
 * definition or `Failed` with the StrategyError (read error, syntax error, missing function, bad parameter).
 * `initial` is the content already loaded, so the first save that does not change it emits nothing.
 */
export const luaFileVersions = (path: string, options: WatchOptions = {}, initial?: string): Stream.Stream<StrategyReload> =>
  Stream.callback<StrategyReload>((queue) =>
    Effect.acquireRelease(
      Effect.sync(() => {
        const dir = nodePath.dirname(path)
        const base = nodePath.basename(path)
        let last = initial === undefined ? undefined : digest(initial)
        let timer: ReturnType<typeof setTimeout> | undefined
        const check = (): void => {
          timer = undefined
          let text: string
          try {
            text = fs.readFileSync(path, "utf8")
          } catch (e) {
            // Mid-save (the file briefly missing between an unlink and a rename): wait for the next event.
            if ((e as NodeJS.ErrnoException).code === "ENOENT") return
            Queue.offerUnsafe(queue, {
              _tag: "Failed",
              source: path,
              error: new StrategyError({ kind: "load", script: path, detail: `cannot read the strategy file: ${String(e)}` })
            })
            return
          }
          const hash = digest(text)
          if (hash === last) return
          last = hash
          try {
            Queue.offerUnsafe(queue, { _tag: "Loaded", source: path, definition: compileLuaStrategy(text, path, options) })
          } catch (e) {
            const error = e instanceof StrategyError ? e : new StrategyError({ kind: "load", script: path, detail: String(e) })
            Queue.offerUnsafe(queue, { _tag: "Failed", source: path, error })
          }
        }
        const watcher = fs.watch(dir, (_event, file) => {
          if (file !== null && file !== base) return
          if (timer !== undefined) clearTimeout(timer)
          timer = setTimeout(check, options.debounceMs ?? 100)
        })
        return { watcher, cancel: () => timer !== undefined && clearTimeout(timer) }
      }),
      ({ watcher, cancel }) => Effect.sync(() => {
        cancel()
        watcher.close()
      })
    ))

/**
 * A Layer providing the strategy loaded from `path` and its new versions as the file changes (see the module
 * comment). Fails with a StrategyError when the file cannot be loaded at start.
 */
export const watchLuaStrategy = (path: string, options: WatchOptions = {}): Layer.Layer<Strategy, StrategyError> =>
  Layer.unwrap(Effect.gen(function*() {
    const initial = yield* Effect.tryPromise({
      try: () => fs.promises.readFile(path, "utf8"),
      catch: (e) => new StrategyError({ kind: "load", script: path, detail: `cannot read the strategy file: ${String(e)}` })
    })
    const definition = yield* Effect.try({
      try: () => compileLuaStrategy(initial, path, options),
      catch: (e) => e instanceof StrategyError ? e : new StrategyError({ kind: "load", script: path, detail: String(e) })
    })
    return Layer.mergeAll(
      Strategy.layer(definition),
      Layer.succeed(StrategyReloads, { updates: luaFileVersions(path, options, initial) })
    )
  }))
