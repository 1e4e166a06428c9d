-- math.random is per VM and deterministic: seeding it in one symbol's VM does not change another's sequence.
function detect_opportunity(market_data, context, indicators)
  if market_data.symbol == "SEEDER" then math.randomseed(12345) end
  local xs = {}
  for i = 1, 5 do xs[i] = math.random(1000) end
  return { xs = table.concat(xs, ",") }
end
function filter_commitment() end
function manage_position() end
