"""The SAFY daily loop in Numba, vectorised over plots (prange); equations in __init__.py.

Each plot has its own day range inside a shared weather grid (plots of one weather station
share T and Rg), so the inputs are the weather rows of each plot and its parameters."""
from __future__ import annotations

import math

import numba
import numpy as np


@numba.njit(cache=True, inline="always")
def _ft(T, tmin, topt, tmax, beta):
    if T < tmin or T > tmax:
        return 0.0
    if T <= topt:
        return 1.0 - ((T - topt) / (tmin - topt)) ** beta
    return 1.0 - ((T - topt) / (tmax - topt)) ** beta


@numba.njit(cache=True)
def run_one(T, Rg, d0, elue, stt, rs, fx, gla, dam):
    """One run starting on integer day d0 (days before: bare soil, GLA = DAM = 0).
    fx = (eps_c, k_ext, T_min, T_opt, T_max, beta, DAM0, SLA, PLa, PLb)."""
    eps_c, k_ext, tmin, topt, tmax, beta, dam0, sla, pla, plb = fx
    n = T.shape[0]
    G = 0.0
    D = 0.0
    smt = 0.0
    for d in range(n):
        if d < d0:
            gla[d] = 0.0
            dam[d] = 0.0
            continue
        if d == d0:
            D = dam0
            G = dam0 * sla
            smt = 0.0
        else:
            ft = _ft(T[d], tmin, topt, tmax, beta)
            smt += max(T[d] - tmin, 0.0)
            apar = eps_c * Rg[d] * (1.0 - math.exp(-k_ext * G))
            ddam = elue * apar * ft
            pl = max(1.0 - pla * math.exp(plb * smt), 0.0)
            grow = ddam * pl * sla
            sen = G * (smt - stt) / rs if smt > stt else 0.0
            G = max(G + grow - sen, 0.0)
            D += ddam
        gla[d] = G
        dam[d] = D


@numba.njit(cache=True)
def run_fractional(T, Rg, d0, elue, stt, rs, fx, gla, dam):
    """A fractional emergence day: linear interpolation of the runs of floor(d0) and floor(d0)+1."""
    n = T.shape[0]
    lo = int(math.floor(d0))
    f = d0 - lo
    run_one(T, Rg, lo, elue, stt, rs, fx, gla, dam)
    if f > 0.0:
        g2 = np.empty(n)
        m2 = np.empty(n)
        run_one(T, Rg, lo + 1, elue, stt, rs, fx, g2, m2)
        for d in range(n):
            gla[d] = (1.0 - f) * gla[d] + f * g2[d]
            dam[d] = (1.0 - f) * dam[d] + f * m2[d]


@numba.njit(cache=True, parallel=True)
def run_plots(T, Rg, theta, fixed):
    """T, Rg (P, N) daily weather of each plot's window; theta (P, 4) = D0, ELUE, STT, Rs;
    fixed (P, 10).  Returns GLA, DAM (P, N)."""
    P, N = T.shape
    gla = np.empty((P, N))
    dam = np.empty((P, N))
    for p in numba.prange(P):
        run_fractional(T[p], Rg[p], theta[p, 0], theta[p, 1], theta[p, 2], theta[p, 3], fixed[p],
                       gla[p], dam[p])
    return gla, dam


def simulate(T, Rg, theta, fixed):
    """Numba backend: (GLA, DAM) arrays (P, N); DAM in g DM/m2."""
    return run_plots(np.ascontiguousarray(T, dtype=np.float64), np.ascontiguousarray(Rg, dtype=np.float64),
                     np.ascontiguousarray(theta, dtype=np.float64), np.ascontiguousarray(fixed, dtype=np.float64))
