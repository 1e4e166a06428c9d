--[[
  Strategy template: copy this file and fill in the three functions. It runs as is (it never trades).

  The engine keeps one state per symbol and calls ONE of the three functions per bar:
    Watch       → detect_opportunity(market_data, context, indicators)
    CloseWatch  → filter_commitment(market_data, context, indicators)
    InTrade     → manage_position(market_data, context, indicators)
  Each symbol runs in its own Lua VM: globals and `context` are never shared between symbols.

  market_data (read it, do not keep it: the same table is refilled every bar)
    symbol      "BTCUSDT"
    timestamp   bar open time, epoch milliseconds, as a float (Lua integers are 32-bit here: use
                string.format("%.0f", ts), not "%d", and no bitwise operators on it)
    open, high, low, close, volume
    bid, ask    quotes at the bar close, nil when the data has none
    mid_price   (bid + ask) / 2 when both exist, else close

  context (yours; persists between bars and across states for this symbol)
    - anything you store stays: counters, previous values, levels
    - fields of an opportunity table returned by detect_opportunity are merged into it
    - context.position is set by the engine while a position is open, nil otherwise:
        { side = "long" | "short", quantity, entry_price, entry_time, stop_loss, take_profit }

  indicators (values over bars up to and including this one; nil while warming up)
    indicators.sma(n), indicators.ema(n), indicators.wma(n), indicators.rsi(n), indicators.atr(n)
                                           n: a positive integer
    indicators.macd(12, 26, 9)             { macd =, signal =, histogram = }
    indicators.bbands(20, 2)               { upper =, middle =, lower = }
    indicators.stoch(14, 3, 3)             { k =, d = }
    indicators.vwap()                      VWAP since 00:00 UTC; indicators.vwap(n): over the last n bars
    indicators.high, indicators.low        highest high / lowest low over the window
    indicators.range                       high - low over the window
    indicators.avg_volume                  average volume over the window

  What a function returns
    nil                                   nothing to do
    { action = "...", ... }               an action (table below)
    { any = "fields" }                    from detect_opportunity only: an opportunity; its fields are merged into
                                          context and the symbol moves to CloseWatch

  Actions
    enter_long / enter_short   quantity (required: below 1 = fraction of equity, 1 or more = units),
                               price (informational; fills at the next bar's open), stop_loss, take_profit, reason
    exit                       reason                                        (InTrade → Watch)
    update_stop_loss           new_stop (required), reason
    update_take_profit         new_target (required), reason
    start_analyzing            reason       (Watch → CloseWatch, like an opportunity without fields)
    cancel_analysis            reason       (CloseWatch → Watch)
  An enter action returned directly from detect_opportunity enters without passing through CloseWatch.

  Sandbox: base functions, string, table, math, utf8, and os.time()/os.date()/os.difftime() on the bar clock
  (os.time() is the current bar's open time in seconds, so runs stay deterministic). No io, other os functions,
  require/package, debug, coroutine (unless the host enables it), dofile, loadfile, collectgarbage, string.dump;
  load() accepts text only. Each call has an instruction budget (default 1,000,000) and a time budget; an endless
  loop ends the strategy for that symbol with a "limit" or "timeout" error, and other symbols keep running.

  Parameters: declare them with param(name, { default, min, max, description }) at the top; the value is the default
  or the override from `--param period=30` (checked against the bounds). `trading-engine validate --strategy x.lua`
  lists them.
]]

local PERIOD = param("period", { default = 20, min = 2, max = 500, description = "indicator period" })
local QUANTITY = param("quantity", { default = 0.1, min = 0.001, max = 1, description = "fraction of equity per entry" })
local STOP_PCT = param("stop_pct", { default = 0.02, min = 0.001, max = 0.5, description = "stop-loss distance" })

function detect_opportunity(market_data, context, indicators)
  local sma = indicators.sma(PERIOD)
  if sma == nil then return nil end                 -- warming up
  -- Example of an opportunity (moves to CloseWatch, context.level becomes sma):
  --   if market_data.close > sma then return { level = sma } end
  -- Example of a direct entry (skips CloseWatch):
  --   return { action = "enter_long", quantity = QUANTITY, stop_loss = market_data.close * (1 - STOP_PCT) }
  return nil
end

function filter_commitment(market_data, context, indicators)
  -- context.level holds what detect_opportunity returned.
  -- Confirm:  return { action = "enter_long", quantity = QUANTITY, price = market_data.close,
  --                    stop_loss = market_data.close * (1 - STOP_PCT), reason = "confirmed" }
  -- Give up:  return { action = "cancel_analysis", reason = "not confirmed" }
  return { action = "cancel_analysis", reason = "template never trades" }
end

function manage_position(market_data, context, indicators)
  local position = context.position
  if position == nil then return nil end
  -- Exit:          return { action = "exit", reason = "target reached" }
  -- Move the stop: return { action = "update_stop_loss", new_stop = market_data.close * (1 - STOP_PCT) }
  -- Move target:   return { action = "update_take_profit", new_target = position.entry_price * 1.05 }
  return nil
end
