"""Annex sets that extend another (annexes/<method>/<set>/VERSION.json "extends").

A version's annex set is usually a small folder: its VERSION.json names the set it extends
(`"extends": "v2.0"`, a sibling folder) and its tables hold only the rows it replaces or adds, in
the usual layout (annexes/README.md).  Every replaced row carries its own source and status (the
loader requires them); the set also keeps the row it replaced, with that row's source and status,
so the diff, the docs and the resolver can show both.  "v1 bis" of method section 8.5 (a version's
equations with an earlier annex set) is then just `run --annex-set <earlier set>`.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, Optional

from carbonspec.compiler.errors import InputError


def parent_dir(annex_dir: Path) -> Optional[Path]:
    """The folder of the set `annex_dir` extends (VERSION.json "extends"), or None."""
    vf = Path(annex_dir) / "VERSION.json"
    if not vf.exists():
        return None
    try:
        meta = json.loads(vf.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(str(vf), f"invalid VERSION.json: {exc}") from None
    ext = meta.get("extends")
    if ext is None:
        return None
    if not isinstance(ext, str) or "/" in ext or "\\" in ext or ext in ("", ".", ".."):
        raise InputError(f"{vf}: extends", f"expected the name of a sibling annex set folder (e.g. \"v2.0\"), "
                                           f"got {ext!r}")
    p = Path(annex_dir).parent / ext
    if not p.is_dir():
        known = sorted(d.name for d in Path(annex_dir).parent.iterdir() if d.is_dir())
        raise InputError(f"{vf}: extends", f"no annex set '{ext}' beside this one (known: {', '.join(known)})")
    return p


def published(annex_dir: Path) -> Optional[str]:
    """The date from which the set applies (VERSION.json "published", YYYY-MM-DD), or None."""
    vf = Path(annex_dir) / "VERSION.json"
    if not vf.exists():
        return None
    try:
        return json.loads(vf.read_text(encoding="utf-8")).get("published")
    except (OSError, json.JSONDecodeError):
        return None


def overlay(parent, own: Dict[str, object], annex_dir: Path, chain=()):
    """The tables of `parent` (an AnnexSet) with the rows of `own` replacing or adding rows by key.
    Returns (tables, replaced) where replaced[table][key] = {"old": values, "old_source",
    "old_status", "new": values, "source", "status"} (added rows have old None)."""
    tables = {name: _copy(t) for name, t in parent.tables.items()}
    replaced: Dict[str, Dict[tuple, dict]] = {}
    for name, t in own.items():
        base = tables.get(name)
        if base is None:
            tables[name] = t
            replaced[name] = {k: _change(None, None, None, t, k) for k in t.rows}
            continue
        for k in t.rows:
            replaced.setdefault(name, {})[k] = _change(base.rows.get(k), base.sources.get(k), base.status.get(k),
                                                       t, k)
            base.rows[k], base.sources[k], base.status[k] = t.rows[k], t.sources[k], t.status[k]
        base.path, base.sheet = base.path, base.sheet
    return tables, replaced


def _change(old, old_source, old_status, t, k) -> dict:
    return {"old": old, "old_source": old_source, "old_status": old_status, "new": t.rows[k],
            "source": t.sources[k], "status": t.status[k], "where": t.where}


def _copy(t):
    from dataclasses import replace

    return replace(t, rows=dict(t.rows), status=dict(t.status), sources=dict(t.sources))
