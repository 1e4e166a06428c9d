type state = { p : int; ring : Ring.t; head : int; n : int; sum : float; comp : float }

let init name p =
  let p = Check.period name p in
  { p; ring = Ring.create p; head = 0; n = 0; sum = 0.; comp = 0. }

let step st x =
  let n = st.n + 1 in
  let s, c = if n > st.p then Neumaier.add st.sum st.comp (-.Ring.oldest st.ring st.head) else (st.sum, st.comp) in
  let s, c = Neumaier.add s c x in
  { st with head = Ring.push st.ring st.head x; n = (if n > st.p + 1 then st.p + 1 else n); sum = s; comp = c }

let oldest st = Ring.oldest st.ring st.head
let total st = st.sum +. st.comp
let count st = st.n
let period st = st.p
let full st = st.n >= st.p

let iter f st =
  let m = if st.n < st.p then st.n else st.p in
  for k = m downto 1 do
    f (Ring.get st.ring st.head k)
  done
