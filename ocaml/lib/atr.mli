(** Average true range, Wilder, TA-Lib convention ([TA_ATR]). True range (from the second bar on):
    [greatest = high -. low]; then [|prevClose -. high|] and [|prevClose -. low|] replace it when strictly greater
    ([TA_TRANGE]'s order). Seed: the plain left-to-right sum of the first [period] true ranges (bars
    [1..period]) divided by [period]; then [atr = ((atr *. (period - 1)) +. tr) /. period]. Lookback [period]
    (period 1: the true range itself). States are immutable. *)

type bar = { high : float; low : float; close : float }

type state

val lookback : int -> int

(** @raise Invalid_argument unless [1 <= period <= 100000]. *)
val init : int -> state

val step : state -> bar -> state * float

(** The true range of a bar given the previous close. *)
val true_range : prev_close:float -> bar -> float

(** [batch period high low close]. @raise Invalid_argument when the lengths differ. *)
val batch : int -> float array -> float array -> float array -> float array
