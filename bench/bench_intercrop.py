"""Plots per second for `carbonspec intercrop`'s fit + simulation (QUANTICA): N synthetic plots
(default 10 000), each a 190-day intercrop window with a Sentinel-2-like LAI series (5-day
revisits, ~45 % lost to clouds, retrieval noise), fitted with the bounded least squares of
runtime/models/crop/fit.py; then the Numba kernel simulates all plots at once with the fitted
parameters (and the NumPy reference on the same plots, for the ratio).  Prints the load average:
figures measured on a shared machine are only comparable within one run.

    .venv/bin/python bench/bench_intercrop.py [N] [--workers W]
"""
from __future__ import annotations

import argparse
import os
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np


def _plot(i):
    rng = np.random.default_rng(i)
    n = 190
    days = np.arange(n)
    T = 16 - 9 * np.sin(2 * np.pi * (days + 20) / 365) + rng.normal(0, 2, n)
    Rg = np.clip(14 - 9 * np.sin(2 * np.pi * (days + 20) / 365) * rng.uniform(0.6, 1.2, n), 1, None)
    truth = [rng.uniform(3, 25), rng.uniform(0.8, 2.2), rng.uniform(900, 1500), rng.uniform(2500, 6000)]
    return T, Rg, truth, rng


def _fit_range(args):
    from carbonspec.runtime.models.crop import load_params
    from carbonspec.runtime.models.crop.fit import fit_plot, simulate_one

    lo, hi = args
    P = load_params()
    fx = P.for_type("mustard")
    out = []
    for i in range(lo, hi):
        T, Rg, truth, rng = _plot(i)
        gla, dam = simulate_one(T, Rg, truth, fx)
        obs = np.arange(2, len(T), 5)
        obs = obs[rng.random(obs.size) > 0.45]
        sd = 0.12 + 0.05 * gla[obs]
        lai = np.maximum(gla[obs] + rng.normal(0, sd), 0)
        f = fit_plot(T, Rg, obs, lai, sd, len(T) - 1, fx, {**P.bounds, "D0": (0.0, 40.0)})
        out.append([f.theta[k] for k in ("D0", "ELUE", "STT", "Rs")] + [f.biomass, dam[-1], f.biomass_sd])
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", nargs="?", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    a = ap.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; {a.n} plots, "
          f"{a.workers} worker process(es)")
    _fit_range((0, 2))                                          # compile / warm the cache in this process
    chunks = [(lo, min(lo + 250, a.n)) for lo in range(0, a.n, 250)]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(a.workers) as pool:
        rows = [r for part in pool.map(_fit_range, chunks) for r in part]
    t_fit = time.perf_counter() - t0
    res = np.array(rows)
    within = np.mean(np.abs(res[:, 4] - res[:, 5]) <= 3 * res[:, 6])
    print(f"fit: {a.n} plots in {t_fit:.1f} s = {a.n / t_fit:.0f} plots/s; true biomass within 3 sd on "
          f"{within:.1%} of the plots")

    from carbonspec.runtime.models.crop import kernel, load_params, reference
    from carbonspec.runtime.models.crop.params import FIXED

    fx = load_params().for_type("mustard")
    W = [_plot(i) for i in range(a.n)]
    T = np.array([w[0] for w in W])
    Rg = np.array([w[1] for w in W])
    theta = res[:, :4]
    fixed = np.tile([fx[k] for k in FIXED], (a.n, 1))
    kernel.simulate(T[:2], Rg[:2], theta[:2], fixed[:2])
    t0 = time.perf_counter()
    g1, _ = kernel.simulate(T, Rg, theta, fixed)
    t_k = time.perf_counter() - t0
    t0 = time.perf_counter()
    g2, _ = reference.simulate(T, Rg, theta, fixed)
    t_r = time.perf_counter() - t0
    print(f"simulation of the fitted plots: Numba {t_k * 1e3:.1f} ms ({a.n / t_k:,.0f} plots/s), NumPy reference "
          f"{t_r * 1e3:.1f} ms: ratio {t_r / t_k:.1f}x; max |diff| {np.max(np.abs(g1 - g2)):.2e}")
    print(f"fit + simulation: {a.n / (t_fit + t_k):.0f} plots/s end to end; load average after: "
          f"{os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
