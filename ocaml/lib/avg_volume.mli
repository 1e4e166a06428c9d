(** Average volume over the last [period] bars: the {!Sma} of the volumes (same operations, so bit-identical to
    [Sma.batch period volumes]). Lookback [period - 1]. One-step persistent states. *)

type state

val lookback : int -> int

(** @raise Invalid_argument unless [1 <= period <= 100000]. *)
val init : int -> state

val step : state -> float -> state * float

val batch : int -> float array -> float array
