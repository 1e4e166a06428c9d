(* Reference checks of the OCaml indicators, printed; the output is compared with reference.expected.
   Every check prints "ok" or "FAIL"; values are printed too, so any change of result shows in the diff. *)

open Indicators

let failures = ref 0

let status ok =
  if not ok then incr failures;
  if ok then "ok" else "FAIL"

let g17 x = Printf.sprintf "%.17g" x

let section title = Printf.printf "\n== %s\n" title

(* ---- StockCharts ChartSchool, as published (2 decimals) ---- *)

(* Source: /work/shared/data/stockcharts/chartschool_ema10_published.csv (ChartSchool "Moving Averages" example):
   closes of rows 0..19 and the published EMA(10) of rows 9..19. *)
let cs_ema_closes =
  [| 22.27; 22.19; 22.08; 22.17; 22.18; 22.13; 22.23; 22.43; 22.24; 22.29; 22.15; 22.39; 22.38; 22.61; 23.36;
     24.05; 23.75; 23.83; 23.95; 23.63 |]

let cs_ema10 = [| "22.22"; "22.21"; "22.24"; "22.27"; "22.33"; "22.52"; "22.80"; "22.97"; "23.13"; "23.28"; "23.34" |]

(* Source: /work/shared/data/stockcharts/chartschool_rsi14_published.csv (closes 14-Dec-09 .. 01-Feb-10 from the
   ChartSchool RSI example; published RSI(14) from 05-Jan-10, the 15th close, on). *)
let cs_rsi_closes =
  [| 44.3389; 44.0902; 44.1497; 43.6124; 44.3278; 44.8264; 45.0955; 45.4245; 45.8433; 46.0826; 45.8931; 46.0328;
     45.6140; 46.2820; 46.2820; 46.0028; 46.0328; 46.4116; 46.2222; 45.6439; 46.2122; 46.2521; 45.7137; 46.4515;
     45.7835; 45.3548; 44.0288; 44.1783; 44.2181; 44.5672; 43.4205; 42.6628; 43.1314 |]

let cs_rsi14 =
  [| 70.53; 66.32; 66.55; 69.41; 66.36; 57.97; 62.93; 63.26; 56.06; 62.38; 54.71; 50.42; 39.99; 41.46; 41.87;
     45.46; 37.30; 33.08; 37.77 |]

let stockcharts () =
  section "StockCharts EMA(10), published to 2 decimals";
  let got = Ema.batch 10 cs_ema_closes in
  Array.iteri
    (fun i x ->
      if i < 9 then Printf.printf "row %2d: %s (warm-up) %s\n" i (g17 x) (status (Float.is_nan x))
      else
        let pub = cs_ema10.(i - 9) in
        let s = Printf.sprintf "%.2f" x in
        Printf.printf "row %2d: %s -> %s published %s %s\n" i (g17 x) s pub (status (s = pub)))
    got;
  section "StockCharts RSI(14), published to 2 decimals (|got - published| < 0.005)";
  let got = Rsi.batch 14 cs_rsi_closes in
  Array.iteri
    (fun i x ->
      if i < 14 then Printf.printf "row %2d: %s (warm-up) %s\n" i (g17 x) (status (Float.is_nan x))
      else
        let pub = cs_rsi14.(i - 14) in
        Printf.printf "row %2d: %s published %.2f %s\n" i (g17 x) pub (status (Float.abs (x -. pub) < 0.005)))
    got

(* ---- StockCharts Bollinger Bands and stochastic, published to 6 decimals ---- *)

let close_to tol x pub = Float.abs (x -. pub) < tol

let stockcharts_more () =
  section "StockCharts Bollinger Bands (20, 2), population std-dev (|got - published| < 5e-6)";
  let u, m, l = Bbands.batch { period = 20; k = 2. } Published_data.cs_bbands_close in
  Array.iteri
    (fun i pm ->
      if Float.is_nan pm then Printf.printf "row %2d: warm-up %s\n" i (status (Float.is_nan m.(i)))
      else
        let pu = Published_data.cs_bbands_upper.(i) and pl = Published_data.cs_bbands_lower.(i) in
        Printf.printf "row %2d: middle %.6f upper %.6f lower %.6f %s\n" i m.(i) u.(i) l.(i)
          (status (close_to 5e-6 m.(i) pm && close_to 5e-6 u.(i) pu && close_to 5e-6 l.(i) pl)))
    Published_data.cs_bbands_middle;
  section "StockCharts stochastic %K(14) %D(3) = STOCH(14, 1, 3) (|got - published| < 5e-6; both from row 15)";
  let k, d =
    Stoch.batch { k_period = 14; k_slowing = 1; d_period = 3 } Published_data.cs_soo_high Published_data.cs_soo_low
      Published_data.cs_soo_close
  in
  Array.iteri
    (fun i pk ->
      let pd = Published_data.cs_soo_d.(i) in
      if i < 15 then
        Printf.printf "row %2d: warm-up (published %%K %s) %s\n" i (g17 pk) (status (Float.is_nan k.(i) && Float.is_nan d.(i)))
      else if Float.is_nan pd then
        (* the table starts %D one row late *)
        Printf.printf "row %2d: k %.6f d %.6f (no published %%D) %s\n" i k.(i) d.(i) (status (close_to 5e-6 k.(i) pk))
      else
        Printf.printf "row %2d: k %.6f d %.6f %s\n" i k.(i) d.(i) (status (close_to 5e-6 k.(i) pk && close_to 5e-6 d.(i) pd)))
    Published_data.cs_soo_k

let talib_vwap () =
  section "TA-Lib 2026 TA_VWAP (cumulative, one session): bit-identical";
  let n = Array.length Talib_data.closes in
  List.iter
    (fun (start, bar, expected) ->
      let sub a = Array.sub a start (n - start) in
      let v =
        Vwap.batch { session = 1e15; offset = 0. } (sub Talib_data.highs) (sub Talib_data.lows)
          (sub Talib_data.closes) (sub Talib_data.volumes) (Array.make (n - start) 0.)
      in
      let x = v.(bar - start) in
      Printf.printf "vwap from bar %3d, bar %3d: %s expected %s %s\n" start bar (g17 x) (g17 expected)
        (status (Int64.equal (Int64.bits_of_float x) (Int64.bits_of_float expected))))
    Published_data.talib_vwap

(* ---- TA-Lib regression tables ---- *)

let series_named = function
  | "open" -> Talib_data.opens
  | "high" -> Talib_data.highs
  | "low" -> Talib_data.lows
  | "close" -> Talib_data.closes
  | "volume" -> Talib_data.volumes
  | s -> failwith ("no TA-Lib series " ^ s)

let talib () =
  section "TA-Lib ta_regtest values (|got - expected| < 0.01, as ta_regtest)";
  List.iter
    (fun (name, params, out, bar, expected) ->
      let ps = String.concat "," (Array.to_list (Array.map (Printf.sprintf "%g") params)) in
      match Catalog.find name with
      | None -> Printf.printf "%s(%s) bar %d: not implemented\n" name ps bar
      | Some e ->
        let inputs = Array.of_list (List.map series_named e.inputs) in
        let outs = e.run params inputs in
        let x = outs.(out).(bar) in
        Printf.printf "%s(%s).%s bar %3d: %s expected %g %s\n" name ps (List.nth e.outputs out) bar (g17 x) expected
          (status (Float.abs (x -. expected) < 0.01)))
    Talib_data.checks

(* ---- warm-up, flat series, period 1 ---- *)

let show name xs = Printf.printf "%s: [%s]\n" name (String.concat " " (Array.to_list (Array.map g17 xs)))

let edge_cases () =
  section "Warm-up and flat series (level 5, period 3): the level exactly, RSI 0";
  let flat = Array.make 8 5. in
  show "sma 3" (Sma.batch 3 flat);
  show "ema 3" (Ema.batch 3 flat);
  show "wma 3" (Wma.batch 3 flat);
  show "rsi 3" (Rsi.batch 3 flat);
  section "Short series (2 inputs, period 3): all warm-up";
  show "sma 3" (Sma.batch 3 [| 1.; 2. |]);
  show "rsi 3" (Rsi.batch 3 [| 1.; 2.; 3. |]);
  show "empty" (Sma.batch 3 [||]);
  section "Period 1: SMA/EMA/WMA are the identity; RSI 100 after a rise, else 0";
  let xs = [| 3.; 4.; 4.; 2.; 5. |] in
  show "sma 1" (Sma.batch 1 xs);
  show "ema 1" (Ema.batch 1 xs);
  show "wma 1" (Wma.batch 1 xs);
  show "rsi 1" (Rsi.batch 1 xs);
  section "Rising and falling series: RSI 100 and 0";
  show "rsi 2 rising" (Rsi.batch 2 [| 1.; 2.; 3.; 4.; 5. |]);
  show "rsi 2 falling" (Rsi.batch 2 [| 5.; 4.; 3.; 2.; 1. |]);
  section "Small worked values";
  show "sma 2 [1e20 1 3]" (Sma.batch 2 [| 1e20; 1.; 3. |]);
  show "wma 3 [1..6]" (Wma.batch 3 [| 1.; 2.; 3.; 4.; 5.; 6. |]);
  show "ema 3 [1..6]" (Ema.batch 3 [| 1.; 2.; 3.; 4.; 5.; 6. |]);
  show "rsi 3 [1 3 2 5 4 4]" (Rsi.batch 3 [| 1.; 3.; 2.; 5.; 4.; 4. |]);
  section "Multi-output and bar indicators: flat series and worked values";
  let shown name arrs = List.iteri (fun i a -> show (Printf.sprintf "%s.%d" name i) a) arrs in
  let flat = Array.make 40 5. in
  let m, sg, h = Macd.batch { fast = 3; slow = 5; signal = 2 } (Array.sub flat 0 8) in
  shown "macd(3,5,2) flat" [ m; sg; h ];
  let u, mid, l = Bbands.batch { period = 3; k = 2. } (Array.sub flat 0 5) in
  shown "bbands(3,2) flat" [ u; mid; l ];
  let u, mid, l = Bbands.batch { period = 2; k = 1. } [| 1.; 3.; 5.; 5. |] in
  shown "bbands(2,1) [1 3 5 5]" [ u; mid; l ];
  show "atr(2) flat bars" (Atr.batch 2 (Array.make 5 5.) (Array.make 5 5.) (Array.make 5 5.));
  show "atr(2) gap" (Atr.batch 2 [| 10.; 12.; 9.; 9. |] [| 9.; 11.; 8.; 8.5 |] [| 9.5; 11.5; 8.5; 9. |]);
  let k, d = Stoch.batch { k_period = 2; k_slowing = 1; d_period = 2 } (Array.make 4 5.) (Array.make 4 5.) (Array.make 4 5.) in
  shown "stoch(2,1,2) flat: 0" [ k; d ];
  let k, d =
    Stoch.batch { k_period = 2; k_slowing = 1; d_period = 1 } [| 2.; 4.; 6.; 6. |] [| 1.; 1.; 3.; 3. |] [| 1.; 4.; 3.; 4.5 |]
  in
  shown "stoch(2,1,1) close at LL / HH" [ k; d ];
  (* hourly bars around midnight UTC 2026-01-02 (1767312000000 ms, beyond 32-bit ints), daily sessions *)
  let t0 = 1767304800000. in
  let ts = Array.init 5 (fun i -> t0 +. (float_of_int i *. 3600000.)) in
  show "vwap session reset at midnight"
    (Vwap.batch { session = 86400000.; offset = 0. } [| 11.; 12.; 13.; 14.; 15. |] [| 9.; 10.; 11.; 12.; 13. |]
       [| 10.; 11.; 12.; 13.; 14. |] [| 1.; 3.; 0.; 2.; 2. |] ts);
  show "vwap zero volume: tp" (Vwap.batch { session = 86400000.; offset = 0. } [| 3.; 6. |] [| 0.; 3. |] [| 3.; 3. |] [| 0.; 0. |] [| t0; t0 |]);
  show "vwap_rolling(2)"
    (Vwap_rolling.batch 2 [| 11.; 12.; 13.; 14. |] [| 9.; 10.; 11.; 12. |] [| 10.; 11.; 12.; 13. |] [| 1.; 0.; 0.; 2. |]);
  let xs = [| 3.; 1.; 4.; 1.; 5.; 9.; 2.; 6. |] in
  show "highest(3)" (Highest.batch 3 xs);
  show "lowest(3)" (Lowest.batch 3 xs);
  show "range(3)" (Range.batch 3 xs (Array.map (fun x -> x -. 1.) xs));
  show "avg_volume(4)" (Avg_volume.batch 4 xs);
  section "NaN input poisons the state";
  show "ema 2" (Ema.batch 2 [| 1.; 2.; Float.nan; 3.; 4. |]);
  show "sma 2" (Sma.batch 2 [| 1.; 2.; Float.nan; 3.; 4. |])

(* ---- invalid parameters ---- *)

let invalid () =
  section "Invalid parameters raise Invalid_argument";
  let try_ name f =
    match f () with
    | _ -> Printf.printf "%s: no exception %s\n" name (status false)
    | exception Invalid_argument msg -> Printf.printf "%s: %s\n" name msg
  in
  try_ "Sma.init 0" (fun () -> ignore (Sma.init 0));
  try_ "Ema.init (-1)" (fun () -> ignore (Ema.init (-1)));
  try_ "Rsi.init 100001" (fun () -> ignore (Rsi.init 100_001));
  try_ "Wma.init 0" (fun () -> ignore (Wma.init 0));
  let run name ps xs () =
    match Catalog.find name with Some e -> ignore (e.run ps xs) | None -> failwith name
  in
  try_ "sma period 2.5" (run "sma" [| 2.5 |] [| [| 1. |] |]);
  try_ "ema period nan" (run "ema" [| Float.nan |] [| [| 1. |] |]);
  try_ "rsi period inf" (run "rsi" [| Float.infinity |] [| [| 1. |] |]);
  try_ "sma no parameter" (run "sma" [||] [| [| 1. |] |]);
  try_ "macd fast = slow" (run "macd" [| 12.; 12.; 9. |] [| [| 1. |] |]);
  try_ "macd slowPeriod 0" (run "macd" [| 12.; 0.; 0. |] [| [| 1. |] |]);
  try_ "bbands k 0" (run "bbands" [| 20.; 0. |] [| [| 1. |] |]);
  try_ "stoch kSlowing 1.5" (run "stoch" [| 14.; 1.5; 3. |] [| [| 1. |]; [| 1. |]; [| 1. |] |]);
  try_ "vwap sessionMs 0.5" (run "vwap" [| 0.5; 0. |] [| [| 1. |]; [| 1. |]; [| 1. |]; [| 1. |]; [| 1. |] |]);
  try_ "vwap offsetMs -2e15" (run "vwap" [| 1e3; -2e15 |] [| [| 1. |]; [| 1. |]; [| 1. |]; [| 1. |]; [| 1. |] |]);
  try_ "atr lengths differ" (run "atr" [| 14. |] [| [| 1.; 2. |]; [| 1. |]; [| 1. |] |])

(* ---- batch = streaming with replace (a forming candle revised before each final value) ---- *)

let lcg = ref 12345

let rand () =
  (* deterministic uniform in [0, 1) from a 30-bit LCG (ints stay small: same on 32-bit platforms) *)
  lcg := ((!lcg * 1103515245) + 12345) land 0x3FFFFFFF;
  float_of_int !lcg /. float_of_int 0x40000000

let walk n =
  let x = ref 100. in
  Array.init n (fun _ ->
      x := !x *. (1. +. ((rand () -. 0.5) *. 0.1));
      !x)

let replace_check name init step batch =
  let xs = walk 500 in
  let expected = batch xs in
  let prev = ref init and cur = ref init in
  let ok = ref true in
  Array.iteri
    (fun i x ->
      (* forming candle: two provisional values, then the final one, each re-stepped from the previous state *)
      prev := !cur;
      let s1, _ = step !prev (x *. 1.01) in
      cur := s1;
      let s2, _ = step !prev (x *. 0.99) in
      cur := s2;
      let s3, y = step !prev x in
      cur := s3;
      if not (Int64.equal (Int64.bits_of_float y) (Int64.bits_of_float expected.(i))) then ok := false)
    xs;
  Printf.printf "%s: batch = streaming with replace, bit for bit, 500 inputs: %s\n" name (status !ok)

(* the other indicators: a provisional bar (one field scaled by 1.01) re-stepped from the previous state, then
   the final bar; the final outputs must equal the batch ones bit for bit *)
let bars n =
  let c = walk n in
  let h = Array.map (fun x -> x *. (1. +. (rand () *. 0.01))) c in
  let l = Array.map (fun x -> x *. (1. -. (rand () *. 0.01))) c in
  let v = Array.init n (fun _ -> if rand () < 0.1 then 0. else Float.round (rand () *. 1000.)) in
  let t = Array.init n (fun i -> 1767225600000. +. (float_of_int i *. 3600000.)) in
  (h, l, c, v, t)

let replace_check_gen name init step batch n get same =
  let expected = batch in
  let prev = ref init and cur = ref init in
  let ok = ref true in
  for i = 0 to n - 1 do
    prev := !cur;
    let s1, _ = step !prev (get i 1.01) in
    cur := s1;
    let s3, y = step !prev (get i 1.) in
    cur := s3;
    if not (same y expected i) then ok := false
  done;
  Printf.printf "%s: batch = streaming with replace, bit for bit, %d bars: %s\n" name n (status !ok)

let bits_eq a b = Int64.equal (Int64.bits_of_float a) (Int64.bits_of_float b)

let streaming_bars () =
  let n = 400 in
  let h, l, c, v, t = bars n in
  let sc x k = x *. k in
  List.iter
    (fun p ->
      replace_check_gen (Printf.sprintf "atr %d" p) (Atr.init p) Atr.step (Atr.batch p h l c) n
        (fun i k -> { Atr.high = sc h.(i) k; low = l.(i); close = c.(i) })
        (fun y e i -> bits_eq y e.(i));
      replace_check_gen (Printf.sprintf "vwap_rolling %d" p) (Vwap_rolling.init p) Vwap_rolling.step
        (Vwap_rolling.batch p h l c v) n
        (fun i k -> { Vwap_rolling.high = h.(i); low = l.(i); close = sc c.(i) k; volume = v.(i) })
        (fun y e i -> bits_eq y e.(i));
      replace_check_gen (Printf.sprintf "range %d" p) (Range.init p) Range.step (Range.batch p h l) n
        (fun i k -> { Range.high = sc h.(i) k; low = l.(i) })
        (fun y e i -> bits_eq y e.(i));
      replace_check_gen (Printf.sprintf "highest %d" p) (Highest.init p) Highest.step (Highest.batch p h) n
        (fun i k -> sc h.(i) k) (fun y e i -> bits_eq y e.(i));
      replace_check_gen (Printf.sprintf "lowest %d" p) (Lowest.init p) Lowest.step (Lowest.batch p l) n
        (fun i k -> sc l.(i) (2. -. k)) (fun y e i -> bits_eq y e.(i));
      replace_check_gen (Printf.sprintf "avg_volume %d" p) (Avg_volume.init p) Avg_volume.step (Avg_volume.batch p v) n
        (fun i k -> sc v.(i) k) (fun y e i -> bits_eq y e.(i));
      let bp = { Bbands.period = p; k = 2. } in
      let bu, _, _ = Bbands.batch bp c in
      replace_check_gen (Printf.sprintf "bbands %d" p) (Bbands.init bp) Bbands.step bu n
        (fun i k -> sc c.(i) k) (fun (y : Bbands.output) e i -> bits_eq y.upper e.(i)))
    [ 1; 2; 14 ];
  let vp = { Vwap.session = 86400000.; offset = 3600000. } in
  replace_check_gen "vwap daily" (Vwap.init vp) Vwap.step (Vwap.batch vp h l c v t) n
    (fun i k -> { Vwap.high = h.(i); low = l.(i); close = c.(i); volume = sc v.(i) k; time = t.(i) })
    (fun y e i -> bits_eq y e.(i));
  let mp = { Macd.fast = 12; slow = 26; signal = 9 } in
  let _, ms, _ = Macd.batch mp c in
  replace_check_gen "macd 12/26/9" (Macd.init mp) Macd.step ms n (fun i k -> sc c.(i) k)
    (fun (y : Macd.output) e i -> bits_eq y.signal e.(i));
  let stp = { Stoch.k_period = 14; k_slowing = 3; d_period = 3 } in
  let _, sd = Stoch.batch stp h l c in
  replace_check_gen "stoch 14/3/3" (Stoch.init stp) Stoch.step sd n
    (fun i k -> { Stoch.high = h.(i); low = l.(i); close = sc c.(i) (2. -. k) })
    (fun (y : Stoch.output) e i -> bits_eq y.d e.(i))

let streaming () =
  section "Streaming with replace = batch";
  List.iter
    (fun p ->
      replace_check (Printf.sprintf "sma %d" p) (Sma.init p) Sma.step (Sma.batch p);
      replace_check (Printf.sprintf "ema %d" p) (Ema.init p) Ema.step (Ema.batch p);
      replace_check (Printf.sprintf "rsi %d" p) (Rsi.init p) Rsi.step (Rsi.batch p);
      replace_check (Printf.sprintf "wma %d" p) (Wma.init p) Wma.step (Wma.batch p))
    [ 1; 2; 14; 30 ];
  streaming_bars ()

let () =
  stockcharts ();
  stockcharts_more ();
  talib ();
  talib_vwap ();
  edge_cases ();
  invalid ();
  streaming ();
  Printf.printf "\nfailures: %d\n" !failures;
  if !failures > 0 then exit 1
