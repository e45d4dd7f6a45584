"""Benchmark of the batch path (runtime/batch/), the kernel's threading, and OpenFisca.

    python bench/bench_batch.py [--sizes 10000 100000 1000000] [--no-openfisca] [--no-stress]
                                [--memory GB] [--keep DIR]

In one run, each figure printed with the load average when it was taken (the machine is shared):

* batch, Parquet in -> Parquet out (line items), for each size of cropping systems: the every-block
  farm of examples/lbc_gc/multi-systemes.json (4 systems x 8 years, every entity of the method)
  replicated, one project per farm.  Each size runs in a child process (its peak RSS is its own):
  wall time, systems/s, peak RSS and each phase's time (bench writes the batch first, untimed);
* kernel vs the NumPy reference backend on the whole method (10 k systems, one chunk), the kernel
  on 1 and on 2 threads, then the same next to a busy loop (a `stress`-like load this bench
  starts and stops);
* Équations 3-9 (six formulas, bench/eq3_9.py) on 1 M entities: carbonspec's Numba loop (1 and 2
  threads), the NumPy expression, and OpenFisca-core float64 (bench/.venv-openfisca, `make openfisca`),
  values compared;
* one farm with `carbonspec run`: the default backend (`auto`: the NumPy reference for a dossier this
  small) and `--backend numba`, each warm (Numba cache filled) and cold (empty NUMBA_CACHE_DIR).

Nothing is asserted on timings; the repository is not written to (batches under a temporary folder).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated" / "lbc_gc" / "v2.0"
ANNEXES = ROOT / "annexes" / "lbc_gc" / "v2.0"
FARM = ROOT / "examples" / "lbc_gc" / "multi-systemes.json"
OPENFISCA_PY = ROOT / "bench" / ".venv-openfisca" / "bin" / "python"
sys.path.insert(0, str(ROOT / "bench"))


def load() -> str:
    a, b, c = os.getloadavg()
    return f"load {a:.2f} {b:.2f} {c:.2f}"


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


# --------------------------------------------------------------- the batch --
def make_batch(n_systems: int, folder: Path) -> dict:
    """The every-block farm converted once, then its rows tiled: ids shifted per copy."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from carbonspec.runtime.batch.convert import dossiers_to_batch
    from carbonspec.runtime.engine.core import load_compiled

    compiled = load_compiled(GENERATED)
    one = folder.with_name(folder.name + "-one")
    dossiers_to_batch(compiled, [FARM], one)
    parents = {e["name"]: e["parent"] for e in compiled.model["entities"]}
    tables = {p.stem: pq.read_table(p) for p in one.glob("*.parquet")}
    per_farm_systems = tables["system"].num_rows
    copies = max(1, n_systems // per_farm_systems)
    folder.mkdir(parents=True, exist_ok=True)
    rows = {}
    for ent, t in tables.items():
        n = t.num_rows
        rep = np.repeat(np.arange(copies, dtype=np.int64), n)
        cols = {}
        for name in t.column_names:
            col = t.column(name).combine_chunks()
            if name == "id":
                cols[name] = pa.array(np.tile(col.to_numpy(), copies) + rep * n)
            elif name == "parent_id":
                np_ = tables[parents[ent]].num_rows
                cols[name] = pa.array(np.tile(col.to_numpy(), copies) + rep * np_)
            else:
                cols[name] = pa.concat_arrays([col] * copies) if copies < 64 else \
                    col.take(pa.array(np.tile(np.arange(n), copies)))
        big = pa.table(cols, schema=t.schema)
        pq.write_table(big, folder / f"{ent}.parquet", compression="zstd", row_group_size=1 << 17)
        rows[ent] = big.num_rows
    shutil.rmtree(one)
    return rows


def child_batch(folder: str, out: str, memory_gb: float) -> None:
    """In a fresh process: run the batch, print wall, phases and peak RSS as JSON."""
    from carbonspec.runtime.batch import run as R

    t0 = time.perf_counter()
    summary = R.run_batch(Path(folder), Path(out), GENERATED, ANNEXES, budget=int(memory_gb * (1 << 30)))
    wall = time.perf_counter() - t0
    print(json.dumps({"wall": wall, "rss_gb": peak_rss_gb(), "phases": R.PHASES, "chunks": summary["chunks"],
                      "rows": summary["rows"], "load": load()}))


def run_child(args, env=None) -> dict:
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, env=env)
    if p.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{p.stdout}\n{p.stderr}")
    d = json.loads(p.stdout.strip().splitlines()[-1])
    d["process_wall"] = time.perf_counter() - t0
    return d


# ---------------------------------------------------- kernel vs NumPy, threads --
def child_kernel(folder: str) -> None:
    """Whole method on one chunk: kernel 1 thread, 2 threads, NumPy reference; then under load."""
    from carbonspec.runtime.batch import run as R
    from carbonspec.runtime.batch.columns import build_flat
    from carbonspec.runtime.batch.lookups import resolve_lookups
    from carbonspec.runtime.batch.plan import make_plan
    from carbonspec.runtime.engine.reference import ReferenceBackend

    job = R.Job(folder, str(GENERATED), str(ANNEXES), "")
    compiled, annexes = R._loaded(job)
    plan = make_plan(compiled.model, Path(folder), 1 << 62)
    tables, prows = R.read_chunk(compiled.model, plan.sources, plan.selections[0])
    flat, coded = build_flat(compiled.model, tables, prows, folder)
    resolve_lookups(compiled.model, flat, coded, annexes.tables)
    k = compiled.kernel
    k.compute(flat.data, threads=1)

    def best(fn, repeat=3):
        ts = []
        for _ in range(repeat):
            t = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t)
        return min(ts)

    res = {"rows": sum(int(flat.data["n_" + e["name"]]) for e in compiled.model["entities"])}
    res["kernel_1"] = (best(lambda: k.compute(flat.data, threads=1)), load())
    res["kernel_2"] = (best(lambda: k.compute(flat.data, threads=2)), load())
    res["kernel_default"] = (best(lambda: k.compute(flat.data)), f"{k.default_threads()} thread(s) chosen · {load()}")
    ref = ReferenceBackend(compiled.model)
    res["numpy"] = (best(lambda: ref.compute(flat.data), 1), load())
    a, b = k.compute(flat.data, threads=2), ref.compute(flat.data)
    res["max_rel_diff_numpy"] = max(float(np.nanmax(np.abs(a[n] - b[n]) / np.maximum(1e-300, np.abs(b[n]))))
                                    if a[n].size else 0.0 for n in a)
    one, two = k.compute(flat.data, threads=1), k.compute(flat.data, threads=2)
    res["threads_bit_identical"] = all(np.array_equal(one[n].view(np.int64), two[n].view(np.int64)) for n in one)
    if os.environ.get("BENCH_STRESS") == "1":
        busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        try:
            time.sleep(0.5)
            res["stress_kernel_1"] = (best(lambda: k.compute(flat.data, threads=1)), load())
            res["stress_kernel_2"] = (best(lambda: k.compute(flat.data, threads=2)), load())
            res["stress_kernel_default"] = (best(lambda: k.compute(flat.data)),
                                            f"{k.default_threads()} thread(s) chosen · {load()}")
        finally:
            busy.kill()
            busy.wait()
    print(json.dumps(res))


# -------------------------------------------------------------- OpenFisca --
def eq3_9_numba():
    from numba import njit

    import eq3_9 as E

    @njit(cache=False, nogil=True, error_model="numpy")
    def loop(lo, hi, QN_min, QN_inhib, QN_org, QN_org_inhib, QN_residus, QN_mineralise, C_chaulage, N_volatilise,
             FRAC_LESS, CO2_directes, CO2_uree, GES_amont_min, GES_amont_org, Surf,
             N2O_directes, N2O_volatilisation, N_lixivie, N2O_lixiviation, EGES_fertilisation, Emissions_ha):
        # the lines of generated/lbc_gc/v2.0/kernel.py (stages 06 and 10), gathers of PRG_N2O/FRAC_LESS direct
        for r in range(lo, hi):
            N2O_directes[r] = (((QN_min[r] + (QN_inhib[r] * E.C_inhibiteur)) * E.EF1_min)
                               + (((((QN_org[r] + (QN_org_inhib[r] * E.C_inhibiteur)) + QN_residus[r])
                                    + QN_mineralise[r]) * E.EF1_org) * C_chaulage[r]))
            N2O_volatilisation[r] = (N_volatilise[r] * E.EF4)
            N_lixivie[r] = ((((((QN_min[r] + QN_inhib[r]) + QN_org[r]) + QN_org_inhib[r]) + QN_residus[r])
                             + QN_mineralise[r]) * FRAC_LESS[r])
            N2O_lixiviation[r] = (N_lixivie[r] * E.EF5)
            EGES_fertilisation[r] = ((((((((((N2O_directes[r] + N2O_volatilisation[r]) + N2O_lixiviation[r]) * 44.0)
                                          / 28.0) * E.PRG_N2O) + CO2_directes[r]) + CO2_uree[r]) + GES_amont_min[r])
                                      + GES_amont_org[r]) / 1000.0)
            Emissions_ha[r] = (EGES_fertilisation[r] / Surf[r])

    def compute(d, threads):
        n = len(d["Surf"])
        out = {name: np.empty(n) for name in E.OUTPUTS}
        args = [d[i] for i in E.INPUTS] + [out[o] for o in E.OUTPUTS]
        if threads == 1:
            loop(0, n, *args)
        else:
            cuts = np.linspace(0, n, threads + 1).astype(np.int64)
            with ThreadPoolExecutor(threads) as pool:
                list(pool.map(lambda b: loop(int(cuts[b]), int(cuts[b + 1]), *args), range(threads)))
        return out

    return compute


def bench_openfisca(n: int, with_openfisca: bool) -> dict:
    import eq3_9 as E

    d = E.inputs(n)
    compute = eq3_9_numba()
    compute(d, 1)
    res = {}
    for label, fn in (("carbonspec Numba, 1 thread", lambda: compute(d, 1)),
                      ("carbonspec Numba, 2 threads", lambda: compute(d, 2)),
                      ("NumPy expression", lambda: E.numpy_formulas(d))):
        ts = []
        for _ in range(5):
            t = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t)
        res[label] = (min(ts), load())
    mine = compute(d, 1)
    if with_openfisca and OPENFISCA_PY.exists():
        with tempfile.TemporaryDirectory() as tmp:
            p = subprocess.run([str(OPENFISCA_PY), str(ROOT / "bench" / "openfisca_eq3_9.py"), str(n),
                                str(Path(tmp) / "of.npz")], capture_output=True, text=True)
            if p.returncode != 0:
                res["OpenFisca"] = (float("nan"), p.stderr.strip().splitlines()[-1] if p.stderr else "failed")
            else:
                info = json.loads(p.stdout.strip().splitlines()[-1])
                res[f"OpenFisca-core {info['version']} ({'/'.join(info['dtype'])})"] = (min(info["seconds"]), load())
                of = np.load(Path(tmp) / "of.npz")
                res["max_rel_diff_openfisca"] = max(float(np.max(np.abs(of[o] - mine[o]) /
                                                                 np.maximum(1e-300, np.abs(mine[o]))))
                                                    for o in E.OUTPUTS)
    elif with_openfisca:
        res["OpenFisca"] = (float("nan"), "not installed: make openfisca")
    return res


# ------------------------------------------------------------- one farm --
def bench_one_farm() -> dict:
    exe = str(Path(sys.executable).with_name("carbonspec"))
    dossier = str(ROOT / "examples" / "lbc_gc" / "yonne-120ha.json")
    res = {}
    for backend in ("auto", "numba"):
        cmd = [exe, "run", dossier, "--method", "lbc_gc", "--version", "2.0", "--backend", backend]

        def timed(env=None):
            t = time.perf_counter()
            subprocess.run(cmd, capture_output=True, env=env, check=True, cwd=ROOT)
            return time.perf_counter() - t

        timed()
        res[f"run --backend {backend}, warm (best of 5)"] = (min(timed() for _ in range(5)), load())
        with tempfile.TemporaryDirectory() as cache:
            env = dict(os.environ, NUMBA_CACHE_DIR=cache)
            res[f"run --backend {backend}, cold (empty Numba cache)"] = (timed(env), load())
    return res


# ------------------------------------------------------------------ main --
def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--memory", type=float, default=1.0, help="chunk memory budget, GB")
    ap.add_argument("--no-openfisca", action="store_true")
    ap.add_argument("--no-stress", action="store_true")
    ap.add_argument("--no-farm", action="store_true")
    ap.add_argument("--child-batch", nargs=3, metavar=("IN", "OUT", "GB"))
    ap.add_argument("--child-kernel", metavar="IN")
    args = ap.parse_args()
    if args.child_batch:
        return child_batch(args.child_batch[0], args.child_batch[1], float(args.child_batch[2]))
    if args.child_kernel:
        return child_kernel(args.child_kernel)

    print(f"carbonspec bench_batch · {os.cpu_count()} CPUs · {load()}", flush=True)
    lines = []
    with tempfile.TemporaryDirectory(prefix="carbonspec-bench-") as tmp:
        tmp = Path(tmp)
        for n in args.sizes:
            folder = tmp / f"in-{n}"
            t = time.perf_counter()
            rows = make_batch(n, folder)
            print(f"\n{n:,} systems: batch written in {time.perf_counter() - t:.1f} s (untimed), "
                  f"{sum(rows.values()):,} rows: {rows['system']:,} systems, {rows['year']:,} years", flush=True)
            r = run_child(["--child-batch", str(folder), str(tmp / f"out-{n}"), str(args.memory)])
            print(f"  Parquet in -> Parquet out: {r['wall']:.2f} s in the run, {r['process_wall']:.2f} s with the "
                  f"process start, {rows['system'] / r['wall']:,.0f} systems/s, peak RSS {r['rss_gb']:.2f} GB, "
                  f"{r['chunks']} chunk(s) · {r['load']}", flush=True)
            for phase, s in r["phases"].items():
                print(f"    {phase:28s} {s:8.2f} s")
            lines.append((n, r))
            if n == min(args.sizes):
                env = dict(os.environ, BENCH_STRESS="0" if args.no_stress else "1")
                k = run_child(["--child-kernel", str(folder)], env=env)
                print(f"  whole method, one chunk of {k['rows']:,} rows (best of 3):")
                for key in ("kernel_1", "kernel_2", "kernel_default", "numpy", "stress_kernel_1", "stress_kernel_2",
                            "stress_kernel_default"):
                    if key in k:
                        print(f"    {key:24s} {k[key][0]:8.3f} s · {k[key][1]}")
                print(f"    NumPy vs kernel: max relative difference {k['max_rel_diff_numpy']:.2e}; "
                      f"1 vs 2 threads bit-identical: {k['threads_bit_identical']}", flush=True)
            shutil.rmtree(folder, ignore_errors=True)
            shutil.rmtree(tmp / f"out-{n}", ignore_errors=True)
    print("\nÉquations 3-9, six formulas, 1,000,000 entities (best of 5; OpenFisca best of 3):", flush=True)
    for label, v in bench_openfisca(1_000_000, not args.no_openfisca).items():
        if isinstance(v, tuple):
            print(f"  {label:40s} {v[0] * 1000:9.2f} ms · {v[1]}")
        else:
            print(f"  {label:40s} {v:.2e}")
    if not args.no_farm:
        print("\none farm (yonne-120ha.json), `carbonspec run`, wall with the process start:", flush=True)
        for label, v in bench_one_farm().items():
            print(f"  {label:40s} {v[0]:8.2f} s · {v[1]}")


if __name__ == "__main__":
    main()
