-- Doubling a string with .. : 2^40 bytes after 40 steps, in a handful of instructions.
function detect_opportunity(market_data, context, indicators)
  local s = "x"
  for i = 1, 40 do s = s .. s end
  return { n = #s }
end
function filter_commitment() end
function manage_position() end
