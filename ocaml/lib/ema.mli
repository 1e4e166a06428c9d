(** Exponential moving average, TA-Lib convention, mirroring [src/indicators/ema.ts]: seeded with the SMA of
    the first [period] inputs (a plain left-to-right sum divided by [period]); then
    [ema = (x -. ema) *. k +. ema] with [k = 2. /. (period + 1)]. Lookback [period - 1]. States are immutable. *)

type state

val lookback : int -> int

(** @raise Invalid_argument unless [1 <= period <= 100000]. *)
val init : int -> state

val step : state -> float -> state * float

(** [2 /. (period + 1)]. *)
val alpha : int -> float

val batch : int -> float array -> float array
