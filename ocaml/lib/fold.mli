(** Batch drivers: every [batch] of the library is [step] folded over the inputs, so a batch result is
    bit-identical to feeding the same inputs one at a time ("batch ≡ streaming by construction"). *)

(** [map init step xs]: the outputs of folding [step] from [init] over [xs]. *)
val map : 's -> ('s -> 'a -> 's * 'b) -> 'a array -> 'b array

(** [map_float init step xs]: the same for one float input and one float output, into a float array. *)
val map_float : 's -> ('s -> float -> 's * float) -> float array -> float array

(** [map_float_gen n init step get]: inputs given by index ([get i], [0 <= i < n]), float outputs. *)
val map_float_gen : int -> 's -> ('s -> 'a -> 's * float) -> (int -> 'a) -> float array
