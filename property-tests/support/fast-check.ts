/**
 * fast-check run settings from the environment, so that any failure can be replayed.
 *
 * - `FC_SEED`: the seed (a 32-bit integer, as fast-check prints it); default {@link DEFAULT_SEED}, so CI runs are
 *   deterministic. `FC_SEED=random` draws a fresh seed (printed by {@link describeRun}), for exploratory runs.
 * - `FC_PATH`: the path of a counterexample (`"12:3:0"`), as fast-check prints it; with `FC_SEED`, replays exactly
 *   that case (and its shrinking from there).
 * - `FC_RUNS`: a multiplier of every property's default number of runs (`FC_RUNS=20` for a soak run).
 *
 * On failure fast-check reports `{ seed: S, path: "P", endOnFailure: true }`: rerun the failing test alone with
 * `FC_SEED=S FC_PATH=P npx vitest run <file> -t "<test name>"`.
 */

/** The seed used when `FC_SEED` is not set. */
export const DEFAULT_SEED = 20261125

const env = (name: string): string | undefined => {
  const v = process.env[name]
  return v === undefined || v.trim() === "" ? undefined : v.trim()
}

const readSeed = (): number => {
  const text = env("FC_SEED")
  if (text === undefined) return DEFAULT_SEED
  if (text === "random") return (Date.now() ^ (Math.random() * 0x100000000)) | 0
  const n = Number(text)
  if (!Number.isInteger(n) || n < -0x80000000 || n > 0xffffffff) {
    throw new Error(`FC_SEED must be a 32-bit integer (as fast-check prints it) or "random", got ${JSON.stringify(text)}`)
  }
  return n | 0
}

const readPath = (): string | undefined => {
  const text = env("FC_PATH")
  if (text !== undefined && !/^\d+(:\d+)*$/.test(text)) {
    throw new Error(`FC_PATH must look like "12:3:0" (as fast-check prints it), got ${JSON.stringify(text)}`)
  }
  return text
}

const readRunsFactor = (): number => {
  const text = env("FC_RUNS")
  if (text === undefined) return 1
  const n = Number(text)
  if (!(n > 0) || !Number.isFinite(n)) throw new Error(`FC_RUNS must be a positive number, got ${JSON.stringify(text)}`)
  return n
}

/** The seed of this process's runs. */
export const seed: number = readSeed()

/** The replay path, when given. */
export const path: string | undefined = readPath()

/** The multiplier of the default numbers of runs. */
export const runsFactor: number = readRunsFactor()

/** Parameters for `fc.assert` / `fc.sample`: the seed, the replay path if any, and `numRuns × FC_RUNS` runs. */
export const fcParams = (numRuns: number): { seed: number; numRuns: number; path?: string } => {
  const runs = Math.max(1, Math.round(numRuns * runsFactor))
  return path === undefined ? { seed, numRuns: runs } : { seed, numRuns: runs, path }
}

/** A one-line description of the settings, for test names and messages. */
export const describeRun = (): string =>
  `FC_SEED=${seed}${path === undefined ? "" : ` FC_PATH=${path}`}${runsFactor === 1 ? "" : ` FC_RUNS=${runsFactor}`}`
