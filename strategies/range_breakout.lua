--[[
  Range breakout (long only)

  Watch (detect_opportunity): after MIN_BARS bars (so the window is full), when the price range of the indicator window (highest high - lowest low) is tight
  relative to the price (below MAX_RANGE_PCT of the close), remembers the range in the context (`range_high`,
  `range_low`, `range`) by returning an opportunity table → CloseWatch.

  CloseWatch (filter_commitment): a close above `range_high` enters long with QUANTITY of equity, the stop loss at
  `range_low` and the take profit TARGET_MULT ranges above the entry; a close below `range_low` cancels the analysis;
  so does waiting more than MAX_WAIT_BARS bars.

  InTrade (manage_position): trails the stop: TRAIL_MULT ranges below the highest close since the entry, moved up
  only (update_stop_loss). Stop loss and take profit end the trade.

  Parameters (local constants below):
    MIN_BARS       bars to observe before looking for ranges, so the indicator window is filled (20)
    MAX_RANGE_PCT  window range / close below which the range counts as tight (0.02 = 2%)
    TARGET_MULT    take profit distance in ranges (2)
    TRAIL_MULT     trailing stop distance in ranges (1)
    MAX_WAIT_BARS  bars to wait for the breakout before cancelling (20)
    QUANTITY       entry size: below 1 a fraction of equity (0.5 = 50%), 1 or more units
]]

local MIN_BARS = 20
local MAX_RANGE_PCT = 0.02
local TARGET_MULT = 2
local TRAIL_MULT = 1
local MAX_WAIT_BARS = 20
local QUANTITY = 0.5

function detect_opportunity(market_data, context, indicators)
  local seen = (context.bars_seen or 0) + 1
  context.bars_seen = seen
  if seen < MIN_BARS then return nil end
  local high, low = indicators.high, indicators.low
  if high == nil or low == nil then return nil end
  local range = high - low
  if range <= 0 or range / market_data.close >= MAX_RANGE_PCT then return nil end
  return { range_high = high, range_low = low, range = range, waited = 0 }
end

function filter_commitment(market_data, context, indicators)
  local close = market_data.close
  local range_high, range_low, range = context.range_high, context.range_low, context.range
  if range_high == nil then
    return { action = "cancel_analysis", reason = "no range in the context" }
  end
  if close > range_high then
    context.peak_close = close
    return {
      action = "enter_long",
      quantity = QUANTITY,
      price = close,
      stop_loss = range_low,
      take_profit = close + TARGET_MULT * range,
      reason = string.format("close %.4f broke above the range %.4f-%.4f", close, range_low, range_high),
    }
  end
  if close < range_low then
    return { action = "cancel_analysis", reason = "close broke below the range" }
  end
  context.waited = (context.waited or 0) + 1
  if context.waited > MAX_WAIT_BARS then
    return { action = "cancel_analysis", reason = "no breakout within " .. MAX_WAIT_BARS .. " bars" }
  end
  return nil
end

function manage_position(market_data, context, indicators)
  local position = context.position
  if position == nil or context.range == nil then return nil end
  local close = market_data.close
  local peak = context.peak_close
  if peak == nil or close > peak then
    peak = close
    context.peak_close = peak
  end
  local new_stop = peak - TRAIL_MULT * context.range
  local current = position.stop_loss
  if new_stop > 0 and (current == nil or new_stop > current) and new_stop < close then
    return { action = "update_stop_loss", new_stop = new_stop, reason = "trail below the highest close" }
  end
  return nil
end
