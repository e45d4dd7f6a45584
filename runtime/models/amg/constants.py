"""Constants both AMG backends read, in a module of their own so that the NumPy reference
backend (and a small run that uses it) never imports Numba."""

# Order of the parameter vector `prm` (AmgParams.model_vector()).
PARAM_ORDER = ("k0", "aT", "cT", "Tref", "aH", "bH", "am", "cm", "apH", "bpH", "aCN", "bCN")
FT_FLOOR = 1e-6  # fT when T <= 0 (AMG_base step 4.2; notes §1.9; the test uses the unrounded T)
