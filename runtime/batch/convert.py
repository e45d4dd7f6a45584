"""Conversions between dossiers (JSON or xlsx, one root row each) and a batch folder.

dossier -> batch: each dossier is read and validated by the dossier reader (the same errors
as `run`; a soil-model block is computed into the inputs it stands for first, as `run` does), then
its rows are appended to one table per entity with new integer ids: rows keep the dossier's
order, so a batch computes exactly what the dossiers compute.  batch -> dossiers: one nested
dossier per root row, fields left empty in the batch left out, written as JSON (or xlsx).
Nothing is written unless the whole conversion succeeded.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Dict, List

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from carbonspec.compiler.errors import InputError

from . import schema as S

DOSSIER_SUFFIXES = (".json", ".xlsx", ".xlsm")


def dossier_files(paths: List[Path]) -> List[Path]:
    """The dossiers named, a folder standing for its *.json / *.xlsx files in name order."""
    files: List[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            files += sorted(f for f in p.iterdir() if f.suffix.lower() in DOSSIER_SUFFIXES)
        elif p.is_file():
            files.append(p)
        else:
            raise InputError(str(p), "no such file or folder")
    if not files:
        raise InputError(" ".join(map(str, paths)), "no dossier (.json or .xlsx) to convert")
    return files


def _read_raw(compiled, path: Path):
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from carbonspec.runtime.dossier.xlsx import read_dossier_xlsx

        return read_dossier_xlsx(compiled.schema, path)[0]
    from carbonspec.runtime.dossier.reader import load_json

    return load_json(path)


def dossiers_to_batch(compiled, paths: List[Path], out_dir: Path) -> Dict[str, int]:
    """Write the batch folder OUT (one <entity>.parquet per entity); returns rows per entity."""
    from carbonspec.runtime.models.registry import apply_models

    model = compiled.model
    ents = S.entities(model)
    columns: Dict[str, Dict[str, list]] = {e["name"]: {} for e in ents}
    next_id = {e["name"]: 0 for e in ents}
    for path in dossier_files(paths):
        raw = _read_raw(compiled, path)
        raw, _ = apply_models(model, raw, str(path), "numba")  # the spec's external models fill their outputs
        flat = compiled.schema.flatten(raw, str(path))
        ids: Dict[str, np.ndarray] = {}
        for e in ents:
            name, parent = e["name"], e["parent"]
            n = int(flat.data["n_" + name])
            ids[name] = np.arange(next_id[name], next_id[name] + n, dtype=np.int64)
            next_id[name] += n
            cols = columns[name]
            cols.setdefault(S.ID, []).append(ids[name])
            if parent is not None:
                cols.setdefault(S.PARENT_ID, []).append(ids[parent][flat.data[f"idx_{name}_{parent}"]])
            else:
                cols.setdefault(S.NAME, []).append(pa.array([raw.get("name") if isinstance(raw, dict) else None] * n,
                                                            type=pa.string()))
            for inp in S.inputs(model, name):
                cols.setdefault(inp["name"], []).append(
                    pa.array(flat.raw[name][inp["name"]], type=S.ARROW_TYPES[inp["dtype"]]))
    tables = {}
    for e in ents:
        sch = S.entity_schema(model, e["name"])
        cols = columns[e["name"]]
        arrays = []
        for f in sch:
            parts = cols.get(f.name, [])
            arrays.append(pa.chunked_array([pa.array(p, type=f.type) if isinstance(p, np.ndarray) else p
                                            for p in parts], type=f.type))
        tables[e["name"]] = pa.Table.from_arrays(arrays, schema=sch)
    _write_folder(out_dir, {f"{name}.parquet": t for name, t in tables.items()})
    return {name: t.num_rows for name, t in tables.items()}


def _write_folder(out_dir: Path, tables: Dict[str, pa.Table]) -> None:
    out_dir = Path(out_dir)
    tmp = out_dir.with_name(f".{out_dir.name}.part-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir(parents=True)
        for fname, t in tables.items():
            pq.write_table(t, tmp / fname, compression="zstd", row_group_size=1 << 17)
        if out_dir.exists():
            if not out_dir.is_dir():
                raise InputError(str(out_dir), "exists and is not a folder")
            shutil.rmtree(out_dir)
        tmp.rename(out_dir)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise InputError(str(out_dir), f"cannot write: {exc.strerror or exc}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def batch_to_dossiers(compiled, folder: Path) -> List[dict]:
    """One nested dossier per root row of the batch, validated as a batch first."""
    from .plan import make_plan
    from .run import read_chunk, selections

    model = compiled.model
    plan = make_plan(model, Path(folder), 1 << 62)
    tables, parent_rows = read_chunk(model, plan.sources, selections(plan)[0])
    from .columns import build_flat

    build_flat(model, tables, parent_rows, str(folder))  # same validation as a run: bad rows are located
    ents = S.entities(model)
    children = {e["name"]: [c for c in ents if c["parent"] == e["name"]] for e in ents}
    values = {e["name"]: {i["name"]: tables[e["name"]].column(i["name"]).to_pylist()
                          for i in S.inputs(model, e["name"]) if i["name"] in tables[e["name"]].column_names}
              for e in ents}
    kids: Dict[str, Dict[str, List[int]]] = {}
    for e in ents:
        if e["parent"] is not None:
            groups: Dict[int, List[int]] = {}
            for r, p in enumerate(parent_rows[e["name"]].tolist()):
                groups.setdefault(p, []).append(r)
            kids[e["name"]] = groups

    def obj(ent: str, r: int) -> dict:
        d = {}
        for name, col in values[ent].items():
            if col[r] is not None:
                d[name] = col[r]
        for c in children[ent]:
            d[c["collection"]] = [obj(c["name"], k) for k in kids[c["name"]].get(r, [])]
        return d

    root = S.root(model)
    root_coll = next(e["collection"] for e in ents if e["name"] == root)
    names = tables[root].column(S.NAME).to_pylist() if S.NAME in tables[root].column_names else [None] * \
        tables[root].num_rows
    ids = tables[root].column(S.ID).to_pylist()
    out = []
    for r in range(tables[root].num_rows):
        doc = {"method": model["method"], "version": model["version"]}
        if names[r] is not None:
            doc["name"] = names[r]
        doc[root_coll] = obj(root, r)
        out.append((ids[r], doc))
    return out


def write_dossiers(compiled, docs, out: Path) -> List[Path]:
    """OUT.json (or .xlsx) for a single dossier; else a folder OUT of <id>.json files."""
    out = Path(out)
    if out.suffix.lower() in (".json", ".xlsx"):
        if len(docs) != 1:
            raise InputError(str(out), f"the batch holds {len(docs)} dossiers: give a folder, not one file")
        files = {out: docs[0][1]}
    else:
        files = {out / f"{i}.json": d for i, d in docs}
    tmp_written = []
    try:
        for path, doc in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.suffix.lower() == ".xlsx":
                from carbonspec.runtime.dossier.xlsx import write_dossier_xlsx

                write_dossier_xlsx(compiled.schema, doc, path, str(path))
            else:
                tmp = path.with_name(f".{path.name}.part")
                tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
                tmp.replace(path)
            tmp_written.append(path)
    except OSError as exc:
        raise InputError(str(out), f"cannot write: {exc.strerror or exc}") from None
    return tmp_written
