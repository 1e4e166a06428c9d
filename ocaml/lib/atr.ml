type bar = { high : float; low : float; close : float }

type state = { p : int; pf : float; mf : float; n : int; prev_close : float; sum : float; atr : float }

let lookback p = Check.period "ATR" p

let init p =
  let p = Check.period "ATR" p in
  { p; pf = float_of_int p; mf = float_of_int (p - 1); n = 0; prev_close = 0.; sum = 0.; atr = Float.nan }

let true_range ~prev_close b =
  let greatest = b.high -. b.low in
  let v2 = Float.abs (prev_close -. b.high) in
  let greatest = if v2 > greatest then v2 else greatest in
  let v3 = Float.abs (prev_close -. b.low) in
  if v3 > greatest then v3 else greatest

let step st b =
  let n = st.n + 1 in
  if n = 1 then ({ st with n; prev_close = b.close }, Float.nan)
  else
    let tr = true_range ~prev_close:st.prev_close b in
    if n > st.p + 1 then
      let atr = ((st.atr *. st.mf) +. tr) /. st.pf in
      ({ st with n = st.p + 2; prev_close = b.close; atr }, atr)
    else
      let sum = st.sum +. tr in
      if n = st.p + 1 then
        let atr = sum /. st.pf in
        ({ st with n; prev_close = b.close; sum; atr }, atr)
      else ({ st with n; prev_close = b.close; sum }, Float.nan)

let batch p high low close =
  let n = Check.same_length "ATR" [ high; low; close ] in
  Fold.map_float_gen n (init p) step (fun i -> { high = high.(i); low = low.(i); close = close.(i) })
