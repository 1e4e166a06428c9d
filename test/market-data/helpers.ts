/**
 * Helpers for the market-data tests: run a MarketData Layer to the end, write temporary CSV files, read a file's
 * raw rows independently of the parser.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { Effect, type Layer, Stream } from "effect"
import type { Bar } from "../../src/domain/bar.ts"
import type { MarketDataError } from "../../src/domain/errors.ts"
import { type DataQualityReport, MarketData } from "../../src/market-data/MarketData.ts"
import type { SymbolQualityDetail } from "../../src/market-data/quality.ts"

export interface Run {
  readonly bars: Array<Bar>
  readonly chunkSizes: Array<number>
  readonly quality: DataQualityReport
}

/** Runs the Layer's stream to the end (a chunk at a time) and returns the bars, chunk sizes and quality report. */
export const collect = (layer: Layer.Layer<MarketData>): Effect.Effect<Run, MarketDataError> =>
  Effect.gen(function*() {
    const md = yield* MarketData
    const bars: Array<Bar> = []
    const chunkSizes: Array<number> = []
    yield* Stream.runForEachArray(md.bars, (chunk) =>
      Effect.sync(() => {
        chunkSizes.push(chunk.length)
        for (const b of chunk) bars.push(b)
      }))
    const quality = yield* md.quality
    return { bars, chunkSizes, quality }
  }).pipe(Effect.provide(layer))

/** The error the Layer's stream fails with (the test fails if it succeeds). */
export const collectError = (layer: Layer.Layer<MarketData>): Effect.Effect<MarketDataError> =>
  Effect.flip(collect(layer)).pipe(
    Effect.catch((run) => Effect.die(new Error(`expected the stream to fail; it ended after ${run.bars.length} bars`)))
  )

/** The quality entry of one symbol, with the calendar the CSV/live sources add. */
export const symbolQuality = (report: DataQualityReport, symbol: string): SymbolQualityDetail => {
  const q = report.symbols.find((s) => s.symbol === symbol)
  if (q === undefined) throw new Error(`no quality entry for ${symbol}`)
  return q as SymbolQualityDetail
}

/** Epoch ms of an ISO time (`2023-03-24T12:00:00Z`). */
export const utc = (iso: string): number => {
  const t = Date.parse(iso)
  if (Number.isNaN(t)) throw new Error(`bad test time ${iso}`)
  return t
}

let dir: string | undefined
/** Writes `content` to a fresh temporary directory under `name` and returns the path. */
export const tempFile = (name: string, content: string | Uint8Array): string => {
  dir ??= mkdtempSync(path.join(tmpdir(), "market-data-test-"))
  const sub = mkdtempSync(path.join(dir, "f-"))
  const file = path.join(sub, name)
  writeFileSync(file, content)
  return file
}

/** The data rows of a CSV as string arrays, read with a naive split (an independent check of the parser). */
export const rawRows = (file: string, hasHeader: boolean): Array<Array<string>> => {
  const lines = readFileSync(file, "utf8").split("\n").map((l) => l.replace(/\r$/, "")).filter((l) => l !== "")
  return (hasHeader ? lines.slice(1) : lines).map((l) => l.split(","))
}
