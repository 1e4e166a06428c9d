/**
 * Strategies: the `Strategy` service, the Lua host (fengari, one sandboxed VM per symbol) and the TypeScript helper.
 *
 * @module
 */
export { Strategy } from "./Strategy.ts"
export { compileLuaStrategy, DEFAULT_INSTRUCTION_LIMIT, loadLuaStrategy, type LuaStrategyOptions } from "./lua/host.ts"
export { defineStrategy, type StrategyContextBase, type StrategyFunction, type StrategyReturn, type TypeScriptStrategySpec } from "./typescript.ts"
export { interpretRecord, type StrategyPhase } from "./output.ts"
export { toJsonSafe } from "./json.ts"
