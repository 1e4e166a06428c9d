-- An infinite loop in a string.gsub callback.
function detect_opportunity(market_data, context, indicators)
  local s = ("abc"):gsub(".", function(c) while true do end end)
  return { s = s }
end
function filter_commitment() end
function manage_position() end
