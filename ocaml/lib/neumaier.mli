(** Neumaier's compensated summation step, in the exact operation order of the TypeScript kernels:
    [t = s + x; c += |s| >= |x| ? (s - t) + x : (x - t) + s]. Returns [(t, c')]. *)
val add : float -> float -> float -> float * float
