(** Wilder's RSI, TA-Lib convention, mirroring [src/indicators/rsi.ts]. Changes [d = x - last]; a gain when
    [d >= 0], a loss [-d] when [d < 0]. Seed: sums of the first [period] gains and losses, each divided by
    [period]. Then, in this order: [avg *. (period - 1)], add today's gain (or subtract the negative change from
    the loss), divide by [period] (loss first, then gain). [RSI = 100 *. (gain /. (gain +. loss))], [0.] when
    [gain +. loss = 0.]. Lookback [period]. States are immutable. *)

type state

val lookback : int -> int

(** @raise Invalid_argument unless [1 <= period <= 100000]. *)
val init : int -> state

val step : state -> float -> state * float

(** Average gain and loss ([nan] during warm-up). *)
val average_gain : state -> float
val average_loss : state -> float

val batch : int -> float array -> float array
