-- A 2 GB string in one call.
function detect_opportunity(market_data, context, indicators)
  return { n = #string.rep("x", 2147483647) }
end
function filter_commitment() end
function manage_position() end
