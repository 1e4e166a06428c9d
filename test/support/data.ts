/**
 * Where the third-party test data lives: `TRADING_ENGINE_DATA`, or `../shared/data` beside the repository.
 */
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..")

/** Absolute path of the shared data folder. */
export const dataDir: string = process.env["TRADING_ENGINE_DATA"] ?? path.resolve(repoRoot, "..", "shared", "data")

/** Absolute path of a file under the shared data folder. */
export const dataFile = (...parts: ReadonlyArray<string>): string => path.join(dataDir, ...parts)

/** Absolute path inside the repository. */
export const repoFile = (...parts: ReadonlyArray<string>): string => path.join(repoRoot, ...parts)
