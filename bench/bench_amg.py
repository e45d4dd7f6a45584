"""AMG v2 benchmark: plot-years per second of the Numba kernel and the NumPy reference,
side by side in one run, on N plots x 2 scenarios x 5 years (default N = 1 000 000).

    python bench/bench_amg.py [--plots N] [--years 5] [--pairs-systems M] [--seed S]

Sections (nothing is asserted):
- first call: in child processes with NUMBA_CACHE_DIR set before numba is imported, a
  fresh cache (compilation) then the same cache (load): import, first and second call;
- kernel: `run_kernel` on the (2 N runs) x (years + 1 rows) grid, the LBC layout (row 0
  the initial stock, one transition per simulated year), rounding emulation on and off,
  best of 3 after a warm-up; Numba with all threads and with 1 thread, NumPy;
- end to end: `simulate_pairs` on M systems (crop rows -> inputs -> both scenarios, the
  3-year reference rotation simulated from each of its 3 phases);
- agreement of the two backends.
Plot-years = plots x scenarios x simulated years (transitions), the quantity of work.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def synthetic_grid(n_plots: int, years: int, seed: int):
    """Soils, shared weather and per-scenario humified inputs for n_plots x 2 scenarios;
    the grid has years + 1 rows (kernel.py row convention)."""
    rng = np.random.default_rng(seed)
    R = years + 1
    soil = dict(clay=rng.uniform(50, 450, n_plots), caco3=rng.uniform(0, 300, n_plots) * (rng.random(n_plots) < 0.4),
                pH=rng.uniform(5.5, 8.5, n_plots), cn=rng.uniform(8, 14, n_plots), depth=np.full(n_plots, 30.0),
                C0=rng.uniform(25, 90, n_plots))
    T = rng.uniform(8, 15, (n_plots, R))
    W = rng.uniform(-450, 250, (n_plots, R))
    M_ref = rng.uniform(0.4, 2.5, (n_plots, R))
    M_proj = M_ref + rng.uniform(0, 1.5, (n_plots, R))
    return soil, T, W, M_ref, M_proj


def kernel_args(soil, T, W, M_ref, M_proj, params, rounding):
    from carbonspec.runtime.models.amg import SoilColumns, initial_pools
    both = {k: np.concatenate([v, v]) for k, v in soil.items()}
    sc = SoilColumns(**both)
    QC0, CS = initial_pools(sc.C0, params.model["Ps"], rounding)
    return QC0, CS, sc, np.vstack([T, T]), np.vstack([W, W]), np.vstack([M_ref, M_proj])


def best_of(fn, n=3):
    best, out = float("inf"), None
    for _ in range(n):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


# ------------------------------------------------------------ first call ------
def first_call_child() -> None:
    t0 = time.perf_counter()
    import numba  # noqa: F401  (timed on purpose)
    t1 = time.perf_counter()
    from carbonspec.runtime.models.amg import load_params, run_kernel
    params = load_params()
    soil, T, W, Mr, Mp = synthetic_grid(4, 5, 1)
    args = kernel_args(soil, T, W, Mr, Mp, params, True)
    t2 = time.perf_counter()
    run_kernel(*args, params, "numba", True, store_factors=False)
    t3 = time.perf_counter()
    run_kernel(*args, params, "numba", True, store_factors=False)
    t4 = time.perf_counter()
    print(json.dumps({"import_numba": t1 - t0, "load": t2 - t1, "first": t3 - t2, "second": t4 - t3,
                      "cache_files": sum(1 for p in Path(os.environ["NUMBA_CACHE_DIR"]).rglob("*") if p.is_file())}))


def run_first_call(cache_dir: str) -> dict:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir, PYTHONDONTWRITEBYTECODE="1")
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, __file__, "--first-call-child"], env=env, capture_output=True, text=True,
                          cwd=ROOT)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"first-call child failed:\n{proc.stderr}")
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    res["process"] = wall
    return res


# ------------------------------------------------------------ end to end ------
def synthetic_practices(n: int, years: int, ref_years: int, seed: int, params):
    """Practices of n systems: `years` Projet years (main crop + cover crop half of the
    time + manure 1 year in 4) and a `ref_years` reference cycle (main crop only)."""
    from carbonspec.runtime.models.amg import Practices
    rng = np.random.default_rng(seed)
    mains = [params.crop_index("mc", k, "bench") for k in ("winter_wheat", "grain_maize", "winter_barley",
                                                             "winter_rapeseed", "sunflower", "sugar_beet")]
    cover = params.crop_index("cc", "mustard", "bench")
    manure = params.eom_index("bovine_manure", "bench")

    def build(L, with_extras):
        run = np.repeat(np.arange(n), L)
        year = np.tile(np.arange(L), n)
        crop = rng.choice(mains, n * L)
        cols = dict(crop_run=run, crop_year=year, crop=crop, crop_yield=rng.uniform(3, 12, n * L),
                    crop_water=np.full(n * L, 15.0), crop_returned=rng.random(n * L) < 0.7)
        eom = {}
        if with_extras:
            has_cc = rng.random(n * L) < 0.5
            for k, v in (("crop_run", run[has_cc]), ("crop_year", year[has_cc]),
                         ("crop", np.full(has_cc.sum(), cover)), ("crop_yield", rng.uniform(1, 6, has_cc.sum())),
                         ("crop_water", np.full(has_cc.sum(), 80.0)), ("crop_returned", np.ones(has_cc.sum(), bool))):
                cols[k] = np.concatenate([cols[k], v])
            has_m = rng.random(n * L) < 0.25
            eom = dict(eom_run=run[has_m], eom_year=year[has_m], eom=np.full(has_m.sum(), manure),
                       eom_dose=rng.uniform(10, 40, has_m.sum()))
        return Practices(n_runs=n, n_years=np.full(n, L), **cols, **eom)

    return build(ref_years, False), build(years, True)


# --------------------------------------------------------------------- main --
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--plots", type=int, default=1_000_000)
    ap.add_argument("--years", type=int, default=5)
    ap.add_argument("--pairs-systems", type=int, default=200_000,
                    help="cropping systems for the end-to-end simulate_pairs line (default 200000)")
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--first-call-child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.first_call_child:
        first_call_child()
        return

    t_start = time.perf_counter()
    load_before = os.getloadavg()[0]
    cache_dir = tempfile.mkdtemp(prefix="carbonspec-amg-numba-cache-")
    os.environ["NUMBA_CACHE_DIR"] = cache_dir          # before numba is imported here
    cold = run_first_call(cache_dir)
    warm = run_first_call(cache_dir)

    import numba
    from carbonspec.runtime.models.amg import ClimateColumns, SoilColumns, load_params, run_kernel, simulate_pairs

    params = load_params()
    N, Y = args.plots, args.years
    work = N * 2 * Y
    t0 = time.perf_counter()
    soil, T, W, Mr, Mp = synthetic_grid(N, Y, args.seed)
    t_build = time.perf_counter() - t0

    timings = {}
    outputs = {}
    threads = numba.get_num_threads()
    for rounding in (False, True):
        a = kernel_args(soil, T, W, Mr, Mp, params, rounding)
        run_kernel(*a, params, "numba", rounding, store_factors=False)          # warm-up (cache load)
        timings[("numba", rounding)], outputs[("numba", rounding)] = best_of(
            lambda: run_kernel(*a, params, "numba", rounding, store_factors=False))
        numba.set_num_threads(1)
        timings[("numba1", rounding)], _ = best_of(lambda: run_kernel(*a, params, "numba", rounding,
                                                                      store_factors=False))
        numba.set_num_threads(threads)
        timings[("reference", rounding)], outputs[("reference", rounding)] = best_of(
            lambda: run_kernel(*a, params, "reference", rounding, store_factors=False))
        del a

    qn, qr = outputs[("numba", False)].QC, outputs[("reference", False)].QC
    rel = float(np.max(np.abs(qn - qr) / np.maximum(np.abs(qn), np.abs(qr))))
    abs_round = float(np.max(np.abs(outputs[("numba", True)].QC - outputs[("reference", True)].QC)))
    n_round_diff = int(np.count_nonzero(outputs[("numba", True)].QC != outputs[("reference", True)].QC))
    del outputs, qn, qr

    # end to end on fewer systems
    S = args.pairs_systems
    rng = np.random.default_rng(args.seed + 1)
    sc = SoilColumns(rng.uniform(50, 450, S), rng.uniform(0, 100, S), rng.uniform(5.5, 8.5, S),
                     rng.uniform(8, 14, S), np.full(S, 30.0), rng.uniform(25, 90, S))
    clim = ClimateColumns(rng.uniform(9, 14, S), rng.uniform(500, 1000, S), rng.uniform(650, 900, S))
    t0 = time.perf_counter()
    ref, proj = synthetic_practices(S, Y, 3, args.seed + 2, params)
    t_prac = time.perf_counter() - t0
    e2e = {}
    for backend in ("numba", "reference"):
        simulate_pairs(sc, clim, ref, proj, params=params, backend=backend)            # warm-up
        e2e[backend], res = best_of(lambda: simulate_pairs(sc, clim, ref, proj, params=params, backend=backend))
        e2e[backend + "_sfin"] = res.stock_end
    e2e_diff = float(np.max(np.abs(e2e["numba_sfin"] - e2e["reference_sfin"])))
    runs = int(res.phases_ref.sum() + res.phases.sum())

    def line(label, value):
        print(f"  {label:<52} {value}")

    print("carbonspec AMG v2 benchmark")
    print()
    print("machine")
    line("cores (os.cpu_count())", os.cpu_count())
    line("numba / numpy", f"{numba.__version__} / {np.__version__}")
    line("numba threading layer / threads", f"{numba.threading_layer()} / {threads}")
    line("load average (1 min) at start / at end", f"{load_before:.2f} / {os.getloadavg()[0]:.2f}")
    print()
    print("Numba first call, child process (4 plots)            fresh cache  warm cache")
    for key, label in (("import_numba", "import numba"), ("load", "import carbonspec.runtime.models.amg + tables"),
                       ("first", "first call (compile / load from cache)"), ("second", "second call"),
                       ("process", "whole child process (wall)")):
        line(label, f"{cold[key]:9.3f}    {warm[key]:9.3f}")
    print()
    print(f"kernel: {N:,} plots x 2 scenarios x {Y} years = {work:,} plot-years (grid {2 * N:,} x {Y + 1})")
    line("build synthetic grid (s)", f"{t_build:9.3f}")
    print(f"  {'':<52} {'seconds':>9} {'plot-years/s':>15}")
    for rounding in (False, True):
        tag = "rounding on " if rounding else "rounding off"
        tn, t1, tr = (timings[(b, rounding)] for b in ("numba", "numba1", "reference"))
        line(f"numba ({threads} threads), {tag}, best of 3", f"{tn:9.3f} {work / tn:15,.0f}")
        line(f"numba (1 thread), {tag}, best of 3", f"{t1:9.3f} {work / t1:15,.0f}")
        line(f"NumPy reference, {tag}, best of 3", f"{tr:9.3f} {work / tr:15,.0f}")
        line(f"ratio numba ({threads} threads) / NumPy, {tag}", f"{tr / tn:9.1f}x")
        line(f"ratio numba (1 thread) / NumPy, {tag}", f"{tr / t1:9.1f}x")
    print()
    print(f"end to end: simulate_pairs on {S:,} systems (crop rows -> inputs -> kernel), {Y} Projet years + "
          f"3-year reference rotation averaged over its 3 phases ({runs:,} kernel runs), rounding on")
    line("build practices (s)", f"{t_prac:9.3f}")
    for backend in ("numba", "reference"):
        line(f"{backend}, best of 3 (s, systems/s)", f"{e2e[backend]:9.3f} {S / e2e[backend]:15,.0f}")
    line("ratio numba / NumPy", f"{e2e['reference'] / e2e['numba']:9.1f}x")
    print()
    print("agreement numba vs NumPy")
    line("kernel, rounding off: max relative difference of QC", f"{rel:.2e}")
    line("kernel, rounding on: max |dQC| (t C/ha), cells differing", f"{abs_round:.1e}, {n_round_diff}")
    line("end to end: max |dSfin| (t C/ha)", f"{e2e_diff:.1e}")
    print()
    line("whole script wall time (s)", f"{time.perf_counter() - t_start:9.1f}")
    shutil.rmtree(cache_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
