"""AMG v2 parameter tables (`annexes/amg/`): crops, organic products, model parameters and
the miscanthus phases, read once and handed to the model as NumPy columns.

Why a loader of its own: these tables are the soil model's, not tables a method spec
declares, so `runtime/engine/tables.py` (which checks sheets against `table` declarations) does
not apply.  The layout is the project's all the same (annexes/README.md): row 1 the column
names, row 2 the unit or kind of each column, rows 3+ data; every row ends with `source`
and `status` (method-text | public-source | placeholder).  Any departure is an InputError
naming file, row and column.

Values: AMG_base (inrae/AMG_base@cc2c148, the consortium's R version of AMGv2, Clivot et
al. 2019), restated in `annexes/amg/*.csv`; research notes `amg-v2-model.md` §2.  The
miscanthus rows are placeholders (notes §4: the parameterisation is not public).
"""
from __future__ import annotations

import csv
import difflib
import hashlib
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np

from carbonspec.compiler.errors import InputError

STATUSES = ("method-text", "public-source", "placeholder")
CROP_TYPES = ("mc", "cc", "cch")  # main crop, cover crop, harvested cover crop (AMG_base Crop_type)

# Column name -> unit (row 2) of each table, in file order; "key"/"text" are kinds.
CROP_COLUMNS = {"crop_type": "key", "crop": "key", "name_en": "text", "name_fr": "text", "plant_group": "text",
                "RP": "1", "RS": "1", "RR": "1", "RE": "1", "beta": "1", "HI": "1", "SR": "1", "PSS": "1",
                "h_AG": "1", "h_BG": "1", "C_AG": "g_C / g_DM", "C_BG": "g_C / g_DM",
                "source": "text", "status": "text"}
EOM_COLUMNS = {"product": "key", "name_en": "text", "name_fr": "text", "C_conc": "kg_C / t_FW", "h_EOM": "1",
               "source": "text", "status": "text"}
MODEL_COLUMNS = {"parameter": "key", "value": "number", "unit": "text", "function": "text",
                 "source": "text", "status": "text"}
MISCANTHUS_COLUMNS = {"phase": "key", "AG_C_fixed": "t_C / ha", "AG_C_per_t_yield": "t_C / t_DM",
                      "BG_C_fixed": "t_C / ha", "BG_C_per_t_yield": "t_C / t_DM", "h_AG": "1", "h_BG": "1",
                      "source": "text", "status": "text"}
MODEL_PARAMETERS = ("Ps", "k0", "aT", "cT", "Tref", "aH", "bH", "am", "cm", "apH", "bpH", "aCN", "bCN",
                    "rhizodeposition")
MISCANTHUS_PHASES = ("implantation", "production", "destruction")
# Columns that may be negative (none: every AMG parameter is >= 0) and columns that must be
# strictly positive because the model divides by them (HI, SR for MC/CCH rows; SR for CC).
_TEXT = ("key", "text")


def default_table_dir() -> Path:
    """$CARBONSPEC_HOME/annexes/amg, else the checkout's annexes/amg."""
    from carbonspec.runtime.models import library_table_dir

    return library_table_dir("amg")


@dataclass(frozen=True)
class AmgParams:
    """Everything the model reads from the tables, as arrays indexed by row.

    Crop columns are float64 arrays over the crop rows; `crop_lookup[(type, name)]` gives
    the row of a crop key or of its AMG English name.  Same for organic products.
    `crop["is_cc"]` is 1.0 on cover-crop rows.  `model` holds the scalar parameters by
    name; `miscanthus[phase]` a dict of floats.
    """
    directory: Path
    crop_type: Tuple[str, ...]
    crop_key: Tuple[str, ...]
    crop_name_en: Tuple[str, ...]
    crop: Dict[str, np.ndarray]
    crop_status: Tuple[str, ...]
    crop_lookup: Dict[Tuple[str, str], int]
    eom_key: Tuple[str, ...]
    eom_name_en: Tuple[str, ...]
    eom: Dict[str, np.ndarray]
    eom_status: Tuple[str, ...]
    eom_lookup: Dict[str, int]
    model: Dict[str, float]
    model_status: Dict[str, str]
    miscanthus: Dict[str, Dict[str, float]]
    miscanthus_status: Dict[str, str]
    miscanthus_source: Dict[str, str]
    content_hash: str = ""

    def crop_index(self, crop_type: str, name: str, where: str) -> int:
        """Row of a crop given by key (`grain_maize`) or AMG name (`Grain maize`); a
        located error with the closest names otherwise (AMG_base only warns and then
        drops the row through `na.rm` sums, notes §1.9: we refuse)."""
        t = crop_type.lower()
        i = self.crop_lookup.get((t, name))
        if i is not None:
            return i
        known = [k for (ct, k) in self.crop_lookup if ct == t]
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
        other = [ct for ct in CROP_TYPES if ct != t and (ct, name) in self.crop_lookup]
        hint = f" (it is a crop of type '{other[0]}')" if other else ""
        hint += f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise InputError(where, f"unknown {t} crop {name!r} in {self.directory / 'crops.csv'}{hint}")

    def eom_index(self, name: str, where: str) -> int:
        i = self.eom_lookup.get(name)
        if i is not None:
            return i
        close = difflib.get_close_matches(name, list(self.eom_lookup), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise InputError(where, f"unknown organic product {name!r} in {self.directory / 'organic_products.csv'}"
                                f"{hint}")

    def model_vector(self) -> np.ndarray:
        """The mineralisation parameters in the order the kernels read them
        (constants.PARAM_ORDER)."""
        from .constants import PARAM_ORDER
        return np.array([self.model[n] for n in PARAM_ORDER], dtype=np.float64)


# ------------------------------------------------------------------ reading --
def _read(path: Path, columns: Dict[str, str]) -> List[Tuple[int, Dict[str, object]]]:
    """Rows 3+ of a table as dicts (numbers as float), after checking rows 1 and 2."""
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            cells = list(csv.reader(fh))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot read AMG table: {exc}") from None
    names = list(columns)
    if len(cells) < 2:
        raise InputError(str(path), "an AMG table needs a header row and a unit row (rows 1 and 2)")
    header = [c.strip() for c in cells[0]]
    if header != names:
        for i, want in enumerate(names):
            got = header[i] if i < len(header) else ""
            if got != want:
                raise InputError(f"{path}:1:{i + 1}", f"column {i + 1} is {got!r}, expected {want!r} "
                                                      f"(columns: {', '.join(names)})")
        raise InputError(f"{path}:1:{len(names) + 1}", f"unexpected extra column {header[len(names)]!r}")
    units = [c.strip() for c in cells[1]]
    for i, (name, unit) in enumerate(columns.items()):
        got = units[i] if i < len(units) else ""
        if "".join(got.split()) != "".join(unit.split()):
            raise InputError(f"{path}:2:{i + 1}", f"unit of column {name!r} is {got!r}, expected {unit!r}")
    rows = []
    for r, row in enumerate(cells[2:], start=3):
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(names):
            raise InputError(f"{path}:{r}", f"{len(row)} cells, expected {len(names)}")
        out: Dict[str, object] = {}
        for i, (name, unit) in enumerate(columns.items()):
            text = row[i].strip()
            where = f"{path}:{r}:{i + 1} ({name})"
            if text == "":
                raise InputError(where, "empty cell (every AMG table cell is required)")
            if unit in _TEXT:
                out[name] = text
                continue
            try:
                value = float(text)
            except ValueError:
                raise InputError(where, f"expected a number, found {text!r}") from None
            if not math.isfinite(value) or value < 0:
                raise InputError(where, f"expected a finite number >= 0, found {text!r}")
            out[name] = value
        if out["status"] not in STATUSES:
            raise InputError(f"{path}:{r}:{len(names)} (status)", f"status must be one of {', '.join(STATUSES)}, "
                                                                   f"found {out['status']!r}")
        rows.append((r, out))
    return rows


def _crops(path: Path):
    rows = _read(path, CROP_COLUMNS)
    lookup: Dict[Tuple[str, str], int] = {}
    for i, (r, row) in enumerate(rows):
        t = str(row["crop_type"])
        if t not in CROP_TYPES:
            raise InputError(f"{path}:{r}:1 (crop_type)", f"crop_type must be one of {', '.join(CROP_TYPES)}")
        for name in (row["crop"], row["name_en"]):
            if (t, name) in lookup and lookup[(t, name)] != i:
                raise InputError(f"{path}:{r}", f"duplicate {t} crop {name!r}")
            lookup[(t, str(name))] = i
        # The model divides by HI (MC, CCH) and by SR (all types), notes §1.4.
        if row["SR"] <= 0 or (t != "cc" and row["HI"] <= 0):
            raise InputError(f"{path}:{r}", "SR (and HI for mc/cch crops) must be > 0: the model divides by them")
        if row["HI"] > 1 or row["PSS"] > 1 or row["beta"] > 1:
            raise InputError(f"{path}:{r}", "HI, PSS and beta are fractions <= 1")
    return rows, lookup


@lru_cache(maxsize=8)
def _load(directory: str) -> AmgParams:
    d = Path(directory)
    if not d.is_dir():
        raise InputError(str(d), "AMG table directory does not exist")
    crop_rows, crop_lookup = _crops(d / "crops.csv")
    eom_rows = _read(d / "organic_products.csv", EOM_COLUMNS)
    model_rows = _read(d / "model_parameters.csv", MODEL_COLUMNS)
    mis_rows = _read(d / "miscanthus.csv", MISCANTHUS_COLUMNS)

    eom_lookup: Dict[str, int] = {}
    for i, (r, row) in enumerate(eom_rows):
        for name in (row["product"], row["name_en"]):
            if name in eom_lookup and eom_lookup[name] != i:
                raise InputError(f"{d / 'organic_products.csv'}:{r}", f"duplicate product {name!r}")
            eom_lookup[str(name)] = i
    model: Dict[str, float] = {}
    model_status: Dict[str, str] = {}
    for r, row in model_rows:
        name = str(row["parameter"])
        if name not in MODEL_PARAMETERS:
            raise InputError(f"{d / 'model_parameters.csv'}:{r}:1", f"unknown parameter {name!r} "
                                                                      f"(known: {', '.join(MODEL_PARAMETERS)})")
        if name in model:
            raise InputError(f"{d / 'model_parameters.csv'}:{r}:1", f"duplicate parameter {name!r}")
        model[name] = float(row["value"])  # type: ignore[arg-type]
        model_status[name] = str(row["status"])
    missing = [p for p in MODEL_PARAMETERS if p not in model]
    if missing:
        raise InputError(str(d / "model_parameters.csv"), f"missing parameter(s) {', '.join(missing)}")
    if not 0 < model["Ps"] < 1 or model["k0"] <= 0:
        raise InputError(str(d / "model_parameters.csv"), "Ps must be in (0, 1) and k0 > 0")
    mis: Dict[str, Dict[str, float]] = {}
    mis_status: Dict[str, str] = {}
    mis_source: Dict[str, str] = {}
    for r, row in mis_rows:
        ph = str(row["phase"])
        if ph not in MISCANTHUS_PHASES or ph in mis:
            raise InputError(f"{d / 'miscanthus.csv'}:{r}:1", f"phase must be one of {', '.join(MISCANTHUS_PHASES)}, "
                                                               "each once")
        mis[ph] = {k: float(v) for k, v in row.items() if k not in ("phase", "source", "status")}  # type: ignore
        mis_status[ph] = str(row["status"])
        mis_source[ph] = str(row["source"])
    if set(mis) != set(MISCANTHUS_PHASES):
        raise InputError(str(d / "miscanthus.csv"), f"needs the phases {', '.join(MISCANTHUS_PHASES)}")

    def col(rows, name):
        return np.array([row[name] for _, row in rows], dtype=np.float64)

    crop = {c: col(crop_rows, c) for c, u in CROP_COLUMNS.items() if u not in _TEXT}
    crop["is_cc"] = np.array([row["crop_type"] == "cc" for _, row in crop_rows], dtype=np.float64)
    eom = {c: col(eom_rows, c) for c, u in EOM_COLUMNS.items() if u not in _TEXT}
    h = hashlib.sha256()
    for name in ("crops.csv", "organic_products.csv", "model_parameters.csv", "miscanthus.csv"):
        h.update((d / name).read_bytes())
    return AmgParams(
        directory=d,
        crop_type=tuple(str(r["crop_type"]) for _, r in crop_rows),
        crop_key=tuple(str(r["crop"]) for _, r in crop_rows),
        crop_name_en=tuple(str(r["name_en"]) for _, r in crop_rows),
        crop=crop, crop_status=tuple(str(r["status"]) for _, r in crop_rows), crop_lookup=crop_lookup,
        eom_key=tuple(str(r["product"]) for _, r in eom_rows),
        eom_name_en=tuple(str(r["name_en"]) for _, r in eom_rows),
        eom=eom, eom_status=tuple(str(r["status"]) for _, r in eom_rows), eom_lookup=eom_lookup,
        model=model, model_status=model_status,
        miscanthus=mis, miscanthus_status=mis_status, miscanthus_source=mis_source,
        content_hash=h.hexdigest()[:16],
    )


def load_params(directory: Optional[Path] = None) -> AmgParams:
    """The AMG tables of `directory` (default `annexes/amg/`), cached per directory."""
    return _load(str(Path(directory) if directory is not None else default_table_dir()))
