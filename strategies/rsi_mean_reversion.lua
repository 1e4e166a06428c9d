--[[
  RSI mean reversion (long only)

  Watch (detect_opportunity): when RSI(RSI_PERIOD) drops below OVERSOLD, starts analysing (returns the
  `start_analyzing` action; the bar counter and the lowest RSI are stored in the context first, because an action
  carries no extra fields).

  CloseWatch (filter_commitment): counts the bars spent waiting. When RSI turns back above OVERSOLD, enters long with
  QUANTITY of equity, a stop STOP_PCT below the close and a take-profit TAKE_PROFIT_PCT above it. If RSI has not
  recovered within MAX_WAIT_BARS bars, cancels the analysis (back to Watch).

  InTrade (manage_position): exits when RSI rises above EXIT_RSI; the stop loss and take profit, checked by the
  engine on every bar, close the trade otherwise.

  Parameters (local constants below):
    RSI_PERIOD       RSI period (14)
    OVERSOLD         RSI level that starts the analysis and, crossed back upwards, triggers the entry (30)
    EXIT_RSI         RSI level that ends the trade (55)
    MAX_WAIT_BARS    bars to wait in CloseWatch for the recovery before cancelling (10)
    QUANTITY         entry size: below 1 a fraction of equity (0.5 = 50%), 1 or more units
    STOP_PCT         stop loss below the entry close, as a fraction (0.03 = 3%)
    TAKE_PROFIT_PCT  take profit above the entry close, as a fraction (0.06 = 6%)
]]

local RSI_PERIOD = 14
local OVERSOLD = 30
local EXIT_RSI = 55
local MAX_WAIT_BARS = 10
local QUANTITY = 0.5
local STOP_PCT = 0.03
local TAKE_PROFIT_PCT = 0.06

function detect_opportunity(market_data, context, indicators)
  local rsi = indicators.rsi(RSI_PERIOD)
  if rsi == nil or rsi >= OVERSOLD then return nil end
  context.wait_bars = 0
  context.lowest_rsi = rsi
  return { action = "start_analyzing", reason = string.format("RSI %.1f below %d", rsi, OVERSOLD) }
end

function filter_commitment(market_data, context, indicators)
  local rsi = indicators.rsi(RSI_PERIOD)
  if rsi == nil then return nil end
  local waited = (context.wait_bars or 0) + 1
  context.wait_bars = waited
  if rsi < (context.lowest_rsi or rsi) then context.lowest_rsi = rsi end
  if rsi > OVERSOLD then
    local close = market_data.close
    return {
      action = "enter_long",
      quantity = QUANTITY,
      price = close,
      stop_loss = close * (1 - STOP_PCT),
      take_profit = close * (1 + TAKE_PROFIT_PCT),
      reason = string.format("RSI recovered to %.1f (low %.1f)", rsi, context.lowest_rsi),
    }
  end
  if waited >= MAX_WAIT_BARS then
    return { action = "cancel_analysis", reason = "RSI did not recover within " .. MAX_WAIT_BARS .. " bars" }
  end
  return nil
end

function manage_position(market_data, context, indicators)
  local rsi = indicators.rsi(RSI_PERIOD)
  if rsi ~= nil and rsi > EXIT_RSI then
    return { action = "exit", reason = string.format("RSI %.1f above %d", rsi, EXIT_RSI) }
  end
  return nil
end
