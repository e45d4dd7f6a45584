"""Annex tables: CSV files `<table>.csv` in an annex directory, checked against the
table declarations of the compiled model.

Every row carries `source` (citation) and `status` (method-text, public-source,
placeholder), so a number can always be traced to where it came from.  A broken file
gives an error naming the file, the line and the column.  (The Excel layout of the
official annexes comes with the annex-tables issue; this loader is its CSV twin.)
"""
from __future__ import annotations

import csv
import difflib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from carbonspec.compiler.errors import InputError

STATUSES = ("method-text", "public-source", "placeholder")
_TRUE = {"true", "1", "oui", "yes", "vrai"}
_FALSE = {"false", "0", "non", "no", "faux"}


@dataclass
class Table:
    name: str
    path: Path
    keys: List[str]
    rows: Dict[Tuple[str, ...], Dict[str, object]] = field(default_factory=dict)
    status: Dict[Tuple[str, ...], str] = field(default_factory=dict)

    def closest(self, value: str, position: int = 0, n: int = 3) -> List[str]:
        known = sorted({k[position] for k in self.rows})
        return difflib.get_close_matches(value, known, n=n, cutoff=0.4) or known[:n]


def _parse_number(text: str) -> Optional[float]:
    t = text.strip().replace(",", ".")
    if t == "":
        return None
    return float(t)


def load_table(path: Path, decl: dict, name: str) -> Table:
    where = str(path)
    try:
        fh = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise InputError(where, f"cannot read annex table '{name}': {exc.strerror}") from None
    with fh:
        reader = csv.reader(fh)
        try:
            header = next(reader)
        except StopIteration:
            raise InputError(where, "empty file; expected a header row") from None
        header = [h.strip() for h in header]
        expected = decl["keys"] + [c["name"] for c in decl["columns"]] + ["source", "status"]
        missing = [c for c in expected if c not in header]
        if missing:
            raise InputError(f"{where}:1", f"missing column(s) {', '.join(missing)}; expected {', '.join(expected)}")
        unknown = [c for c in header if c not in expected]
        if unknown:
            raise InputError(f"{where}:1", f"unknown column(s) {', '.join(unknown)}; expected {', '.join(expected)}")
        col = {h: i for i, h in enumerate(header)}
        table = Table(name, path, list(decl["keys"]))
        for line_no, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise InputError(f"{where}:{line_no}", f"{len(row)} cells, expected {len(header)}")
            key = tuple(row[col[k]].strip() for k in decl["keys"])
            for k, v in zip(decl["keys"], key):
                if not v:
                    raise InputError(f"{where}:{line_no}:{k}", "empty key")
            if key in table.rows:
                raise InputError(f"{where}:{line_no}", f"duplicate key {', '.join(key)}")
            values: Dict[str, object] = {}
            for c in decl["columns"]:
                cell = row[col[c["name"]]].strip()
                here = f"{where}:{line_no}:{c['name']}"
                if c["kind"] == "bool":
                    if cell.lower() in _TRUE:
                        values[c["name"]] = True
                    elif cell.lower() in _FALSE:
                        values[c["name"]] = False
                    else:
                        raise InputError(here, f"'{cell}' is not a boolean (true/false)")
                elif c["kind"] == "real":
                    try:
                        v = _parse_number(cell)
                    except ValueError:
                        raise InputError(here, f"'{cell}' is not a number (unit {c['unit']})") from None
                    if v is None:
                        if not c["optional"]:
                            raise InputError(here, "empty cell in a required column")
                        v = math.nan
                    elif not math.isfinite(v) or v < 0:
                        raise InputError(here, f"{cell} is not a finite value >= 0")
                    values[c["name"]] = v
                else:
                    values[c["name"]] = cell
            status = row[col["status"]].strip()
            if status not in STATUSES:
                raise InputError(f"{where}:{line_no}:status", f"'{status}' is not one of {', '.join(STATUSES)}")
            if not row[col["source"]].strip():
                raise InputError(f"{where}:{line_no}:source", "every row must cite its source")
            table.rows[key] = values
            table.status[key] = status
    if not decl["keys"] and len(table.rows) != 1:
        raise InputError(where, f"table '{name}' has no key column, so it must have exactly one row "
                                f"(found {len(table.rows)})")
    return table


def load_tables(annex_dir: Path, model: dict) -> Dict[str, Table]:
    annex_dir = Path(annex_dir)
    if not annex_dir.is_dir():
        raise InputError(str(annex_dir), "annex directory does not exist")
    used = {lk["table"] for lk in model["lookups"]}
    out = {}
    for name, decl in model["tables"].items():
        path = annex_dir / f"{name}.csv"
        if not path.exists():
            if name in used:
                raise InputError(str(path), f"annex table '{name}' ({decl['description']}) is missing")
            continue
        out[name] = load_table(path, decl, name)
    return out
