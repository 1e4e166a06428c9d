-- rawset bypasses __newindex in plain Lua; the sandbox's rawset refuses the indicators table.
function detect_opportunity(market_data, context, indicators)
  rawset(indicators, "ema", function() return 42 end)
  return nil
end
function filter_commitment() end
function manage_position() end
