(* JavaScript API of the reference indicators, exported as the CommonJS export "indicators".
   Batch functions take and return Float64Arrays and fold the library's [step] directly over the typed arrays
   (no OCaml float array in between), exactly as the library's [batch] does, so every path gives the same bits.
   Streaming handles keep the state before the last update, so [replace] re-steps from it.
   Invalid parameters throw a JavaScript RangeError with the library's message. *)

open Js_of_ocaml
module I = Indicators

type f64 = Typed_array.float64Array Js.t

(* The js_of_ocaml 4.0 runtime, when loaded, installs a process-wide process.on("uncaughtException") handler that
   ends the process with exit code 2 (runtime.js, caml_setup_uncaught_exception_handler, an "//Always" fragment that a
   user runtime file cannot replace). A library loaded inside a Node application or a test runner must leave that
   process's error handling alone, so the handler is removed here: the runtime added it synchronously just before
   this module's initialisation, so it is the last listener, recognised by its exit(2). *)
let () =
  ignore
    (Js.Unsafe.js_expr
       {|(function () {
           var p = globalThis.process;
           if (p && typeof p.listeners === "function" && typeof p.removeListener === "function") {
             var ls = p.listeners("uncaughtException");
             var f = ls[ls.length - 1];
             if (f && String(f).indexOf("exit(2)") >= 0) p.removeListener("uncaughtException", f);
           }
         })()|})

let range_error msg : 'a =
  let ctor = Js.Unsafe.global##._RangeError in
  Js.Js_error.raise_ (Js.Js_error.of_error (new%js ctor (Js.string msg)))

let error msg : 'a =
  let ctor = Js.Unsafe.global##._Error in
  Js.Js_error.raise_ (Js.Js_error.of_error (new%js ctor (Js.string msg)))

(* Invalid_argument (bad parameters, input lengths) becomes a RangeError; any other OCaml exception an Error *)
let guard f =
  try f () with
  | Invalid_argument msg -> range_error msg
  | Js.Js_error.Exn _ as e -> raise e
  | e -> error ("OCaml indicators: " ^ Printexc.to_string e)

let len (a : f64) = a##.length
let get (a : f64) i = Typed_array.unsafe_get a i
let make_out n : f64 = new%js Typed_array.float64Array n

let same_len name (arrays : f64 list) =
  match arrays with
  | [] -> 0
  | a :: rest ->
    let n = len a in
    List.iter
      (fun b ->
        if len b <> n then
          invalid_arg (Printf.sprintf "%s: input series have different lengths (%d and %d)" name n (len b)))
      rest;
    n

let int_param name what x = I.Check.int_param name ~what x

(* ---- batch drivers ---- *)

(* one input, one output *)
let batch1 init step (xs : f64) : f64 =
  let n = len xs in
  let out = make_out n in
  let st = ref init in
  for i = 0 to n - 1 do
    let s, y = step !st (get xs i) in
    st := s;
    Typed_array.set out i y
  done;
  out

(* n inputs read by [get i], outputs written by [put i y] *)
let run n init step get put =
  let st = ref init in
  for i = 0 to n - 1 do
    let s, y = step !st (get i) in
    st := s;
    put i y
  done

let put1 (out : f64) i y = Typed_array.set out i y

(* ---- streaming handles ---- *)

type ('s, 'a, 'b) handle = { mutable prev : 's; mutable cur : 's; step : 's -> 'a -> 's * 'b }

let make_handle init step = { prev = init; cur = init; step }

let update h x =
  let s, y = h.step h.cur x in
  h.prev <- h.cur;
  h.cur <- s;
  y

let replace h x =
  let s, y = h.step h.prev x in
  h.cur <- s;
  y

(* multi-output handles return one preallocated Float64Array, overwritten by every call *)
type ('s, 'a, 'b) mhandle = { h : ('s, 'a, 'b) handle; out : f64; write : f64 -> 'b -> unit }

let make_mhandle k init step write = { h = make_handle init step; out = make_out k; write }

let mupdate m x =
  m.write m.out (update m.h x);
  m.out

let mreplace m x =
  m.write m.out (replace m.h x);
  m.out

let js_array (a : f64 array) = Js.array a

module Macd = I.Macd
module Bbands = I.Bbands
module Atr = I.Atr
module Stoch = I.Stoch
module Vwap = I.Vwap
module Vwap_rolling = I.Vwap_rolling
module Range = I.Range

(* parameters are checked in order (let-bound: a record's fields are evaluated right to left) *)
let macd_params fast slow signal : Macd.params =
  let fast = int_param "MACD" "fastPeriod" fast in
  let slow = int_param "MACD" "slowPeriod" slow in
  let signal = int_param "MACD" "signalPeriod" signal in
  { fast; slow; signal }

let bbands_params period k : Bbands.params = { period = int_param "BBANDS" "period" period; k }

let stoch_params kp ks dp : Stoch.params =
  let k_period = int_param "STOCH" "kPeriod" kp in
  let k_slowing = int_param "STOCH" "kSlowing" ks in
  let d_period = int_param "STOCH" "dPeriod" dp in
  { k_period; k_slowing; d_period }

let write_macd out (o : Macd.output) =
  Typed_array.set out 0 o.macd;
  Typed_array.set out 1 o.signal;
  Typed_array.set out 2 o.hist

let write_bbands out (o : Bbands.output) =
  Typed_array.set out 0 o.upper;
  Typed_array.set out 1 o.middle;
  Typed_array.set out 2 o.lower

let write_stoch out (o : Stoch.output) =
  Typed_array.set out 0 o.k;
  Typed_array.set out 1 o.d

let hlc h l c : Atr.bar = { high = h; low = l; close = c }
let stoch_bar h l c : Stoch.bar = { high = h; low = l; close = c }

let outs k n = Array.init k (fun _ -> make_out n)

let () =
  Js.export "indicators"
    (object%js
      (* batch *)
      method sma (xs : f64) (period : float) : f64 =
        guard (fun () -> batch1 (I.Sma.init (int_param "SMA" "period" period)) I.Sma.step xs)

      method ema (xs : f64) (period : float) : f64 =
        guard (fun () -> batch1 (I.Ema.init (int_param "EMA" "period" period)) I.Ema.step xs)

      method rsi (xs : f64) (period : float) : f64 =
        guard (fun () -> batch1 (I.Rsi.init (int_param "RSI" "period" period)) I.Rsi.step xs)

      method wma (xs : f64) (period : float) : f64 =
        guard (fun () -> batch1 (I.Wma.init (int_param "WMA" "period" period)) I.Wma.step xs)

      method macd (xs : f64) (fast : float) (slow : float) (signal : float) =
        guard (fun () ->
            let init = Macd.init (macd_params fast slow signal) in
            let n = len xs in
            let o = outs 3 n in
            run n init Macd.step (get xs) (fun i (y : Macd.output) ->
                Typed_array.set o.(0) i y.macd;
                Typed_array.set o.(1) i y.signal;
                Typed_array.set o.(2) i y.hist);
            js_array o)

      method bbands (xs : f64) (period : float) (k : float) =
        guard (fun () ->
            let init = Bbands.init (bbands_params period k) in
            let n = len xs in
            let o = outs 3 n in
            run n init Bbands.step (get xs) (fun i (y : Bbands.output) ->
                Typed_array.set o.(0) i y.upper;
                Typed_array.set o.(1) i y.middle;
                Typed_array.set o.(2) i y.lower);
            js_array o)

      method atr (high : f64) (low : f64) (close : f64) (period : float) : f64 =
        guard (fun () ->
            let init = Atr.init (int_param "ATR" "period" period) in
            let n = same_len "ATR" [ high; low; close ] in
            let o = make_out n in
            run n init Atr.step (fun i -> hlc (get high i) (get low i) (get close i)) (put1 o);
            o)

      method stoch (high : f64) (low : f64) (close : f64) (kp : float) (ks : float) (dp : float) =
        guard (fun () ->
            let init = Stoch.init (stoch_params kp ks dp) in
            let n = same_len "STOCH" [ high; low; close ] in
            let o = outs 2 n in
            run n init Stoch.step
              (fun i -> stoch_bar (get high i) (get low i) (get close i))
              (fun i (y : Stoch.output) ->
                Typed_array.set o.(0) i y.k;
                Typed_array.set o.(1) i y.d);
            js_array o)

      method vwap (high : f64) (low : f64) (close : f64) (volume : f64) (time : f64) (session : float)
          (offset : float) : f64 =
        guard (fun () ->
            let init = Vwap.init { session; offset } in
            let n = same_len "VWAP" [ high; low; close; volume; time ] in
            let o = make_out n in
            run n init Vwap.step
              (fun i : Vwap.bar ->
                { high = get high i; low = get low i; close = get close i; volume = get volume i; time = get time i })
              (put1 o);
            o)

      method vwapRolling (high : f64) (low : f64) (close : f64) (volume : f64) (period : float) : f64 =
        guard (fun () ->
            let init = Vwap_rolling.init (int_param "VWAP_ROLLING" "period" period) in
            let n = same_len "VWAP_ROLLING" [ high; low; close; volume ] in
            let o = make_out n in
            run n init Vwap_rolling.step
              (fun i : Vwap_rolling.bar ->
                { high = get high i; low = get low i; close = get close i; volume = get volume i })
              (put1 o);
            o)

      method highest (xs : f64) (period : float) : f64 =
        guard (fun () -> batch1 (I.Highest.init (int_param "HIGHEST" "period" period)) I.Highest.step xs)

      method lowest (xs : f64) (period : float) : f64 =
        guard (fun () -> batch1 (I.Lowest.init (int_param "LOWEST" "period" period)) I.Lowest.step xs)

      method range (high : f64) (low : f64) (period : float) : f64 =
        guard (fun () ->
            let init = Range.init (int_param "RANGE" "period" period) in
            let n = same_len "RANGE" [ high; low ] in
            let o = make_out n in
            run n init Range.step (fun i : Range.bar -> { high = get high i; low = get low i }) (put1 o);
            o)

      method avgVolume (xs : f64) (period : float) : f64 =
        guard (fun () -> batch1 (I.Avg_volume.init (int_param "AVG_VOLUME" "period" period)) I.Avg_volume.step xs)

      (* streaming *)
      method smaMake (period : float) =
        guard (fun () -> make_handle (I.Sma.init (int_param "SMA" "period" period)) I.Sma.step)

      method smaUpdate (h : (I.Sma.state, float, float) handle) (x : float) : float = update h x
      method smaReplace (h : (I.Sma.state, float, float) handle) (x : float) : float = replace h x

      method emaMake (period : float) =
        guard (fun () -> make_handle (I.Ema.init (int_param "EMA" "period" period)) I.Ema.step)

      method emaUpdate (h : (I.Ema.state, float, float) handle) (x : float) : float = update h x
      method emaReplace (h : (I.Ema.state, float, float) handle) (x : float) : float = replace h x

      method rsiMake (period : float) =
        guard (fun () -> make_handle (I.Rsi.init (int_param "RSI" "period" period)) I.Rsi.step)

      method rsiUpdate (h : (I.Rsi.state, float, float) handle) (x : float) : float = update h x
      method rsiReplace (h : (I.Rsi.state, float, float) handle) (x : float) : float = replace h x

      method wmaMake (period : float) =
        guard (fun () -> make_handle (I.Wma.init (int_param "WMA" "period" period)) I.Wma.step)

      method wmaUpdate (h : (I.Wma.state, float, float) handle) (x : float) : float = update h x
      method wmaReplace (h : (I.Wma.state, float, float) handle) (x : float) : float = replace h x
    
      method macdMake (fast : float) (slow : float) (signal : float) =
        guard (fun () -> make_mhandle 3 (Macd.init (macd_params fast slow signal)) Macd.step write_macd)

      method macdUpdate (m : (Macd.state, float, Macd.output) mhandle) (x : float) : f64 = mupdate m x
      method macdReplace (m : (Macd.state, float, Macd.output) mhandle) (x : float) : f64 = mreplace m x

      method bbandsMake (period : float) (k : float) =
        guard (fun () -> make_mhandle 3 (Bbands.init (bbands_params period k)) Bbands.step write_bbands)

      method bbandsUpdate (m : (Bbands.state, float, Bbands.output) mhandle) (x : float) : f64 = mupdate m x
      method bbandsReplace (m : (Bbands.state, float, Bbands.output) mhandle) (x : float) : f64 = mreplace m x

      method atrMake (period : float) =
        guard (fun () -> make_handle (Atr.init (int_param "ATR" "period" period)) Atr.step)

      method atrUpdate (h : (Atr.state, Atr.bar, float) handle) (high : float) (low : float) (close : float) : float =
        update h (hlc high low close)

      method atrReplace (h : (Atr.state, Atr.bar, float) handle) (high : float) (low : float) (close : float) : float =
        replace h (hlc high low close)

      method stochMake (kp : float) (ks : float) (dp : float) =
        guard (fun () -> make_mhandle 2 (Stoch.init (stoch_params kp ks dp)) Stoch.step write_stoch)

      method stochUpdate (m : (Stoch.state, Stoch.bar, Stoch.output) mhandle) (high : float) (low : float)
          (close : float) : f64 =
        mupdate m (stoch_bar high low close)

      method stochReplace (m : (Stoch.state, Stoch.bar, Stoch.output) mhandle) (high : float) (low : float)
          (close : float) : f64 =
        mreplace m (stoch_bar high low close)

      method vwapMake (session : float) (offset : float) =
        guard (fun () -> make_handle (Vwap.init { session; offset }) Vwap.step)

      method vwapUpdate (h : (Vwap.state, Vwap.bar, float) handle) (high : float) (low : float) (close : float)
          (volume : float) (time : float) : float =
        update h { high; low; close; volume; time }

      method vwapReplace (h : (Vwap.state, Vwap.bar, float) handle) (high : float) (low : float) (close : float)
          (volume : float) (time : float) : float =
        replace h { high; low; close; volume; time }

      method vwapRollingMake (period : float) =
        guard (fun () -> make_handle (Vwap_rolling.init (int_param "VWAP_ROLLING" "period" period)) Vwap_rolling.step)

      method vwapRollingUpdate (h : (Vwap_rolling.state, Vwap_rolling.bar, float) handle) (high : float) (low : float)
          (close : float) (volume : float) : float =
        update h { high; low; close; volume }

      method vwapRollingReplace (h : (Vwap_rolling.state, Vwap_rolling.bar, float) handle) (high : float)
          (low : float) (close : float) (volume : float) : float =
        replace h { high; low; close; volume }

      method highestMake (period : float) =
        guard (fun () -> make_handle (I.Highest.init (int_param "HIGHEST" "period" period)) I.Highest.step)

      method highestUpdate (h : (I.Highest.state, float, float) handle) (x : float) : float = update h x
      method highestReplace (h : (I.Highest.state, float, float) handle) (x : float) : float = replace h x

      method lowestMake (period : float) =
        guard (fun () -> make_handle (I.Lowest.init (int_param "LOWEST" "period" period)) I.Lowest.step)

      method lowestUpdate (h : (I.Lowest.state, float, float) handle) (x : float) : float = update h x
      method lowestReplace (h : (I.Lowest.state, float, float) handle) (x : float) : float = replace h x

      method rangeMake (period : float) =
        guard (fun () -> make_handle (Range.init (int_param "RANGE" "period" period)) Range.step)

      method rangeUpdate (h : (Range.state, Range.bar, float) handle) (high : float) (low : float) : float =
        update h { high; low }

      method rangeReplace (h : (Range.state, Range.bar, float) handle) (high : float) (low : float) : float =
        replace h { high; low }

      method avgVolumeMake (period : float) =
        guard (fun () -> make_handle (I.Avg_volume.init (int_param "AVG_VOLUME" "period" period)) I.Avg_volume.step)

      method avgVolumeUpdate (h : (I.Avg_volume.state, float, float) handle) (x : float) : float = update h x
      method avgVolumeReplace (h : (I.Avg_volume.state, float, float) handle) (x : float) : float = replace h x
    end)
