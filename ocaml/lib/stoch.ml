type params = { k_period : int; k_slowing : int; d_period : int }
type bar = { high : float; low : float; close : float }
type output = { k : float; d : float }

type state = {
  kp : int;
  ks : int;
  hi : Extreme.state;
  lo : Extreme.state;
  n : int;
  lb : int;
  sk : Sma.state;
  sd : Sma.state;
}

let check ps =
  let per what v = ignore (Check.integer "STOCH" ~what ~min:1 ~max:Check.max_period v) in
  per "kPeriod" ps.k_period;
  per "kSlowing" ps.k_slowing;
  per "dPeriod" ps.d_period;
  ps

let lookback ps =
  let ps = check ps in
  ps.k_period - 1 + (ps.k_slowing - 1) + (ps.d_period - 1)

let init ps =
  let lb = lookback ps in
  {
    kp = ps.k_period;
    ks = ps.k_slowing;
    hi = Extreme.init "STOCH" Extreme.Max ps.k_period;
    lo = Extreme.init "STOCH" Extreme.Min ps.k_period;
    (* the periods are checked above *)
    n = 0;
    lb;
    sk = Sma.init ps.k_slowing;
    sd = Sma.init ps.d_period;
  }

let nan_out = { k = Float.nan; d = Float.nan }

let step st b =
  let n = if st.n > st.lb then st.n else st.n + 1 in
  let hi, hh = Extreme.step st.hi b.high in
  let lo, ll = Extreme.step st.lo b.low in
  let kp = st.kp in
  if n < kp then ({ st with hi; lo; n }, nan_out)
  else begin
    let r = hh -. ll in
    let fast_k = if r <> 0. then 100. *. ((b.close -. ll) /. r) else 0. in
    let sk, k = Sma.step st.sk fast_k in
    if n < kp + st.ks - 1 then ({ st with hi; lo; n; sk }, nan_out)
    else
      let sd, d = Sma.step st.sd k in
      ({ st with hi; lo; n; sk; sd }, if n > st.lb then { k; d } else nan_out)
  end

let batch ps high low close =
  let n = Check.same_length "STOCH" [ high; low; close ] in
  let outs =
    Fold.map (init ps) step (Array.init n (fun i -> { high = high.(i); low = low.(i); close = close.(i) }))
  in
  (Array.map (fun o -> o.k) outs, Array.map (fun o -> o.d) outs)
