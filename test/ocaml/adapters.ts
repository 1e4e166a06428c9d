/**
 * Uniform adapters over the three implementations of each indicator, keyed by the native catalog name
 * (`ind_batch.exe --list`, {@link ocamlCatalog}): the js_of_ocaml build (batch and streaming) and the TypeScript
 * registry's batch form.
 * Every adapter takes parameters and input columns in catalog order and returns the outputs in catalog order.
 */
import { ocamlIndicators as O } from "../../src/indicators/ocaml/index.ts"
import { type BarField, batchIndicator, findIndicator } from "../../src/indicators/registry.ts"

export type Batch = (params: ReadonlyArray<number>, inputs: ReadonlyArray<Float64Array>) => Array<Float64Array>

/** The JavaScript build's batch function for each native catalog entry. */
export const jsBatch: Record<string, Batch> = {
  sma: ([p], [x]) => [O.sma(x!, p!)],
  ema: ([p], [x]) => [O.ema(x!, p!)],
  rsi: ([p], [x]) => [O.rsi(x!, p!)],
  wma: ([p], [x]) => [O.wma(x!, p!)],
  macd: ([f, s, g], [x]) => O.macd(x!, f!, s!, g!),
  bbands: ([p, k], [x]) => O.bbands(x!, p!, k!),
  atr: ([p], [h, l, c]) => [O.atr(h!, l!, c!, p!)],
  stoch: ([kp, ks, dp], [h, l, c]) => O.stoch(h!, l!, c!, kp!, ks!, dp!),
  vwap: ([len, off], [h, l, c, v, t]) => [O.vwap(h!, l!, c!, v!, t!, len!, off!)],
  vwap_rolling: ([p], [h, l, c, v]) => [O.vwapRolling(h!, l!, c!, v!, p!)],
  highest: ([p], [x]) => [O.highest(x!, p!)],
  lowest: ([p], [x]) => [O.lowest(x!, p!)],
  range: ([p], [h, l]) => [O.range(h!, l!, p!)],
  avg_volume: ([p], [v]) => [O.avgVolume(v!, p!)]
}

export interface Handle {
  update(...xs: Array<number>): Array<number>
  replace(...xs: Array<number>): Array<number>
}

/** The JavaScript build's streaming handles, adapted to "inputs in, outputs out". */
export const jsStreaming: Record<string, (params: ReadonlyArray<number>) => Handle> = {
  sma: ([p]) => {
    const h = O.smaMake(p!)
    return { update: (x) => [O.smaUpdate(h, x!)], replace: (x) => [O.smaReplace(h, x!)] }
  },
  ema: ([p]) => {
    const h = O.emaMake(p!)
    return { update: (x) => [O.emaUpdate(h, x!)], replace: (x) => [O.emaReplace(h, x!)] }
  },
  rsi: ([p]) => {
    const h = O.rsiMake(p!)
    return { update: (x) => [O.rsiUpdate(h, x!)], replace: (x) => [O.rsiReplace(h, x!)] }
  },
  wma: ([p]) => {
    const h = O.wmaMake(p!)
    return { update: (x) => [O.wmaUpdate(h, x!)], replace: (x) => [O.wmaReplace(h, x!)] }
  },
  macd: ([f, s, g]) => {
    const h = O.macdMake(f!, s!, g!)
    return { update: (x) => [...O.macdUpdate(h, x!)], replace: (x) => [...O.macdReplace(h, x!)] }
  },
  bbands: ([p, k]) => {
    const h = O.bbandsMake(p!, k!)
    return { update: (x) => [...O.bbandsUpdate(h, x!)], replace: (x) => [...O.bbandsReplace(h, x!)] }
  },
  atr: ([p]) => {
    const h = O.atrMake(p!)
    return { update: (hi, lo, c) => [O.atrUpdate(h, hi!, lo!, c!)], replace: (hi, lo, c) => [O.atrReplace(h, hi!, lo!, c!)] }
  },
  stoch: ([kp, ks, dp]) => {
    const h = O.stochMake(kp!, ks!, dp!)
    return {
      update: (hi, lo, c) => [...O.stochUpdate(h, hi!, lo!, c!)],
      replace: (hi, lo, c) => [...O.stochReplace(h, hi!, lo!, c!)]
    }
  },
  vwap: ([len, off]) => {
    const h = O.vwapMake(len!, off!)
    return {
      update: (hi, lo, c, v, t) => [O.vwapUpdate(h, hi!, lo!, c!, v!, t!)],
      replace: (hi, lo, c, v, t) => [O.vwapReplace(h, hi!, lo!, c!, v!, t!)]
    }
  },
  vwap_rolling: ([p]) => {
    const h = O.vwapRollingMake(p!)
    return {
      update: (hi, lo, c, v) => [O.vwapRollingUpdate(h, hi!, lo!, c!, v!)],
      replace: (hi, lo, c, v) => [O.vwapRollingReplace(h, hi!, lo!, c!, v!)]
    }
  },
  highest: ([p]) => {
    const h = O.highestMake(p!)
    return { update: (x) => [O.highestUpdate(h, x!)], replace: (x) => [O.highestReplace(h, x!)] }
  },
  lowest: ([p]) => {
    const h = O.lowestMake(p!)
    return { update: (x) => [O.lowestUpdate(h, x!)], replace: (x) => [O.lowestReplace(h, x!)] }
  },
  range: ([p]) => {
    const h = O.rangeMake(p!)
    return { update: (hi, lo) => [O.rangeUpdate(h, hi!, lo!)], replace: (hi, lo) => [O.rangeReplace(h, hi!, lo!)] }
  },
  avg_volume: ([p]) => {
    const h = O.avgVolumeMake(p!)
    return { update: (v) => [O.avgVolumeUpdate(h, v!)], replace: (v) => [O.avgVolumeReplace(h, v!)] }
  }
}

/** Names of an entry's parameters, input columns and outputs, in the order the OCaml side takes and returns them. */
export interface CatalogEntry {
  readonly params: ReadonlyArray<string>
  readonly inputs: ReadonlyArray<BarField>
  readonly outputs: ReadonlyArray<string>
}

/**
 * The OCaml catalog (`ocaml/lib/catalog.ml`), as printed by `ind_batch.exe --list` (native.test.ts checks that the
 * two agree): the order of the adapters' parameters, inputs and outputs. Names are the registry's names.
 */
export const ocamlCatalog: Readonly<Record<string, CatalogEntry>> = {
  sma: { params: ["period"], inputs: ["close"], outputs: ["value"] },
  ema: { params: ["period"], inputs: ["close"], outputs: ["value"] },
  rsi: { params: ["period"], inputs: ["close"], outputs: ["value"] },
  wma: { params: ["period"], inputs: ["close"], outputs: ["value"] },
  macd: {
    params: ["fastPeriod", "slowPeriod", "signalPeriod"],
    inputs: ["close"],
    outputs: ["macd", "signal", "histogram"]
  },
  bbands: { params: ["period", "k"], inputs: ["close"], outputs: ["upper", "middle", "lower"] },
  atr: { params: ["period"], inputs: ["high", "low", "close"], outputs: ["value"] },
  stoch: { params: ["kPeriod", "kSlowing", "dPeriod"], inputs: ["high", "low", "close"], outputs: ["k", "d"] },
  vwap: { params: ["sessionMs", "offsetMs"], inputs: ["high", "low", "close", "volume", "timestamp"], outputs: ["value"] },
  vwap_rolling: { params: ["period"], inputs: ["high", "low", "close", "volume"], outputs: ["value"] },
  highest: { params: ["period"], inputs: ["high"], outputs: ["value"] },
  lowest: { params: ["period"], inputs: ["low"], outputs: ["value"] },
  range: { params: ["period"], inputs: ["high", "low"], outputs: ["value"] },
  avg_volume: { params: ["period"], inputs: ["volume"], outputs: ["value"] }
}

/**
 * The TypeScript batch of a registry entry (`batchIndicator`), as "parameters and inputs in catalog order in,
 * outputs in catalog order out"; `undefined` when the registry has no such entry or the OCaml catalog does not
 * know it.
 */
export const tsBatch = (name: string): Batch | undefined => {
  const spec = findIndicator(name)
  const entry = ocamlCatalog[name]
  if (spec === undefined || entry === undefined) return undefined
  return (params, inputs) => {
    const named: Record<string, number> = {}
    entry.params.forEach((p, i) => (named[p] = params[i]!))
    const columns: Partial<Record<BarField, Float64Array>> = {}
    entry.inputs.forEach((f, i) => (columns[f] = inputs[i]!))
    const out = batchIndicator(spec, columns, named)
    return entry.outputs.map((o) => {
      const series = out[o]
      if (series === undefined) throw new Error(`${name}: the registry batch has no output ${JSON.stringify(o)}`)
      return series
    })
  }
}
