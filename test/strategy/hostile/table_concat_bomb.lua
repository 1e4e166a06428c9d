-- table.concat of many references to one big string.
function detect_opportunity(market_data, context, indicators)
  local t, s = {}, string.rep("x", 1000000)
  for i = 1, 10000 do t[i] = s end
  return { n = #table.concat(t) }
end
function filter_commitment() end
function manage_position() end
