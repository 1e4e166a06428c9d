-- The same with an error that is not a limit: error() inside xpcall, then a handler that loops.
function detect_opportunity(market_data, context, indicators)
  xpcall(error, function() while true do end end)
  return nil
end
function filter_commitment() end
function manage_position() end
