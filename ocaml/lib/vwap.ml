type params = { session : float; offset : float }
type bar = { high : float; low : float; close : float; volume : float; time : float }
type state = { ps : params; started : bool; sess : float; pv : float; vol : float }

let max_session = 1e15

let check ps =
  ignore (Check.integer_float "VWAP" ~what:"sessionMs" ~min:1. ~max:max_session ps.session);
  ignore (Check.integer_float "VWAP" ~what:"offsetMs" ~min:(-.max_session) ~max:max_session ps.offset);
  ps

let init ps = { ps = check ps; started = false; sess = 0.; pv = 0.; vol = 0. }
let session_index ps t = Float.floor ((t -. ps.offset) /. ps.session)

let step st b =
  let tp = (b.high +. b.low +. b.close) /. 3. in
  let sess = session_index st.ps b.time in
  let pv, vol = if st.started && sess = st.sess then (st.pv, st.vol) else (0., 0.) in
  let pv = pv +. (tp *. b.volume) and vol = vol +. b.volume in
  ({ st with started = true; sess; pv; vol }, if vol <> 0. then pv /. vol else tp)

let batch ps high low close volume time =
  let n = Check.same_length "VWAP" [ high; low; close; volume; time ] in
  Fold.map_float_gen n (init ps) step (fun i ->
      { high = high.(i); low = low.(i); close = close.(i); volume = volume.(i); time = time.(i) })
