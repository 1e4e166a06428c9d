-- Test script for test/strategy/params.test.ts: one declaration of each kind; detect_opportunity reports what the
-- script sees (value and Lua number subtype).
local FAST = param("fast", { default = 12, min = 2, max = 200, description = "fast EMA period" })
local SLOW = param("slow", 26)                                  -- shorthand: just the default
local STOP_PCT = param("stop_pct", { default = 0.05, min = 0, max = 0.5 })
local K = param("k", { default = 2.0 })                         -- a float default: type number
local ALLOW_SHORT = param("allow_short", { default = false })
local MODE = param("mode", { default = "trend", choices = { "trend", "reversion" } })
local LABEL = param("label", "ema")

reload_keeps_context = false

local function show(v) return tostring(v) .. " " .. math.type(v) end

function detect_opportunity(market_data, context, indicators)
  return {
    fast = show(FAST), slow = show(SLOW), stop_pct = show(STOP_PCT), k = show(K),
    allow_short = tostring(ALLOW_SHORT), mode = MODE, label = LABEL,
  }
end

function filter_commitment() return nil end
function manage_position() return nil end
