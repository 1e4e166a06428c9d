let max_period = 100_000

(* JavaScript's Number.prototype.toString for finite non-zero x: shortest round-trip digits, then the
   ECMAScript layout (plain notation for 1e-7 < |x| < 1e21, else exponent "1e-7", "1.5e+21"). *)
let js_number x =
  let rec shortest prec =
    let s = Printf.sprintf "%.*e" prec x in
    if prec >= 16 || float_of_string s = x then s else shortest (prec + 1)
  in
  let s = shortest 0 in
  let neg = s.[0] = '-' in
  let s = if neg then String.sub s 1 (String.length s - 1) else s in
  let epos = String.index s 'e' in
  let mant = String.sub s 0 epos and e = int_of_string (String.sub s (epos + 1) (String.length s - epos - 1)) in
  let digits = String.concat "" (String.split_on_char '.' mant) in
  let k = String.length digits and n = e + 1 in
  let body =
    if k <= n && n <= 21 then digits ^ String.make (n - k) '0'
    else if 0 < n && n <= 21 then String.sub digits 0 n ^ "." ^ String.sub digits n (k - n)
    else if -6 < n && n <= 0 then "0." ^ String.make (-n) '0' ^ digits
    else
      let m = if k = 1 then digits else String.sub digits 0 1 ^ "." ^ String.sub digits 1 (k - 1) in
      Printf.sprintf "%se%c%d" m (if n - 1 >= 0 then '+' else '-') (abs (n - 1))
  in
  if neg then "-" ^ body else body

let describe x =
  if Float.is_nan x then "NaN"
  else if x = Float.infinity then "Infinity"
  else if x = Float.neg_infinity then "-Infinity"
  else if x = 0. then if 1. /. x < 0. then "-0" else "0"
  else js_number x

let fail_range name what lo hi got =
  invalid_arg
    (Printf.sprintf "%s: %s must be an integer from %d to %d, got %s" name what lo hi got)

let period name p =
  if p < 1 || p > max_period then fail_range name "period" 1 max_period (string_of_int p);
  p

let int_param name ~what x =
  if not (Float.is_integer x) || x < 1. || x > float_of_int max_period then
    fail_range name what 1 max_period (describe x);
  int_of_float x

let integer name ~what ~min ~max x =
  if x < min || x > max then fail_range name what min max (string_of_int x);
  x

let integer_float name ~what ~min ~max x =
  if not (Float.is_integer x && x >= min && x <= max) then
    invalid_arg
      (Printf.sprintf "%s: %s must be an integer from %s to %s, got %s" name what (describe min) (describe max)
         (describe x));
  x

let positive_max name ~what ~max x =
  if not (x > 0. && x <= max) then
    invalid_arg
      (Printf.sprintf "%s: %s must be a number > 0 and <= %s, got %s" name what (describe max) (describe x));
  x

let positive_float name ~what x =
  if not (Float.is_finite x && x > 0.) then
    invalid_arg (Printf.sprintf "%s: %s must be a finite number > 0, got %s" name what (describe x));
  x

let finite_float name ~what x =
  if not (Float.is_finite x) then
    invalid_arg (Printf.sprintf "%s: %s must be a finite number, got %s" name what (describe x));
  x

let same_length name = function
  | [] -> 0
  | a :: rest ->
    let n = Array.length a in
    List.iter
      (fun b ->
        if Array.length b <> n then
          invalid_arg
            (Printf.sprintf "%s: input series have different lengths (%d and %d)" name n (Array.length b)))
      rest;
    n
