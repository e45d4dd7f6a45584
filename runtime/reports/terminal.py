"""The short summary `run` prints on the terminal (stderr, so stdout stays pure JSON): the
t CO2e line items, the rates, the verdict and how many placeholder annex rows were used."""
from __future__ import annotations

from typing import Optional

from rich.table import Table

from carbonspec.runtime.reports import people


def summary_table(compiled, doc: dict, placeholders_used: Optional[int] = None) -> Table:
    from carbonspec.runtime.certification.certify import main_items, summary_items
    from carbonspec.runtime.reports.content import rabais_equations

    model = compiled.model
    words = model.get("unit_words", {})
    eqs = {e["name"]: e for e in model["equations"]}
    title = f"{model.get('title') or model['method']} v{model['version']}"
    t = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
    t.add_column("poste")
    t.add_column("valeur", justify="right")
    t.add_column("unité")
    main = {i["name"] for i in main_items(model)}
    items = [i for i in summary_items(model) if i["name"] in doc["results"]]
    last_re = [i for i in items if i["name"] in main][-1:] or [None]
    rabais = set(rabais_equations(model))
    for i in items:
        v = doc["results"][i["name"]]
        if v == 0 and i is not last_re[0] and i["name"] in main:
            continue  # short: a line item the dossier does not use is left out (the reports list all)
        eq = eqs.get(i["name"], {})
        rate = people.is_rate(eq.get("unit"), eq.get("domain")) or ((eq.get("unit") or "1") == "1" and i["name"] in rabais)
        text = people.percent(v) if rate else people.number(v)
        style = "bold" if i is last_re[0] else None
        t.add_row(i["name"], text, "" if rate else people.unit_words(i["unit"], words), style=style)
    from carbonspec.runtime.reports.content import verdict_badges

    t.caption = " · ".join(
        (v["says"] if v["passed"] else f"{v['says'].upper()} ({v['title']})") if v["name"] != "eligibility" else
        ("éligible" if v["passed"] else f"NON ÉLIGIBLE ({len(doc['eligibility']['failed'])} critère(s))")
        for v in verdict_badges(model, doc))
    if placeholders_used:
        t.caption += f" · {placeholders_used} ligne(s) d'annexe provisoire(s) utilisée(s) : résultat de démonstration"
    t.caption_justify = "left"
    return t


def placeholder_count(compiled, flat, annexes) -> int:
    from carbonspec.runtime.reports.placeholders import used_rows

    return sum(1 for r in used_rows(compiled, flat, annexes) if r.status == "placeholder")
