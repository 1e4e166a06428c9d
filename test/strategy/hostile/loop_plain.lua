-- A plain infinite loop.
function detect_opportunity(market_data, context, indicators)
  while true do end
end
function filter_commitment() end
function manage_position() end
