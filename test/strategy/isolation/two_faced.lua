-- Test script for test/strategy/isolation.test.ts: an EMA crossover that trades every symbol, except that on the
-- symbol named by `victim` it turns hostile from its `after`-th bar on, in the way `mode` says.
local VICTIM = param("victim", "BBB")
local AFTER = param("after", 120)
local MODE = param("mode", { default = "loop", choices = { "loop", "error", "garbage", "string", "heap" } })

local bars = 0
local keep = {}

local function turn_hostile(md)
  if md.symbol ~= VICTIM then return nil end
  bars = bars + 1
  if bars < AFTER then return nil end
  if MODE == "loop" then while true do end end
  if MODE == "error" then error({ code = 42 }) end
  if MODE == "garbage" then return function() end end
  if MODE == "string" then return { n = #string.rep("x", 1e9) } end
  -- heap: 100,000 more table entries on every bar, each call well within its instruction budget.
  local n = #keep
  for i = n + 1, n + 100000 do keep[i] = { i } end
  return nil
end

local function cross(context, indicators)
  local fast, slow = indicators.ema(5), indicators.ema(20)
  if fast == nil or slow == nil then return nil end
  local diff = fast - slow
  local prev = context.prev_diff
  context.prev_diff = diff
  if prev == nil then return nil end
  if prev <= 0 and diff > 0 then return 1 end
  if prev >= 0 and diff < 0 then return -1 end
  return 0
end

function detect_opportunity(market_data, context, indicators)
  local bad = turn_hostile(market_data)
  if bad ~= nil then return bad end
  if cross(context, indicators) == 1 then
    return { action = "enter_long", quantity = 0.2, stop_loss = market_data.close * 0.95, reason = "cross up" }
  end
  return nil
end

function filter_commitment(market_data, context, indicators)
  return { action = "cancel_analysis" }
end

function manage_position(market_data, context, indicators)
  local bad = turn_hostile(market_data)
  if bad ~= nil then return bad end
  if cross(context, indicators) == -1 then return { action = "exit", reason = "cross down" } end
  return nil
end
