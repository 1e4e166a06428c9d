-- An error object whose __tostring loops: the host converts error objects to text under the instruction budget.
function detect_opportunity(market_data, context, indicators)
  error(setmetatable({}, { __tostring = function() while true do end end }))
end
function filter_commitment() end
function manage_position() end
