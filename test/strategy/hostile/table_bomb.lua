-- A table that grows without end inside one call: the instruction budget ends it.
function detect_opportunity(market_data, context, indicators)
  local t = {}
  local i = 0
  while true do i = i + 1 t[i] = { i } end
end
function filter_commitment() end
function manage_position() end
