"""Annex tables: Excel workbooks (or CSV twins) checked against the spec's `table`
declarations.

Layout of every table (documented in annexes/README.md): one sheet per table, named
like the table (a CSV file `<table>.csv` in the same layout also works, for small
fixtures).  Row 1: the key columns then the value columns, as declared, then `source`
and `status`.  Row 2: the kind or unit of each column (`key`, `text`, `bool`, or the
unit exactly as the spec writes it).  Rows 3+: data.  Every row cites its source and
says its status: method-text, public-source or placeholder.

Each row is validated by a pydantic model built from the declaration (types, >= 0,
required cells, allowed statuses); any problem is reported with file, sheet, cell and
what was expected.
"""
from __future__ import annotations

import csv
import difflib
import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Literal, Optional, Tuple

from pydantic import ConfigDict, Field, StrictBool, ValidationError, create_model

from carbonspec.compiler.errors import InputError

STATUSES = ("method-text", "public-source", "placeholder")
IGNORED_SHEETS = {"lisezmoi", "readme", "sources", "notes"}
_TRUE = {"true", "1", "oui", "yes", "vrai"}
_FALSE = {"false", "0", "non", "no", "faux"}


@dataclass
class Table:
    name: str
    path: Path
    keys: List[str]
    sheet: Optional[str] = None
    rows: Dict[Tuple[str, ...], Dict[str, object]] = field(default_factory=dict)
    status: Dict[Tuple[str, ...], str] = field(default_factory=dict)
    sources: Dict[Tuple[str, ...], str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.path.name}[{self.sheet}]" if self.sheet else self.path.name

    def closest(self, value: str, position: int = 0, n: int = 3) -> List[str]:
        known = sorted({k[position] for k in self.rows})
        return difflib.get_close_matches(value, known, n=n, cutoff=0.4) or known[:n]

    def status_counts(self) -> Dict[str, int]:
        counts = {s: 0 for s in STATUSES}
        for s in self.status.values():
            counts[s] += 1
        return counts


@dataclass
class AnnexSet:
    """The annex tables a run used: where they came from, their version and content hash."""
    directory: Path
    version: str
    content_hash: str
    tables: Dict[str, Table]
    extends: Optional["AnnexSet"] = None  # the set this one extends (annex_sets.py)
    replaced: Dict[str, Dict[tuple, dict]] = field(default_factory=dict)  # rows replaced or added over it

    def describe(self) -> dict:
        d = {"directory": str(self.directory), "version": self.version, "hash": self.content_hash,
             "tables": {t.name: {"file": t.where, "rows": len(t.rows), "status": t.status_counts()}
                        for t in self.tables.values()}}
        if self.extends is not None:
            d["extends"] = {"directory": str(self.extends.directory), "version": self.extends.version,
                            "hash": self.extends.content_hash}
            d["replaced_rows"] = {t: [list(k) for k in rows] for t, rows in sorted(self.replaced.items())}
        return d


# ------------------------------------------------------------------ reading --
@dataclass
class _Sheet:
    path: Path
    sheet: Optional[str]  # None for CSV
    cells: List[List[Any]]  # rows of cell values, row 1 first

    def ref(self, row: int, col: int) -> str:
        """file[sheet]!B7 for xlsx, file:7:B for CSV (row, col 0-based)."""
        letter = _col_letter(col)
        if self.sheet is None:
            return f"{self.path}:{row + 1}:{letter}"
        return f"{self.path}[{self.sheet}]!{letter}{row + 1}"

    def where(self) -> str:
        return f"{self.path}[{self.sheet}]" if self.sheet else str(self.path)


def _col_letter(col: int) -> str:
    out = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def _read_xlsx(path: Path) -> Iterator[_Sheet]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException
    from xml.etree.ElementTree import ParseError
    from zipfile import BadZipFile

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError, ParseError, EOFError) as exc:
        raise InputError(str(path), f"not a readable Excel workbook ({type(exc).__name__}: {exc})") from None
    try:
        for ws in wb.worksheets:
            if ws.title.lower() in IGNORED_SHEETS or ws.title.startswith("_"):
                continue
            try:
                cells = [list(r) for r in ws.iter_rows(values_only=True)]
            except (ParseError, ValueError, KeyError, TypeError, EOFError) as exc:  # broken sheet XML
                raise InputError(f"{path}: sheet '{ws.title}'", f"not readable ({type(exc).__name__}: {exc}); "
                                 "open and save the workbook again, or restore the file") from None
            yield _Sheet(path, ws.title, cells)
    finally:
        wb.close()


def _read_csv(path: Path) -> _Sheet:
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            cells = [[c if c.strip() != "" else None for c in row] for row in csv.reader(fh)]
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot read CSV table: {exc}") from None
    return _Sheet(path, None, cells)


# --------------------------------------------------------------- validation --
def _row_model(name: str, decl: dict):
    """A pydantic model of one data row of table `name`."""
    fields: Dict[str, Any] = {k: (str, Field(..., min_length=1)) for k in decl["keys"]}
    for c in decl["columns"]:
        if c["kind"] == "real":
            typ: Any = float
            spec = Field(None if c["optional"] else ..., ge=0, allow_inf_nan=False)
        elif c["kind"] == "bool":
            typ, spec = StrictBool, Field(None if c["optional"] else ...)
        else:
            typ, spec = str, Field(None if c["optional"] else ..., min_length=1)
        fields[c["name"]] = (Optional[typ] if c["optional"] else typ, spec)
    fields["source"] = (str, Field(..., min_length=1))
    fields["status"] = (Literal[STATUSES], ...)
    return create_model(f"Row_{name}", __config__=ConfigDict(extra="forbid"), **fields)


def _expected_header(decl: dict) -> List[str]:
    return list(decl["keys"]) + [c["name"] for c in decl["columns"]] + ["source", "status"]


def _expected_kinds(decl: dict) -> List[str]:
    kinds = ["key"] * len(decl["keys"])
    for c in decl["columns"]:
        kinds.append(c["unit"] if c["kind"] == "real" else c["kind"])
    return kinds + ["text", "text"]


def _norm_unit(u: Any) -> str:
    return "".join(str(u).split()) if u is not None else ""


def _cell_value(sheet: _Sheet, value: Any, kind: str, ref: str) -> Any:
    """Convert one cell to what the row model expects, refusing what Excel users get wrong."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    if kind == "real":
        if isinstance(value, bool):
            raise InputError(ref, f"expected a number, found the boolean {value}")
        if isinstance(value, (int, float)):
            return float(value)
        if sheet.sheet is not None:  # xlsx: a number typed as text is a mistake to fix in the file
            raise InputError(ref, f"expected a number, found the text {str(value)!r} (a number stored as text?)")
        try:
            return float(str(value).replace(",", "."))
        except ValueError:
            raise InputError(ref, f"expected a number, found {str(value)!r}") from None
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise InputError(ref, f"expected true/false, found {str(value)!r}")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _load_sheet(sheet: _Sheet, name: str, decl: dict) -> Table:
    cells = sheet.cells
    if len(cells) < 2:
        raise InputError(sheet.where(), f"table '{name}' needs a header row and a unit row (rows 1 and 2)")
    header = [str(c).strip() if c is not None else "" for c in cells[0]]
    while header and header[-1] == "":
        header.pop()
    expected = _expected_header(decl)
    if header != expected:
        for i, want in enumerate(expected):
            got = header[i] if i < len(header) else ""
            if got != want:
                hint = f"missing column '{want}'" if want not in header else f"column '{want}' is out of place"
                if got and got not in expected:
                    close = difflib.get_close_matches(got, expected, n=1)
                    hint = f"unknown column '{got}'" + (f" (did you mean '{close[0]}'?)" if close else "")
                raise InputError(sheet.ref(0, i), f"{hint}; expected the columns {', '.join(expected)}")
        raise InputError(sheet.ref(0, len(expected)), f"unexpected extra column '{header[len(expected)]}'")
    kinds = _expected_kinds(decl)
    units = cells[1]
    for i, kind in enumerate(kinds):
        got = units[i] if i < len(units) else None
        if _norm_unit(got) != _norm_unit(kind):
            what = "unit" if kind not in ("key", "text", "bool") else "kind"
            raise InputError(sheet.ref(1, i), f"{what} of column '{expected[i]}' is {str(got)!r}; the spec declares "
                                              f"{kind!r}")
    model = _row_model(name, decl)
    kind_of = dict(zip(expected, ["text" if k in ("key", "text") else ("bool" if k == "bool" else "real")
                                  for k in kinds]))
    table = Table(name, sheet.path, list(decl["keys"]), sheet.sheet)
    for r in range(2, len(cells)):
        row = cells[r]
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in row):
            continue
        values = {col: _cell_value(sheet, row[i] if i < len(row) else None, kind_of[col], sheet.ref(r, i))
                  for i, col in enumerate(expected)}
        extra = [i for i in range(len(expected), len(row)) if row[i] not in (None, "")]
        if extra:
            raise InputError(sheet.ref(r, extra[0]), "a value outside the declared columns")
        try:
            data = model.model_validate({k: v for k, v in values.items() if v is not None})
        except ValidationError as exc:
            e = exc.errors()[0]
            col = str(e["loc"][0]) if e["loc"] else expected[0]
            i = expected.index(col) if col in expected else 0
            msg = e["msg"]
            if e["type"] == "missing":
                msg = "empty cell in a required column"
            elif e["type"] == "literal_error":
                msg = f"status must be one of {', '.join(STATUSES)}"
            raise InputError(sheet.ref(r, i), f"column '{col}': {msg} (got {values.get(col)!r})") from None
        key = tuple(getattr(data, k) for k in decl["keys"])
        if key in table.rows and not decl["keys"]:
            raise InputError(sheet.ref(r, 0), f"table '{name}' has no key column, so it must have exactly one "
                                              "data row (this is a second one)")
        if key in table.rows:
            raise InputError(sheet.ref(r, 0), f"duplicate key {', '.join(key) or '(none)'} in table '{name}'")
        table.rows[key] = {c["name"]: (math.nan if getattr(data, c["name"]) is None and c["kind"] == "real"
                                       else getattr(data, c["name"])) for c in decl["columns"]}
        table.status[key] = data.status
        table.sources[key] = data.source
    if not decl["keys"] and len(table.rows) != 1:
        raise InputError(sheet.where(), f"table '{name}' has no key column, so it must have exactly one data row "
                                        f"(found {len(table.rows)})")
    return table


def load_tables(annex_dir: Path, model: dict) -> Dict[str, Table]:
    return load_annexes(annex_dir, model).tables


def load_annexes(annex_dir: Path, model: dict, _chain: tuple = ()) -> AnnexSet:
    """Every table of the spec found in the workbooks (and CSV files) of `annex_dir`."""
    annex_dir = Path(annex_dir)
    if not annex_dir.is_dir():
        raise InputError(str(annex_dir), "annex directory does not exist")
    decls = model["tables"]
    sheets: List[_Sheet] = []
    for path in sorted(annex_dir.iterdir()):
        if path.suffix.lower() == ".xlsx" and not path.name.startswith("~$"):
            sheets.extend(_read_xlsx(path))
        elif path.suffix.lower() == ".csv":
            sheets.append(_read_csv(path))
    tables: Dict[str, Table] = {}
    for sheet in sheets:
        name = sheet.sheet if sheet.sheet is not None else sheet.path.stem
        if name not in decls:
            close = difflib.get_close_matches(name, list(decls), n=1)
            raise InputError(sheet.where(), f"'{name}' is not a table of the spec"
                             + (f" (did you mean '{close[0]}'?)" if close else f"; tables: {', '.join(decls)}"))
        if name in tables:
            raise InputError(sheet.where(), f"table '{name}' is also in {tables[name].where}")
        tables[name] = _load_sheet(sheet, name, decls[name])
    from carbonspec.runtime.engine import annex_sets

    parent, replaced = None, {}
    parent_dir = annex_sets.parent_dir(annex_dir)
    if parent_dir is not None:  # a set that extends another: its rows replace the parent's by key
        if parent_dir.resolve() in _chain + (annex_dir.resolve(),):
            raise InputError(str(annex_dir / "VERSION.json"), "cycle of annex sets: "
                             + " -> ".join(str(p) for p in (*_chain, annex_dir.resolve(), parent_dir.resolve())))
        parent = load_annexes(parent_dir, model, _chain + (annex_dir.resolve(),))
        tables, replaced = annex_sets.overlay(parent, tables, annex_dir)
    used = {lk["table"] for lk in model["lookups"]}
    for name in sorted(used - set(tables)):
        raise InputError(str(annex_dir), f"annex table '{name}' ({decls[name]['description']}) is missing: "
                                         f"no sheet or CSV file named '{name}'")
    version = _version(annex_dir, model)
    return AnnexSet(annex_dir, version, _content_hash(tables), tables, parent, replaced)


def _version(annex_dir: Path, model: dict) -> str:
    vf = annex_dir / "VERSION.json"
    if not vf.exists():
        return f"unversioned ({annex_dir.name})"
    try:
        meta = json.loads(vf.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(str(vf), f"invalid VERSION.json: {exc}") from None
    if meta.get("method") not in (None, model["method"]):
        raise InputError(str(vf), f"these annexes are for method '{meta.get('method')}', not '{model['method']}'")
    if not meta.get("annex_version"):
        raise InputError(str(vf), "missing 'annex_version'")
    return str(meta["annex_version"])


def _content_hash(tables: Dict[str, Table]) -> str:
    """A hash of the values (not of the xlsx bytes, which change on every save)."""
    h = hashlib.sha256()
    for name in sorted(tables):
        t = tables[name]
        for key in sorted(t.rows):
            h.update(json.dumps([name, list(key), t.rows[key], t.status[key]], sort_keys=True,
                                default=str).encode("utf-8"))
    return h.hexdigest()[:16]
