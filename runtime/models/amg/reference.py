"""AMG v2 yearly loop in plain NumPy: the cross-check of `kernel.py`.

Written independently of the Numba kernel from the same sources (`amg-v2-model.md`
§1.2-1.3, §1.8): whole-column operations over the runs, one Python iteration per row.
Same row convention and same arguments as `kernel.simulate_numba` (see its docstring);
the tests require agreement to the bit: exp and expm1 come from the C library, as in the
kernel (runtime/numerics/libm.py).
"""
from __future__ import annotations

import numpy as np

from carbonspec.runtime.numerics.libm import exp, expm1

from .constants import FT_FLOOR


def r_round(x, digits: int):
    """R (>= 4.0) round() on arrays (notes §1.8): the nearer of the two decimal neighbours
    of |x|, the even one on an exact tie, sign restored."""
    x = np.asarray(x, dtype=np.float64)
    ax = np.abs(x)
    p = 10.0 ** digits
    x10 = p * ax
    fl = np.floor(x10)
    lo = fl / p
    hi = np.ceil(x10) / p
    d_hi = hi - ax
    d_lo = ax - lo
    up = (d_hi < d_lo) | ((d_hi == d_lo) & (np.fmod(fl, 2.0) == 1.0))
    r = np.where(up, hi, lo)
    return np.where(x < 0, -r, r)


def simulate_reference(C0, CS, clay, caco3, pH, cn, T, W, M, prm, rounding: bool, store_factors: bool = True):
    """Return (QC, K, FT, FH), arrays (P, R); FT and FH are None unless `store_factors`."""
    k0, aT, cT, Tref, aH, bH, am, cm, apH, bpH, aCN, bCN = (float(v) for v in prm)
    rnd = (lambda v, d: r_round(v, d)) if rounding else (lambda v, d: v)
    P, R = T.shape
    fA = rnd(exp(-am * clay), 6)
    fC = rnd(1.0 / (1.0 + cm * caco3), 6)
    fpH = rnd(exp(-apH * (pH - bpH) ** 2), 6)
    fCN = rnd(0.8 * exp(-aCN * (cn - bCN) ** 2) + 0.2, 6)

    QC = np.empty((P, R))
    K = np.empty((P, R))
    FT = np.empty((P, R)) if store_factors else None
    FH = np.empty((P, R)) if store_factors else None
    QC[:, 0] = C0
    qc = np.asarray(C0, dtype=np.float64).copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        for r in range(R):
            t = T[:, r]
            tt = rnd(t, 1)
            fT = np.where(t <= 0.0, FT_FLOOR, rnd(aT / (1.0 + (aT - 1.0) * exp(cT * Tref) * exp(-cT * tt)), 6))
            fH = rnd(1.0 / (1.0 + aH * exp(-bH * (rnd(W[:, r], 0) / 1000.0))), 6)
            k = rnd(k0 * fT * fH * fA * fC * fpH * fCN, 7)
            K[:, r] = k
            if store_factors:
                FT[:, r] = fT
                FH[:, r] = fH
            if r == 0:
                continue
            pos = k > 0.0
            a = np.where(pos, exp(-k), 1.0)
            # M / k (1 - exp(-k)) as AMG_base, computed with expm1 (no cancellation for small k,
            # see kernel.py); k -> 0 limit
            b = np.where(pos, -expm1(-k) / k, 1.0)
            ca = (qc - CS) * a + M[:, r - 1] * b
            if rounding:
                ca = r_round(ca, 4)
                qc = r_round(CS + ca, 4)
            else:
                qc = CS + ca
            QC[:, r] = qc
    return QC, K, FT, FH
