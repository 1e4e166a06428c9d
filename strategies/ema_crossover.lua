--[[
  EMA crossover (trend following)

  Watch (detect_opportunity): waits for a fresh cross of the fast EMA above the slow EMA (and, when ALLOW_SHORT is
  true, below it). The previous fast-slow difference is kept in `context.prev_diff`, so a cross is seen on the one
  bar where the sign changes. A cross returns an opportunity table; the engine merges it into the context and moves
  to CloseWatch.

  CloseWatch (filter_commitment): confirms on a following bar that the close is still on the right side of the slow
  EMA and the EMAs have not crossed back; then enters with QUANTITY of equity and a stop STOP_PCT away from the
  close. If the cross reverses, or nothing confirms within CONFIRM_BARS bars, the analysis is cancelled.

  InTrade (manage_position): exits on the opposite cross. The stop loss protects in between.

  Parameters (declared with param(); override with --param fast=20, list with `trading-engine validate`):
    FAST          fast EMA period (12)
    SLOW          slow EMA period (26)
    QUANTITY      size of an entry: below 1 is a fraction of equity (0.95 = 95%), 1 or more is units
    STOP_PCT      stop-loss distance from the entry close, as a fraction (0.05 = 5%)
    CONFIRM_BARS  bars CloseWatch waits for a confirmation before cancelling (3)
    ALLOW_SHORT   also trade crosses downwards with short entries (false)
]]

local FAST = param("fast", { default = 12, min = 1, max = 1000, description = "fast EMA period" })
local SLOW = param("slow", { default = 26, min = 2, max = 2000, description = "slow EMA period" })
local QUANTITY = param("quantity", { default = 0.95, min = 0.0001, max = 1e9, description = "below 1: fraction of equity; else units" })
local STOP_PCT = param("stop_pct", { default = 0.05, min = 0.0001, max = 0.99, description = "stop distance from the close" })
local CONFIRM_BARS = param("confirm_bars", { default = 3, min = 1, max = 1000, description = "bars CloseWatch waits" })
local ALLOW_SHORT = param("allow_short", { default = false, description = "also trade downward crosses" })

-- Each function computes the EMA difference inline: in fengari every Lua function call costs about as much as a
-- dozen instructions, and this runs on every bar.

function detect_opportunity(market_data, context, indicators)
  local fast = indicators.ema(FAST)
  local slow = indicators.ema(SLOW)
  if fast == nil or slow == nil then return nil end
  local diff = fast - slow
  local prev = context.prev_diff
  context.prev_diff = diff
  if prev == nil then return nil end
  if prev <= 0 and diff > 0 then
    return { direction = "long", cross_close = market_data.close, waited = 0 }
  end
  if ALLOW_SHORT and prev >= 0 and diff < 0 then
    return { direction = "short", cross_close = market_data.close, waited = 0 }
  end
  return nil
end

function filter_commitment(market_data, context, indicators)
  local fast = indicators.ema(FAST)
  local slow = indicators.ema(SLOW)
  if fast == nil or slow == nil then return nil end
  local diff = fast - slow
  context.prev_diff = diff
  local close = market_data.close
  local waited = (context.waited or 0) + 1
  context.waited = waited
  if context.direction == "long" then
    if diff <= 0 then return { action = "cancel_analysis", reason = "fast EMA fell back below slow EMA" } end
    if close > slow then
      return {
        action = "enter_long", quantity = QUANTITY, price = close, stop_loss = close * (1 - STOP_PCT),
        reason = "EMA" .. FAST .. " crossed above EMA" .. SLOW,
      }
    end
  elseif context.direction == "short" then
    if diff >= 0 then return { action = "cancel_analysis", reason = "fast EMA rose back above slow EMA" } end
    if close < slow then
      return {
        action = "enter_short", quantity = QUANTITY, price = close, stop_loss = close * (1 + STOP_PCT),
        reason = "EMA" .. FAST .. " crossed below EMA" .. SLOW,
      }
    end
  end
  if waited >= CONFIRM_BARS then
    return { action = "cancel_analysis", reason = "no confirmation within " .. CONFIRM_BARS .. " bars" }
  end
  return nil
end

function manage_position(market_data, context, indicators)
  local fast = indicators.ema(FAST)
  local slow = indicators.ema(SLOW)
  if fast == nil or slow == nil then return nil end
  local diff = fast - slow
  context.prev_diff = diff
  local position = context.position
  if position == nil then return nil end
  if position.side == "long" then
    if diff < 0 then return { action = "exit", reason = "EMA" .. FAST .. " crossed below EMA" .. SLOW } end
  elseif diff > 0 then
    return { action = "exit", reason = "EMA" .. FAST .. " crossed above EMA" .. SLOW }
  end
  return nil
end
