-- Escape attempt: reach and rewire the string metatable (in plain Lua 5.3, getmetatable("").__index is the string
-- library, shared by every string of the state). Here it is protected: getmetatable("") is false, so this line fails.
function detect_opportunity(market_data, context, indicators)
  getmetatable("").__index.upper = function() return "pwned" end
  return nil
end
function filter_commitment() end
function manage_position() end
