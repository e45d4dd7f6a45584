"""Dossier errors: structured, so each layout can locate them in its own terms.

Validation finds issues at field paths of the dossier tree (`project.farms[0].systems[1].Sfin`);
the engine locates its errors (unknown table key, non-finite equation) by the same paths.  A JSON
dossier shows the path; a workbook shows the sheet and cell as well (dossier_xlsx.Locator), and
both name the file.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, List, Optional

from carbonspec.compiler.errors import InputError

_NOTHING = object()


@dataclass
class Issue:
    """One invalid field: its path in the dossier tree, what is wrong, the value found
    (if any) and what is expected (if known)."""
    path: str
    problem: str
    got: Any = _NOTHING
    expected: Optional[str] = None

    def got_text(self) -> str:
        return "" if self.got is _NOTHING else json.dumps(self.got, ensure_ascii=False, default=str)

    def text(self) -> str:
        """JSON layout: `path: problem (got X); expected Y`."""
        got = f" (got {self.got_text()})" if self.got is not _NOTHING else ""
        want = f"; expected {self.expected}" if self.expected else ""
        return f"{self.path}: {self.problem}{got}{want}"

    def located(self, place: str) -> str:
        """Workbook layout: `sheet 'years' cell D7 (Surf): expected Y, got X (problem) — path`."""
        if self.expected and self.got is not _NOTHING:
            head = f"expected {self.expected}, got {self.got_text()} ({self.problem})"
        elif self.expected:
            head = f"{self.problem}; expected {self.expected}"
        else:
            head = self.problem
        return f"{place}: {head} — field {self.path}"


class DossierError(InputError):
    """A dossier that does not validate: one Issue per field, rendered under the file name."""

    def __init__(self, where: str, issues: List[Issue], more: int = 0, places: Optional[List[str]] = None):
        self.issues = issues
        self.more = more
        if places is None:
            lines = [i.text() for i in issues]
        else:
            lines = [i.located(p) if p else i.text() for i, p in zip(issues, places)]
        tail = f"\n  … and {more} more" if more else ""
        super().__init__(where, "invalid dossier:\n  " + "\n  ".join(lines) + tail)


def is_dossier_path(where: str, root_collection: str) -> bool:
    """Does an error's `where` name a place in the dossier tree (project.farms[0]...)?
    The engine locates errors by field path alone; the caller adds the file (or sheet/cell)."""
    return where == root_collection or where.startswith((root_collection + ".", root_collection + "["))


def relocate(exc: InputError, file: str, root_collection: str,
             locate: Optional[Callable[[str], Optional[str]]] = None) -> InputError:
    """The same error, located in the dossier file: `file: <where>` for a field path, with
    `locate(path)` (e.g. "sheet 'years' cell D7 (Surf)") in front of the path when given.
    Errors about other files (annex tables, arguments) are returned unchanged."""
    def place(path: str) -> str:
        cell = locate(path) if locate is not None else None
        return f"{cell} — {path}" if cell else path

    if isinstance(exc, DossierError):
        if locate is None:
            return exc
        places = [locate(i.path) for i in exc.issues]
        return DossierError(file, exc.issues, exc.more, places)
    if is_dossier_path(exc.where, root_collection):
        return InputError(f"{file}: {place(exc.where)}", exc.message)
    return exc
