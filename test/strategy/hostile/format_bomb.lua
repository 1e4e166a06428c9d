-- string.format with many copies of a big argument.
function detect_opportunity(market_data, context, indicators)
  local s = string.rep("x", 1000000)
  local args = {}
  for i = 1, 100 do args[i] = s end
  return { n = #string.format(string.rep("%s", 100), table.unpack(args)) }
end
function filter_commitment() end
function manage_position() end
