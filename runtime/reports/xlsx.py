"""The report of a run as an xlsx workbook: one sheet per report table (report.py).

Layout of every sheet: row 1 the table's title, then its notes, an empty row, the header
row (bold), for per-entity tables a units row (italic), then the data.  Numbers are
written at full precision (a summary cell equals the JSON result exactly); an absent input
is an empty cell.  The workbook is rendered to bytes in memory; the caller writes the file
only once everything is computed and rendered (no partial report under the requested name).
"""
from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from carbonspec.runtime.reports.content import Report
from carbonspec.runtime.io.workbook import workbook_bytes

_TITLE = Font(bold=True, size=13)
_HEAD = Font(bold=True)
_UNIT = Font(italic=True, color="555555")
_HEAD_FILL = PatternFill("solid", fgColor="DDE7F0")
_FAIL_FILL = PatternFill("solid", fgColor="FDE2C8")


def header_row(table) -> int:
    """The 1-based row of a table's header in its sheet (title, notes, blank line first)."""
    return 2 + len(table.notes) + 1


def report_workbook(report: Report) -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    for t in report.tables:
        ws = wb.create_sheet(t.name)
        ws.cell(1, 1, t.title).font = _TITLE
        for i, note in enumerate(t.notes, start=2):
            ws.cell(i, 1, note)
        r = header_row(t)
        for c, name in enumerate(t.header, start=1):
            cell = ws.cell(r, c, name)
            cell.font, cell.fill = _HEAD, _HEAD_FILL
        if t.units is not None:
            r += 1
            for c, unit in enumerate(t.units, start=1):
                ws.cell(r, c, unit).font = _UNIT
        for row in t.rows:
            r += 1
            for c, v in enumerate(row, start=1):
                cell = ws.cell(r, c, _cell(v))
                if v == "NON":
                    cell.fill = _FAIL_FILL
        ws.freeze_panes = ws.cell(header_row(t) + (2 if t.units is not None else 1), 2)
        for c, name in enumerate(t.header, start=1):
            width = max([len(str(name))] + [len(str(row[c - 1])) for row in t.rows[:200] if row[c - 1] is not None])
            ws.column_dimensions[get_column_letter(c)].width = max(8, min(60, width + 2))
    return wb


def _cell(v):
    if isinstance(v, (list, tuple, dict)):
        return str(v)
    return v


def report_xlsx_bytes(report: Report) -> bytes:
    # texts as text (a dossier name '=...' is never a formula), full-precision floats
    return workbook_bytes(report_workbook(report), fixed_time=False, exact=True)
