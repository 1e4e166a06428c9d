-- A table that grows by 100,000 entries on every bar, each call within its instruction budget: only a heap limit
-- stops it (worker isolation).
local keep = {}
function detect_opportunity(market_data, context, indicators)
  local n = #keep
  for i = n + 1, n + 100000 do keep[i] = { i, i } end
  return nil
end
function filter_commitment() end
function manage_position() end
