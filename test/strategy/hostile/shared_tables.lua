-- Tampering with the tables the host hands over: indicators (no new keys, rawset refused, protected metatable),
-- market_data (protected metatable; its fields are this VM's copy, rewritten every bar), context (the script's own).
-- Overwriting one of indicators' own functions is possible but only changes this script's view.
function detect_opportunity(market_data, context, indicators)
  local report = {}
  report.ind_metatable = tostring(getmetatable(indicators))
  report.ind_setmetatable = select(2, pcall(setmetatable, indicators, {}))
  report.ind_new_key = select(2, pcall(function() indicators.evil = 1 end))
  report.ind_rawset = select(2, pcall(rawset, indicators, "ema", function() return 1 end))
  report.ind_insert = select(2, pcall(table.insert, indicators, 1))
  report.md_setmetatable = select(2, pcall(setmetatable, market_data, {}))
  report.md_metatable = tostring(getmetatable(market_data))
  report.ema = indicators.ema(3)
  indicators.ema = function() return -1 end                -- an existing key: this VM's own table
  report.ema_replaced = indicators.ema(3)
  market_data.close = -1                                   -- overwritten on the next bar
  market_data.symbol = "OTHER"
  return report
end
function filter_commitment(market_data, context, indicators)
  return { action = "cancel_analysis", reason = tostring(market_data.close) .. " " .. market_data.symbol .. " " .. indicators.ema(3) }
end
function manage_position() end
