-- Unbounded Lua recursion: the Lua stack overflows (run with a large instruction budget so the stack, not the budget,
-- gives out first).
local function dive(n) return 1 + dive(n + 1) end
function detect_opportunity(market_data, context, indicators)
  return { depth = dive(1) }
end
function filter_commitment() end
function manage_position() end
