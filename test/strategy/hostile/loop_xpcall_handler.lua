-- xpcall whose message handler loops forever. Lua runs the handler before unwinding, and when the error comes from the
-- count hook it runs with hooks disabled: the host re-enables them, so the handler is stopped too.
function detect_opportunity(market_data, context, indicators)
  local ok = xpcall(function() while true do end end, function(message) while true do end end)
  return { ok = ok }
end
function filter_commitment() end
function manage_position() end
