"""The effect of a new version, for `carbonspec diff` and the "Changements depuis vX" page.

- annex rows: every row of every table added, removed or changed between the two versions' annex
  sets (values, source, status);
- results: both versions computed (NumPy reference interpreter, each with its own annex set) on
  the cas-type of the OLDER version (runtime/certification/castype.py, method section 8.5), per case
  and line item (certify.line_items): old, new, Δ %.  A case the newer version refuses (its dossier
  format changed) is reported with the reason, never dropped.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np

from carbonspec.compiler.errors import CarbonspecError, InputError


def annex_dir(root: Path, mj: dict) -> Path:
    """annexes/<method>/<set>/, the set the version names (model.json "annex_set")."""
    return Path(root) / "annexes" / mj["method"] / (mj.get("annex_set") or f"v{mj['version']}")


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def annex_changes(old_mj: dict, old_dir: Path, new_mj: dict, new_dir: Path) -> dict:
    """{"old": set, "new": set, "rows": [...]} — each row added, removed or changed."""
    from carbonspec.runtime.engine.tables import load_annexes

    old = load_annexes(old_dir, old_mj)
    new = load_annexes(new_dir, new_mj)
    rows = []
    for name in sorted(set(old.tables) | set(new.tables)):
        a, b = old.tables.get(name), new.tables.get(name)
        keys = sorted(set(a.rows if a else {}) | set(b.rows if b else {}))
        for k in keys:
            ov = a.rows.get(k) if a else None
            nv = b.rows.get(k) if b else None
            if ov is not None and nv is not None:
                cols = [c for c in nv if not _same(ov.get(c), nv.get(c))]
                if not cols and a.sources[k] == b.sources[k] and a.status[k] == b.status[k]:
                    continue
                change = "changed"
            else:
                cols, change = [], "added" if ov is None else "removed"
            rows.append({"table": name, "key": list(k), "change": change, "columns": cols,
                         "old": _clean(ov), "new": _clean(nv),
                         "old_source": a.sources.get(k) if a else None, "source": b.sources.get(k) if b else None,
                         "old_status": a.status.get(k) if a else None, "status": b.status.get(k) if b else None,
                         "where": b.where if b else a.where})
    return {"old": {"set": Path(old_dir).name, "version": old.version, "hash": old.content_hash},
            "new": {"set": Path(new_dir).name, "version": new.version, "hash": new.content_hash,
                    "extends": new.extends.version if new.extends is not None else None},
            "rows": rows}


def _clean(v: Optional[dict]) -> Optional[dict]:
    if v is None:
        return None
    return {k: (None if isinstance(x, float) and math.isnan(x) else x) for k, x in v.items()}


def _compiled(mj: dict):
    from carbonspec.runtime.dossier.reader import DossierSchema
    from carbonspec.runtime.engine.core import Compiled

    return Compiled(Path("."), mj, DossierSchema(mj))


def line_values(compiled, annexes, dossier: dict, items: List[str], where: str) -> Dict[str, float]:
    """The line items of one dossier, computed by the reference interpreter."""
    from carbonspec.runtime.engine.core import check_outputs, resolve_lookups, run_backend

    flat = compiled.schema.flatten(json.loads(json.dumps(dossier)), where)
    resolve_lookups(compiled, flat, annexes.tables)
    out = run_backend(compiled, flat.data, "reference")
    check_outputs(compiled, flat, out)
    return {name: float(out[name][0]) for name in items if name in out}


def case_dossiers(mj: dict) -> Tuple[Dict[str, dict], str]:
    """({case: dossier}, version whose cas-type it is) of a version's cas-type (through castype.cases_for, whatever it returns:
    builders or dossiers); a version without its own takes the nearest one of the versions it
    extends (it reads their dossiers, model.json "dossier_versions")."""
    from carbonspec.runtime.certification.castype import cases_for

    versions = mj.get("dossier_versions") or [mj["version"]]
    for i, v in enumerate(versions):
        try:
            cases = cases_for({**mj, "version": v})
        except (InputError, ImportError, AttributeError):
            if i == len(versions) - 1:
                raise
            continue
        return {name: (c() if callable(c) else c) for name, c in cases.items()}, v
    return {}, mj["version"]


def effects(old_mj: dict, old_dir: Path, new_mj: dict, new_dir: Path) -> dict:
    """Both versions on the older version's cas-type: per case and line item, old, new, Δ %."""
    from carbonspec.runtime.certification.certify import line_items
    from carbonspec.runtime.engine.tables import load_annexes

    try:
        cases, castype_of = case_dossiers(old_mj)
    except (InputError, ImportError, AttributeError) as exc:  # no cas-type written for that version
        return {"available": False, "note": f"pas de cas-type pour la v{old_mj['version']} : "
                                            f"{getattr(exc, 'message', None) or exc}", "items": [], "cases": []}
    old_items = [i["name"] for i in line_items(old_mj)]
    new_items = [i["name"] for i in line_items(new_mj)]
    items = old_items + [n for n in new_items if n not in old_items]
    units = {i["name"]: i["unit"] for i in (*line_items(old_mj), *line_items(new_mj))}
    old_c, new_c = _compiled(old_mj), _compiled(new_mj)
    old_a, new_a = load_annexes(old_dir, old_mj), load_annexes(new_dir, new_mj)
    rows = []
    for name, dossier in cases.items():
        entry = {"case": name, "values": {}, "error": None}
        try:
            ov = line_values(old_c, old_a, dossier, items, f"cas-type v{old_mj['version']} '{name}'")
        except CarbonspecError as exc:
            entry["error"] = f"v{old_mj['version']} : {exc.render()}"
            rows.append(entry)
            continue
        try:
            nv = line_values(new_c, new_a, {**dossier, "version": new_mj["version"]}, items,
                             f"cas-type v{old_mj['version']} '{name}' (v{new_mj['version']})")
        except CarbonspecError as exc:
            entry["error"] = f"v{new_mj['version']} refuse ce cas : {exc.render()}"
            nv = {}
        for item in items:
            o, n = ov.get(item), nv.get(item)
            entry["values"][item] = {"old": o, "new": n, "delta_pct": delta_pct(o, n)}
        rows.append(entry)
    changed = sorted({item for r in rows for item, v in r["values"].items() if differs(v["old"], v["new"])},
                     key=items.index)
    return {"available": True, "castype_of": castype_of, "items": items, "units": units,
            "cases": rows, "changed_items": changed,
            "changed_cases": [r["case"] for r in rows
                              if r["error"] or any(differs(v["old"], v["new"]) for v in r["values"].values())]}


def differs(a: Optional[float], b: Optional[float]) -> bool:
    """A change beyond floating-point noise (1e-9 relative)."""
    if a is None or b is None:
        return a is not b
    return not np.isclose(a, b, rtol=1e-9, atol=1e-12)


def delta_pct(a: Optional[float], b: Optional[float]) -> Optional[float]:
    if a is None or b is None:
        return None
    if not differs(a, b):
        return 0.0
    if a == 0:
        return None  # from 0: no percentage
    return (b - a) / abs(a) * 100.0


def diff_document(old_model, new_model, old_dir: Path, new_dir: Path, root: Path, with_effects: bool = True) -> dict:
    """The whole diff of two checked models (compiler.model.Model) as one JSON-able document."""
    from carbonspec.compiler.diff import CATEGORY_TITLES, spec_changes
    from carbonspec.compiler.model_json import model_json

    old_mj, new_mj = model_json(old_model), model_json(new_model)
    changes = spec_changes(old_model, new_model)
    rows_of = {}
    for r in new_model.retroactivity:
        for name in r.covers:
            rows_of.setdefault(name, []).append({"section": r.section, "change": r.change,
                                                 "retroactive": r.retroactive})
    old_annex, new_annex = annex_dir(root, old_mj), annex_dir(root, new_mj)
    doc = {
        "old": {"method": old_mj["method"], "version": old_mj["version"], "spec_dir": str(old_dir),
                "spec_hash": old_mj["spec_hash"], "title": old_mj["title"], "annex_set": old_mj["annex_set"]},
        "new": {"method": new_mj["method"], "version": new_mj["version"], "spec_dir": str(new_dir),
                "spec_hash": new_mj["spec_hash"], "title": new_mj["title"], "annex_set": new_mj["annex_set"],
                "extends": new_mj["parent"]},
        "categories": CATEGORY_TITLES,
        "changes": [{**c.as_dict(), "retroactivity": rows_of.get(c.name, [])} for c in changes],
        "retroactivity_rows": [{"section": r.section, "change": r.change, "retroactive": r.retroactive,
                                "covers": list(r.covers)} for r in new_model.retroactivity]
        if new_mj["parent"] else [],
    }
    if old_annex.is_dir() and new_annex.is_dir():
        doc["annexes"] = annex_changes(old_mj, old_annex, new_mj, new_annex)
        for row in doc["annexes"]["rows"]:
            row["retroactivity"] = rows_of.get(row["table"], [])
    else:
        doc["annexes"] = {"note": f"jeu d'annexes introuvable ({old_annex} ou {new_annex})", "rows": []}
    doc["effects"] = (effects(old_mj, old_annex, new_mj, new_annex) if with_effects and old_annex.is_dir()
                      and new_annex.is_dir() else {"available": False, "note": "non calculé", "items": [],
                                                   "cases": []})
    return doc
