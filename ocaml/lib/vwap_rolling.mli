(** Rolling VWAP over the last [period] bars: [tp = ((high +. low) +. close) /. 3.]; windowed Neumaier sums
    ({!Wsum}) of [tp *. volume] and of [volume] (in that order); [vwap = total pv /. total volume] when some bar
    of the window has a non-zero volume, else [tp]. Lookback [period - 1]. One-step persistent states. *)

type bar = { high : float; low : float; close : float; volume : float }

type state

val lookback : int -> int

(** @raise Invalid_argument unless [1 <= period <= 100000]. *)
val init : int -> state

val step : state -> bar -> state * float

(** [batch period high low close volume]. @raise Invalid_argument when the lengths differ. *)
val batch : int -> float array -> float array -> float array -> float array -> float array
