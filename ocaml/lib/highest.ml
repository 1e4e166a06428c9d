type state = Extreme.state

let lookback p = Check.period "HIGHEST" p - 1
let init p = Extreme.init "HIGHEST" Extreme.Max p
let step = Extreme.step
let batch p xs = Fold.map_float (init p) step xs
