type bar = { high : float; low : float; close : float; volume : float }

(* nz: bars of the window with a non-zero volume *)
type state = { pv : Wsum.state; vol : Wsum.state; nz : int }

let lookback p = Check.period "VWAP_ROLLING" p - 1
let init p = { pv = Wsum.init "VWAP_ROLLING" p; vol = Wsum.init "VWAP_ROLLING" p; nz = 0 }

let step st b =
  let tp = (b.high +. b.low +. b.close) /. 3. in
  let leaving = if Wsum.full st.vol then Wsum.oldest st.vol else 0. in
  let nz = st.nz - (if leaving <> 0. then 1 else 0) + if b.volume <> 0. then 1 else 0 in
  let pv = Wsum.step st.pv (tp *. b.volume) in
  let vol = Wsum.step st.vol b.volume in
  ( { pv; vol; nz },
    if not (Wsum.full vol) then Float.nan else if nz > 0 then Wsum.total pv /. Wsum.total vol else tp )

let batch p high low close volume =
  let n = Check.same_length "VWAP_ROLLING" [ high; low; close; volume ] in
  Fold.map_float_gen n (init p) step (fun i ->
      { high = high.(i); low = low.(i); close = close.(i); volume = volume.(i) })
