type bar = { high : float; low : float }
type state = { hi : Extreme.state; lo : Extreme.state }

let lookback p = Check.period "RANGE" p - 1
let init p = { hi = Extreme.init "RANGE" Extreme.Max p; lo = Extreme.init "RANGE" Extreme.Min p }

let step st b =
  let hi, h = Extreme.step st.hi b.high in
  let lo, l = Extreme.step st.lo b.low in
  ({ hi; lo }, h -. l)

let batch p high low =
  let n = Check.same_length "RANGE" [ high; low ] in
  Fold.map_float_gen n (init p) step (fun i -> { high = high.(i); low = low.(i) })
