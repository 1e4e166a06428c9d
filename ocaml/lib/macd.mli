(** MACD, TA-Lib convention ([TA_MACD], [TA_COMPATIBILITY_DEFAULT]): [macd = fastEMA -. slowEMA],
    [signal = EMA(signal) of macd], [hist = macd -. signal]. Both price EMAs use [k = 2 /. (period + 1)] and
    [ema = (x -. ema) *. k +. ema]; the slow EMA is seeded with the SMA of the first [slow] inputs, the fast EMA
    with the SMA of the [fast] inputs ending at the same bar (inputs [slow - fast .. slow - 1]), as TA-Lib does so
    that both start together; each seed is a plain left-to-right sum divided by the period. The signal EMA is
    seeded with the SMA of the first [signal] MACD values. All three outputs appear at index
    [slow - 1 + signal - 1] (lookback). Requires [fast < slow]. States are immutable. *)

type params = { fast : int; slow : int; signal : int }

type output = { macd : float; signal : float; hist : float }

type state

(** @raise Invalid_argument unless every period is in 1..100000 and [fast < slow]. *)
val lookback : params -> int

val init : params -> state

val step : state -> float -> state * output

(** [(macd, signal, hist)] series. *)
val batch : params -> float array -> float array * float array * float array
