-- A pathological pattern: one string.find call backtracks for ages inside the pattern matcher, where no Lua
-- instruction runs and the count hook cannot fire. In a worker the engine's watchdog stops it (kind timeout).
function detect_opportunity(market_data, context, indicators)
  return { at = string.find(string.rep("a", 4000), ".-.-.-.-.-.-b") }
end
function filter_commitment() end
function manage_position() end
