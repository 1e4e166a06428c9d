-- An infinite loop in an __index metamethod.
function detect_opportunity(market_data, context, indicators)
  local t = setmetatable({}, { __index = function(t, k) while true do end end })
  return { v = t.anything }
end
function filter_commitment() end
function manage_position() end
