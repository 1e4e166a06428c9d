/**
 * Typed errors of the pipeline. Each names where the problem is (file, line, column, field) and why, so a person can
 * fix the input without reading the engine's code.
 *
 * @module
 */
import { Schema } from "effect"

/** A data row that could not be parsed or failed validation. `line` and `column` are 1-based. */
export class DataRowError extends Schema.TaggedError<DataRowError>()("DataRowError", {
  file: Schema.String,
  line: Schema.Number,
  column: Schema.Number,
  field: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `${this.file}:${this.line}:${this.column}: ${this.field}: ${this.reason}`
  }
}

/** A data file that cannot be used at all: missing, unreadable, empty, of an unknown format, out of order. */
export class DataFileError extends Schema.TaggedError<DataFileError>()("DataFileError", {
  file: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `${this.file}: ${this.reason}`
  }
}

/** Any failure of a market-data source. */
export type MarketDataError = DataRowError | DataFileError

/** What went wrong in a strategy: loading it, calling it, or what it returned. */
export const StrategyErrorKind = Schema.Literals([
  "load",
  "syntax",
  "missing-function",
  "runtime",
  "invalid-action",
  /** The instruction budget of one call ran out. */
  "limit",
  /** The wall-clock budget of one call ran out. */
  "timeout",
  /** The VM went over its memory cap. */
  "memory",
  /** A parameter declaration or override is invalid. */
  "params"
])
export type StrategyErrorKind = typeof StrategyErrorKind.Type

/** A strategy failure, with the script and line when known. */
export class StrategyError extends Schema.TaggedError<StrategyError>()("StrategyError", {
  kind: StrategyErrorKind,
  script: Schema.String,
  line: Schema.optional(Schema.Number),
  detail: Schema.String,
  traceback: Schema.optional(Schema.String)
}) {
  override get message(): string {
    const where = this.line !== undefined ? `${this.script}:${this.line}` : this.script
    return `${where}: ${this.kind}: ${this.detail}`
  }
}

/** A configuration or argument problem, found before any data is read. */
export class ConfigError extends Schema.TaggedError<ConfigError>()("ConfigError", {
  field: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `${this.field}: ${this.reason}`
  }
}
