"""The report of a run as an xlsx workbook: one sheet per report table (report.py).

Sheets are named in French for the advisers who read them (SHEET_NAMES); an entity's sheet
keeps the entity's name, as in the dossier template the adviser filled in.
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
from carbonspec.runtime.reports.people import unit_words
from carbonspec.runtime.io.workbook import workbook_bytes

_TITLE = Font(bold=True, size=13)
_HEAD = Font(bold=True)
_UNIT = Font(italic=True, color="555555")
_HEAD_FILL = PatternFill("solid", fgColor="DDE7F0")
_FAIL_FILL = PatternFill("solid", fgColor="FDE2C8")


# the report's own tables (content.py names them in English, as the JSON keys) -> sheet names
SHEET_NAMES = {
    "summary": "Synthèse",
    "retroactivity": "Rétroactivité",
    "rabais": "Rabais",
    "eligibility": "Éligibilité",
    "cobenefits": "Co-bénéfices",
    "provenance": "Provenance",
    "provisoires": "Provisoires",
}


def sheet_names(report: Report) -> dict:
    """Table name -> sheet name: SHEET_NAMES for the report's own tables, unless an entity
    or a verdict of the method already has that name (then the table keeps its own)."""
    taken = {t.name for t in report.tables}
    return {t.name: SHEET_NAMES[t.name] if t.name in SHEET_NAMES and SHEET_NAMES[t.name] not in taken else t.name
            for t in report.tables}


def header_row(table) -> int:
    """The 1-based row of a table's header in its sheet (title, notes, blank line first)."""
    return 2 + len(table.notes) + 1


def report_workbook(report: Report) -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    names = sheet_names(report)
    for t in report.tables:
        ws = wb.create_sheet(names[t.name])
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
        unit_col = t.header.index("unité") + 1 if "unité" in t.header else None
        words = (report.model or {}).get("unit_words", {})
        for row in t.rows:
            r += 1
            for c, v in enumerate(row, start=1):
                if c == unit_col and isinstance(v, str) and words:
                    v = unit_words(v, words)  # t_CO2e -> tonnes équivalent CO2
                cell = ws.cell(r, c, _cell(v))
                if v == "NON":
                    cell.fill = _FAIL_FILL
        first_data = header_row(t) + (2 if t.units is not None else 1)
        _number_formats(ws, t, first_data, report.model)
        if t.rows:
            ws.auto_filter.ref = f"A{header_row(t)}:{get_column_letter(len(t.header))}{r}"
        ws.freeze_panes = ws.cell(first_data, 2)
        for c, name in enumerate(t.header, start=1):
            width = max([len(str(name))] + [len(str(row[c - 1])) for row in t.rows[:200] if row[c - 1] is not None])
            ws.column_dimensions[get_column_letter(c)].width = max(8, min(60, width + 2))
    _chart(wb, report, names.get("summary"))
    return wb


def _number_formats(ws, t, first_data: int, model) -> None:
    """Display formats only (the cell keeps the full-precision value): rates of the rabais
    block as %, other numbers with thousands separators and a precision by magnitude."""
    from carbonspec.runtime.reports.charts import is_rabais_equation
    from carbonspec.runtime.reports.people import is_rate

    eqs = {e["name"]: e for e in (model or {}).get("equations", [])}
    name_col = next((t.header.index(c) for c in ("poste", "symbole") if c in t.header), None)
    for i, row in enumerate(t.rows):
        eq = eqs.get(row[name_col]) if name_col is not None and isinstance(row[name_col], str) else None
        rate = eq is not None and (is_rate(eq.get("unit"), eq.get("domain"))
                                   or ((eq.get("unit") or "1") == "1" and is_rabais_equation(model, eq)))
        for c, v in enumerate(row, start=1):
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                continue
            cell = ws.cell(first_data + i, c)
            a = abs(v)
            if rate and 0 <= v <= 1:
                cell.number_format = "0.0%"
            elif isinstance(v, int) or a >= 1000:
                cell.number_format = "#,##0"
            elif a >= 1 or a == 0:
                cell.number_format = "#,##0.00"
            elif a >= 0.001:
                cell.number_format = "0.000"
            else:
                cell.number_format = "0.00E+00"


def _chart(wb, report: Report, summary_sheet) -> None:
    """A native bar chart of the main line items in the headline figure's unit (one axis, one
    unit: as charts.line_items_chart), on the summary sheet, from its cells."""
    from openpyxl.chart import BarChart, Reference

    if not report.model or summary_sheet not in wb.sheetnames:
        return
    from carbonspec.runtime.certification.certify import main_items

    from . import people

    items = main_items(report.model)
    if not items:
        return
    unit = items[-1]["unit"]
    names = {i["name"] for i in items if i["unit"] == unit}
    t = report.table("summary")
    rows = [n for n, row in enumerate(t.rows) if row[0] in names]
    if not rows:
        return
    ws = wb[summary_sheet]
    first = header_row(t) + 1
    if rows == list(range(rows[0], rows[-1] + 1)):
        lo, hi, cat_col, val_col = first + rows[0], first + rows[-1], 1, 2
    else:  # not one run of rows: the chart reads a copy of its rows beside the table
        cat_col, val_col = 15, 16
        ws.cell(header_row(t), cat_col, "graphique : poste")
        ws.cell(header_row(t), val_col, "valeur")
        for j, r in enumerate(rows):
            ws.cell(header_row(t) + 1 + j, cat_col, t.rows[r][0])
            ws.cell(header_row(t) + 1 + j, val_col, t.rows[r][1])
        lo, hi = header_row(t) + 1, header_row(t) + len(rows)
    words = people.unit_words(unit, report.model.get("unit_words", {}))
    chart = BarChart()
    chart.type = "bar"
    chart.title = f"Résultats par poste ({items[0]['kind']}, {words})" if words else \
        f"Résultats par poste ({items[0]['kind']})"
    chart.y_axis.title = words or None
    chart.add_data(Reference(ws, min_col=val_col, min_row=lo, max_row=hi), titles_from_data=False)
    chart.set_categories(Reference(ws, min_col=cat_col, min_row=lo, max_row=hi))
    chart.legend = None
    chart.height, chart.width = 9 + 0.4 * len(rows), 18
    ws.add_chart(chart, f"G{header_row(t)}")


def _cell(v):
    if isinstance(v, (list, tuple, dict)):
        return str(v)
    return v


def report_xlsx_bytes(report: Report) -> bytes:
    # texts as text (a dossier name '=...' is never a formula), full-precision floats
    return workbook_bytes(report_workbook(report), fixed_time=False, exact=True)
