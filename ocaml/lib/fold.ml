let map init step xs =
  let st = ref init in
  Array.map
    (fun x ->
      let s, y = step !st x in
      st := s;
      y)
    xs

let map_float_gen n init step get =
  let out = Array.make n Float.nan in
  let st = ref init in
  for i = 0 to n - 1 do
    let s, y = step !st (get i) in
    st := s;
    Array.unsafe_set out i y
  done;
  out

let map_float init step xs = map_float_gen (Array.length xs) init step (Array.unsafe_get xs)
