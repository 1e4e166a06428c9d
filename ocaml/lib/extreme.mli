(** Sliding-window maximum or minimum over the last [period] inputs, exact (no arithmetic). The best value and
    its age are carried; when it leaves the window the window is rescanned (oldest to newest), so the cost is O(1)
    amortised on ordinary data and O(period) at worst. Ties keep the newest input. One-step persistent states
    (see {!Sma}). *)

type kind = Max | Min

type state

(** [init name kind period]. @raise Invalid_argument unless [1 <= period <= 100000] ([name] is for the message). *)
val init : string -> kind -> int -> state

(** The extreme over the last [period] inputs; [nan] until [period] inputs have been seen. *)
val step : state -> float -> state * float
