/**
 * Uniform adapters over the three implementations of each indicator, keyed by the native catalog name
 * (`ind_batch.exe --list`): the js_of_ocaml build (batch and streaming) and the TypeScript kernels.
 * Every adapter takes parameters and input columns in catalog order and returns the outputs in catalog order.
 */
import * as fs from "node:fs"
import { pathToFileURL } from "node:url"
import { ocamlIndicators as O } from "../../src/indicators/ocaml/index.ts"
import { repoFile } from "../support/data.ts"

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

/**
 * The TypeScript kernels, looked up by name at run time in every module of src/indicators (so that this test
 * follows the TypeScript set as it grows: an entry without a TypeScript batch function is skipped, visibly).
 */
const tsModules: Array<Record<string, unknown>> = await Promise.all(
  fs
    .readdirSync(repoFile("src", "indicators"))
    .filter((f) => f.endsWith(".ts"))
    .map((f) => import(pathToFileURL(repoFile("src", "indicators", f)).href) as Promise<Record<string, unknown>>)
)

type AnyFn = (...args: Array<any>) => any

const tsFunction = (name: string): AnyFn | undefined => {
  for (const m of tsModules) if (typeof m[name] === "function") return m[name] as AnyFn
  return undefined
}

/** The TypeScript batch of each entry, when it exists, as "params and inputs in, outputs in catalog order out". */
export const tsBatch = (name: string): Batch | undefined => {
  const single = (fn: string): Batch | undefined => {
    const f = tsFunction(fn)
    return f && (([p], [x]) => [f(x, p)])
  }
  switch (name) {
    case "sma":
    case "ema":
    case "rsi":
    case "wma":
      return single(`${name}Batch`)
    case "highest":
      return single("highestBatch")
    case "lowest":
      return single("lowestBatch")
    case "avg_volume":
      return single("avgVolumeBatch")
    case "macd": {
      const f = tsFunction("macdBatch")
      return f && (([a, b, c], [x]) => {
        const r = f(x, a, b, c)
        return [r.macd, r.signal, r.histogram]
      })
    }
    case "bbands": {
      const f = tsFunction("bbandsBatch")
      return f && (([p, k], [x]) => {
        const r = f(x, p, k)
        return [r.upper, r.middle, r.lower]
      })
    }
    case "atr": {
      const f = tsFunction("atrBatch")
      return f && (([p], [h, l, c]) => [f(h, l, c, p)])
    }
    case "stoch": {
      const f = tsFunction("stochBatch")
      return f && (([a, b, c], [h, l, cl]) => {
        const r = f(h, l, cl, a, b, c)
        return [r.k, r.d]
      })
    }
    case "vwap": {
      const f = tsFunction("vwapBatch")
      return f && (([len, off], [h, l, c, v, t]) => [f(h, l, c, v, t, len, off)])
    }
    case "vwap_rolling": {
      const f = tsFunction("vwapRollingBatch")
      return f && (([p], [h, l, c, v]) => [f(h, l, c, v, p)])
    }
    case "range": {
      const f = tsFunction("rangeBatch")
      return f && (([p], [h, l]) => [f(h, l, p)])
    }
    default:
      return undefined
  }
}
