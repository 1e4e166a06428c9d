-- load() with a reader function that never ends.
function detect_opportunity(market_data, context, indicators)
  load(function() while true do end end)
end
function filter_commitment() end
function manage_position() end
