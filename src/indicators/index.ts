/**
 * Technical indicators: streaming kernels (one value per bar, O(1), no allocation), batch kernels over typed arrays
 * that agree with them bit for bit, the per-symbol bar window, and the registry. Conventions are TA-Lib's; see
 * docs/indicators.md.
 *
 * @module
 */
export * from "./atr.ts"
export * from "./bbands.ts"
export * from "./contract.ts"
export * from "./ema.ts"
export * from "./extremes.ts"
export * from "./macd.ts"
export * from "./registry.ts"
export * from "./rsi.ts"
export * from "./sma.ts"
export * from "./stoch.ts"
export * from "./vwap.ts"
export * from "./window.ts"
export * from "./wma.ts"
