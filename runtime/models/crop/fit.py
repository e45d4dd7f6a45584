"""Calibrating SAFY on one plot's LAI series: bounded least squares (scipy's trust-region
reflective solver) on D0, ELUE, STT and Rs, the parameters Duchemin et al. (2008) calibrate
per field; the others stay at their table values.

Residuals are (simulated GLA - observed LAI) / sd of each valid observation, plus, when the
plot has field weighings, (simulated DAM - weighed biomass) / sd of each weighing (the
"couplage pesée/télédétection" of LBC Tableau 16 L1923).  The biomass uncertainty is the
delta method on the fit's covariance, (J^T J)^-1 scaled by the reduced chi-square when it
exceeds 1 (the series scatters more than its stated sd).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
from scipy.optimize import least_squares

from .kernel import run_fractional
from .params import FITTED, FIXED


@dataclass
class Fit:
    theta: Dict[str, float]          # the calibrated D0 (day index in the window), ELUE, STT, Rs
    biomass: float                   # g DM/m2 on the destruction day
    biomass_sd: float                # g DM/m2
    rmse: float                      # LAI, m2/m2, over the valid observations
    r2: float
    n_obs: int
    chi2_red: float
    nfev: int
    success: bool
    gla: np.ndarray                  # fitted GLA over the window (for the chart)
    dam: np.ndarray


def _fixed_vector(fixed: Dict[str, float]) -> np.ndarray:
    return np.array([fixed[k] for k in FIXED], dtype=np.float64)


def simulate_one(T, Rg, theta: Sequence[float], fixed: Dict[str, float]) -> Tuple[np.ndarray, np.ndarray]:
    n = len(T)
    gla, dam = np.empty(n), np.empty(n)
    run_fractional(np.asarray(T, float), np.asarray(Rg, float), float(theta[0]), float(theta[1]),
                   float(theta[2]), float(theta[3]), _fixed_vector(fixed), gla, dam)
    return gla, dam


def fit_plot(T: np.ndarray, Rg: np.ndarray, obs_day: np.ndarray, obs_lai: np.ndarray, obs_sd: np.ndarray,
             destruction_day: int, fixed: Dict[str, float], bounds: Dict[str, Tuple[float, float]],
             weigh_day: Optional[np.ndarray] = None, weigh_dam: Optional[np.ndarray] = None,
             weigh_sd: Optional[np.ndarray] = None) -> Fit:
    """Fit one plot.  Days are indices into T/Rg (the intercrop window); bounds of D0 are
    already in window days.  Deterministic: fixed starts, no random restarts."""
    T = np.asarray(T, float)
    Rg = np.asarray(Rg, float)
    fx = _fixed_vector(fixed)
    n = len(T)
    gla, dam = np.empty(n), np.empty(n)
    wd = np.asarray(weigh_day if weigh_day is not None else [], dtype=np.int64)
    wm = np.asarray(weigh_dam if weigh_dam is not None else [], dtype=float)
    ws = np.asarray(weigh_sd if weigh_sd is not None else [], dtype=float)

    def residuals(x):
        run_fractional(T, Rg, x[0], x[1], x[2], x[3], fx, gla, dam)
        r = (gla[obs_day] - obs_lai) / obs_sd
        return np.concatenate([r, (dam[wd] - wm) / ws]) if wd.size else r

    lo = np.array([bounds[k][0] for k in FITTED], float)
    hi = np.array([bounds[k][1] for k in FITTED], float)
    # starts: emergence ~2 weeks before the first clear rise of LAI, and a third into the range
    rise = obs_day[obs_lai >= 0.3]
    d0_guess = float(rise[0] - 15) if rise.size else lo[0] + 0.3 * (hi[0] - lo[0])
    best = None
    for d0 in (d0_guess, lo[0] + 0.3 * (hi[0] - lo[0])):
        d0 = float(np.clip(d0, lo[0], hi[0] - 1e-6))
        dd = np.cumsum(np.maximum(T[int(d0):] - fixed["T_min"], 0.0))
        peak = int(obs_day[np.argmax(obs_lai)])
        stt0 = float(np.clip(dd[max(peak - int(d0), 0)] if peak > d0 and dd.size else 600.0, lo[2] * 1.01, hi[2] * 0.99))
        x0 = np.array([d0, 2.0, stt0, 3000.0])
        x0 = np.clip(x0, lo + 1e-6 * (hi - lo), hi - 1e-6 * (hi - lo))
        res = least_squares(residuals, x0, bounds=(lo, hi), method="trf", x_scale=hi - lo, max_nfev=400)
        if best is None or res.cost < best.cost:
            best = res
    x = best.x
    m = len(obs_day) + wd.size
    chi2_red = float(2 * best.cost / max(m - len(x), 1))
    J = best.jac
    cov = np.linalg.pinv(J.T @ J) * max(1.0, chi2_red)
    g_fit, d_fit = simulate_one(T, Rg, x, fixed)
    b = float(d_fit[destruction_day])
    grad = np.zeros(len(x))
    for i in range(len(x)):
        h = 1e-4 * (hi[i] - lo[i])
        xp, xm = x.copy(), x.copy()
        xp[i] = min(x[i] + h, hi[i])
        xm[i] = max(x[i] - h, lo[i])
        grad[i] = (simulate_one(T, Rg, xp, fixed)[1][destruction_day]
                   - simulate_one(T, Rg, xm, fixed)[1][destruction_day]) / (xp[i] - xm[i])
    var = float(grad @ cov @ grad)
    resid = g_fit[obs_day] - obs_lai
    ss_tot = float(np.sum((obs_lai - obs_lai.mean()) ** 2))
    r2 = 1.0 - float(np.sum(resid ** 2)) / ss_tot if ss_tot > 0 else float("nan")
    return Fit(theta=dict(zip(FITTED, map(float, x))), biomass=b, biomass_sd=float(np.sqrt(max(var, 0.0))),
               rmse=float(np.sqrt(np.mean(resid ** 2))), r2=r2, n_obs=int(len(obs_day)), chi2_red=chi2_red,
               nfev=int(best.nfev), success=bool(best.success), gla=g_fit, dam=d_fit)
