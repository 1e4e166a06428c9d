-- An infinite loop in a table.sort comparator.
function detect_opportunity(market_data, context, indicators)
  local t = { 5, 3, 8, 1 }
  table.sort(t, function(a, b) while true do end end)
  return { first = t[1] }
end
function filter_commitment() end
function manage_position() end
