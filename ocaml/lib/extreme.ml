type kind = Max | Min

type state = { kind : kind; p : int; ring : Ring.t; head : int; n : int; best : float; age : int }

let init name kind p =
  let p = Check.period name p in
  { kind; p; ring = Ring.create p; head = 0; n = 0; best = Float.nan; age = 0 }

let better kind x best = match kind with Max -> x >= best | Min -> x <= best

let step st x =
  let head = Ring.push st.ring st.head x in
  let n = if st.n > st.p then st.n else st.n + 1 in
  let best, age =
    if n = 1 || better st.kind x st.best then (x, 0)
    else if st.age + 1 < st.p then (st.best, st.age + 1)
    else begin
      (* the best input left the window: rescan the last min(n, p) inputs, oldest first *)
      let m = if n < st.p then n else st.p in
      let best = ref (Ring.get st.ring head m) and age = ref (m - 1) in
      for k = m - 1 downto 1 do
        let y = Ring.get st.ring head k in
        if better st.kind y !best then begin
          best := y;
          age := k - 1
        end
      done;
      (!best, !age)
    end
  in
  ({ st with head; n; best; age }, if n >= st.p then best else Float.nan)
