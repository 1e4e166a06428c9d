type state = Extreme.state

let lookback p = Check.period "LOWEST" p - 1
let init p = Extreme.init "LOWEST" Extreme.Min p
let step = Extreme.step
let batch p xs = Fold.map_float (init p) step xs
