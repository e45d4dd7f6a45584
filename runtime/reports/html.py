"""The report of a run as one self-contained HTML page (content.py tables).

Inline CSS and inline SVG charts, no JavaScript, no network reference: the page is an
attachment an auditor opens offline.  Same tables as the xlsx report, in the same order.
Numbers are written for people (people.py: French separators, precision by magnitude, rates
as %, units in words); the full-precision values are in the JSON and the xlsx.  When a
placeholder annex row was used, a banner at the top says so and names those that move the
headline figure most (placeholders.py).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, List, Optional, Tuple

import jinja2

from carbonspec.runtime.reports import people
from carbonspec.runtime.reports.content import Report, Table

TEMPLATES = Path(__file__).parent / "templates"
_VALUE_COLUMNS = ("valeur", "évolution")
_NAME_COLUMNS = ("poste", "symbole")


def fmt(v, kind: str = "list") -> str:
    """A cell for people (kept for templates that format a bare value)."""
    if v is None:
        return ""
    if isinstance(v, (bool, int, float)):
        return people.number(v)
    return str(v)


def _cells(t: Table, model: Optional[dict], traced=frozenset()) -> List[List[tuple]]:
    """Every row as (text, css class[, trace anchor]) cells: values formatted by their unit,
    units in words; a summary value whose trace is in the page links to it."""
    words = (model or {}).get("unit_words", {})
    eqs = {e["name"]: e for e in (model or {}).get("equations", [])}
    unit_col = t.header.index("unité") if "unité" in t.header else None
    value_col = next((t.header.index(c) for c in _VALUE_COLUMNS if c in t.header), None)
    name_col = next((t.header.index(c) for c in _NAME_COLUMNS if c in t.header), None)
    rows = []
    for row in t.rows:
        eq = eqs.get(row[name_col]) if name_col is not None and isinstance(row[name_col], str) else None
        rate = eq is not None and (people.is_rate(eq.get("unit"), eq.get("domain")) or _rabais_fraction(model, eq, row, value_col))
        cells = []
        for c, v in enumerate(row):
            css = "path" if c == 0 and t.kind == "trace" or (c == 0 and isinstance(v, str) and v.startswith(("project", "projet"))) else ""
            if c == unit_col and isinstance(v, str):
                text = "%" if rate else people.unit_words(v, words)
            elif c == value_col and rate and isinstance(v, float):
                text, css = people.percent(v), "num"
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                text, css = people.number(v), "num"
            elif v == "NON":
                text, css = v, "fail"
            else:
                text = fmt(v)
            cells.append((text, css))
        if t.name == "summary" and value_col is not None and isinstance(row[0], str) and row[0] in traced:
            text, css = cells[value_col]
            cells[value_col] = (text, css, f"trace-{row[0]}")  # the value links to its trace
        rows.append(cells)
    return rows


def _rabais_fraction(model: Optional[dict], eq: dict, row, value_col) -> bool:
    """A dimensionless equation of the rabais constructs (its rates and the global rabais,
    declared without a domain) whose value is a fraction: shown as a percentage."""
    from carbonspec.runtime.reports.charts import is_rabais_equation

    v = row[value_col] if value_col is not None else None
    return (eq.get("unit") or "1") == "1" and is_rabais_equation(model, eq) and isinstance(v, float) and 0 <= v <= 1


def _units(t: Table, model: Optional[dict]) -> Optional[List[str]]:
    if t.units is None:
        return None
    words = (model or {}).get("unit_words", {})
    return [people.unit_words(u, words) if u not in ("bool", "str", "int", "enum") else u for u in t.units]


def headline(report: Report) -> Optional[Tuple[str, str, str]]:
    """(symbol, value in words, unit in words) of the banner's figure, for the page top."""
    b = report.banner
    if not b or b.get("value") is None:
        return None
    return b["figure"], people.number(b["value"]), b.get("unit", "")


def report_html(report: Report) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["fmt"] = fmt
    env.filters["num"] = people.number
    traced = frozenset(f for _, f, _ in report.traces)
    env.globals["cells"] = lambda t: _cells(t, report.model, traced)
    env.globals["units"] = lambda t: _units(t, report.model)
    env.globals["markup"] = lambda svg: jinja2.utils.markupsafe.Markup(svg)  # our own matplotlib SVG
    return env.get_template("report.html.j2").render(report=report)
