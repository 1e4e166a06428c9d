(** Stochastic oscillator (slow), TA-Lib convention ([TA_STOCH] with SMA smoothing):
    [hh], [ll] = highest high and lowest low of the last [k_period] bars;
    [r = hh -. ll]; [fastK = 100. *. ((close -. ll) /. r)], [0.] when [r = 0.] (TA-Lib's flat-range rule; TA-Lib
    itself computes [(close -. ll) /. (r /. 100.)], which differs by an ulp or so);
    [k = SMA(fastK, k_slowing)], [d = SMA(k, d_period)] (the {!Sma} of this library, fed from the first defined
    value). Both outputs appear at index [k_period - 1 + k_slowing - 1 + d_period - 1] (lookback).
    One-step persistent states. *)

type params = { k_period : int; k_slowing : int; d_period : int }

type bar = { high : float; low : float; close : float }

type output = { k : float; d : float }

type state

(** @raise Invalid_argument unless every period is in 1..100000 (messages name [kPeriod], [kSlowing],
    [dPeriod]). *)
val lookback : params -> int

val init : params -> state

val step : state -> bar -> state * output

(** [batch params high low close] gives [(k, d)]. @raise Invalid_argument when the lengths differ. *)
val batch : params -> float array -> float array -> float array -> float array * float array
