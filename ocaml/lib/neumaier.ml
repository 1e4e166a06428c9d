let add s c x =
  let t = s +. x in
  if Float.abs s >= Float.abs x then (t, c +. ((s -. t) +. x)) else (t, c +. ((x -. t) +. s))
