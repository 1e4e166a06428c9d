/** Domain types shared by every capability. @module */
export * from "./action.ts"
export * from "./bar.ts"
export * from "./errors.ts"
export * from "./strategy.ts"
export * from "./params.ts"
