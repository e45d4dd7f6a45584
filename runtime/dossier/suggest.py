"""'Did you mean' for a misspelt field name of a JSON dossier.

Pydantic reports a typo twice: the unknown name (extra_forbidden) and, when the intended
field is required, that field as missing.  The user needs one line: the unknown name and
the closest known field of the same object (difflib, as the xlsx reader does for column
headers).  `merge_typos` turns each such pair into that one line.
"""
from __future__ import annotations

import difflib
import re
from typing import Dict, List, Optional

from carbonspec.runtime.dossier.errors import _NOTHING, Issue

_TOP_FIELDS = ("method", "version", "name")


def known_fields(schema, container: str) -> Optional[List[str]]:
    """Field names allowed in the object at `container` (a dossier path such as
    `project.farms[0].systems[1]`, or "" for the document), or None if the path is not an entity."""
    root_coll = schema.entities[schema.root]["collection"]
    if container == "":
        return [*_TOP_FIELDS, root_coll]
    parts = re.findall(r"[A-Za-z_][A-Za-z_0-9]*", container)
    if not parts or parts[0] != root_coll:
        return None
    ent = schema.root
    for part in parts[1:]:
        child = next((c for c in schema.children[ent] if schema.entities[c]["collection"] == part), None)
        if child is None:
            return None
        ent = child
    return ([i["name"] for i in schema.inputs[ent]]
            + [schema.entities[c]["collection"] for c in schema.children[ent]])


def _split(path: str):
    """`a.b[0].c` -> ("a.b[0]", "c")."""
    head, _, last = path.rpartition(".")
    return head, last


def closest(name: str, known: List[str]) -> Optional[str]:
    lowered = {k.lower(): k for k in known}
    if name.lower() in lowered:  # a case slip: Surf vs surf
        return lowered[name.lower()]
    match = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return match[0] if match else None


def merge_typos(schema, issues: List[Issue]) -> List[Issue]:
    """Each unknown field gets its closest known name; a required field reported missing in
    the same object, and named as that suggestion, is folded into the unknown field's line."""
    missing: Dict[str, int] = {i.path: n for n, i in enumerate(issues) if i.problem == "Field required"}
    replaced: Dict[int, Issue] = {}
    drop = set()
    for n, issue in enumerate(issues):
        if issue.problem != "unknown field":
            continue
        container, name = _split(issue.path)
        known = known_fields(schema, container)
        guess = closest(name, known) if known else None
        if guess is None:
            hint = (f"; known fields here: {', '.join(known)}" if known and len(known) <= 12
                    else "; check its spelling against the dossier schema")
            replaced[n] = Issue(issue.path, "unknown field" + hint, issue.got)
            continue
        full = f"{container}.{guess}" if container else guess
        if full in missing:
            drop.add(missing[full])
        replaced[n] = Issue(issue.path, f"unknown field; did you mean '{guess}'?", issue.got)
    return [replaced.get(n, i) for n, i in enumerate(issues) if n not in drop]
