(** Session VWAP: typical price [tp = ((high +. low) +. close) /. 3.]; within a session
    [pv += tp *. volume], [vol += volume] (plain left-to-right sums) and [vwap = pv /. vol], or [tp] while the
    session's volume is 0. The session of a bar is [floor ((time -. offset) /. length)] (floats: millisecond
    timestamps exceed 32-bit ints); the sums restart when it changes. No warm-up. States are immutable. *)

type params = { session : float; offset : float }

type bar = { high : float; low : float; close : float; volume : float; time : float }

type state

(** Largest accepted session length, 1e15 ms. *)
val max_session : float


(** @raise Invalid_argument unless [session] is an integer from 1 to 1e15 and [offset] an integer within ±1e15
    (both floats: millisecond values beyond 32 bits). *)
val init : params -> state

val step : state -> bar -> state * float

(** The session index of a timestamp. *)
val session_index : params -> float -> float

(** [batch params high low close volume time]. @raise Invalid_argument when the lengths differ. *)
val batch :
  params -> float array -> float array -> float array -> float array -> float array -> float array
