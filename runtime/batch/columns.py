"""Arrow columns of one chunk -> the engine's `Flat`, validated column-wise.

The same rules as the dossier reader (runtime/dossier/reader.py), applied to whole columns:
types (a number column is a number column: no strings, no booleans), required values, defaults,
domains, finiteness, enum values, non-empty table keys, and the timelines (each index once,
required scenario complete, the others consecutive).  Each error names the entity, the
row id and the field (`<entity>[id=12].<field>`), what was found and what is expected, with the
closest known value for a misspelt enum.  Enums and table keys stay dictionary-coded
(`Coded`), so the lookups match each distinct key once (lookups.py) and no Python object is
made per row.
"""
from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from typing import Dict, List

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from carbonspec.runtime.dossier.errors import DossierError, Issue
from carbonspec.runtime.dossier.fields import expectation
from carbonspec.runtime.dossier.reader import Flat
from carbonspec.runtime.dossier.timelines import check_timelines

from . import schema as S

MAX_ISSUES = 20


@dataclass
class Coded:
    """A string column as codes into `values` (-1: no value)."""
    codes: np.ndarray
    values: List[str]

    def take(self, idx: np.ndarray) -> "Coded":
        return Coded(self.codes[idx], self.values)


class RowPaths:
    """`flat.paths[entity][r]` for a batch: 'entity[id=X]', made only when an error asks."""

    def __init__(self, entity: str, ids: pa.Array):
        self.entity, self.ids = entity, ids

    def __getitem__(self, r: int) -> str:
        return f"{self.entity}[id={self.ids[int(r)].as_py()}]"

    def __len__(self) -> int:
        return len(self.ids)


def _suggest(value: str, known: List[str]) -> str:
    close = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def check_columns(model: dict, entity: str, arrow_schema: pa.Schema, where: str) -> None:
    """Column names and types of an entity's file, before any row is read."""
    issues: List[Issue] = []
    want = {i["name"]: i for i in S.inputs(model, entity)}
    parent = next(e["parent"] for e in model["entities"] if e["name"] == entity)
    allowed = set(want) | {S.ID} | ({S.PARENT_ID} if parent else {S.NAME})
    names = arrow_schema.names
    for n in names:
        if n not in allowed:
            issues.append(Issue(f"{entity}.{n}", "unknown column; check its spelling against the batch schema"
                                + _suggest(n, sorted(allowed))))
    for n in [S.ID] + ([S.PARENT_ID] if parent else []):
        if n not in names:
            issues.append(Issue(f"{entity}.{n}", "column missing", expected="an integer or text id per row"))
        elif not _is_id_type(arrow_schema.field(n).type):
            issues.append(Issue(f"{entity}.{n}", f"column of type {arrow_schema.field(n).type}",
                                expected="integer or text ids"))
    for name, inp in want.items():
        if name not in names:
            if not inp.get("optional") and inp.get("default") is None:
                issues.append(Issue(f"{entity}.{name}", "required column missing",
                                    expected=expectation(inp, model["enums"])))
            continue
        t = arrow_schema.field(name).type
        if not _type_ok(inp, t):
            issues.append(Issue(f"{entity}.{name}", f"column of type {t}", expected=expectation(inp, model["enums"])))
    if issues:
        raise DossierError(where, issues[:MAX_ISSUES], max(len(issues) - MAX_ISSUES, 0))


def _is_id_type(t: pa.DataType) -> bool:
    return pa.types.is_integer(t) or pa.types.is_string(t) or pa.types.is_large_string(t)


def _is_text(t: pa.DataType) -> bool:
    if pa.types.is_dictionary(t):
        t = t.value_type
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_null(t)


def _type_ok(inp: dict, t: pa.DataType) -> bool:
    if pa.types.is_null(t):  # a column with no value at all: presence decides
        return True
    if inp["dtype"] == "real":  # a JSON number, integer or not, is a number (the dossier reader's rule)
        return pa.types.is_floating(t) or pa.types.is_integer(t)
    if inp["dtype"] == "int":
        return pa.types.is_integer(t)
    if inp["dtype"] == "bool":
        return pa.types.is_boolean(t)
    return _is_text(t)


def _np(col: pa.ChunkedArray | pa.Array, dtype, fill) -> np.ndarray:
    """A writable, contiguous NumPy array: the array types the JSON path gives the kernel, so
    the kernel's compiled (and cached) specialisations are the same ones."""
    arr = col.fill_null(fill) if col.null_count else col
    return np.require(arr.to_numpy(zero_copy_only=False), dtype, ["C", "W", "O"])


def _coded(col) -> Coded:
    if isinstance(col, pa.ChunkedArray):
        if pa.types.is_dictionary(col.type):
            col = col.unify_dictionaries()  # row groups each have their own dictionary
        col = col.combine_chunks()
    if pa.types.is_null(col.type):
        return Coded(np.full(len(col), -1, dtype=np.int64), [])
    enc = col if pa.types.is_dictionary(col.type) else pc.dictionary_encode(col)
    values = [v for v in enc.dictionary.to_pylist()]
    codes = _np(enc.indices, np.int64, -1)
    return Coded(codes, values)


class _Issues:
    def __init__(self, entity: str, ids: pa.Array):
        self.entity, self.ids, self.items = entity, ids, []

    def add_rows(self, bad: np.ndarray, field: str, problem: str, got=None, expected=None):
        """One issue for the first bad row; the count of the others in the message."""
        if bad.size == 0 or len(self.items) >= MAX_ISSUES:
            return
        r = int(bad[0])
        more = f" (and {bad.size - 1} other row(s))" if bad.size > 1 else ""
        from carbonspec.runtime.dossier.errors import _NOTHING
        value = _NOTHING if got is None else got(r)
        self.items.append(Issue(f"{self.entity}[id={self.ids[r].as_py()}].{field}", problem + more, value, expected))


def encode_entity(model: dict, entity: str, table: pa.Table, issues: _Issues, data: Dict[str, np.ndarray],
                  coded: Dict[str, Coded]) -> None:
    """Validate an entity's columns and put their arrays into `data` (and `coded`)."""
    n = table.num_rows
    enums = model["enums"]
    for inp in S.inputs(model, entity):
        name = inp["name"]
        col = table.column(name) if name in table.column_names else pa.nulls(n)
        want = expectation(inp, enums)
        if pa.types.is_dictionary(col.type) and col.null_count and inp.get("default") is not None:
            col = col.cast(pa.string())
        nulls = col.is_null()
        if inp.get("default") is not None and col.null_count:
            col = col.fill_null(inp["default"]) if not pa.types.is_null(col.type) else \
                pa.array([inp["default"]] * n)
            nulls = col.is_null()
        elif not inp.get("optional") and col.null_count:
            issues.add_rows(np.flatnonzero(_np(nulls, bool, False)), name, "value missing", expected=want)
        dom = inp.get("domain") or {}
        if inp["dtype"] in ("real", "int"):
            if inp["dtype"] == "real":
                v = _np(col.cast(pa.float64()) if not pa.types.is_null(col.type) else pa.nulls(n, pa.float64()),
                        np.float64, math.nan)
                present = ~_np(nulls, bool, False)
                issues.add_rows(np.flatnonzero(present & ~np.isfinite(v)), name, "not a finite number",
                                lambda r, v=v: float(v[r]) if not math.isnan(v[r]) else "NaN", want)
            else:
                v = _np(col.cast(pa.int64()) if not pa.types.is_null(col.type) else pa.nulls(n, pa.int64()),
                        np.int64, 0)
                present = ~_np(nulls, bool, False)
            bad = np.zeros(n, dtype=bool)
            with np.errstate(invalid="ignore"):
                if dom.get("lo") is not None:
                    bad |= (v < dom["lo"]) if dom["lo_closed"] else (v <= dom["lo"])
                if dom.get("hi") is not None:
                    bad |= (v > dom["hi"]) if dom["hi_closed"] else (v >= dom["hi"])
            issues.add_rows(np.flatnonzero(bad & present), name, "outside its domain",
                            lambda r, v=v: v[r].item(), want)
            data[name] = v
        elif inp["dtype"] == "bool":
            data[name] = _np(col if not pa.types.is_null(col.type) else pa.nulls(n, pa.bool_()), np.bool_, False)
        else:
            c = _coded(col)
            enum = inp["enum"]
            if enum.startswith("key:"):
                lits = model["key_literals"].get(enum[4:], [])
                empty = [j for j, s in enumerate(c.values) if s == ""]
                if empty:
                    issues.add_rows(np.flatnonzero(np.isin(c.codes, empty)), name, "empty key", lambda r: "", want)
            else:
                lits = enums[enum]
                unknown = [j for j, s in enumerate(c.values) if s not in lits]
                if unknown:
                    bad = np.flatnonzero(np.isin(c.codes, unknown))
                    value = c.values[c.codes[bad[0]]] if bad.size else ""
                    issues.add_rows(bad, name, "not a value of enum " + enum + _suggest(value, lits),
                                    lambda r, c=c: c.values[c.codes[r]], want)
            pos = {s: i for i, s in enumerate(lits)}
            lut = np.array([pos.get(s, -1) for s in c.values] + [-1], dtype=np.int64)
            data[name] = lut[c.codes]  # code -1 (no value) reads lut[-1] = -1
            coded[name] = c


def build_flat(model: dict, tables: Dict[str, pa.Table], parent_rows: Dict[str, np.ndarray], where: str):
    """(Flat, coded string columns) of one chunk.  `tables[e]` holds the chunk's rows of
    entity e grouped by parent in parent order; `parent_rows[e]` the parent row (in the
    chunk) of each.  Raises a DossierError naming every bad field (up to 20)."""
    data: Dict[str, np.ndarray] = {}
    coded: Dict[str, Coded] = {}
    ids = {e: tables[e].column(S.ID).combine_chunks() for e in tables}
    all_issues: List[Issue] = []
    for ent in S.entities(model):
        name, parent = ent["name"], ent["parent"]
        t = tables[name]
        data["n_" + name] = t.num_rows
        if parent is not None:
            idx = parent_rows[name]
            data[f"idx_{name}_{parent}"] = idx
            counts = np.bincount(idx, minlength=data["n_" + parent])
            data[f"start_{parent}_{name}"] = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        issues = _Issues(name, ids[name])
        encode_entity(model, name, t, issues, data, coded)
        all_issues += issues.items
    if all_issues:
        raise DossierError(where, all_issues[:MAX_ISSUES], max(len(all_issues) - MAX_ISSUES, 0))
    check_timelines(model, data, where,
                    row_path=lambda ent, r, field: f"{ent}[id={ids[ent][r].as_py()}].{field}",
                    parent_path=lambda parent, p, ent: f"{parent}[id={ids[parent][p].as_py()}]: its {ent} rows")
    paths = {e: RowPaths(e, ids[e]) for e in ids}
    return Flat(data, paths, {}), coded
