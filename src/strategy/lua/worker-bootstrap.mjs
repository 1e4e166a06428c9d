// Entry of a Lua worker thread (see worker-host.ts). The worker's code is TypeScript: Node >= 22.18 strips the types
// itself (the worker's modules use erasable syntax only, no `enum` or parameter properties); where it cannot, tsx is
// registered first (as bin/trading-engine.mjs does).
const entry = new URL("./worker-main.ts", import.meta.url)
try {
  await import(entry.href)
} catch (e) {
  const code = e !== null && typeof e === "object" ? e.code : undefined
  if (code !== "ERR_UNKNOWN_FILE_EXTENSION" && code !== "ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX" && code !== "ERR_NO_TYPESCRIPT") throw e
  const { register } = await import("tsx/esm/api")
  register()
  await import(entry.href + "?tsx")
}
