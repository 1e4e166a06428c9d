-- Many strings just under the per-string cap, kept across bars: only the worker's memory cap stops it (strings live
-- outside the V8 heap, so the worker checks their total itself).
local keep = {}
function detect_opportunity(market_data, context, indicators)
  local s = string.rep("x", 8000000)
  for i = 1, 4 do keep[#keep + 1] = s .. i end
  return nil
end
function filter_commitment() end
function manage_position() end
