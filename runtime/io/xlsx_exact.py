"""Full-precision numbers in the xlsx files we write.

openpyxl writes a float with "%.16g" (openpyxl.compat.strings.safe_string), which drops the
17th significant digit some doubles need: -3.1958333333333067 is written -3.195833333333307.
A report cell must equal the JSON result, and a dossier written as xlsx must give the same
results as its JSON twin, so while saving we let openpyxl's cell writer format floats with
repr() (the shortest string that reads back as the same double; Excel reads 17 digits).
The patch is scoped to the `with` block and falls back to openpyxl's own formatting if its
internals move.
"""
from __future__ import annotations

import math
import threading
from contextlib import contextmanager

_lock = threading.Lock()


@contextmanager
def exact_floats():
    try:
        from openpyxl.cell import _writer
    except ImportError:  # pragma: no cover - openpyxl reorganised: keep its formatting
        yield
        return
    original = getattr(_writer, "safe_string", None)
    if original is None:  # pragma: no cover
        yield
        return

    def safe_string(value):
        if isinstance(value, float) and math.isfinite(value):
            return repr(value)
        return original(value)

    with _lock:
        _writer.safe_string = safe_string
        try:
            yield
        finally:
            _writer.safe_string = original
