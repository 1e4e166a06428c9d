type state = { p : int; pf : float; k : float; n : int; sum : float; ema : float }

let lookback p = Check.period "EMA" p - 1
let alpha p = 2. /. (float_of_int p +. 1.)

let init p =
  let p = Check.period "EMA" p in
  { p; pf = float_of_int p; k = alpha p; n = 0; sum = 0.; ema = Float.nan }

let step st x =
  let n = st.n + 1 in
  if n > st.p then
    let ema = (x -. st.ema) *. st.k +. st.ema in
    ({ st with n = st.p + 1; ema }, ema)
  else
    let sum = st.sum +. x in
    if n = st.p then
      let seed = sum /. st.pf in
      ({ st with n; sum; ema = seed }, seed)
    else ({ st with n; sum }, Float.nan)

let batch p xs = Fold.map_float (init p) step xs
