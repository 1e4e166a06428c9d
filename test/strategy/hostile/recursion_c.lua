-- Recursion through a library function (each level nests a host call): the C-stack guard stops it.
local function f() return tostring(setmetatable({}, { __tostring = f })) end
function detect_opportunity(market_data, context, indicators)
  return { s = f() }
end
function filter_commitment() end
function manage_position() end
