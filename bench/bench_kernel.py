"""Benchmark of the compiled LBC GC v2.0 fertilisation kernel.

    python bench/bench_kernel.py [--systems-years N] [--seed S]

What it measures, in one run (plain-text table at the end):

* prepare: building a synthetic dossier of N cropping-system-years in memory (nested
  dicts, the JSON format the dossier schema reads), `DossierSchema.flatten` (pydantic
  validation + column arrays) and `resolve_lookups` (annex-table lookups), each timed;
* Numba first call, measured in child processes so that NUMBA_CACHE_DIR can be set
  before numba is imported: once with a fresh (empty) cache directory, then again
  with the cache that first child filled (warm cache).  Each child times
  `import numba`, loading the method (model.json, schema, tables, kernel module) and
  the first and second `compute` on a tiny dossier;
* steady state: best of 3 runs of the Numba kernel (all threads, then one thread) and
  of the NumPy reference backend on the N system-years (after one warm-up call each),
  as system-years per second;
* agreement: the two backends must give the same value, to 1e-9 relative, for every
  row of every equation (NaN only where the other backend has NaN too).

Nothing is asserted on timings.  No network.  The repository is not written to: the
Numba cache lives in a temporary directory (removed at the end) and bytecode writing
is switched off.
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

import numpy as np  # numpy only: numba must not be imported before NUMBA_CACHE_DIR is set

# Before numba can be imported (directly, or by loading the kernel module): keep the
# Numba cache and .pyc files out of the repository.  main() points NUMBA_CACHE_DIR at
# a fresh temporary directory; a child process receives it in its environment.
sys.dont_write_bytecode = True

ROOT = Path(__file__).resolve().parent.parent
MODEL_DIR = ROOT / "generated" / "lbc_gc" / "v2.0"
ANNEX_DIR = ROOT / "tests" / "fixtures" / "annexes" / "lbc_gc"

YEARS_REFERENCE = (-3, -2, -1)      # required reference years (timeline of the spec)
YEARS_PROJECT = (0, 1, 2, 3, 4)     # project years
YEARS_PER_SYSTEM = len(YEARS_REFERENCE) + len(YEARS_PROJECT)
REL_TOL = 1e-9

# ------------------------------------------------------------ synthetic data --
# Keys of the fixture annex tables (tests/fixtures/annexes/lbc_gc/*.csv).  Crops: fresh
# yield (kg/ha) around which RDT_reel is drawn, and a drawing weight (betterave and
# pomme_de_terre, whose residues are a fixed 140 / 40 kg N/ha, are the rarer ones).
CROPS = {  # espece: (typical RDT_reel kg/ha, weight)
    "ble_tendre": (7500.0, 0.26), "orge_hiver": (6500.0, 0.18), "mais_grain": (9500.0, 0.14),
    "colza": (3500.0, 0.14), "sorgho_fourrager": (12000.0, 0.14),
    "pomme_de_terre": (45000.0, 0.07), "betterave": (85000.0, 0.07),
}
# Cover crops: listed species, and species not in the table so that the lookup falls
# back to famille_CI, or (no famille_CI) to the default family 'polygonacees'.
COVERS_LISTED = ["moutarde_blanche", "phacelie", "vesce"]
COVERS_UNLISTED = ["avoine_rude", "trefle_incarnat", "sarrasin"]
COVER_FAMILIES = ["cruciferes", "legumineuses", None]
MINERALS = ["ammonitrate_33_5", "uree_46", "solution_azotee_30", "engrais_azote_moyen",
            "npk_15_15_15", "superphosphate_45"]
ORGANICS = ["fumier_bovin", "lisier_porc", "compost_vert", "digestat_brut"]
MATERIELS = ["buse_palette", "pendillard", "injection", "epandeur_fumier"]
DELAIS = ["sans", "moins_4h", "moins_24h", "plus_24h", None]   # None: field left out (default)
AMENDMENTS = ["calcaire_broye", "chaux_vive", "ecumes_sucrerie"]
TYPES_REFERENCE = ["specifique", "semi_generique", "generique"]


class _Draws:
    """Columns of random values drawn in bulk with a seeded NumPy generator, then
    handed out one at a time (drawing scalars one by one from NumPy is slow)."""

    def __init__(self, rng, n: int):
        self.rng, self.n = rng, n

    def uniform(self, lo, hi, decimals=2):
        return iter(np.round(self.rng.uniform(lo, hi, self.n), decimals).tolist())

    def chance(self, p):
        return iter((self.rng.random(self.n) < p).tolist())

    def choice(self, items, p=None):
        idx = self.rng.choice(len(items), size=self.n, p=p)
        return iter([items[i] for i in idx.tolist()])

    def integers(self, lo, hi_inclusive):
        return iter(self.rng.integers(lo, hi_inclusive + 1, self.n).tolist())


def synthetic_dossier(system_years: int, seed: int = 20240601) -> dict:
    """A dossier (nested dicts, as read from JSON) with `system_years` cropping-system-
    years, rounded to whole systems of 3 reference + 5 project years (at least one).

    Farms have 1-4 systems; each year 2-4 crops, 0-2 cover crops, 1-4 mineral
    fertiliser applications, 0-1 organic application and occasional liming.  Values are
    varied so that every branch of every equation is taken somewhere: generic /
    specific reference, liming lever on/off with pH below, inside and above the
    6.4-6.8 window, optional inputs given or left out (table default used instead),
    urea with D_uree, nitrification inhibitors, cover-crop lookup fallbacks, ...
    Deterministic for a given seed.
    """
    rng = np.random.default_rng(seed)
    n_systems = max(1, round(system_years / YEARS_PER_SYSTEM))
    n_years = n_systems * YEARS_PER_SYSTEM
    # Upper bounds on row counts per entity; each column below is drawn that long.
    d_farm, d_year = _Draws(rng, n_systems), _Draws(rng, n_years)
    d_crop, d_cover, d_min, d_org = (_Draws(rng, n_years * k) for k in (4, 2, 4, 1))

    # farm
    systems_per_farm = d_farm.integers(1, 4)
    type_ref = d_farm.choice(TYPES_REFERENCE, p=[0.45, 0.35, 0.20])
    lever = d_farm.chance(0.4)
    frac_less_given, frac_less = d_farm.chance(0.5), d_farm.uniform(0.05, 0.4, 3)
    # system: its simulated end-of-project soil C stocks (Équation 25), drawn from a
    # separate generator so the other columns stay what they were for a given seed
    d_stock = _Draws(np.random.default_rng([seed, 25]), n_systems)
    sfin_ref, dsfin = d_stock.uniform(30.0, 70.0), d_stock.uniform(-1.5, 3.0)
    # year
    surf_shared = d_year.uniform(0.6, 1.0, 3)
    qc_given, qc = d_year.chance(0.5), d_year.uniform(0.0, 60.0)
    ph_ini, ph_fin = d_year.uniform(5.6, 7.1), d_year.uniform(0.0, 0.8)
    n_crops, n_covers = d_year.integers(2, 4), d_year.integers(0, 2)
    n_minerals, n_organics = d_year.integers(1, 4), d_year.integers(0, 1)
    liming_lever, liming_other = d_year.chance(0.35), d_year.chance(0.05)
    amend_kind, amend_q = d_year.choice(AMENDMENTS), d_year.uniform(500.0, 4000.0, 1)
    # culture
    crop_sp = d_crop.choice(list(CROPS), p=[w for _, w in CROPS.values()])
    crop_surf, crop_yield = d_crop.uniform(5.0, 80.0), d_crop.uniform(0.7, 1.3, 3)
    crop_derobee, crop_norm, crop_ms = d_crop.chance(0.12), d_crop.chance(0.1), d_crop.chance(0.2)
    crop_ms_val, crop_export = d_crop.uniform(0.80, 0.92, 3), d_crop.chance(0.4)
    # interculture
    cover_listed, cover_sp = d_cover.chance(0.6), d_cover.choice(COVERS_LISTED)
    cover_other, cover_fam = d_cover.choice(COVERS_UNLISTED), d_cover.choice(COVER_FAMILIES)
    cover_surf, cover_biom = d_cover.uniform(5.0, 60.0), d_cover.uniform(0.3, 4.0)
    # mineral
    min_prod = d_min.choice(MINERALS, p=[0.3, 0.2, 0.15, 0.1, 0.15, 0.1])
    min_q, min_inhib, min_buried = d_min.uniform(500.0, 12000.0, 1), d_min.chance(0.25), d_min.chance(0.3)
    # organique
    org_prod, org_q = d_org.choice(ORGANICS), d_org.uniform(20.0, 400.0, 1)
    org_qn_given, org_qn = d_org.chance(0.2), d_org.uniform(100.0, 3000.0, 1)
    org_tan_given, org_tan = d_org.chance(0.2), d_org.uniform(0.5, 4.0)
    org_inhib = d_org.chance(0.1)
    org_mat, org_delai = d_org.choice(MATERIELS), d_org.choice(DELAIS)

    def culture():
        sp = next(crop_sp)
        c = {"espece": sp, "Surf_culture": next(crop_surf)}
        if next(crop_derobee):
            c["role"] = "derobee"
        rdt = round(CROPS[sp][0] * next(crop_yield), 1)
        if next(crop_norm):
            c["RDT_normes"] = round(rdt * 0.85, 1)       # already in kg DM/ha
        else:
            c["RDT_reel"] = rdt
            if next(crop_ms):
                c["MS_recolte"] = next(crop_ms_val)
        c["residus_exportes"] = next(crop_export)
        return c

    def interculture():
        if next(cover_listed):
            c = {"espece_CI": next(cover_sp)}
        else:
            c = {"espece_CI": next(cover_other)}
            fam = next(cover_fam)
            if fam is not None:
                c["famille_CI"] = fam
        c["Surf_CI"] = next(cover_surf)
        c["BIOM"] = next(cover_biom)
        return c

    def mineral():
        prod, q = next(min_prod), next(min_q)
        m = {"produit_min": prod}
        if prod == "superphosphate_45":
            m["QP"] = q
        elif prod == "npk_15_15_15":
            m["QN"] = m["QP"] = m["QK"] = q
        else:
            m["QN"] = q
        if prod == "uree_46":
            m["D_uree"] = round(q / 0.46, 1)              # product mass for its N
        elif prod == "engrais_azote_moyen":
            m["D_uree"] = round(q / 0.33, 1)
        inhib, buried = next(min_inhib), next(min_buried)
        if inhib and prod != "superphosphate_45":
            m["inhibiteur"] = True
        if buried:
            m["mode_apport_min"] = "enfoui"
        return m

    def organique():
        o = {"produit_org": next(org_prod), "Q_org": next(org_q),
             "materiel": next(org_mat)}
        delai = next(org_delai)
        if delai is not None:
            o["delai"] = delai
        qn_given, qn, tan_given, tan = next(org_qn_given), next(org_qn), next(org_tan_given), next(org_tan)
        if qn_given:
            o["QN_org_apport"] = qn
        if tan_given:
            o["TAN_analyse"] = tan
        if next(org_inhib):
            o["inhibiteur_org"] = True
        return o

    def year(k, farm_lever):
        cultures = [culture() for _ in range(next(n_crops))]
        y = {"k": k,
             "Surf": round(sum(c["Surf_culture"] for c in cultures) / next(surf_shared), 2),
             "cultures": cultures,
             "intercultures": [interculture() for _ in range(next(n_covers))],
             "mineraux": [mineral() for _ in range(next(n_minerals))],
             "organiques": [organique() for _ in range(next(n_organics))]}
        qc_on, qc_val = next(qc_given), next(qc)
        if qc_on:
            y["QC_mineralise"] = qc_val
        # pH before / after liming, drawn so that each side of the 6.4-6.8 window occurs.
        # The spec needs pH and k_chaulage in every project year of a liming farm.
        ph0, dph = next(ph_ini), next(ph_fin)
        if farm_lever and k >= 0:
            y["pH_initial"], y["pH_final"], y["k_chaulage"] = ph0, round(ph0 + dph, 2), float(k)
        lime_l, lime_o, kind, q = next(liming_lever), next(liming_other), next(amend_kind), next(amend_q)
        y["amendements"] = ([{"produit_amd": kind, "Q_brut": q}]
                            if (lime_l if farm_lever else lime_o) else [])
        return y

    farms, made = [], 0
    while made < n_systems:
        n_sys = min(next(systems_per_farm), n_systems - made)
        made += n_sys
        farm_lever = next(lever)
        farm = {"type_reference": next(type_ref), "levier_chaulage": farm_lever}
        fl_given, fl = next(frac_less_given), next(frac_less)
        if fl_given:
            farm["FRAC_LESS"] = fl
        farm["annees"] = [{"k_exploitation": k, "SAU": 100.0} for k in YEARS_REFERENCE + YEARS_PROJECT]
        farm["systems"] = []
        for _ in range(n_sys):
            s_ref = next(sfin_ref)
            farm["systems"].append({"Sfin": round(s_ref + next(dsfin), 2), "Sfin_ref": s_ref,
                                    "years": [year(k, farm_lever) for k in YEARS_REFERENCE + YEARS_PROJECT]})
        farms.append(farm)
    return {"method": "lbc_gc", "version": "2.0",
            "name": f"synthetic benchmark dossier ({n_years} system-years, seed {seed})",
            "project": {"farms": farms}}


# ------------------------------------------------------------------ helpers --
def prepare(compiled, raw: dict):
    """flatten + resolve_lookups, timed separately.  Returns (flat, timings)."""
    from carbonspec.runtime.engine.core import resolve_lookups
    from carbonspec.runtime.engine.tables import load_tables

    t0 = time.perf_counter()
    flat = compiled.schema.flatten(raw, "<synthetic>")
    t1 = time.perf_counter()
    tables = load_tables(ANNEX_DIR, compiled.model)
    resolve_lookups(compiled, flat, tables)
    t2 = time.perf_counter()
    return flat, {"flatten": t1 - t0, "lookups": t2 - t1}


def best_of(fn, repeat: int = 3):
    """(best wall time over `repeat` calls, result of the last call)."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def compare(compiled, a: dict, b: dict):
    """Max relative difference over every row of every equation, and the equation
    where it occurs; NaN must sit at the same rows in both.  Returns
    (max_rel, where, {equation: NaN count}, [equations whose NaN rows differ])."""
    worst, where, nans, nan_mismatch = 0.0, "-", {}, []
    for eq in compiled.model["equations"]:
        name = eq["name"]
        x, y = np.asarray(a[name], dtype=np.float64), np.asarray(b[name], dtype=np.float64)
        nx, ny = np.isnan(x), np.isnan(y)
        if not np.array_equal(nx, ny):
            nan_mismatch.append(name)
        if nx.any():
            nans[name] = int(nx.sum())
        ok = ~(nx | ny)
        x, y = x[ok], y[ok]
        if x.size == 0:
            continue
        scale = np.maximum(np.abs(x), np.abs(y))
        diff = np.abs(x - y)
        rel = np.divide(diff, scale, out=np.zeros_like(diff), where=scale > 0)
        m = float(rel.max())
        if m > worst:
            worst, where = m, name
    return worst, where, nans, nan_mismatch


# ------------------------------------------------------------ first call ------
def first_call_child() -> None:
    """Run in a child process (NUMBA_CACHE_DIR set by the parent): time import of
    numba, loading of the method and kernel module, first and second compute on a
    tiny dossier.  Prints one JSON line."""
    t0 = time.perf_counter()
    import numba  # noqa: F401  (timed on purpose)
    t1 = time.perf_counter()
    from carbonspec.runtime.engine.core import load_compiled, run_backend
    compiled = load_compiled(MODEL_DIR)
    flat, _ = prepare(compiled, synthetic_dossier(YEARS_PER_SYSTEM * 2, seed=7))
    compiled.kernel  # imports kernel.py: njit decorators, nothing compiled yet
    t2 = time.perf_counter()
    run_backend(compiled, flat.data, "numba")
    t3 = time.perf_counter()
    run_backend(compiled, flat.data, "numba")
    t4 = time.perf_counter()
    print(json.dumps({"import_numba": t1 - t0, "load": t2 - t1, "first": t3 - t2, "second": t4 - t3,
                      "cache_files": sum(1 for p in Path(os.environ["NUMBA_CACHE_DIR"]).rglob("*") if p.is_file())}))


def run_first_call(cache_dir: str) -> dict:
    """Start a child process with NUMBA_CACHE_DIR=cache_dir; return its timings plus
    the wall time of the whole child (interpreter start-up included)."""
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir, PYTHONDONTWRITEBYTECODE="1")
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, __file__, "--first-call-child"], env=env,
                          capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"first-call child failed:\n{proc.stderr}")
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    res["process"] = wall
    return res


# --------------------------------------------------------------------- main --
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--systems-years", type=int, default=100_000,
                    help="cropping-system-years in the synthetic dossier (default 100000)")
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--first-call-child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.first_call_child:
        first_call_child()
        return

    t_start = time.perf_counter()
    load_before = os.getloadavg()[0]
    cache_dir = tempfile.mkdtemp(prefix="carbonspec-numba-cache-")
    os.environ["NUMBA_CACHE_DIR"] = cache_dir          # before numba is imported here

    # (a) first call: fresh cache, then the cache it filled.
    cold = run_first_call(cache_dir)
    warm = run_first_call(cache_dir)

    # Prepare the big dossier.
    import numba
    from carbonspec.compiler.errors import InputError
    from carbonspec.runtime.engine.core import check_outputs, load_compiled, run_backend

    compiled = load_compiled(MODEL_DIR)
    t0 = time.perf_counter()
    raw = synthetic_dossier(args.systems_years, args.seed)
    t_build = time.perf_counter() - t0
    flat, t_prep = prepare(compiled, raw)
    del raw
    data = flat.data
    n = int(data["n_year"])
    rows = {e["name"]: int(data["n_" + e["name"]]) for e in compiled.model["entities"]}

    # (b) steady state.  The warm-up call of Numba loads the stages from the cache.
    t0 = time.perf_counter()
    run_backend(compiled, data, "numba")
    t_warmup_numba = time.perf_counter() - t0
    t0 = time.perf_counter()
    run_backend(compiled, data, "reference")
    t_warmup_ref = time.perf_counter() - t0
    t_numba, out_numba = best_of(lambda: run_backend(compiled, data, "numba"))
    threads = numba.get_num_threads()
    numba.set_num_threads(1)                           # same compiled code, one thread
    t_numba_1, _ = best_of(lambda: run_backend(compiled, data, "numba"))
    numba.set_num_threads(threads)
    t_ref, out_ref = best_of(lambda: run_backend(compiled, data, "reference"))

    worst, worst_eq, nans, nan_mismatch = compare(compiled, out_numba, out_ref)
    try:
        check_outputs(compiled, flat, out_numba)
        check = "passed"
    except InputError as exc:
        check = f"REFUSED: {str(exc).splitlines()[0]}"

    # ------------------------------------------------------------- report --
    def line(label, value):
        print(f"  {label:<46} {value}")

    print("carbonspec kernel benchmark — lbc_gc v2.0")
    print()
    print("machine")
    line("cores (os.cpu_count())", os.cpu_count())
    line("numba / numpy", f"{numba.__version__} / {np.__version__}")
    line("numba threading layer", numba.threading_layer())
    line("numba threads (get_num_threads)", numba.get_num_threads())
    line("NUMBA_CACHE_DIR (removed at the end)", cache_dir)
    line("load average (1 min) at start / at end", f"{load_before:.2f} / {os.getloadavg()[0]:.2f}")
    print()
    print("dossier")
    line("seed", args.seed)
    line("rows per entity", ", ".join(f"{k} {v}" for k, v in rows.items()))
    print()
    print("prepare (pure Python)                                seconds")
    line("build nested dict", f"{t_build:9.3f}")
    line("DossierSchema.flatten (pydantic + columns)", f"{t_prep['flatten']:9.3f}")
    line("load_tables + resolve_lookups", f"{t_prep['lookups']:9.3f}")
    line("total", f"{t_build + t_prep['flatten'] + t_prep['lookups']:9.3f}")
    print()
    print("Numba first call, in a child process (tiny dossier)  fresh cache  warm cache")
    for key, label in (("import_numba", "import numba"),
                       ("load", "load method + kernel module + tiny dossier"),
                       ("first", "first compute (compile / load from cache)"),
                       ("second", "second compute"),
                       ("process", "whole child process (wall)")):
        line(label, f"{cold[key]:9.4f}    {warm[key]:9.4f}")
    line("files in cache dir after the child", f"{cold['cache_files']:9d}    {warm['cache_files']:9d}")
    print()
    print(f"steady state on {n} system-years     seconds   system-years/s")
    line("warm-up call, numba (stages from cache)", f"{t_warmup_numba:9.4f}")
    line("warm-up call, reference", f"{t_warmup_ref:9.4f}")
    line(f"numba ({threads} threads), best of 3", f"{t_numba:9.4f}   {n / t_numba:14,.0f}")
    line("numba (1 thread), best of 3", f"{t_numba_1:9.4f}   {n / t_numba_1:14,.0f}")
    line("reference (NumPy), best of 3", f"{t_ref:9.4f}   {n / t_ref:14,.0f}")
    line(f"speed ratio numba ({threads} threads) / reference", f"{t_ref / t_numba:9.2f}x")
    line("speed ratio numba (1 thread) / reference", f"{t_ref / t_numba_1:9.2f}x")
    print()
    print("agreement numba vs reference")
    line("equations compared", len(compiled.model["equations"]))
    line("max relative difference", f"{worst:.3e} ({worst_eq})")
    line(f"within {REL_TOL:g}", "yes" if worst <= REL_TOL and not nan_mismatch else "NO")
    line("NaN rows differ in", ", ".join(nan_mismatch) or "none")
    line("NaN rows (same in both backends)", ", ".join(f"{k} {v}" for k, v in nans.items()) or "none")
    line("check_outputs", check)
    print()
    line("whole script wall time (s)", f"{time.perf_counter() - t_start:9.1f}")
    shutil.rmtree(cache_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
