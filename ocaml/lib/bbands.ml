type params = { period : int; k : float }
type output = { upper : float; middle : float; lower : float }
type state = { k : float; pf : float; w : Wsum.state }

let max_k = 1000.

let check ps =
  ignore (Check.period "BBANDS" ps.period);
  ignore (Check.positive_max "BBANDS" ~what:"k" ~max:max_k ps.k);
  ps

let lookback ps = (check ps).period - 1

let init ps =
  let ps = check ps in
  { k = ps.k; pf = float_of_int ps.period; w = Wsum.init "BBANDS" ps.period }

let nan_out = { upper = Float.nan; middle = Float.nan; lower = Float.nan }

let step st x =
  let w = Wsum.step st.w x in
  if not (Wsum.full w) then ({ st with w }, nan_out)
  else begin
    let middle = Wsum.total w /. st.pf in
    (* four lanes: position q (0 = oldest) goes to lane q mod 4, each a plain sum in increasing q *)
    let lanes = [| 0.; 0.; 0.; 0. |] in
    let q = ref 0 in
    Wsum.iter
      (fun y ->
        let d = y -. middle in
        let l = !q land 3 in
        lanes.(l) <- lanes.(l) +. (d *. d);
        incr q)
      w;
    let acc = (lanes.(0) +. lanes.(1)) +. (lanes.(2) +. lanes.(3)) in
    let std = Float.sqrt (acc /. st.pf) in
    let band = st.k *. std in
    ({ st with w }, { upper = middle +. band; middle; lower = middle -. band })
  end

let batch ps xs =
  let outs = Fold.map (init ps) step xs in
  (Array.map (fun o -> o.upper) outs, Array.map (fun o -> o.middle) outs, Array.map (fun o -> o.lower) outs)
