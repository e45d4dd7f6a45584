"""The SAFY daily loop in plain NumPy, vectorised over plots and looped over days: the
second opinion on kernel.py (they must agree to 1e-9 relative)."""
from __future__ import annotations

import numpy as np


def _ft(T, tmin, topt, tmax, beta):
    below = 1.0 - ((T - topt) / (tmin - topt)) ** beta
    above = 1.0 - ((T - topt) / (tmax - topt)) ** beta
    out = np.where(T <= topt, below, above)
    return np.where((T < tmin) | (T > tmax), 0.0, out)


def _run(T, Rg, d0, theta, fx):
    P, N = T.shape
    eps_c, k_ext, tmin, topt, tmax, beta, dam0, sla, pla, plb = (fx[:, i] for i in range(10))
    elue, stt, rs = theta[:, 1], theta[:, 2], theta[:, 3]
    gla = np.zeros((P, N))
    dam = np.zeros((P, N))
    G = np.zeros(P)
    D = np.zeros(P)
    smt = np.zeros(P)
    for d in range(N):
        start = d == d0
        live = d > d0
        ft = _ft(T[:, d], tmin, topt, tmax, beta)
        smt_new = smt + np.maximum(T[:, d] - tmin, 0.0)
        apar = eps_c * Rg[:, d] * (1.0 - np.exp(-k_ext * G))
        ddam = elue * apar * ft
        pl = np.maximum(1.0 - pla * np.exp(plb * smt_new), 0.0)
        sen = np.where(smt_new > stt, G * (smt_new - stt) / rs, 0.0)
        G_new = np.maximum(G + ddam * pl * sla - sen, 0.0)
        G = np.where(start, dam0 * sla, np.where(live, G_new, 0.0))
        D = np.where(start, dam0, np.where(live, D + ddam, 0.0))
        smt = np.where(start, 0.0, np.where(live, smt_new, 0.0))
        gla[:, d] = G
        dam[:, d] = D
    return gla, dam


def simulate(T, Rg, theta, fixed):
    """Reference backend: the same (GLA, DAM) as kernel.simulate."""
    T, Rg, theta, fixed = (np.asarray(a, dtype=np.float64) for a in (T, Rg, theta, fixed))
    lo = np.floor(theta[:, 0]).astype(np.int64)
    f = (theta[:, 0] - lo)[:, None]
    g1, m1 = _run(T, Rg, lo[:, None][:, 0], theta, fixed)
    g2, m2 = _run(T, Rg, lo + 1, theta, fixed)
    has = f > 0.0
    return np.where(has, (1 - f) * g1 + f * g2, g1), np.where(has, (1 - f) * m1 + f * m2, m1)
