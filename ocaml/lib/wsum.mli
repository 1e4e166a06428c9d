(** Running sum over a sliding window of the last [period] inputs, kept as a Neumaier-compensated pair
    [(sum, comp)] in the operation order of [src/indicators/sma.ts]: once the window is full the leaving input is
    first added as [-old], then the new input is added. One-step persistent states (see {!Sma}). *)

type state

(** [init name period]. @raise Invalid_argument unless [1 <= period <= 100000]. *)
val init : string -> int -> state

val step : state -> float -> state

(** [sum +. comp]. *)
val total : state -> float

(** Inputs seen, saturating at [period + 1]. *)
val count : state -> int

val period : state -> int

(** [full s] is [count s >= period s]. *)
val full : state -> bool

(** The input that leaves the window at the next step once it is full (the input [period] steps ago). *)
val oldest : state -> float

(** Calls [f] on the inputs of the window, oldest first (the last [min count period] inputs). *)
val iter : (float -> unit) -> state -> unit
