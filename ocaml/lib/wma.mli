(** Weighted moving average, weights 1..period (the newest weighs [period]), divisor
    [d = period (period + 1) / 2]; lookback [period - 1]. Mirrors [src/indicators/wma.ts] (docs/indicators.md,
    "WMA"): TA-Lib's recurrence on a window sum [sub] and a weighted sum [sum], with an exact recomputation on the
    resync bars [i = period - 1, 2 period - 1, …]: there [sub] and [sum] are plain sums over the window, oldest
    first ([sub += w_j; sum += w_j *. (j + 1)]); on other bars [sub = (sub +. x) -. x_(i-period)] and
    [sum = sum +. x *. period]. The output is [sum /. d]; then [sum = sum -. sub]. One-step persistent states
    (see {!Sma}). *)

type state

val lookback : int -> int

(** @raise Invalid_argument unless [1 <= period <= 100000]. *)
val init : int -> state

val step : state -> float -> state * float

val batch : int -> float array -> float array
