"""Running a batch: chunk by chunk, Parquet in -> Parquet out.

Each chunk (a run of whole root rows, plan.py) is read from the entity files, validated
column-wise into a `Flat` (columns.py), its lookups resolved (lookups.py), computed by the
kernel (or the NumPy reference), checked like a dossier (no non-finite value, every equation in
its domain) and written as one part file per entity: OUT/<entity>/part-NNNNN.parquet.  By
default the line items (root equations named by certification's `line_items`) and the
eligibility of each root row; with `every_equation`, every equation of every entity.

Nothing is written under OUT unless every chunk succeeded: parts go to a temporary folder
beside it, renamed at the end.  The chunks run one after the other (memory stays that of one
chunk), or on a Dask cluster (dask_run.py) with the same chunk function.
"""
from __future__ import annotations

import os
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from carbonspec.compiler.errors import InputError
from carbonspec.runtime.engine.rows import ancestor_rows

from . import schema as S
from .columns import build_flat
from .lookups import resolve_lookups
from .plan import Plan, Source, make_plan

DEFAULT_BUDGET = 1 << 30  # bytes of memory for one chunk's data (the whole run stays within a few times this)


@dataclass
class Job:
    """What a chunk needs besides its rows: picklable, so a Dask worker can rebuild the rest."""
    folder: str
    compiled_dir: str
    annex_dir: str
    out_tmp: str
    backend: str = "numba"
    every_equation: bool = False
    threads: Optional[int] = None


_CACHE: Dict[tuple, tuple] = {}
# the kernel's output arrays, reused chunk after chunk; per thread, since a Dask worker with
# several threads runs several chunks at once in one process
_BUFFERS = threading.local()
PHASES: Dict[str, float] = {}  # seconds per phase in this process (bench/bench_batch.py prints them)


class _timed:
    def __init__(self, phase: str):
        self.phase = phase

    def __enter__(self):
        self.t = time.perf_counter()

    def __exit__(self, *exc):
        PHASES[self.phase] = PHASES.get(self.phase, 0.0) + time.perf_counter() - self.t


def _loaded(job: Job):
    """(compiled method, annex tables), loaded once per process."""
    key = (job.compiled_dir, job.annex_dir)
    if key not in _CACHE:
        from carbonspec.runtime.engine.core import load_compiled
        from carbonspec.runtime.engine.annex_cache import load_annexes_cached

        compiled = load_compiled(Path(job.compiled_dir))
        _CACHE[key] = (compiled, load_annexes_cached(Path(job.annex_dir), compiled.model))
    return _CACHE[key]


def read_chunk(model: dict, srcs: Dict[str, Source], selection: Dict[str, object]):
    """Tables of a chunk's rows (grouped by parent in parent order) and their parent rows."""
    tables: Dict[str, pa.Table] = {}
    parent_rows: Dict[str, np.ndarray] = {}
    for ent in S.entities(model):
        name, parent = ent["name"], ent["parent"]
        src = srcs[name]
        if src.schema is None:
            cols = [S.ID] + ([S.PARENT_ID] if parent else [])
            t = pa.table({c: pa.array([], type=tables[parent].column(S.ID).type if parent else pa.int64())
                          for c in cols})
        else:
            sel = selection[name]
            if isinstance(sel, tuple):
                t = src.read(src.schema.names, sel[0], sel[1])
            else:
                t = src.read(src.schema.names).take(pa.array(sel))
        if parent is not None:
            pid = t.column(S.PARENT_ID)
            pids = tables[parent].column(S.ID)
            if pid.type != pids.type:
                pid = pid.cast(pids.type)
            prow = pc.index_in(pid, value_set=pids.combine_chunks()).to_numpy(zero_copy_only=False).astype(np.int64)
            if prow.size and np.any(np.diff(prow) < 0):
                order = np.argsort(prow, kind="stable")
                t, prow = t.take(pa.array(order)), prow[order]
            parent_rows[name] = prow
        tables[name] = t
    return tables, parent_rows


def _buffers(compiled_dir: str) -> dict:
    per_method = getattr(_BUFFERS, "by_method", None)
    if per_method is None:
        per_method = _BUFFERS.by_method = {}
    return per_method.setdefault(compiled_dir, {})


def run_chunk(job: Job, selection: Dict[str, object], part: int) -> Dict[str, int]:
    """Compute one chunk and write its part files; returns the rows computed per entity."""
    from carbonspec.runtime.engine.core import check_outputs, run_backend

    with _timed("load method and annexes"):
        compiled, annexes = _loaded(job)
    model = compiled.model
    with _timed("read Parquet"):
        srcs = {e["name"]: _source(job.folder, e["name"]) for e in model["entities"]}
        tables, parent_rows = read_chunk(model, srcs, selection)
    with _timed("validate columns"):
        flat, coded = build_flat(model, tables, parent_rows, job.folder)
        tables_columns_only(tables)  # inputs are in `flat` now; keep only the ids for the results
    with _timed("lookups"):
        resolve_lookups(model, flat, coded, annexes.tables)
    with _timed("kernel"):
        if job.backend == "numba":
            compiled.warm(flat.data)
            # the chunk's results are written before the next chunk runs, so its arrays can be reused
            out = compiled.kernel.compute(flat.data, threads=job.threads,
                                          buffers=_buffers(job.compiled_dir))
        else:
            out = run_backend(compiled, flat.data, job.backend)
    with _timed("check outputs"):
        check_outputs(compiled, flat, out)
    with _timed("write Parquet"):
        results = result_tables(model, flat, out, tables, job.every_equation)
        for ent, t in results.items():
            d = Path(job.out_tmp) / ent
            d.mkdir(parents=True, exist_ok=True)
            pq.write_table(t, d / f"part-{part:05d}.parquet", compression="zstd")
    return {e: int(flat.data["n_" + e]) for e in (e["name"] for e in model["entities"])}


def tables_columns_only(tables: Dict[str, pa.Table]) -> None:
    """Drop every column but the ids from the chunk's tables (their values live in the Flat)."""
    for name in list(tables):
        keep = [c for c in (S.ID, S.PARENT_ID, S.NAME) if c in tables[name].column_names]
        tables[name] = tables[name].select(keep)


_SOURCES: Dict[tuple, Source] = {}


def _source(folder: str, entity: str) -> Source:
    key = (folder, entity)
    if key not in _SOURCES:
        f, d = Path(folder) / f"{entity}.parquet", Path(folder) / entity
        files = [f] if f.is_file() else sorted(d.glob("*.parquet")) if d.is_dir() else []
        _SOURCES[key] = Source(entity, files)
    return _SOURCES[key]


def result_tables(model: dict, flat, out: Dict[str, np.ndarray], tables: Dict[str, pa.Table],
                  every_equation: bool) -> Dict[str, pa.Table]:
    """The results of a chunk, per entity: ids, then equation values (float64, the kernel's
    bits).  Root: the line items and `eligible` (every criterion holds on every row under it)."""
    root = S.root(model)
    eqs: Dict[str, List[str]] = {}
    for eq in model["equations"]:
        eqs.setdefault(eq["entity"], []).append(eq["name"])
    if every_equation:
        wanted = eqs
    else:
        from carbonspec.runtime.certification.certify import line_items

        names = [i["name"] for i in line_items(model)]
        wanted = {root: [n for n in names if n in out]}
    results = {}
    for ent, names in wanted.items():
        t = tables[ent]
        cols = {S.ID: t.column(S.ID)}
        if S.PARENT_ID in t.column_names:
            cols[S.PARENT_ID] = t.column(S.PARENT_ID)
        if ent == root:
            if S.NAME in t.column_names:
                cols[S.NAME] = t.column(S.NAME)
            cols["eligible"] = pa.array(eligible(model, flat, out))
        for n in names:
            cols[n] = pa.array(out[n], type=pa.float64())
        results[ent] = pa.table(cols).replace_schema_metadata(S.file_metadata(model))
    return results


def eligible(model: dict, flat, out: Dict[str, np.ndarray]) -> np.ndarray:
    """Per root row: no criterion equation below 0.5 on any row under it (core.eligibility's rule)."""
    root = S.root(model)
    parent = {e["name"]: e["parent"] for e in model["entities"]}
    n_root = int(flat.data["n_" + root])
    ok = np.ones(n_root, dtype=bool)
    for eq in model["equations"]:
        if not eq.get("criterion"):
            continue
        ok[ancestor_rows(flat.data, parent, eq["entity"], root, np.flatnonzero(out[eq["name"]] < 0.5))] = False
    return ok


def selections(plan: Plan) -> List[Dict[str, object]]:
    return plan.selections


def run_batch(folder: Path, out_dir: Path, compiled_dir: Path, annex_dir: Path, backend: str = "numba",
              every_equation: bool = False, budget: int = DEFAULT_BUDGET, scheduler: Optional[str] = None,
              local_cluster: int = 0, progress=None, threads: Optional[int] = None) -> dict:
    """Run a batch folder into OUT; returns a summary (rows per entity, chunks, seconds)."""
    t0 = time.perf_counter()
    job = Job(str(folder), str(compiled_dir), str(annex_dir), "", backend, every_equation, threads)
    compiled, _ = _loaded(job)
    with _timed("plan (ids, links)"):
        plan = make_plan(compiled.model, Path(folder), budget)
    out_dir = Path(out_dir)
    tmp = out_dir.with_name(f".{out_dir.name}.part-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    job.out_tmp = str(tmp)
    sels = selections(plan)
    try:
        if scheduler is not None or local_cluster:
            from .dask_run import run_on_dask

            counts = run_on_dask(job, sels, scheduler, local_cluster)
        else:
            counts = []
            for c, sel in enumerate(sels):
                counts.append(run_chunk(job, sel, c))
                if progress is not None:
                    progress(c + 1, len(sels), plan.cuts[c + 1], plan.n_root)
        _replace(tmp, out_dir)
    except InputError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        entities = tuple(e["name"] + "[" for e in compiled.model["entities"])
        if exc.where.startswith(entities):  # a row of the batch (lookup, equation domain): name the batch too
            raise InputError(f"{folder}: {exc.where}", exc.message) from None
        raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    rows = {e: sum(c[e] for c in counts) for e in plan.sources}
    return {"rows": rows, "chunks": len(sels), "seconds": time.perf_counter() - t0, "out": str(out_dir)}


def _replace(tmp: Path, out_dir: Path) -> None:
    """Put the finished results under OUT, replacing a previous results folder whole."""
    old = None
    if out_dir.exists():
        if not out_dir.is_dir():
            raise InputError(str(out_dir), "exists and is not a folder; the results are a folder of Parquet files")
        old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
        out_dir.rename(old)
    tmp.rename(out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def read_results(out_dir: Path) -> Dict[str, pa.Table]:
    """entity -> results table (parts concatenated in order)."""
    return {d.name: pa.concat_tables([pq.read_table(p) for p in sorted(d.glob("*.parquet"))])
            for d in sorted(Path(out_dir).iterdir()) if d.is_dir()}
