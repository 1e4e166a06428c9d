/**
 * Market data: the `MarketData` service, its Layers (CSV, simulated, live queue), and the pure parsing, merging and
 * quality functions they are built from (usable without Effect, e.g. in benchmarks).
 *
 * @module
 */
export * from "./csv.ts"
export * from "./layers.ts"
export * from "./MarketData.ts"
export * from "./quality.ts"
export * from "./series.ts"
export * from "./simulated.ts"
