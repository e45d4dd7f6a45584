"""Workbooks we write: every text as text (never a formula), bytes that depend on the
content only (fixed timestamps), written through the one atomic writer (io/output.py).

Formula injection: openpyxl stores any string starting with '=' as a formula, so a dossier
file name or a vendor's case name '=HYPERLINK(...)' would run in the auditor's Excel.
`as_text` turns every such cell back into a string cell just before saving; every workbook
carbonspec writes is saved through `workbook_bytes`, so no writer can forget it.
"""

import io
import re
import zipfile
from pathlib import Path

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
FIXED_ISO = "1980-01-01T00:00:00Z"


def as_text(wb) -> int:
    """Make every formula cell of `wb` a string cell (we never write formulas on purpose);
    returns how many cells were changed."""
    changed = 0
    for ws in wb.worksheets:
        # the cells that exist (iter_rows would create empty ones and change the sheet)
        cells = ws._cells.values() if hasattr(ws, "_cells") else (c for row in ws.iter_rows() for c in row)
        for cell in cells:
            if cell.data_type == "f" or (isinstance(cell.value, str) and cell.data_type != "s"):
                cell.data_type = "s"
                changed += 1
    return changed


def workbook_bytes(wb, fixed_time: bool = True, exact: bool = False) -> bytes:
    """The bytes of `wb`: texts as text; with `fixed_time` the timestamps are fixed (same
    content, same bytes); with `exact` floats keep all 17 digits (io/xlsx_exact.py)."""
    import datetime

    as_text(wb)
    buf = io.BytesIO()
    if fixed_time:
        wb.properties.created = datetime.datetime(1980, 1, 1)
    if exact:
        from carbonspec.runtime.io.xlsx_exact import exact_floats

        with exact_floats():
            wb.save(buf)
    else:
        wb.save(buf)
    if not fixed_time:
        return buf.getvalue()
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = data.decode("utf-8")
                text = re.sub(r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)", rf"\g<1>{FIXED_ISO}\g<3>", text)
                data = text.encode("utf-8")
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, data)
    return out.getvalue()


def save_workbook(wb, path: Path, exact: bool = False) -> None:
    """Save an openpyxl workbook (texts as text, fixed timestamps) atomically to a regular file."""
    from carbonspec.runtime.io.output import write_file

    write_file(Path(path), workbook_bytes(wb, exact=exact))
