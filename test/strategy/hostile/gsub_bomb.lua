-- string.gsub with a large replacement for every character.
function detect_opportunity(market_data, context, indicators)
  local s = string.rep("x", 100000):gsub("x", string.rep("y", 100000))
  return { n = #s }
end
function filter_commitment() end
function manage_position() end
