-- An __index chain that loops back on itself (no function involved): Lua gives up after 2000 steps.
function detect_opportunity(market_data, context, indicators)
  local a, b = {}, {}
  setmetatable(a, { __index = b })
  setmetatable(b, { __index = a })
  return { v = a.missing }
end
function filter_commitment() end
function manage_position() end
