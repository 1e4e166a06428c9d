-- An infinite loop in a __gc metamethod: fengari has no finalizers, so it never runs (collectgarbage is gone too).
function detect_opportunity(market_data, context, indicators)
  for i = 1, 100 do setmetatable({}, { __gc = function() while true do end end }) end
  return { collectgarbage = type(collectgarbage) }
end
function filter_commitment() end
function manage_position() end
