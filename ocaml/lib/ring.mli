(** The window buffer shared by the windowed indicators: a ring of [size + 1] slots holding the last [size]
    inputs, so that stepping from a state never overwrites a slot that state still reads (one-step persistence:
    the previous state stays valid, older ones do not). Indices are ints below [size + 1 <= 100001]. *)

type t

val create : int -> t

(** [oldest r head]: the slot that leaves the window at the next push (the input [size] pushes ago). *)
val oldest : t -> int -> float

(** [get r head k]: the input [k] pushes ago ([1 <= k <= size]; [k = 1] is the latest). *)
val get : t -> int -> int -> float

(** [push r head x] writes [x] at [head] and returns the next head. *)
val push : t -> int -> float -> int
