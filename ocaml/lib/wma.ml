type state = {
  p : int;
  pf : float;
  divider : float;
  ring : Ring.t;
  head : int;
  n : int; (* inputs seen, saturating at p *)
  phase : int; (* outputs since the last resync, modulo p *)
  sum : float;
  sub : float;
}

let lookback p = Check.period "WMA" p - 1

let init p =
  let p = Check.period "WMA" p in
  let pf = float_of_int p in
  { p; pf; divider = pf *. (pf +. 1.) /. 2.; ring = Ring.create p; head = 0; n = 0; phase = 0; sum = 0.; sub = 0. }

let step st x =
  let p = st.p in
  let old = Ring.oldest st.ring st.head in
  let head = Ring.push st.ring st.head x in
  let n = st.n + 1 in
  if n < p then ({ st with head; n }, Float.nan)
  else begin
    let sub, sum =
      if st.phase = 0 then begin
        let sub = ref 0. and sum = ref 0. in
        for j = 0 to p - 1 do
          let w = Ring.get st.ring head (p - j) in
          sub := !sub +. w;
          sum := !sum +. (w *. float_of_int (j + 1))
        done;
        (!sub, !sum)
      end
      else ((st.sub +. x) -. old, st.sum +. (x *. st.pf))
    in
    let out = sum /. st.divider in
    let phase = if st.phase + 1 = p then 0 else st.phase + 1 in
    ({ st with head; n = p; phase; sub; sum = sum -. sub }, out)
  end

let batch p xs = Fold.map_float (init p) step xs
