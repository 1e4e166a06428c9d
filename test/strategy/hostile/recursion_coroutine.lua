-- Recursion through nested coroutines (run with coroutines enabled).
local function f() coroutine.wrap(f)() end
function detect_opportunity(market_data, context, indicators)
  f()
end
function filter_commitment() end
function manage_position() end
