-- A loop that stays within a huge instruction budget but not within the time budget (run with instructionLimit 1e9
-- and timeoutMs 200).
function detect_opportunity(market_data, context, indicators)
  local x = 0
  while true do x = x + 1 end
end
function filter_commitment() end
function manage_position() end
