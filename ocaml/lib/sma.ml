type state = { w : Wsum.state; pf : float }

let lookback p = Check.period "SMA" p - 1
let init p = { w = Wsum.init "SMA" p; pf = float_of_int p }
let count st = Wsum.count st.w

let step st x =
  let w = Wsum.step st.w x in
  ({ st with w }, if Wsum.full w then Wsum.total w /. st.pf else Float.nan)

let batch p xs = Fold.map_float (init p) step xs
