type state = { p : int; pf : float; mf : float; n : int; last : float; gain : float; loss : float }

let lookback p = Check.period "RSI" p

let init p =
  let p = Check.period "RSI" p in
  { p; pf = float_of_int p; mf = float_of_int (p - 1); n = 0; last = 0.; gain = 0.; loss = 0. }

let average_gain st = if st.n > st.p then st.gain else Float.nan
let average_loss st = if st.n > st.p then st.loss else Float.nan

let rsi gain loss =
  let total = gain +. loss in
  if total <> 0. then 100. *. (gain /. total) else 0.

let step st x =
  let p = st.p in
  let n = st.n + 1 in
  if n = 1 then ({ st with n; last = x }, Float.nan)
  else
    let d = x -. st.last in
    if n > p + 1 then begin
      let loss = st.loss *. st.mf and gain = st.gain *. st.mf in
      let loss, gain = if d < 0. then (loss -. d, gain) else (loss, gain +. d) in
      let loss = loss /. st.pf and gain = gain /. st.pf in
      ({ st with n = p + 2; last = x; gain; loss }, rsi gain loss)
    end
    else begin
      let loss, gain = if d < 0. then (st.loss -. d, st.gain) else (st.loss, st.gain +. d) in
      if n <= p then ({ st with n; last = x; gain; loss }, Float.nan)
      else
        let loss = loss /. st.pf and gain = gain /. st.pf in
        ({ st with n; last = x; gain; loss }, rsi gain loss)
    end

let batch p xs = Fold.map_float (init p) step xs
