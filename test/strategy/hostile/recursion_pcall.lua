-- Recursion through pcall, retried at every level: stays contained and returns.
local function f(n) local ok = pcall(f, n + 1) return n end
function detect_opportunity(market_data, context, indicators)
  return { n = f(1) }
end
function filter_commitment() end
function manage_position() end
