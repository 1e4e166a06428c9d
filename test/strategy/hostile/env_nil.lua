-- _ENV tricks: the script throws its own environment away after defining its functions. The host still finds them
-- (it keeps its own reference to the globals table); the script breaks only itself, on its first global access.
function detect_opportunity(market_data, context, indicators)
  return { close = tostring(market_data.close) }
end
function filter_commitment() end
function manage_position() end
_ENV = nil
