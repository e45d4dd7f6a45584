"""The SAFY parameter tables (annexes/safy/): fixed parameters with their source and status,
bounds of the parameters calibrated per plot, and per cover-crop type overrides (SLA)."""
from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Optional, Tuple

from carbonspec.compiler.errors import InputError

FITTED = ("D0", "ELUE", "STT", "Rs")
FIXED = ("eps_c", "k_ext", "T_min", "T_opt", "T_max", "beta", "DAM0", "SLA", "PLa", "PLb")


def default_table_dir() -> Path:
    """$CARBONSPEC_HOME/annexes/safy, else the checkout's annexes/safy."""
    from carbonspec.runtime.models import library_table_dir

    return library_table_dir("safy")


@dataclass(frozen=True)
class SafyParams:
    fixed: Dict[str, float]
    bounds: Dict[str, Tuple[float, float]]
    rows: Dict[str, dict]                     # key -> the CSV row (source, status, description)
    ci_sla: Dict[str, Tuple[float, str, str]]  # CI type -> (SLA, source, status)
    directory: Path
    content_hash: str = field(default="")

    def for_type(self, ci_type: str) -> Dict[str, float]:
        """The fixed parameters for a cover-crop type (its SLA when the table has one)."""
        p = dict(self.fixed)
        if ci_type in self.ci_sla:
            p["SLA"] = self.ci_sla[ci_type][0]
        return p

    def placeholders(self, ci_type: str) -> list:
        out = [k for k in FIXED if self.rows[k]["status"] == "placeholder"
               and not (k == "SLA" and ci_type in self.ci_sla)]
        if ci_type in self.ci_sla and self.ci_sla[ci_type][2] == "placeholder":
            out.append(f"SLA[{ci_type}]")
        return out


def _read(path: Path):
    try:
        with open(path, newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))
    except OSError as exc:
        raise InputError(str(path), f"cannot read the SAFY table: {exc.strerror}") from None


def load_params(directory: Optional[Path] = None) -> SafyParams:
    d = Path(directory) if directory else default_table_dir()
    rows = {r["key"]: r for r in _read(d / "parameters.csv")}
    missing = [k for k in FIXED + FITTED if k not in rows]
    if missing:
        raise InputError(str(d / "parameters.csv"), f"missing parameter rows: {', '.join(missing)}")
    fixed, bounds = {}, {}
    for k in FIXED:
        try:
            fixed[k] = float(rows[k]["value"])
        except ValueError:
            raise InputError(f"{d / 'parameters.csv'}: {k}", f"value {rows[k]['value']!r} is not a number") from None
    for k in FITTED:
        lo, hi = float(rows[k]["lower"]), float(rows[k]["upper"])
        if not lo < hi:
            raise InputError(f"{d / 'parameters.csv'}: {k}", f"empty bounds [{lo:g}, {hi:g}]")
        bounds[k] = (lo, hi)
    ci = {r["key"]: (float(r["SLA"]), r["source"], r["status"]) for r in _read(d / "ci_types.csv")}
    h = hashlib.sha256()
    for name in ("parameters.csv", "ci_types.csv"):
        h.update((d / name).read_bytes())
    return SafyParams(fixed, bounds, rows, ci, d, h.hexdigest()[:16])
