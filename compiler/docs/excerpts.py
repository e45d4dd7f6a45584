"""The method's own words beside each formula, from a file the repository keeps.

The docs quote the lines of the method text each spec item cites.  The text itself lives
outside the repository (../shared/methods/), so a fresh clone cannot be assumed to have
it: `carbonspec compile` extracts the cited lines into spec/<m>/<v>/source-excerpts.json
whenever it finds the text, the file is committed, and the docs are always built from
that file (the same bytes with or without the text).  A test checks the committed file
is current when the text is present.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

from .. import ast as A

EXCERPTS_FILE = "source-excerpts.json"
METHODS_ENV = "CARBONSPEC_METHODS"  # a folder holding the method texts, if not ../shared/methods

# "Equation 5 : Calcul des émissions de N_2O directes", "Tableau 5 : Critères ..." — the
# method's own captions, so the index can title each number as the method does
_CAPTION_RE = re.compile(r"^\s*(?:\*\*)?(Équation|Equation|Tableau|Annexe)\s+(\d+(?:\s*bis)?)\s*[:\-–—]\s*(.+?)\s*(?:\*\*)?\s*$")


def sources_of(model) -> Iterator[A.Source]:
    """Every citation in the spec (symbols, tables, entities, choices, invariants, rows of
    the retroactivity table, ...), found by walking the AST so a new kind of item is
    covered without a change here."""
    seen = set()

    def walk(x) -> Iterator[A.Source]:
        if isinstance(x, A.Source):
            yield x
        elif dataclasses.is_dataclass(x) and not isinstance(x, type):
            if id(x) in seen:
                return
            seen.add(id(x))
            for f in dataclasses.fields(x):
                yield from walk(getattr(x, f.name))
        elif isinstance(x, (list, tuple)):
            for y in x:
                yield from walk(y)
        elif isinstance(x, dict):
            for y in x.values():
                yield from walk(y)

    for f in model.files:
        yield from walk(f.items)


def cited_lines(model) -> List[int]:
    lines = set()
    for s in sources_of(model):
        for a, b in (s.ranges or tuple((n, n) for n in s.lines)):
            lines.update(range(a, b + 1))
    return sorted(lines)


def spec_dir_of(model) -> Path:
    """The folder of the file that declares this method version (with `extends`, the
    model also holds the files of the version it extends, in their own folder)."""
    for f in model.files:
        for item in f.items:
            if isinstance(item, A.MethodDecl) and item.version == model.method.version:
                return Path(f.path).resolve().parent
    return Path(model.files[0].path).resolve().parent


def find_method_text(model) -> Optional[Path]:
    """The method text the spec's `source` names: $CARBONSPEC_METHODS, else a
    shared/methods/ folder beside the checkout or one of its parents."""
    name = model.method.source
    if not name or not model.files:
        return None
    candidates = []
    env = os.environ.get(METHODS_ENV)
    if env:
        candidates.append(Path(env) / name)
    for parent in spec_dir_of(model).parents:
        candidates.append(parent / "shared" / "methods" / name)
    return next((c for c in candidates if c.is_file()), None)


def extract(model, text_path: Path) -> Dict[str, object]:
    """The cited lines of the method text (1-based, as the spec cites them), with the
    method's captions of equations and tables, and the text's hash."""
    data = text_path.read_bytes()
    text_lines = data.decode("utf-8").splitlines()
    lines = {str(n): text_lines[n - 1].rstrip() for n in cited_lines(model) if 1 <= n <= len(text_lines)}
    captions = {}
    for i, line in enumerate(text_lines, start=1):
        m = _CAPTION_RE.match(line)
        if m and not re.search(r"\.{4,}|\t\s*\d+\s*$", line):  # not the table of contents
            kind = {"Equation": "Équation"}.get(m.group(1), m.group(1))
            key = f"{kind} {m.group(2).replace(' ', '')}"
            captions.setdefault(key, {"line": i, "text": m.group(3).strip("* ")})
    return {"source": model.method.source, "sha256": hashlib.sha256(data).hexdigest(),
            "line_count": len(text_lines), "lines": lines, "captions": captions}


def render(excerpts: Dict[str, object]) -> bytes:
    return (json.dumps(excerpts, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def refresh(model) -> Optional[Path]:
    """Write spec/<m>/<v>/source-excerpts.json from the method text when the text is
    found and the file differs; return the path written (None: nothing to do)."""
    text = find_method_text(model)
    if text is None or not model.files:
        return None
    path = spec_dir_of(model) / EXCERPTS_FILE
    data = render(extract(model, text))
    if path.exists() and path.read_bytes() == data:
        return None
    tmp = path.with_name(f".{path.name}.part")
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError:  # a read-only checkout: the committed file is used as it is
        tmp.unlink(missing_ok=True)
        return None
    return path


def load(model) -> Dict[str, object]:
    """The committed excerpts (empty when the spec has none: the docs say the text is
    not available rather than fail)."""
    if not model.files:
        return {"lines": {}, "captions": {}}
    path = spec_dir_of(model) / EXCERPTS_FILE
    if not path.exists():
        return {"lines": {}, "captions": {}}
    return json.loads(path.read_text(encoding="utf-8"))


def quote(excerpts: Dict[str, object], source: Optional[A.Source]) -> List[Dict[str, object]]:
    """The cited lines of one source, in citation order: [{"range": "L1254", "lines":
    [(1254, text), ...]}]; blank lines inside a range are dropped."""
    if source is None:
        return []
    lines = excerpts.get("lines", {})
    out = []
    for a, b in (source.ranges or tuple((n, n) for n in source.lines)):
        got: List[Tuple[int, str]] = [(n, lines[str(n)]) for n in range(a, b + 1)
                                     if str(n) in lines and lines[str(n)].strip()]
        out.append({"range": f"L{a}" if a == b else f"L{a}–L{b}", "lines": got})
    return out
