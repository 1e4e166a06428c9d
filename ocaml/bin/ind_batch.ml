(* Native batch runner for cross-checking the OCaml reference against its JavaScript build and the TypeScript
   indicators.

   Input (stdin), one request per line, whitespace-separated tokens:
     <name> <param>... <length> <series 1: length values> <series 2: length values> ...
   The number of parameters and of input series is fixed per indicator (see [ind_batch.exe --list]):
     sma 3 5 1 2 3 4 5
     atr 14 <n> <n highs> <n lows> <n closes>
   Values are anything [float_of_string] reads: decimal ("1.5", "1e-3"), hex ("0x1.8p+0"), "nan", "inf", "-inf".

   Output (stdout), one line per request: "ok" then every output series in order (length values each),
   each value printed with "%.17g" (17 significant digits: round-trips a double exactly; "nan", "inf", "-inf"
   and "-0" as such); or "error <message>" when the request is invalid. Empty lines are skipped. *)

open Indicators

let print_value buf x =
  Buffer.add_char buf ' ';
  if Float.is_nan x then Buffer.add_string buf "nan"
  else if x = Float.infinity then Buffer.add_string buf "inf"
  else if x = Float.neg_infinity then Buffer.add_string buf "-inf"
  else Buffer.add_string buf (Printf.sprintf "%.17g" x)

let split line = String.split_on_char ' ' line |> List.concat_map (String.split_on_char '\t')
  |> List.filter (fun s -> s <> "")

let number tok =
  match float_of_string_opt tok with
  | Some x -> x
  | None -> invalid_arg (Printf.sprintf "not a number: %S" tok)

let handle line =
  match split line with
  | [] -> None
  | name :: rest -> (
    let buf = Buffer.create 4096 in
    try
      let e =
        match Catalog.find name with
        | Some e -> e
        | None -> invalid_arg (Printf.sprintf "unknown indicator %S" name)
      in
      let toks = Array.of_list rest in
      let np = List.length e.params and ni = List.length e.inputs in
      if Array.length toks < np + 1 then invalid_arg "missing parameters or length";
      let params = Array.init np (fun i -> number toks.(i)) in
      let len =
        match int_of_string_opt toks.(np) with
        | Some n when n >= 0 -> n
        | _ -> invalid_arg (Printf.sprintf "bad length %S" toks.(np))
      in
      let expected = np + 1 + (ni * len) in
      if Array.length toks <> expected then
        invalid_arg (Printf.sprintf "expected %d values, got %d" (ni * len) (Array.length toks - np - 1));
      let inputs = Array.init ni (fun s -> Array.init len (fun i -> number toks.(np + 1 + (s * len) + i))) in
      let outputs = e.run params inputs in
      Buffer.add_string buf "ok";
      Array.iter (Array.iter (print_value buf)) outputs;
      Some (Buffer.contents buf)
    with Invalid_argument msg -> Some ("error " ^ String.map (fun c -> if c = '\n' then ' ' else c) msg))

let () =
  if Array.length Sys.argv > 1 && Sys.argv.(1) = "--list" then
    List.iter
      (fun (e : Catalog.entry) ->
        Printf.printf "%s params=[%s] inputs=[%s] outputs=[%s]\n" e.name (String.concat " " e.params)
          (String.concat " " e.inputs) (String.concat " " e.outputs))
      Catalog.all
  else
    try
      while true do
        match handle (input_line stdin) with
        | Some l -> print_endline l
        | None -> ()
      done
    with End_of_file -> ()
