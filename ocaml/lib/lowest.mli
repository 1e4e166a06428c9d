(** The lowest input over the last [period] inputs (TA-Lib [TA_MIN] convention: lookback [period - 1]); exact.
    Ties keep the newest input. One-step persistent states (see {!Sma}). *)

type state

val lookback : int -> int

(** @raise Invalid_argument unless [1 <= period <= 100000]. *)
val init : int -> state

val step : state -> float -> state * float

val batch : int -> float array -> float array
