(** Every indicator by name, with a uniform batch entry point (parameters as floats, as they arrive from text
    or JavaScript, validated here), used by the native batch executable and the tests. *)

type entry = {
  name : string;  (** lower-case, as in the TypeScript registry (["sma"], ["vwap_rolling"], …) *)
  params : string list;  (** parameter names, in order *)
  inputs : string list;  (** input series, in order (["close"], or ["high"; "low"; "close"], …) *)
  outputs : string list;  (** output series, in order *)
  run : float array -> float array array -> float array array;
      (** [run params inputs]: the outputs, each as long as the inputs.
          @raise Invalid_argument on a bad parameter count or value, or inputs of different lengths. *)
}

val all : entry list

val find : string -> entry option
