"""Reading a user's JSON (dossier, vendor results, AMG plots) without silently dropping or
inventing anything.

Python's json module keeps the last of duplicate keys (the first value vanishes), reads NaN
and Infinity, turns 1e400 into inf, reads integers of any size (which later overflow a
float), and recurses without limit (a deeply nested file raises RecursionError).  Here each
of these is a located InputError naming the file and what was found.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from carbonspec.compiler.errors import InputError

MAX_DEPTH = 64          # no dossier, results or AMG file nests deeper than ~10
MAX_BYTES = 256 << 20   # 256 MiB: a larger "dossier" is a mistake, not a farm


class _Bad(ValueError):
    pass


def _pairs(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise _Bad(f"key {json.dumps(k, ensure_ascii=False)} appears twice in the same object "
                       "(JSON would keep only the last value); give it once")
        out[k] = v
    return out


def _constant(name):
    return float(name)  # located by _non_finite() after parsing, with the field's path


def _non_finite(doc):
    """The path (project.farms[0].Surf) of the first NaN/Infinity of a parsed document."""
    stack = [(doc, "")]
    while stack:
        obj, path = stack.pop()
        if isinstance(obj, float) and not math.isfinite(obj):
            return path or "(top level)", obj
        if isinstance(obj, dict):
            stack.extend((v, f"{path}.{k}" if path else str(k)) for k, v in reversed(list(obj.items())))
        elif isinstance(obj, list):
            stack.extend((v, f"{path}[{i}]") for i, v in reversed(list(enumerate(obj))))
    return None


def _float(text):
    v = float(text)
    if not math.isfinite(v):
        raise _Bad(f"number {text} is too large for a 64-bit float")
    return v


def _int(text):
    v = int(text)
    if abs(v) > 2 ** 53:  # beyond this a float (what every computation uses) is no longer exact
        raise _Bad(f"integer {text[:40]}{'…' if len(text) > 40 else ''} is too large "
                   "(at most 9007199254740992 in absolute value)")
    return v


def _depth_ok(text: str) -> int:
    """Maximum bracket depth outside strings (checked before parsing, so the parser never
    recurses deeply)."""
    depth = best = 0
    in_str = esc = False
    for ch in text:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            if depth > best:
                best = depth
                if best > MAX_DEPTH:
                    return best
        elif ch in "]}":
            depth -= 1
    return best


def loads(text: str, where: str) -> Any:
    """Parse JSON text strictly (see module doc); errors name `where`."""
    if _depth_ok(text) > MAX_DEPTH:
        raise InputError(where, f"invalid JSON: nested deeper than {MAX_DEPTH} levels")
    try:
        doc = json.loads(text, object_pairs_hook=_pairs, parse_constant=_constant, parse_float=_float,
                         parse_int=_int)
    except _Bad as exc:
        raise InputError(where, f"invalid JSON: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}:{exc.lineno}:{exc.colno}", f"invalid JSON: {exc.msg}") from None
    except RecursionError:  # pragma: no cover - guarded by the depth check
        raise InputError(where, "invalid JSON: nested too deep") from None
    bad = _non_finite(doc)
    if bad is not None:
        raise InputError(f"{where}: {bad[0]}", f"Input should be a finite number, found {bad[1]} "
                                               "(JSON has no NaN or Infinity; give a number or leave the field out)")
    return doc


def load_file(path: Path, what: str = "file") -> Any:
    """Read and strictly parse a JSON file; unreadable, non-UTF-8 or bad JSON is located."""
    where = str(path)
    p = Path(path)
    try:
        if p.is_dir():
            raise InputError(where, f"cannot read {what}: is a folder")
        if p.stat().st_size > MAX_BYTES:
            raise InputError(where, f"cannot read {what}: larger than {MAX_BYTES >> 20} MiB")
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(where, f"cannot read {what}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(f"{where}:{line}", f"not a UTF-8 text file ({exc.reason} at byte {exc.start})") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return loads(text, where)
