--[[
  MACD trend (trend following with volatility stops)

  Watch (detect_opportunity): the MACD histogram turns positive (MACD crosses above its signal line) while the close
  is above the session VWAP (today's volume-weighted average price, reset at 00:00 UTC) and above the WMA trend
  filter. The previous histogram is kept in `context.prev_hist` so the cross is seen on the bar where it happens.

  CloseWatch (filter_commitment): enters on the next bar whose histogram is still positive, with a stop
  STOP_ATR × ATR below the close and a target TARGET_ATR × ATR above it. Cancels when the histogram turns back or
  nothing confirms within CONFIRM_BARS bars.

  InTrade (manage_position): exits when the histogram turns negative; otherwise trails the stop to
  STOP_ATR × ATR below the close whenever that is higher than the current stop.

  Indicators used: indicators.macd(12, 26, 9), indicators.vwap(), indicators.wma(n), indicators.atr(n).

  Parameters (declared with param(); override with --param fast=8):
    FAST, SLOW, SIGNAL  MACD periods (12, 26, 9)
    TREND               WMA period of the trend filter (50)
    ATR_PERIOD          ATR period (14)
    STOP_ATR            stop distance in ATRs (2)
    TARGET_ATR          take-profit distance in ATRs (6)
    QUANTITY            fraction of equity per entry (0.95)
    CONFIRM_BARS        bars CloseWatch waits before cancelling (2)
]]

local FAST = param("fast", { default = 12, min = 1, max = 500, description = "MACD fast EMA period" })
local SLOW = param("slow", { default = 26, min = 2, max = 1000, description = "MACD slow EMA period" })
local SIGNAL = param("signal", { default = 9, min = 1, max = 500, description = "MACD signal period" })
local TREND = param("trend", { default = 50, min = 1, max = 2000, description = "WMA trend filter period" })
local ATR_PERIOD = param("atr_period", { default = 14, min = 1, max = 500 })
local STOP_ATR = param("stop_atr", { default = 2, min = 0.1, max = 50, type = "number", description = "stop distance in ATRs" })
local TARGET_ATR = param("target_atr", { default = 6, min = 0.1, max = 100, type = "number", description = "target distance in ATRs" })
local QUANTITY = param("quantity", { default = 0.95, min = 0.0001, max = 1, description = "fraction of equity" })
local CONFIRM_BARS = param("confirm_bars", { default = 2, min = 1, max = 100 })

function detect_opportunity(market_data, context, indicators)
  local m = indicators.macd(FAST, SLOW, SIGNAL)
  if m == nil then return nil end
  local prev = context.prev_hist
  context.prev_hist = m.histogram
  if prev == nil or not (prev <= 0 and m.histogram > 0) then return nil end
  local vwap = indicators.vwap()
  local trend = indicators.wma(TREND)
  if vwap == nil or trend == nil then return nil end
  if market_data.close > vwap and market_data.close > trend then
    return { cross_close = market_data.close, waited = 0 }
  end
  return nil
end

function filter_commitment(market_data, context, indicators)
  local m = indicators.macd(FAST, SLOW, SIGNAL)
  local atr = indicators.atr(ATR_PERIOD)
  context.prev_hist = m.histogram
  if m.histogram <= 0 then
    return { action = "cancel_analysis", reason = "histogram turned back" }
  end
  context.waited = context.waited + 1
  if atr ~= nil and atr > 0 then
    local close = market_data.close
    return {
      action = "enter_long", quantity = QUANTITY, price = close,
      stop_loss = close - STOP_ATR * atr, take_profit = close + TARGET_ATR * atr,
      reason = string.format("MACD cross confirmed, ATR %.2f", atr),
    }
  end
  if context.waited >= CONFIRM_BARS then
    return { action = "cancel_analysis", reason = "not confirmed" }
  end
  return nil
end

function manage_position(market_data, context, indicators)
  local m = indicators.macd(FAST, SLOW, SIGNAL)
  context.prev_hist = m.histogram
  if m.histogram < 0 then
    return { action = "exit", reason = "MACD crossed below its signal line" }
  end
  local atr = indicators.atr(ATR_PERIOD)
  local stop = context.position.stop_loss
  local trailed = market_data.close - STOP_ATR * atr
  if stop == nil or trailed > stop then
    return { action = "update_stop_loss", new_stop = trailed, reason = "trail" }
  end
  return nil
end
