(** Range over the last [period] bars: highest high minus lowest low ([hh -. ll]); lookback [period - 1].
    One-step persistent states (see {!Sma}). *)

type bar = { high : float; low : float }

type state

val lookback : int -> int

(** @raise Invalid_argument unless [1 <= period <= 100000]. *)
val init : int -> state

val step : state -> bar -> state * float

(** [batch period high low]. @raise Invalid_argument when the lengths differ. *)
val batch : int -> float array -> float array -> float array
