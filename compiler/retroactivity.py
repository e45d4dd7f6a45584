"""Retroactivity linked to spec items (method section 1.8, Annexe 2).

Each row of a version's retroactivity table names the spec items it covers (`covers NAME, ...`
on the line after the row).  For a version that `extends` its parent, every item that differs
from the parent (compiler/diff.py) must be covered by a row; otherwise `compile` warns, naming the
item and the closest row.  A row naming an unknown item is an error.  What each changed item's
row says (retroactive or not) goes to model.json ("changes"), where the runtime resolver
(runtime/versions/resolver.py) reads it.
"""
from __future__ import annotations

import difflib
import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from . import ast as A
from .errors import SpecError, SpecErrors, suggest

RETROACTIVE = {"oui": True, "non": False}


@lru_cache(maxsize=8)
def _parent_model(parent_dir: str, mtime: float):
    from .model import check_spec_dir

    return check_spec_dir(Path(parent_dir))


def parent_model(model):
    """The checked model of the parent version (cached per folder and modification time)."""
    d = Path(model.lineage.parent_dir)
    mtime = max(p.stat().st_mtime for p in d.glob("*.cspec"))
    return _parent_model(str(d.resolve()), mtime)


def check_version(model) -> None:
    """Compare `model` with its parent; record the changes and the rows that cover them on the
    model (model.changes, model.parent_model) and warn about every change no row covers."""
    from .diff import spec_changes

    parent = parent_model(model)
    changes = spec_changes(parent, model)
    model.parent_model = parent
    model.changes = changes
    known = set(model.symbols) | set(model.tables) | set(model.entities) | set(model.enums) \
        | {i.name for i in model.invariants} | {c.name for c in changes}
    errors = []
    for row in model.retroactivity:
        for name in row.covers:
            if name not in known:
                errors.append(SpecError(row.covers_loc or row.loc, f"retroactivity row covers '{name}', which is no "
                                        "item of this version or its parent", suggest(name, known),
                                        _text(model, row.loc)))
    if errors:
        raise SpecErrors(errors)
    rows_of = covering_rows(model)
    changed = {c.name for c in changes}
    for c in changes:
        if rows_of.get(c.name):
            continue
        loc = c.loc or _remove_loc(model, c.name) or model.method.loc
        closest = closest_row(model.retroactivity, c.section, c.name)
        where = (f"closest row: « {closest.section} — {closest.change} » ({closest.retroactive}) at {closest.loc}"
                 if closest else "this version has no retroactivity table")
        model.warnings.append(SpecError(
            loc, f"'{c.name}' ({c.category}, {c.change}) differs from version {model.lineage.parent[1]} and no row "
                 f"of the retroactivity table covers it; {where}",
            f"add '{c.name}' to the 'covers' line of its row (Annexe 2: is the update retroactive?)",
            _text(model, loc)))
    for row in model.retroactivity:
        for name in row.covers:
            if name not in changed and name in model.symbols:
                model.warnings.append(SpecError(row.covers_loc or row.loc, f"retroactivity row covers '{name}', "
                                                f"which did not change from version {model.lineage.parent[1]}",
                                                None, _text(model, row.loc)))


def covering_rows(model) -> Dict[str, List[A.RetroDecl]]:
    out: Dict[str, List[A.RetroDecl]] = {}
    for row in model.retroactivity:
        for name in row.covers:
            out.setdefault(name, []).append(row)
    return out


def retroactive(rows: List[A.RetroDecl]) -> Optional[bool]:
    """A change is retroactive when every row covering it says 'oui' (one 'non' is enough to
    make it apply only to projects notified after the version); None when no row decides."""
    flags = [RETROACTIVE.get(r.retroactive) for r in rows]
    flags = [f for f in flags if f is not None]
    if not flags:
        return None
    return all(flags)


def closest_row(rows: List[A.RetroDecl], section: Optional[str], name: str) -> Optional[A.RetroDecl]:
    """The row whose section shares the longest prefix with the item's section; ties broken by
    how close the item's name is to the row's covered names and description."""
    if not rows:
        return None

    def score(r: A.RetroDecl) -> Tuple[int, float]:
        m = re.match(r"\s*(\d+(?:\.\d+)*)", r.section)
        rs = m.group(1).split(".") if m else []
        ss = (section or "").split(".")
        common = 0
        for a, b in zip(rs, ss):
            if a != b:
                break
            common += 1
        text = " ".join(r.covers) + " " + r.change
        return common, difflib.SequenceMatcher(None, name.lower(), text.lower()).ratio()

    return max(rows, key=score)


def changes_json(model) -> List[dict]:
    """model.json "changes": every item changed from the parent, with its covering rows and
    whether it is retroactive."""
    rows_of = covering_rows(model)
    out = []
    for c in getattr(model, "changes", []) or []:
        rows = rows_of.get(c.name, [])
        out.append({**c.as_dict(), "retroactive": retroactive(rows),
                    "rows": [{"section": r.section, "change": r.change, "retroactive": r.retroactive,
                              "spec": f"{Path(r.loc.file).name}:{r.loc.line}"} for r in rows]})
    return out


def _remove_loc(model, name: str) -> Optional[A.Loc]:
    lineage = model.lineage
    from .model import _parse_dir

    for f in _parse_dir(lineage.spec_dir):
        for it in f.items:
            if isinstance(it, A.RemoveDecl) and it.name == name:
                return it.name_loc
    return None


def _text(model, loc) -> Optional[str]:
    if loc is None:
        return None
    for f in model.files:
        if f.path == loc.file:
            return f.text
    try:
        return Path(loc.file).read_text(encoding="utf-8")
    except OSError:
        return None
