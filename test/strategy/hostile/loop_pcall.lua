-- An infinite loop that catches the limit error with pcall and keeps going.
function detect_opportunity(market_data, context, indicators)
  while true do
    pcall(function() while true do end end)
  end
end
function filter_commitment() end
function manage_position() end
