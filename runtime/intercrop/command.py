"""What `carbonspec intercrop FILE` does: read (JSON file or Parquet folder), run, render."""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Tuple

from carbonspec.compiler.errors import InputError

from . import render
from .inputs import read_json
from .parquet import read_parquet
from .pipeline import run

FORMATS = ("json", "csv", "html")


def read_any(path: Path):
    path = Path(path)
    if path.is_dir():
        return read_parquet(path)
    if not path.exists():
        raise InputError(str(path), "no such file or folder")
    return read_json(path)


def run_command(path: Path, fmt: str = "json", backend: str = "numba",
                amg_dir: Optional[Path] = None, safy_dir: Optional[Path] = None) -> Tuple[str, str]:
    """(text of the chosen format, one-line summary)."""
    from carbonspec.runtime.models.amg.params import load_params as load_amg
    from carbonspec.runtime.models.crop import load_params as load_safy

    if fmt not in FORMATS:
        raise InputError("--format", f"{fmt!r}: expected one of {', '.join(FORMATS)}")
    doc = read_any(path)
    result = run(doc, str(path), load_amg(amg_dir), load_safy(safy_dir), backend)
    text = {"json": render.to_json, "csv": render.to_csv, "html": render.to_html}[fmt](result)
    n_ci = sum(1 for p in result["plots"] for s in p["seasons"] if s["present"])
    total = sum(f["additional_storage_t_CO2e"] for f in result["farms"])
    summary = (f"{len(result['plots'])} parcelles, {n_ci} cultures intermédiaires ajustées, stockage additionnel "
               f"{total:.2f} t CO2e (AMG, parcelles avec analyse de sol)"
               + (" — DONNÉES SYNTHÉTIQUES" if result["synthetic"] else ""))
    return text, summary
