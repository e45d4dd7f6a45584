"""The report of a run as one self-contained HTML page (report.py tables).

Inline CSS, no JavaScript, no network reference: the page is an attachment an auditor
opens offline.  Same tables as the xlsx report, in the same order; numbers are printed
with 6 significant digits in the per-entity trace tables and with 3 decimals (t CO2e) in
the summary and rabais tables, the full-precision values being in the JSON and xlsx.
"""
from __future__ import annotations

from pathlib import Path

import jinja2

from carbonspec.runtime.reports.content import Report

TEMPLATES = Path(__file__).parent / "templates"


def fmt(v, kind: str = "list") -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "oui" if v else "non"
    if isinstance(v, float):
        if kind == "trace":
            return f"{v:.6g}"
        return f"{v:,.3f}".replace(",", "\u202f") if abs(v) >= 1e-3 or v == 0 else f"{v:.3g}"
    if isinstance(v, int):
        return str(v)
    return str(v)


def report_html(report: Report) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["fmt"] = fmt
    return env.get_template("report.html.j2").render(report=report)
