(** Parameter validation shared by every indicator. Messages follow the TypeScript ones
    ([src/indicators/contract.ts]), e.g. ["RSI: period must be an integer from 1 to 100000, got 0"]. *)

(** Largest accepted period (TA-Lib's bound), as in the TypeScript [MAX_PERIOD]. *)
val max_period : int

(** [period name p] returns [p] when [1 <= p <= max_period].
    @raise Invalid_argument naming the indicator and the value otherwise. *)
val period : string -> int -> int

(** [period_of_float name ~what x]: the same check for a parameter arriving as a JS number / text float
    ([what] names the parameter, e.g. ["period"], ["fast period"]); it must be an integer.
    @raise Invalid_argument otherwise. *)
val int_param : string -> what:string -> float -> int

(** [integer name ~what ~min ~max x]: TypeScript's [checkInteger]:
    ["MACD: fastPeriod must be an integer from 1 to 100000, got 0"]. @raise Invalid_argument otherwise. *)
val integer : string -> what:string -> min:int -> max:int -> int -> int

(** [integer_float name ~what ~min ~max x]: the same check for an integer held in a float (beyond 32 bits, e.g.
    millisecond lengths): ["VWAP: sessionMs must be an integer from 1 to 1000000000000000, got 0"]. *)
val integer_float : string -> what:string -> min:float -> max:float -> float -> float

(** [positive_max name ~what ~max x]: TypeScript's [checkPositive], [0 < x <= max]:
    ["BBANDS: k must be a number > 0 and <= 1000, got 0"]. @raise Invalid_argument otherwise. *)
val positive_max : string -> what:string -> max:float -> float -> float

(** [positive_float name ~what x] checks [x] is finite and [> 0]. @raise Invalid_argument otherwise. *)
val positive_float : string -> what:string -> float -> float

(** [finite_float name ~what x] checks [x] is finite. @raise Invalid_argument otherwise. *)
val finite_float : string -> what:string -> float -> float

(** [same_length name arrays] checks every array has the length of the first.
    @raise Invalid_argument otherwise. *)
val same_length : string -> float array list -> int

(** Renders a float the way JavaScript's [String(x)] does for the values that occur in messages
    (integers without a dot, ["NaN"], ["Infinity"], ["-0"]). *)
val describe : float -> string
