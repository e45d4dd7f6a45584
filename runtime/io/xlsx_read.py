"""Reading a user's workbook (dossier, vendor results) so that nothing is silently dropped.

openpyxl with data_only=True gives None for a formula whose value was never computed (a
workbook written by a script, not saved by a spreadsheet): the cell would look empty and
an optional field would silently take its default.  It also raises raw parser errors
(ParseError, ValueError) on broken sheet XML or on a number such as 'NaN', and gives
float('inf') for '1e999'.  `Workbook` here turns each of these into a located InputError:
the file, the sheet, the cell, what was found and what to do.
"""
from __future__ import annotations

import math
import re
import zipfile
from pathlib import Path
from typing import Any, Dict, List

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from carbonspec.compiler.errors import InputError

MAX_ROWS = 200_000   # a dossier or results sheet of more rows is a mistake (and a memory trap)
MAX_COLUMNS = 2_000


class Workbook:
    """A read-only workbook whose sheets are read whole, values checked (see module doc)."""

    def __init__(self, path: Path, what: str = "workbook"):
        self.path = Path(path)
        self.file = str(path)
        if not self.path.exists():
            raise InputError(self.file, f"cannot read {what}: No such file or directory")
        if self.path.is_dir():
            raise InputError(self.file, f"cannot read {what}: is a directory")
        self.values = self._load(True, what)
        self.formulas = None
        self.sheetnames: List[str] = list(self.values.sheetnames)
        self._what = what

    def _load(self, data_only: bool, what: str):
        try:
            return load_workbook(self.path, read_only=True, data_only=data_only)
        except (InvalidFileException, zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError,
                ValueError, TypeError, IndexError, AttributeError, SyntaxError, EOFError) as exc:
            # SyntaxError: xml.etree's ParseError on a broken workbook.xml
            raise InputError(self.file, f"not a readable xlsx {what} ({type(exc).__name__}: "
                                        f"{str(exc)[:200]})") from None

    def close(self) -> None:
        for wb in (self.values, self.formulas):
            if wb is not None:
                wb.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def rows(self, sheet: str) -> List[tuple]:
        """Every row of `sheet` as a tuple of values; a formula without a stored value, a
        non-finite number or unreadable sheet XML is a located InputError."""
        rows = self._read(self.values, sheet)
        for r, row in enumerate(rows, start=1):
            for c, v in enumerate(row, start=1):
                if isinstance(v, float) and not math.isfinite(v):
                    raise InputError(f"{self.file}: sheet '{sheet}' cell {get_column_letter(c)}{r}",
                                     f"not a finite number ({v}); give a number or leave the cell empty")
        if any(v is None for row in rows for v in row):
            self._check_formulas(sheet, rows)
        return rows

    def _read(self, wb, sheet: str) -> List[tuple]:
        try:
            ws = wb[sheet]
            out = []
            for row in ws.iter_rows(values_only=True):
                if len(out) >= MAX_ROWS:
                    raise InputError(f"{self.file}: sheet '{sheet}'", f"more than {MAX_ROWS} rows")
                out.append(tuple(row[:MAX_COLUMNS]))
            return out
        except InputError:
            raise
        except Exception as exc:  # the sheet's XML is broken: any parser error is the file's fault
            raise InputError(f"{self.file}: sheet '{sheet}'", f"unreadable sheet (broken XML or an invalid cell value: "
                                                              f"{type(exc).__name__}: {str(exc)[:200]}); "
                                                              "open and save it again in a spreadsheet") from None

    def _check_formulas(self, sheet: str, rows: List[tuple]) -> None:
        """A cell empty in the values but holding a formula: its value was never computed.
        Read from the sheet's XML (a formula element without a value element), which is
        cheaper than loading the workbook a second time without data_only."""
        path = getattr(self.values[sheet], "_worksheet_path", None)
        try:
            with zipfile.ZipFile(self.path) as z:
                xml = z.read(path).decode("utf-8", "replace") if path else None
        except (KeyError, OSError, zipfile.BadZipFile):
            xml = None
        if xml is None:  # pragma: no cover - layout unknown: the slow, sure way
            return self._check_formulas_slow(sheet, rows)
        for m in _FORMULA_CELL.finditer(xml):
            body = m.group("body")
            if "<v>" in body or "<v " in body or "<is>" in body:
                continue
            ref = m.group("ref")
            f = _F_TEXT.search(body)
            text = "=" + (f.group(1) if f else "…")
            raise InputError(f"{self.file}: sheet '{sheet}' cell {ref}",
                             f"formula {text[:60]!r} has no computed value in the file (it was never "
                             "calculated); open and save the workbook in a spreadsheet, or type the value")

    def _check_formulas_slow(self, sheet: str, rows: List[tuple]) -> None:
        if self.formulas is None:
            self.formulas = self._load(False, self._what)
        frows = self._read(self.formulas, sheet)
        for r, (vrow, frow) in enumerate(zip(rows, frows), start=1):
            for c, (v, f) in enumerate(zip(vrow, frow), start=1):
                if v is None and isinstance(f, str) and f.startswith("="):
                    raise InputError(f"{self.file}: sheet '{sheet}' cell {get_column_letter(c)}{r}",
                                     f"formula {f[:60]!r} has no computed value in the file (it was never "
                                     "calculated); open and save the workbook in a spreadsheet, or type the value")


_FORMULA_CELL = re.compile(r'<c\b[^>]*\br="(?P<ref>[A-Z]+[0-9]+)"[^>]*>(?P<body>(?:(?!</c>).)*<f[ >/](?:(?!</c>).)*)</c>',
                           re.S)
_F_TEXT = re.compile(r"<f[^>]*>([^<]*)</f>")


def sheet_rows(path: Path, what: str = "workbook") -> Dict[str, List[tuple]]:
    """All sheets of a workbook, read and checked."""
    with Workbook(path, what) as wb:
        return {name: wb.rows(name) for name in wb.sheetnames}


def cell_ok(v: Any) -> bool:  # pragma: no cover - small helper for callers
    return not (isinstance(v, float) and not math.isfinite(v))
