(** Bollinger Bands: [middle] is the {!Sma} of the last [period] inputs; the population standard deviation is
    recomputed over the window in two passes: with the window [w_0 .. w_(n-1)] oldest first and
    [d_q = w_q -. middle], four lanes [a_0 .. a_3], lane [L] the plain sum from 0 of [d_q *. d_q] over the positions
    [q ≡ L (mod 4)] in increasing [q]; [acc = (a_0 +. a_1) +. (a_2 +. a_3)]; [std = sqrt (acc /. period)];
    [upper = middle +. k *. std], [lower = middle -. k *. std]. Lookback [period - 1]. A flat window gives
    [std = 0] exactly (upper = middle = lower = the level). One-step persistent states. *)

type params = { period : int; k : float }

type output = { upper : float; middle : float; lower : float }

type state

(** Largest accepted [k] (1000, as [MAX_BBANDS_K] in TypeScript). *)
val max_k : float

(** @raise Invalid_argument for an invalid period or a [k] outside (0, 1000]. *)
val lookback : params -> int

val init : params -> state

val step : state -> float -> state * output

(** [(upper, middle, lower)] series. *)
val batch : params -> float array -> float array * float array * float array
