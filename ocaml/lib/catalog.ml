type entry = {
  name : string;
  params : string list;
  inputs : string list;
  outputs : string list;
  run : float array -> float array array -> float array array;
}

let arity name what expected got =
  if got <> expected then
    invalid_arg (Printf.sprintf "%s: expected %d %s, got %d" name expected what got)

let entry ~name ~title ~params ~inputs ~outputs f =
  let run ps xs =
    arity title "parameters" (List.length params) (Array.length ps);
    arity title "input series" (List.length inputs) (Array.length xs);
    ignore (Check.same_length title (Array.to_list xs));
    f ps xs
  in
  { name; params; inputs; outputs; run }

let int_p title ps i what = Check.int_param title ~what ps.(i)

let series1 name title batch =
  entry ~name ~title ~params:[ "period" ] ~inputs:[ "close" ] ~outputs:[ "value" ] (fun ps xs ->
      [| batch (int_p title ps 0 "period") xs.(0) |])

let all =
  [
    series1 "sma" "SMA" Sma.batch;
    series1 "ema" "EMA" Ema.batch;
    series1 "rsi" "RSI" Rsi.batch;
    series1 "wma" "WMA" Wma.batch;
    entry ~name:"macd" ~title:"MACD" ~params:[ "fastPeriod"; "slowPeriod"; "signalPeriod" ]
      ~inputs:[ "close" ] ~outputs:[ "macd"; "signal"; "histogram" ] (fun ps xs ->
        let p = int_p "MACD" ps in
        (* let-bound in order: a record's fields are evaluated right to left *)
        let fast = p 0 "fastPeriod" in
        let slow = p 1 "slowPeriod" in
        let signal = p 2 "signalPeriod" in
        let m, s, h = Macd.batch { fast; slow; signal } xs.(0) in
        [| m; s; h |]);
    entry ~name:"bbands" ~title:"BBANDS" ~params:[ "period"; "k" ] ~inputs:[ "close" ]
      ~outputs:[ "upper"; "middle"; "lower" ] (fun ps xs ->
        let u, m, l = Bbands.batch { period = int_p "BBANDS" ps 0 "period"; k = ps.(1) } xs.(0) in
        [| u; m; l |]);
    entry ~name:"atr" ~title:"ATR" ~params:[ "period" ] ~inputs:[ "high"; "low"; "close" ] ~outputs:[ "value" ]
      (fun ps xs -> [| Atr.batch (int_p "ATR" ps 0 "period") xs.(0) xs.(1) xs.(2) |]);
    entry ~name:"stoch" ~title:"STOCH" ~params:[ "kPeriod"; "kSlowing"; "dPeriod" ] ~inputs:[ "high"; "low"; "close" ]
      ~outputs:[ "k"; "d" ] (fun ps xs ->
        let p = int_p "STOCH" ps in
        let k_period = p 0 "kPeriod" in
        let k_slowing = p 1 "kSlowing" in
        let d_period = p 2 "dPeriod" in
        let k, d = Stoch.batch { k_period; k_slowing; d_period } xs.(0) xs.(1) xs.(2) in
        [| k; d |]);
    entry ~name:"vwap" ~title:"VWAP" ~params:[ "sessionMs"; "offsetMs" ]
      ~inputs:[ "high"; "low"; "close"; "volume"; "timestamp" ] ~outputs:[ "value" ] (fun ps xs ->
        [| Vwap.batch { session = ps.(0); offset = ps.(1) } xs.(0) xs.(1) xs.(2) xs.(3) xs.(4) |]);
    entry ~name:"vwap_rolling" ~title:"VWAP_ROLLING" ~params:[ "period" ] ~inputs:[ "high"; "low"; "close"; "volume" ]
      ~outputs:[ "value" ] (fun ps xs ->
        [| Vwap_rolling.batch (int_p "VWAP_ROLLING" ps 0 "period") xs.(0) xs.(1) xs.(2) xs.(3) |]);
    entry ~name:"highest" ~title:"HIGHEST" ~params:[ "period" ] ~inputs:[ "high" ] ~outputs:[ "value" ]
      (fun ps xs -> [| Highest.batch (int_p "HIGHEST" ps 0 "period") xs.(0) |]);
    entry ~name:"lowest" ~title:"LOWEST" ~params:[ "period" ] ~inputs:[ "low" ] ~outputs:[ "value" ]
      (fun ps xs -> [| Lowest.batch (int_p "LOWEST" ps 0 "period") xs.(0) |]);
    entry ~name:"range" ~title:"RANGE" ~params:[ "period" ] ~inputs:[ "high"; "low" ] ~outputs:[ "value" ]
      (fun ps xs -> [| Range.batch (int_p "RANGE" ps 0 "period") xs.(0) xs.(1) |]);
    entry ~name:"avg_volume" ~title:"AVG_VOLUME" ~params:[ "period" ] ~inputs:[ "volume" ] ~outputs:[ "value" ]
      (fun ps xs -> [| Avg_volume.batch (int_p "AVG_VOLUME" ps 0 "period") xs.(0) |]);
  ]

let find name =
  let key = String.lowercase_ascii name in
  List.find_opt (fun e -> e.name = key) all
