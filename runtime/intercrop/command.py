"""What `carbonspec intercrop FILE` does: read (JSON file or Parquet folder), run, render."""
from __future__ import annotations

import json
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


def _run(path: Path, backend: str, amg_dir: Optional[Path], safy_dir: Optional[Path]):
    from carbonspec.runtime.models.amg.params import load_params as load_amg
    from carbonspec.runtime.models.crop import load_params as load_safy

    doc = read_any(path)
    return doc, run(doc, str(path), load_amg(amg_dir), load_safy(safy_dir), backend)


def _summary(result: dict) -> str:
    n_ci = sum(1 for p in result["plots"] for s in p["seasons"] if s["present"])
    total = sum(f["additional_storage_t_CO2e"] for f in result["farms"])
    return (f"{len(result['plots'])} parcelles, {n_ci} cultures intermédiaires ajustées, stockage additionnel "
            f"{total:.2f} t CO2e (AMG, parcelles avec analyse de sol)"
            + (" — DONNÉES SYNTHÉTIQUES" if result["synthetic"] else ""))


def _render(result: dict, fmt: str) -> str:
    return {"json": render.to_json, "csv": render.to_csv, "html": render.to_html}[fmt](result)


def run_command(path: Path, fmt: str = "json", backend: str = "numba",
                amg_dir: Optional[Path] = None, safy_dir: Optional[Path] = None) -> Tuple[str, str]:
    """(text of the chosen format, one-line summary)."""
    if fmt not in FORMATS:
        raise InputError("--format", f"{fmt!r}: expected one of {', '.join(FORMATS)}")
    _, result = _run(path, backend, amg_dir, safy_dir)
    return _render(result, fmt), _summary(result)


def run_with_dossier(path: Path, dossier: Path, root: Path, fmt: str = "json", backend: str = "numba",
                     amg_dir: Optional[Path] = None, safy_dir: Optional[Path] = None,
                     first_year: Optional[int] = None, annexes: Optional[Path] = None) -> dict:
    """The run, and the base `dossier` with the measured cover crops written in as its method's
    spec declares (dossier.py).  Returns text and summary (as run_command), the filled dossier
    as JSON text, the notes and the per system-year record (also under `dossier` in the json)."""
    from .dossier import build_dossier

    if fmt not in FORMATS:
        raise InputError("--format", f"{fmt!r}: expected one of {', '.join(FORMATS)}")
    doc, result = _run(path, backend, amg_dir, safy_dir)
    filled, notes, record = build_dossier(doc, result, str(path), dossier, root, first_year, annexes)
    result["dossier"] = {"base": str(dossier), **record, "notes": notes}
    text = json.dumps(filled, ensure_ascii=False, indent=1) + "\n"
    n = len(record["years"])
    summary = _summary(result) + (f" ; dossier {record['method']} v{record['version']} : {n} année(s) de système "
                                  f"renseignée(s) (cultures intermédiaires mesurées)")
    return {"text": _render(result, fmt), "summary": summary, "dossier": text, "notes": notes, "record": record}
