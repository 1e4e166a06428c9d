type state = Sma.state

let lookback p = Check.period "AVG_VOLUME" p - 1
let init p = ignore (lookback p); Sma.init p
let step = Sma.step
let batch p xs = Fold.map_float (init p) step xs
