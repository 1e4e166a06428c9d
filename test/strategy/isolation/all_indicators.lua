-- Test script for test/strategy/isolation.test.ts: reads every indicator (so the worker protocol carries each kind),
-- prints, keeps state in context, and returns an opportunity every 25 bars with what it saw.
local n = 0
function detect_opportunity(market_data, context, indicators)
  n = n + 1
  local m = indicators.macd()
  local b = indicators.bbands(10, 1.5)
  local s = indicators.stoch(5, 3, 3)
  local seen = {
    sma = indicators.sma(5), ema = indicators.ema(8), wma = indicators.wma(4), rsi = indicators.rsi(6),
    atr = indicators.atr(7), vwap = indicators.vwap(), vwap5 = indicators.vwap(5),
    macd = m and m.histogram, upper = b and b.upper, k = s and s.k,
    high = indicators.high, low = indicators.low, range = indicators.range, avg_volume = indicators.avg_volume,
    bid = market_data.bid, ask = market_data.ask, mid = market_data.mid_price, ts = market_data.timestamp,
  }
  -- Read some twice and one only now and then: repeated and late first reads go through the same paths.
  seen.ema_again = indicators.ema(8)
  if n % 7 == 0 then seen.sma_late = indicators.sma(30) end
  context.sum = (context.sum or 0) + market_data.close
  if n % 25 == 0 then
    print("bar", n, context.sum)
    seen.sum = context.sum
    return seen
  end
  return nil
end
function filter_commitment(market_data, context, indicators)
  return { action = "enter_long", quantity = 0.5, stop_loss = market_data.close * 0.9, reason = tostring(context.sum) }
end
function manage_position(market_data, context, indicators)
  local p = context.position
  if p ~= nil and market_data.close > p.entry_price * 1.02 then return { action = "exit", reason = "target" } end
  if p ~= nil and market_data.close < p.entry_price * 0.99 then return { action = "update_stop_loss", new_stop = market_data.close * 0.95 } end
  return nil
end
