"""AMG v2 yearly loop, compiled with Numba: vectorised over runs (scenario x cropping
system, `prange`), sequential over the rows (years) of each run.

Why a hand-written kernel and not the spec compiler: AMG is a recurrence over years with
an exact one-year solution; the method (6.3.1 L1800-L1812, Annexe 13 L2231-L2242) names the
model, it does not write its equations, so they live here with their sources
(`amg-v2-model.md` §1, AMG_base `scripts/AMG_Script.R` step 4, Clivot et al. 2019).

Row convention (AMG_base, notes §1.2): row r = 0..R-1 is one calendar year of the run.
Row 0 holds the initial stock.  For r >= 1

    CA_r = (QC_{r-1} - CS) exp(-k_r) + M_{r-1} (1 - exp(-k_r)) / k_r ,   QC_r = CS + CA_r

so the humified inputs M of row r act on the transition r -> r+1 (the last row's inputs
are never used) and k of row r (its weather, its irrigation) drives r-1 -> r (row 0's k
is reported, never used).  Callers that want another pairing build their grids
accordingly (see `pairs.py`).

k_r = k0 fT fH fA fC fpH fCN (notes §1.3, Clivot et al. 2019 via AMG_base):
  fT  = aT / (1 + (aT - 1) exp(cT Tref) exp(-cT T))   (1e-6 when T <= 0)
  fH  = 1 / (1 + aH exp(-bH W / 1000)),  W = rainfall + irrigation - PET  (mm)
  fA  = exp(-am clay),  fC = 1 / (1 + cm CaCO3)
  fpH = exp(-apH (pH - bpH)^2),  fCN = 0.8 exp(-aCN (CN - bCN)^2) + 0.2

`rounding=True` emulates AMG_base's R rounding (notes §1.8): T to 0.1 degC and W to 1 mm
before use, each factor to 6 decimals, k to 7, CA and QC to 4 at every step, with R's
round() algorithm (not Python's, not NumPy's).  The initial pools (C0 and CS rounded to 4
decimals in AMG_base) are prepared by the caller (`model.initial_pools`).

Everything here has a NumPy twin in `reference.py` written independently; the tests
require agreement to 1e-9 relative.
"""
from __future__ import annotations

import math

from numba import njit, prange

from .constants import FT_FLOOR, PARAM_ORDER  # noqa: F401  (shared with reference.py without importing Numba)



@njit(cache=True)
def r_round(x, digits):
    """R (>= 4.0) round(x, digits), notes §1.8: of the two decimal neighbours of |x| at
    `digits`, the nearer; on an exact tie the one whose last digit is even; sign restored.
    With digits = 0 this is round-half-even."""
    ax = abs(x)
    p = 10.0 ** digits
    x10 = p * ax
    fl = math.floor(x10)
    lo = fl / p
    hi = math.ceil(x10) / p
    d_hi = hi - ax
    d_lo = ax - lo
    if d_hi < d_lo or (d_hi == d_lo and fl - 2.0 * math.floor(fl * 0.5) == 1.0):  # fl odd
        r = hi
    else:
        r = lo
    return -r if x < 0 else r


@njit(cache=True)
def _factor(value, rounding):
    return r_round(value, 6) if rounding else value


@njit(parallel=True, cache=True)
def simulate_numba(C0, CS, clay, caco3, pH, cn, T, W, M, prm, rounding, QC, K, FT, FH, store_factors):
    """Fill QC[p, r] (t C/ha) and K[p, r] (1/yr) for every run p and row r; FT, FH too
    when `store_factors`.  Shapes: C0, CS, clay, caco3, pH, cn (P,); T, W, M, QC, K (P, R).
    T in degC, W = rainfall + irrigation - PET in mm, M humified C inputs in t C/ha/yr,
    clay and CaCO3 in g/kg, pH in water, cn the soil C:N ratio."""
    k0, aT, cT, Tref, aH, bH = prm[0], prm[1], prm[2], prm[3], prm[4], prm[5]
    am, cm, apH, bpH, aCN, bCN = prm[6], prm[7], prm[8], prm[9], prm[10], prm[11]
    P, R = T.shape
    gT = (aT - 1.0) * math.exp(cT * Tref)  # the constant part of fT, once
    for p in prange(P):
        # Soil factors, once per run (notes §1.3).
        fA = _factor(math.exp(-am * clay[p]), rounding)
        fC = _factor(1.0 / (1.0 + cm * caco3[p]), rounding)
        dph = pH[p] - bpH
        fpH = _factor(math.exp(-apH * (dph * dph)), rounding)
        dcn = cn[p] - bCN
        fCN = _factor(0.8 * math.exp(-aCN * (dcn * dcn)) + 0.2, rounding)
        cs = CS[p]
        qc = C0[p]
        QC[p, 0] = qc
        for r in range(R):
            t = T[p, r]
            if t <= 0.0:
                fT = FT_FLOOR
            else:
                tt = r_round(t, 1) if rounding else t
                fT = _factor(aT / (1.0 + gT * math.exp(-cT * tt)), rounding)
            w = r_round(W[p, r], 0) if rounding else W[p, r]
            fH = _factor(1.0 / (1.0 + aH * math.exp(-bH * (w / 1000.0))), rounding)
            k = k0 * fT * fH * fA * fC * fpH * fCN
            if rounding:
                k = r_round(k, 7)
            K[p, r] = k
            if store_factors:
                FT[p, r] = fT
                FH[p, r] = fH
            if r == 0:
                continue
            # Exact solution of dCA/dt = M - k CA over one year (notes §1.2), written as
            # AMG_base writes it: M / k (1 - exp(-k)).
            if k > 0.0:
                a = math.exp(-k)
                # (1 - exp(-k)) / k via expm1: the subtraction 1 - exp(-k) cancels for small k
                # (k ~ 1e-8 when T <= 0 floors fT), so a 1-ulp difference between libm's exp and
                # NumPy's SIMD exp became a 1e-9 relative difference between the backends
                # (the flaky test_numba_and_numpy_agree); expm1 is exact to an ulp for every k.
                b = -math.expm1(-k) / k
            else:  # only when rounding sends a tiny k to 0: the k -> 0 limit (no NaN)
                a = 1.0
                b = 1.0
            ca = (qc - cs) * a + M[p, r - 1] * b
            if rounding:
                ca = r_round(ca, 4)
                qc = r_round(cs + ca, 4)
            else:
                qc = cs + ca
            QC[p, r] = qc
