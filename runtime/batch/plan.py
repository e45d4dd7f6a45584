"""Reading a batch folder and cutting it into chunks of whole root rows.

A first pass reads only the `id` and `parent_id` columns of every entity: ids unique, every
parent id known, every root row with its required children; from them, the root row of every
row.  Rows of different root rows (dossiers) never meet in a computation, so a chunk is a run
of root rows, sized so that its inputs, lookups and results fit the memory budget.  When an
entity's file lists its rows in root order (as `carbonspec convert` and the bench write them),
a chunk's rows are one slice of the file, read from the row groups that hold it; otherwise the
rows are picked by index.  Within a chunk, rows are grouped by parent in parent order (a stable
sort: rows of one parent keep the file's order, so sums add in the dossier's order).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from carbonspec.compiler.errors import InputError
from carbonspec.runtime.dossier.errors import DossierError, Issue

from . import schema as S
from .columns import check_columns

BYTES_PER_VALUE = 8


class Source:
    """An entity's rows: IN/<entity>.parquet, or the .parquet files of IN/<entity>/ in name order."""

    def __init__(self, entity: str, files: List[Path]):
        self.entity = entity
        self.files = files
        self.groups = []  # (file index, row group, first row, rows)
        row = 0
        for fi, f in enumerate(files):
            try:
                meta = pq.ParquetFile(f).metadata
            except (OSError, pa.ArrowException) as exc:
                raise InputError(str(f), f"not a readable Parquet file: {exc}") from None
            for g in range(meta.num_row_groups):
                n = meta.row_group(g).num_rows
                self.groups.append((fi, g, row, n))
                row += n
        self.num_rows = row
        self.schema = pq.read_schema(files[0]) if files else None
        self.where = str(files[0]) if len(files) == 1 else str(files[0].parent) if files else entity
        self._open: Dict[int, pq.ParquetFile] = {}
        self._last = None  # (file, row group, columns) and its table: the last row group read

    def _file(self, fi: int) -> pq.ParquetFile:
        """Opened once (footer parsed once); text columns read as Arrow dictionaries, so an enum
        column of a million rows arrives as a few distinct strings and their codes."""
        if fi not in self._open:
            text = [f.name for f in self.schema if (pa.types.is_string(f.type) or pa.types.is_large_string(f.type))
                    and f.name not in (S.ID, S.PARENT_ID)]
            self._open[fi] = pq.ParquetFile(self.files[fi], read_dictionary=text)
        return self._open[fi]

    def read(self, columns: List[str], lo: int = 0, hi: Optional[int] = None) -> pa.Table:
        """Rows lo .. hi of the given columns, reading only the row groups that hold them."""
        hi = self.num_rows if hi is None else hi
        parts = []
        for fi, g, first, n in self.groups:
            if first + n <= lo or first >= hi:
                continue
            key = (fi, g, tuple(columns))
            if self._last is not None and self._last[0] == key:
                t = self._last[1]  # the row group a chunk boundary cut: decoded once, not twice
            else:
                t = self._file(fi).read_row_group(g, columns=columns)
                self._last = (key, t)
            parts.append(t.slice(max(lo - first, 0), min(hi, first + n) - max(lo, first)))
        if not parts:
            return pa.table({c: pa.array([], type=self.schema.field(c).type if self.schema else pa.null())
                             for c in columns})
        return pa.concat_tables(parts) if len(parts) > 1 else parts[0]


def sources(model: dict, folder: Path) -> Dict[str, Source]:
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(str(folder), "a batch is a folder with one <entity>.parquet file (or folder) per entity")
    known = {e["name"] for e in model["entities"]}
    for p in sorted(folder.iterdir()):
        stem = p.name[:-8] if p.name.endswith(".parquet") else p.name if p.is_dir() else None
        if stem is not None and stem not in known and not p.name.startswith("."):
            import difflib

            close = difflib.get_close_matches(stem, sorted(known), n=1)
            raise InputError(str(p), f"no entity '{stem}' in {model['method']} v{model['version']}"
                             + (f"; did you mean '{close[0]}'?" if close else "")
                             + f"; entities: {', '.join(sorted(known))}")
    out = {}
    for e in S.entities(model):
        f, d = folder / f"{e['name']}.parquet", folder / e["name"]
        files = [f] if f.is_file() else sorted(d.glob("*.parquet")) if d.is_dir() else []
        src = Source(e["name"], files)
        if src.schema is not None:
            check_columns(model, e["name"], src.schema, src.where)
            _check_method(model, src)
        out[e["name"]] = src
    return out


def _check_method(model: dict, src: Source) -> None:
    meta = src.schema.metadata or {}
    for key in ("method", "version"):
        got = meta.get(S.META_PREFIX + key.encode())
        if got is not None and got.decode() != str(model[key]):
            raise InputError(src.where, f"this file is for {key} '{got.decode()}', this model is '{model[key]}'")


@dataclass
class Plan:
    model: dict
    sources: Dict[str, Source]
    n_root: int
    cuts: List[int]                                   # root rows where chunks start, and n_root
    selections: List[Dict[str, object]] = field(default_factory=list)  # per chunk: entity -> rows

    def rows(self, entity: str, c: int):
        """Rows of entity in chunk c: a (lo, hi) slice of the file, or an index array."""
        return self.selections[c][entity]


def _selections(root_of: Dict[str, np.ndarray], cuts: List[int]) -> List[Dict[str, object]]:
    """Per chunk, per entity: the slice of the file holding the chunk's rows when the file is in
    root order, else their indices in the file (root order, stable)."""
    out: List[Dict[str, object]] = [{} for _ in range(len(cuts) - 1)]
    for e, ro in root_of.items():
        if ro.size == 0 or bool(np.all(ro[1:] >= ro[:-1])):
            b = np.searchsorted(ro, cuts, "left")
            for c in range(len(cuts) - 1):
                out[c][e] = (int(b[c]), int(b[c + 1]))
        else:
            o = np.argsort(ro, kind="stable")
            b = np.searchsorted(ro[o], cuts, "left")
            for c in range(len(cuts) - 1):
                out[c][e] = o[b[c]:b[c + 1]]
    return out


def _ids(src: Source, column: str) -> pa.Array:
    if src.schema is None:
        return pa.array([], type=pa.int64())
    return src.read([column]).column(column).combine_chunks()


def _increasing(ids: pa.Array) -> bool:
    """Integer ids in strictly increasing order (as `convert` writes them): unique for free."""
    if not pa.types.is_integer(ids.type) or ids.null_count:
        return False
    a = ids.to_numpy(zero_copy_only=False)
    return bool(np.all(a[1:] > a[:-1]))


def _parent_rows(pid: pa.Array, parent_ids: pa.Array) -> np.ndarray:
    """Row of each parent id among the parent's ids (-1: unknown).  Increasing integer ids are
    searched with NumPy; any other ids through Arrow's hash lookup."""
    if len(pid) == 0:
        return np.zeros(0, dtype=np.int64)
    if _increasing(parent_ids) and pa.types.is_integer(pid.type) and not pid.null_count:
        keys, want = parent_ids.to_numpy(zero_copy_only=False), pid.to_numpy(zero_copy_only=False)
        if len(keys) and keys[-1] - keys[0] == len(keys) - 1:  # ids a run of consecutive integers
            pos = want.astype(np.int64) - int(keys[0])
            return np.where((pos >= 0) & (pos < len(keys)), pos, -1)
        pos = np.searchsorted(keys, want)
        ok = pos < len(keys)
        ok[ok] = keys[pos[ok]] == want[ok]
        return np.where(ok, pos, -1).astype(np.int64)
    rows = pc.index_in(pid, value_set=parent_ids).fill_null(-1)
    return rows.to_numpy(zero_copy_only=False).astype(np.int64)


def _bad(src: Source, entity: str, ids: pa.Array, rows: np.ndarray, field: str, problem: str, got=None):
    r = int(rows[0])
    more = f" (and {rows.size - 1} other row(s))" if rows.size > 1 else ""
    from carbonspec.runtime.dossier.errors import _NOTHING
    return DossierError(src.where, [Issue(f"{entity}[id={ids[r].as_py()}].{field}", problem + more,
                                          _NOTHING if got is None else got)])


def make_plan(model: dict, folder: Path, budget_bytes: int) -> Plan:
    srcs = sources(model, folder)
    root = S.root(model)
    if srcs[root].num_rows == 0:
        raise InputError(str(folder), f"no {root} rows: the batch needs {root}.parquet with at least one row")
    ids: Dict[str, pa.Array] = {}
    root_of: Dict[str, np.ndarray] = {}
    for ent in S.entities(model):
        name, parent = ent["name"], ent["parent"]
        src = srcs[name]
        ids[name] = _ids(src, S.ID)
        if ids[name].null_count:
            raise _bad(src, name, ids[name], np.flatnonzero(ids[name].is_null().to_numpy(zero_copy_only=False)),
                       S.ID, "row without id")
        if not _increasing(ids[name]) and pc.count_distinct(ids[name]).as_py() != len(ids[name]):
            counts = pc.value_counts(ids[name])
            dup = counts.filter(pc.greater(counts.field("counts"), 1))[0]["values"]
            rows = np.flatnonzero(pc.equal(ids[name], dup).to_numpy(zero_copy_only=False))
            raise _bad(src, name, ids[name], rows[1:], S.ID, f"id {dup.as_py()!r} is used by another {name} row")
        if parent is None:
            root_of[name] = np.arange(len(ids[name]), dtype=np.int32)
            continue
        pid = _ids(src, S.PARENT_ID)
        if len(pid) and pid.type != ids[parent].type:
            try:
                pid = pid.cast(ids[parent].type)
            except pa.ArrowException:
                raise InputError(src.where, f"column parent_id is {pid.type}, the ids of {parent} are "
                                            f"{ids[parent].type}") from None
        prow = _parent_rows(pid, ids[parent])
        missing = np.flatnonzero(prow < 0)
        if missing.size:
            raise _bad(src, name, ids[name], missing, S.PARENT_ID, f"no {parent} row has this id",
                       pid[int(missing[0])].as_py())
        root_of[name] = root_of[parent][prow.astype(np.int64)]
        del prow, pid
    # a root row without any row of a direct child would compute 0 and pass per-child criteria vacuously
    for ent in S.entities(model):
        if ent["parent"] == root:
            have = np.bincount(root_of[ent["name"]], minlength=len(ids[root]))
            empty = np.flatnonzero(have == 0)
            if empty.size:
                raise _bad(srcs[root], root, ids[root], empty, ent["collection"],
                           f"the {root} needs at least one {ent['name']} ({ent['description']}); it has none")
    n_root = len(ids[root])
    del ids
    cuts = _cuts(model, root_of, n_root, budget_bytes)
    return Plan(model, srcs, n_root, cuts, _selections(root_of, cuts))


def row_bytes(model: dict) -> Dict[str, int]:
    """Memory of one row of each entity during a chunk's run: its inputs (Arrow and NumPy),
    lookups, equations and index arrays, 8 bytes each."""
    per = {e["name"]: 4 for e in model["entities"]}
    for i in model["inputs"]:
        per[i["entity"]] += 2
    for lk in model["lookups"]:
        per[lk["entity"]] += 1
    for eq in model["equations"]:
        per[eq["entity"]] += 1
    return {e: v * BYTES_PER_VALUE for e, v in per.items()}


def _cuts(model: dict, root_of: Dict[str, np.ndarray], n_root: int, budget: int) -> List[int]:
    per = row_bytes(model)
    cost = np.zeros(n_root, dtype=np.float64)
    for e, r in root_of.items():
        cost += np.bincount(r, minlength=n_root) * per[e]
    total = np.cumsum(cost)
    # a third of the budget for a chunk: its results, the next chunk's read and Arrow's buffers share the rest
    step = max(budget / 3.0, 1.0)
    n_chunks = max(1, int(np.ceil(total[-1] / step)))
    wanted = np.linspace(0, total[-1], n_chunks + 1)[1:-1]
    cuts = np.searchsorted(total, wanted, "left") + 1
    return sorted(set([0] + [int(c) for c in cuts if 0 < c < n_root] + [n_root]))
