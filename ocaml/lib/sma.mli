(** Simple moving average, TA-Lib convention (lookback [period - 1]), mirroring [src/indicators/sma.ts]:
    a running window sum kept as a Neumaier-compensated pair [(sum, comp)]: each input is added, and once the
    window is full the input leaving it is first subtracted (added as [-old]); the value is
    [(sum +. comp) /. period].

    States are persistent for one step: [step s x] leaves [s] valid (so a forming candle is revised by
    stepping again from the previous state), but states older than [s] share a ring buffer with it and must not
    be stepped again. *)

type state

(** [period - 1]. @raise Invalid_argument for an invalid period. *)
val lookback : int -> int

(** A fresh state. @raise Invalid_argument unless [1 <= period <= 100000]. *)
val init : int -> state

(** Adds one input; the output is [nan] during warm-up. *)
val step : state -> float -> state * float

(** Number of inputs seen (saturates at [period + 1]). *)
val count : state -> int

(** [batch period xs]: [step] folded over [xs]. *)
val batch : int -> float array -> float array
