-- Host-object hunting: walk every table reachable from _G (and the string metatable) and report anything that is not
-- plain Lua data or a function, plus every global name. There is nothing of the host to find.
function detect_opportunity(market_data, context, indicators)
  local seen, odd = {}, {}
  local function walk(t, path, depth)
    if seen[t] or depth > 4 then return end
    seen[t] = true
    for k, v in next, t do
      local tv = type(v)
      if tv == "userdata" or tv == "thread" then odd[#odd + 1] = path .. "." .. tostring(k) end
      if tv == "table" then walk(v, path .. "." .. tostring(k), depth + 1) end
    end
  end
  walk(_G, "_G", 0)
  walk(indicators, "indicators", 0)
  walk(market_data, "market_data", 0)
  local names = {}
  for k in pairs(_G) do names[#names + 1] = k end
  table.sort(names)
  return { odd = table.concat(odd, ","), names = table.concat(names, ",") }
end
function filter_commitment() end
function manage_position() end
