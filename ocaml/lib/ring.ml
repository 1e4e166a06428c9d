type t = float array

let create size = Array.make (size + 1) 0.

let oldest r head =
  let i = head + 1 in
  Array.unsafe_get r (if i = Array.length r then 0 else i)

let get r head k =
  let i = head - k in
  r.(if i < 0 then i + Array.length r else i)

let push r head x =
  r.(head) <- x;
  let i = head + 1 in
  if i = Array.length r then 0 else i
