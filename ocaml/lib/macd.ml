type params = { fast : int; slow : int; signal : int }
type output = { macd : float; signal : float; hist : float }

type state = {
  ps : params;
  kf : float;
  ks : float;
  n : int; (* inputs seen, saturating at slow + signal *)
  fsum : float; (* sum of the inputs of index >= slow - fast, until the seed *)
  ssum : float; (* sum of the first slow inputs *)
  fema : float;
  sema : float;
  sg : Ema.state; (* signal EMA over the MACD values *)
}

let check ps =
  let per what v = ignore (Check.integer "MACD" ~what ~min:1 ~max:Check.max_period v) in
  per "fastPeriod" ps.fast;
  per "slowPeriod" ps.slow;
  per "signalPeriod" ps.signal;
  if ps.fast >= ps.slow then
    invalid_arg
      (Printf.sprintf "MACD: fastPeriod must be less than slowPeriod, got fastPeriod %d and slowPeriod %d" ps.fast
         ps.slow);
  ps

let lookback ps =
  let ps = check ps in
  ps.slow - 1 + (ps.signal - 1)

let init ps =
  let ps = check ps in
  {
    ps;
    kf = Ema.alpha ps.fast;
    ks = Ema.alpha ps.slow;
    n = 0;
    fsum = 0.;
    ssum = 0.;
    fema = Float.nan;
    sema = Float.nan;
    sg = Ema.init ps.signal;
  }

let nan_out = { macd = Float.nan; signal = Float.nan; hist = Float.nan }

(* [n]: inputs seen including this one (>= slow): the MACD value number n - slow + 1 *)
let emit st n fema sema =
  let macd = fema -. sema in
  let sg, signal = Ema.step st.sg macd in
  let out = if n - st.ps.slow + 1 < st.ps.signal then nan_out else { macd; signal; hist = macd -. signal } in
  (sg, out)

let step st x =
  let { fast; slow; _ } = st.ps in
  let n = st.n + 1 in
  if n > slow then begin
    let fema = (x -. st.fema) *. st.kf +. st.fema in
    let sema = (x -. st.sema) *. st.ks +. st.sema in
    let sg, out = emit st n fema sema in
    let cap = slow + st.ps.signal in
    ({ st with n = (if n > cap then cap else n); fema; sema; sg }, out)
  end
  else begin
    let ssum = st.ssum +. x in
    let fsum = if n > slow - fast then st.fsum +. x else st.fsum in
    if n = slow then
      let sema = ssum /. float_of_int slow and fema = fsum /. float_of_int fast in
      let sg, out = emit st n fema sema in
      ({ st with n; ssum; fsum; fema; sema; sg }, out)
    else ({ st with n; ssum; fsum }, nan_out)
  end

let batch ps xs =
  let outs = Fold.map (init ps) step xs in
  ( Array.map (fun o -> o.macd) outs,
    Array.map (fun o -> o.signal) outs,
    Array.map (fun o -> o.hist) outs )
