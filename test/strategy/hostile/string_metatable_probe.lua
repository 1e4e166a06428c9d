-- Escape attempt, caught: what a script can and cannot do to strings. Reports each probe.
function detect_opportunity(market_data, context, indicators)
  local report = {}
  report.metatable = tostring(getmetatable(""))
  report.set_index = select(2, pcall(function() getmetatable("").__index = {} end))
  report.setmetatable = select(2, pcall(setmetatable, "", {}))
  string.upper = function() return "pwned" end            -- only this VM's string table
  report.upper = ("abc"):upper()
  return report
end
function filter_commitment() end
function manage_position() end
