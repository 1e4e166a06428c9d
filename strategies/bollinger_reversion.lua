--[[
  Bollinger reversion (mean reversion in range-bound markets)

  Watch (detect_opportunity): the close falls below the lower Bollinger band while the slow stochastic %K is
  oversold (below OVERSOLD). The band level is remembered in the opportunity.

  CloseWatch (filter_commitment): waits for the stochastic to turn up (%K crosses above %D) with the close back
  above the lower band; then enters with QUANTITY of equity, a stop STOP_ATR × ATR below the close and a target at
  the middle band. Cancels after CONFIRM_BARS bars, or when the close falls a further STOP_ATR × ATR (a breakdown,
  not a dip).

  InTrade (manage_position): moves the target with the middle band, and exits when %K is overbought (above
  OVERBOUGHT) or the close reaches the upper band.

  Indicators used: indicators.bbands(20, 2), indicators.stoch(14, 3, 3), indicators.atr(n).

  Parameters (local constants below):
    BB_PERIOD, BB_K          Bollinger period and width in standard deviations (20, 2)
    K_PERIOD, K_SLOW, D_PERIOD  stochastic periods (14, 3, 3)
    OVERSOLD, OVERBOUGHT     stochastic levels (20, 80)
    ATR_PERIOD, STOP_ATR     ATR period and stop distance in ATRs (14, 2)
    QUANTITY                 fraction of equity per entry (0.5)
    CONFIRM_BARS             bars CloseWatch waits before cancelling (6)
]]

local BB_PERIOD, BB_K = 20, 2
local K_PERIOD, K_SLOW, D_PERIOD = 14, 3, 3
local OVERSOLD, OVERBOUGHT = 20, 80
local ATR_PERIOD, STOP_ATR = 14, 2
local QUANTITY = 0.5
local CONFIRM_BARS = 6

function detect_opportunity(market_data, context, indicators)
  local bands = indicators.bbands(BB_PERIOD, BB_K)
  local st = indicators.stoch(K_PERIOD, K_SLOW, D_PERIOD)
  if bands == nil or st == nil then return nil end
  if market_data.close < bands.lower and st.k < OVERSOLD then
    return { band_low = bands.lower, dip_close = market_data.close, waited = 0 }
  end
  return nil
end

function filter_commitment(market_data, context, indicators)
  local bands = indicators.bbands(BB_PERIOD, BB_K)
  local st = indicators.stoch(K_PERIOD, K_SLOW, D_PERIOD)
  local atr = indicators.atr(ATR_PERIOD)
  local close = market_data.close
  context.waited = context.waited + 1
  if atr ~= nil and close < context.dip_close - STOP_ATR * atr then
    return { action = "cancel_analysis", reason = "breakdown below the dip" }
  end
  if atr ~= nil and st.k > st.d and close > bands.lower and bands.middle > close then
    return {
      action = "enter_long", quantity = QUANTITY, price = close,
      stop_loss = close - STOP_ATR * atr, take_profit = bands.middle,
      reason = string.format("stochastic turned up at %.1f", st.k),
    }
  end
  if context.waited >= CONFIRM_BARS then
    return { action = "cancel_analysis", reason = "no turn" }
  end
  return nil
end

function manage_position(market_data, context, indicators)
  local bands = indicators.bbands(BB_PERIOD, BB_K)
  local st = indicators.stoch(K_PERIOD, K_SLOW, D_PERIOD)
  if st.k > OVERBOUGHT or market_data.close >= bands.upper then
    return { action = "exit", reason = "overbought" }
  end
  local target = context.position.take_profit
  if bands.middle > market_data.close and (target == nil or math.abs(bands.middle - target) > 1e-9 * target) then
    return { action = "update_take_profit", new_target = bands.middle, reason = "follow the middle band" }
  end
  return nil
end
