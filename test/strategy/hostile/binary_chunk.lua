-- Escape attempt: load precompiled bytecode (which can break the VM's invariants). load is forced to text mode,
-- string.dump does not exist, and a reader function cannot sneak a binary chunk in either.
function detect_opportunity(market_data, context, indicators)
  local report = {}
  report.direct = select(2, load("\27Lua\83\0\25\147\r\n\26\n"))
  report.mode_b = select(2, load("\27Lua\83\0", "x", "b"))
  local parts, i = { "\27Lua", "\83\0" }, 0
  report.reader = select(2, load(function() i = i + 1 return parts[i] end))
  report.dump = type(string.dump)
  report.text_ok = load("return 40 + 2")()
  return report
end
function filter_commitment() end
function manage_position() end
