-- print() of a value whose __tostring loops.
function detect_opportunity(market_data, context, indicators)
  print(setmetatable({}, { __tostring = function() while true do end end }))
end
function filter_commitment() end
function manage_position() end
