/**
 * Strategies: the `Strategy` service, the Lua host (fengari, one sandboxed VM per symbol) and the TypeScript helper.
 *
 * @module
 */
export { Strategy } from "./Strategy.ts"
export {
  compileLuaStrategy,
  DEFAULT_INSTRUCTION_LIMIT,
  DEFAULT_MAX_STRING_BYTES,
  DEFAULT_MEMORY_LIMIT_MB,
  DEFAULT_TIMEOUT_MS,
  loadLuaStrategy,
  type LuaIsolation,
  type LuaStrategyDefinition,
  type LuaStrategyOptions
} from "./lua/host.ts"
export {
  defineStrategy,
  type ParamValuesOf,
  type StrategyContextBase,
  type StrategyFunction,
  type StrategyReturn,
  type TypeScriptParamSpec,
  type TypeScriptParamSpecs,
  type TypeScriptStrategyDefinition,
  type TypeScriptStrategySpec
} from "./typescript.ts"
export { interpretRecord, type StrategyPhase } from "./output.ts"
export { toJsonSafe } from "./json.ts"
