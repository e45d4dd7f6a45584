"""exp, log, expm1 and power over NumPy arrays, each value computed by the C library.

Why: the Numba kernels evaluate `np.exp(x)` on one float at a time, which LLVM lowers to the C
library's `exp` (Numba has no SVML here).  NumPy's own float64 exp/log/power use SIMD code on
CPUs with AVX2/AVX-512 that may differ from the C library in the last bit.  A figure that
differs in the last bit between backends is still a different figure in a results file, so the
reference backend (and the small-input `auto` choice that runs it) uses the same C functions:
NumPy computes the special cases (0, negative, overflow, NaN) with the kernel's `error_model =
"numpy"` semantics, and Python's `math` (the C library) recomputes every finite value.
"""
from __future__ import annotations

import math

import numpy as np

_EXP = np.frompyfunc(math.exp, 1, 1)
_LOG = np.frompyfunc(math.log, 1, 1)
_EXPM1 = np.frompyfunc(math.expm1, 1, 1)
_POW = np.frompyfunc(math.pow, 2, 1)


def _redo(fast: np.ndarray, exact, args, ok: np.ndarray) -> np.ndarray:
    """`fast` (NumPy's value everywhere) with the C library's value wherever `ok`."""
    out = np.array(fast, dtype=np.float64, copy=True)
    if out.ndim == 0:
        if ok:
            out = np.float64(exact(*[float(a) for a in args]))
        return out
    if ok.any():
        out[ok] = exact(*[np.broadcast_to(a, out.shape)[ok] for a in args]).astype(np.float64)
    return out


def exp(x):
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"):
        fast = np.exp(x)
    return _redo(fast, _EXP, (x,), np.isfinite(fast) & np.isfinite(x))


def expm1(x):
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"):
        fast = np.expm1(x)
    return _redo(fast, _EXPM1, (x,), np.isfinite(fast) & np.isfinite(x))


def log(x):
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"):
        fast = np.log(x)
    return _redo(fast, _LOG, (x,), np.isfinite(fast) & (x > 0))


def power(x, y):
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    with np.errstate(all="ignore"):
        fast = np.power(x, y)
    ok = np.isfinite(fast) & np.isfinite(x) & np.isfinite(y) & ((x > 0) | (y == np.floor(y)))
    return _redo(fast, _POW, (x, y), ok)
