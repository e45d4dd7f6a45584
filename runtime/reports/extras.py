"""What a person needs on top of the report's tables: the placeholder banner (and its table,
so the xlsx carries it too) and the charts.  Kept apart from content.py, which lists the
figures; this module only reads them."""
from __future__ import annotations

from pathlib import Path

from carbonspec.runtime.reports import charts as charts_mod
from carbonspec.runtime.reports import placeholders

TOP = 5  # rows named in the banner; all are in the "provisoires" table


def _short(text: str, n: int = 140) -> str:
    return text if len(text) <= n else text[:n].rsplit(" ", 1)[0] + " …"


def add_extras(report, compiled, flat, out, doc: dict, annexes=None, charts: bool = True) -> None:
    from carbonspec.runtime.reports.content import Table

    if annexes is None:
        from carbonspec.runtime.engine.tables import load_annexes

        annexes = load_annexes(Path(doc["annexes"]["directory"]), compiled.model)
    figure, rows = placeholders.rank_placeholders(compiled, flat, annexes)
    unit = figure_unit_words(compiled.model, figure)
    if rows:
        base = float(out[figure][0]) if figure else None
        report.banner = {"figure": figure, "value": base, "count": len(rows), "unit": unit,
                         "tables": sorted({r.table for r in rows}),
                         "top": [(r.label, r.delta, r.where, _short(r.source)) for r in rows[:TOP]]}
        summary = report.tables[0]
        summary.notes.insert(0, f"ATTENTION : {len(rows)} ligne(s) d'annexe provisoire(s) (placeholder) ont servi au "
                                f"calcul : résultat de démonstration, pas un crédit (feuille ou section Provisoires).")
        report.tables.insert(1, Table(
            "provisoires", "Lignes d'annexe provisoires utilisées",
            ["ligne d'annexe", "fichier", "source", f"effet sur {figure} de ±10 % ({unit})"],
            [[r.label, r.where, r.source, r.delta] for r in rows],
            notes=[f"{len(rows)} lignes d'annexe marquées « placeholder » (valeur provisoire, non officielle) ont servi "
                   f"au calcul ; classées par l'effet sur {figure} d'une variation de ±10 % de la ligne "
                   "(backend de référence)."]))
    add_traces(report, compiled, flat, out, doc, annexes)
    if not charts:
        return
    from carbonspec.runtime.certification.certify import main_items

    items = main_items(compiled.model)
    total = items[-2]["name"] if len(items) >= 2 else None
    group = items[0]["kind"] if items else ""
    for anchor, title, make in (
            ("graphique-postes", f"Résultats par poste ({group})",
             lambda: charts_mod.line_items_chart(compiled, doc)),
            ("graphique-annees", "Référence et Projet, année par année",
             lambda: charts_mod.yearly_chart(compiled, flat, out)),
            ("graphique-rabais", f"De {total} à {figure} : les rabais",
             lambda: charts_mod.waterfall_chart(compiled, flat, out, total, figure))):
        svg = make()
        if svg:
            report.charts.append((anchor, title, svg))


def figure_unit_words(model: dict, figure) -> str:
    """The unit of the headline figure in words (e.g. 'tonnes équivalent CO2'), from the spec."""
    from carbonspec.runtime.reports import people

    eq = next((e for e in model["equations"] if e["name"] == figure), None)
    return people.unit_words((eq or {}).get("unit"), model.get("unit_words", {})) if eq else ""


TRACE_NODES = 150  # per embedded trace: the first levels are what a reader unfolds; the CLI gives the rest


def add_traces(report, compiled, flat, out, doc: dict, annexes) -> None:
    """The trace of each non-zero line item of the summary, embedded (runtime/trace, issue 15
    item 2), so that its value in the summary links to where it comes from.  Without the trace
    package the report simply has no links."""
    try:
        from carbonspec.runtime.trace import render_html_fragment, trace
    except ImportError:
        return
    root_coll = compiled.schema.entities[compiled.schema.root]["collection"]
    summary = report.tables[0]
    for row in summary.rows:
        name, value = row[0], row[1]
        if not isinstance(value, float) or value == 0 or name not in out:
            continue
        figure = f"{root_coll}.{name}"
        tree = trace(compiled.model, out, flat, figure, annexes=annexes, max_nodes=TRACE_NODES)
        report.traces.append((f"trace-{name}", name, render_html_fragment(tree, open_levels=1)))
