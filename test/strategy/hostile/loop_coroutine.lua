-- Infinite loops inside coroutines (run with coroutines enabled): each new coroutine inherits the count hook, and a
-- coroutine that hits the limit makes the main thread fail on its next instruction.
function detect_opportunity(market_data, context, indicators)
  while true do
    local co = coroutine.create(function() while true do end end)
    coroutine.resume(co)
  end
end
function filter_commitment() end
function manage_position() end
