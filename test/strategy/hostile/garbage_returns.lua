-- Garbage return values, chosen by market_data.volume.
local cases = {
  function() return print end,                                                     -- 1 a function
  function() return coroutine and coroutine.create(print) or print end,            -- 2 a thread (with coroutines)
  function() local t = { a = 1 } t.self = t return t end,                          -- 3 a cyclic table: cycle cut
  function() return { action = "enter_long", quantity = 1e308 * 10 } end,          -- 4 infinity
  function() return { action = "enter_long", quantity = 0 / 0 } end,               -- 5 NaN
  function() local t = {} local c = t for i = 1, 100000 do c.n = {} c = c.n end return t end, -- 6 deep: cut
  function()                                                                        -- 7 hostile metatable: raw copy
    return setmetatable({ level = 3 }, {
      __index = function() while true do end end,
      __pairs = function() while true do end end,
      __len = function() while true do end end,
    })
  end,
  function() return { 1, 2, 3 } end,                                                -- 8 a list
  function() return 2 ^ 1024 end,                                                   -- 9 a huge number
  function() return { action = { "enter_long" } } end,                             -- 10 action not a string
  function() return { action = "enter_long", quantity = 1, stop_loss = -5 } end,   -- 11 negative price
}
function detect_opportunity(market_data, context, indicators)
  return cases[market_data.volume]()
end
function filter_commitment() end
function manage_position() end
