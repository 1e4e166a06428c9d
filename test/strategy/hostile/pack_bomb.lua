-- string.pack with a huge fixed-size field.
function detect_opportunity(market_data, context, indicators)
  return { n = #string.pack("c2000000000", "") }
end
function filter_commitment() end
function manage_position() end
