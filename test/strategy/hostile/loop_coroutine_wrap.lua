-- An infinite loop in a coroutine created by the top-level code and resumed on every bar through coroutine.wrap.
local step = coroutine.wrap(function()
  local n = 0
  while true do
    n = n + 1
    if n > 3 then while true do end end
    coroutine.yield(n)
  end
end)
function detect_opportunity(market_data, context, indicators)
  return { n = step() }
end
function filter_commitment() end
function manage_position() end
