/**
 * The Lua prelude: a small chunk run in every strategy VM before the user script. It finishes the sandbox, owns the
 * persistent `market_data`, `context` and `indicators` tables, and builds the three per-bar entry points.
 *
 * Why Lua-side: in fengari a `lua_setfield` from JS builds and hashes a fresh key string every time, while a Lua
 * assignment with a constant key reuses a string hashed once. So each bar costs one JS→Lua call with positional
 * number arguments, and the prelude copies them into the persistent `market_data` table.
 *
 * Everything the prelude needs is captured in locals before the user script runs, so a script that overwrites
 * globals (`setmetatable`, `table`, …) cannot break the host.
 *
 * @module
 */

/** Chunk name of the prelude in tracebacks. */
export const PRELUDE_CHUNKNAME = "=(host)"

/**
 * The prelude source. Arguments (`...`): the JS functions `sma`, `ema`, `wma`, `rsi`, `atr`, `vwap`, `macd`,
 * `bbands`, `stoch`, the JS `__index` of the window statistics (`high`, `low`, `range`, `avg_volume`), then the
 * symbol string. Returns `bind`, `context`, `set_position`, `market_data`, `indicators`,
 * `stepper`:
 * - `bind()` (called after the user script ran) returns the user's `detect_opportunity`, `filter_commitment`,
 *   `manage_position` and the global `reload_keeps_context`, or `nil, "<missing names>"`;
 * - `stepper(fn)` returns a function of `(timestamp, open, high, low, close, volume, bid, ask, mid)` that updates
 *   `market_data` and calls `fn(market_data, context, indicators)` (the portable per-bar path; the fast path writes
 *   the fields from JS and calls the user function directly);
 * - `set_position(side, quantity, entry_price, entry_time, stop_loss, take_profit)` sets `context.position`
 *   (`side` 1 = long, -1 = short; `nil` clears it).
 */
export const PRELUDE_SOURCE = `
local sma_fn, ema_fn, wma_fn, rsi_fn, atr_fn, vwap_fn, macd_fn, bbands_fn, stoch_fn, window_index, symbol = ...
local G = _G
local type, rawget, rawset, rawequal, select, setmetatable, getmetatable, tostring, error =
  type, rawget, rawset, rawequal, select, setmetatable, getmetatable, tostring, error
local concat = table.concat

-- Sandbox: text chunks only, no bytecode, no file access.
local raw_load = load
G.load = function(chunk, chunkname, mode, ...)
  if select("#", ...) > 0 then return raw_load(chunk, chunkname, "t", (...)) end
  return raw_load(chunk, chunkname, "t")
end
G.dofile, G.loadfile, G.collectgarbage = nil, nil, nil
string.dump = nil
-- The string metatable is this VM's own; protecting it keeps getmetatable("") from rewiring string methods.
getmetatable("").__metatable = false

local market_data = setmetatable({
  symbol = symbol, timestamp = 0.0, open = 0.0, high = 0.0, low = 0.0, close = 0.0, volume = 0.0,
  bid = nil, ask = nil, mid_price = 0.0,
}, { __metatable = false })
local context = {}

-- Window statistics (high, low, range, avg_volume) are read lazily by a JS __index: only the fields a script
-- touches cost a call, and one call (no Lua frame in between).
local indicators = setmetatable({
  sma = sma_fn, ema = ema_fn, wma = wma_fn, rsi = rsi_fn, atr = atr_fn, vwap = vwap_fn,
  macd = macd_fn, bbands = bbands_fn, stoch = stoch_fn,
}, {
  __index = window_index,
  __newindex = function(_, k)
    error("indicators is read-only (tried to set '" .. tostring(k) .. "')", 2)
  end,
  __metatable = false,
})

-- rawset would bypass the __newindex above.
G.rawset = function(t, k, v)
  if rawequal(t, indicators) then error("indicators is read-only (tried to set '" .. tostring(k) .. "')", 2) end
  return rawset(t, k, v)
end

local function stepper(fn)
  return function(ts, o, h, l, c, v, bid, ask, mid)
    market_data.timestamp = ts
    market_data.open = o
    market_data.high = h
    market_data.low = l
    market_data.close = c
    market_data.volume = v
    market_data.bid = bid
    market_data.ask = ask
    market_data.mid_price = mid
    return (fn(market_data, context, indicators))
  end
end

local function set_position(side, quantity, entry_price, entry_time, stop_loss, take_profit)
  if side == nil then
    rawset(context, "position", nil)
  else
    rawset(context, "position", {
      side = side == 1 and "long" or "short", quantity = quantity, entry_price = entry_price,
      entry_time = entry_time, stop_loss = stop_loss, take_profit = take_profit,
    })
  end
end

local function bind()
  local d = rawget(G, "detect_opportunity")
  local f = rawget(G, "filter_commitment")
  local m = rawget(G, "manage_position")
  local missing = {}
  if type(d) ~= "function" then missing[#missing + 1] = "detect_opportunity" end
  if type(f) ~= "function" then missing[#missing + 1] = "filter_commitment" end
  if type(m) ~= "function" then missing[#missing + 1] = "manage_position" end
  if #missing > 0 then return nil, concat(missing, ", ") end
  return d, f, m, rawget(G, "reload_keeps_context")
end

return bind, context, set_position, market_data, indicators, stepper
`
