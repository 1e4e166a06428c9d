-- Errors with non-string values, chosen by market_data.volume: 1 table, 2 nil, 3 function, 4 boolean, 5 a table whose
-- __tostring errors, 6 a table whose __tostring returns a table, 7 a table with a working __tostring, 8 a number.
local values = {
  function() return { code = 1 } end,
  function() return nil end,
  function() return print end,
  function() return true end,
  function() return setmetatable({}, { __tostring = function() error("broken tostring") end }) end,
  function() return setmetatable({}, { __tostring = function() return {} end }) end,
  function() return setmetatable({}, { __tostring = function() return "custom message" end }) end,
  function() return 42 end,
}
function detect_opportunity(market_data, context, indicators)
  error(values[market_data.volume]())
end
function filter_commitment() end
function manage_position() end
