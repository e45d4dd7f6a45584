"""Located errors: what a promoter sees when a spec is wrong.

Every error names file:line:col, shows the offending line with a caret under the
column, says what was expected and, for unknown names, suggests the nearest known
one.  The CLI prints these and exits with code 2; no traceback ever reaches a user.
"""
from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Iterable, Optional

if TYPE_CHECKING:  # only a type here: the runtime imports these errors without the spec's AST
    from .ast import Loc


class CarbonspecError(Exception):
    """Base of every error that is the user's input's fault (exit code 2)."""

    exit_code = 2

    def render(self) -> str:  # pragma: no cover - overridden
        return str(self)


class SpecError(CarbonspecError):
    def __init__(self, loc: Optional[Loc], message: str, hint: Optional[str] = None,
                 source_text: Optional[str] = None):
        super().__init__(message)
        self.loc = loc
        self.message = message
        self.hint = hint
        self.source_text = source_text

    def render(self) -> str:
        if self.loc is None:
            head = f"error: {self.message}"
            return head + (f"\n  hint: {self.hint}" if self.hint else "")
        out = [f"{self.loc}: error: {self.message}"]
        text = self.source_text
        if text is None:
            try:
                with open(self.loc.file, encoding="utf-8") as fh:
                    text = fh.read()
            except OSError:
                text = None
        if text is not None:
            lines = text.splitlines()
            if 1 <= self.loc.line <= len(lines):
                line = lines[self.loc.line - 1]
                out.append(f"  {self.loc.line:>4} | {line}")
                out.append("       | " + " " * max(self.loc.column - 1, 0) + "^")
        if self.hint:
            out.append(f"  hint: {self.hint}")
        return "\n".join(out)

    def __str__(self) -> str:
        return self.render()


class SpecErrors(CarbonspecError):
    """Several independent errors found in one pass; all are reported."""

    def __init__(self, errors: list):
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors

    def render(self) -> str:
        return "\n".join(e.render() for e in self.errors) + f"\n{len(self.errors)} error(s)"

    def __str__(self) -> str:
        return self.render()


class InputError(CarbonspecError):
    """Bad dossier, table file or argument: names the file and the field path."""

    def __init__(self, where: str, message: str):
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message

    def render(self) -> str:
        return f"error: {self.where}: {self.message}"


def suggest(name: str, known: Iterable[str]) -> Optional[str]:
    """The nearest known name, for 'did you mean' hints."""
    known = list(known)
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if not close:
        lowered = {k.lower(): k for k in known}
        close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
        close = [lowered[c] for c in close]
    return f"did you mean '{close[0]}'?" if close else None
