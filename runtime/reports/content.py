"""The content of a run's report, independent of its format.

`run --format xlsx|html` shows the same thing an auditor needs, in two layouts: the line
items of RE (summary), the rabais breakdown, the eligibility verdict with its evidence,
the co-benefits, the provenance of the computation, and one table per entity with every
input and every equation value on every row (the trace).  This module turns the results
document (engine.results_document, the JSON output) and the model into a list of plain
tables; report_xlsx.py and report_html.py only lay them out, so both formats always carry
the same figures as the JSON.

Everything here is generic over the model: line items are the spec's `result` declarations
(model.json `results`), rabais the equations the spec's `rabais` / `certifiable` constructs
compiled to (model.json `rabais`), criteria the equations with a `criterion`, co-benefits
those with a `cobenefit` entry.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np

from carbonspec.runtime.dossier.reader import Flat



@dataclass
class Table:
    """One sheet of the xlsx report, one section of the HTML page."""
    name: str                       # sheet name / HTML anchor (<= 31 characters)
    title: str
    header: List[str]
    rows: List[List[Any]]
    units: Optional[List[str]] = None
    notes: List[str] = field(default_factory=list)
    kind: str = "list"              # "list" (short tables) or "trace" (per-entity tables)


@dataclass
class Report:
    title: str
    subtitle: str
    eligible: bool
    tables: List[Table]
    model: Optional[dict] = None                 # for units in words and rates as % (people.py)
    banner: Optional[dict] = None                # placeholder annex rows used (placeholders.py)
    charts: List[Any] = field(default_factory=list)  # (anchor, title, inline svg) (charts.py)
    traces: List[Any] = field(default_factory=list)  # (anchor, figure, html fragment) (runtime/trace)
    verdicts: List[dict] = field(default_factory=list)  # the page-top verdicts (verdict_badges)

    @property
    def passed(self) -> bool:
        """Every verdict the method declares is favourable (eligibility and the others)."""
        return all(v["passed"] for v in self.verdicts)

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)


def _cite(src: Optional[dict]) -> str:
    src = src or {}
    return ", ".join(x for x in (src.get("label"), src.get("section") and f"§{src['section']}", src.get("text")) if x)


def build_report(compiled, flat: Flat, out: Dict[str, np.ndarray], doc: dict, dossier_name: str = "",
                 annexes=None, charts: bool = True) -> Report:
    """All tables of the report; `doc` is the results document the JSON format prints.
    `annexes` (the AnnexSet of the run; reloaded from doc if None) gives the placeholder
    banner; `charts` adds the SVG charts (the html layout shows them)."""
    model = compiled.model
    eqs = {e["name"]: e for e in model["equations"]}
    verdict = doc["eligibility"]
    title = f"{model.get('title') or model['method']} v{model['version']} — résultats"
    subtitle = " · ".join(x for x in (dossier_name, doc.get("computed_with", "")) if x)
    tables = [
        summary_table(doc, eqs, model),
        rabais_table(compiled, flat, out),
        eligibility_table(compiled, flat, out, verdict),
        *verdict_tables(compiled, flat, out, doc),
        cobenefits_table(compiled, flat, out),
        provenance_table(doc, dossier_name),
    ]
    # a section appears when the spec declares content for it: a method without a rabais block,
    # co-benefits or eligibility criteria gets no empty table for them
    tables = [t for t in tables if t.rows or t.name not in ("rabais", "cobenefits")]
    if not eligibility_criteria(model):
        tables = [t for t in tables if t.name != "eligibility"]
    if doc.get("retroactivity"):  # run --notified/--labelled (runtime/versions/run.py)
        from carbonspec.runtime.versions.run import report_rows

        tables.insert(1, Table("retroactivity", "Règles appliquées (rétroactivité, 1.8 et Annexe 2)",
                               ["élément", "valeur"], report_rows(doc["retroactivity"])))
    tables += entity_tables(compiled, flat, out)
    from carbonspec.runtime.reports.extras import add_extras  # banner, its table, charts

    report = Report(title, subtitle, bool(verdict["eligible"]), tables, model=model,
                    verdicts=verdict_badges(model, doc))
    add_extras(report, compiled, flat, out, doc, annexes, charts)
    return report


# ------------------------------------------------------------------ summary --
def summary_items(model: dict) -> List[dict]:
    """The result line items the spec declares, except co-benefits (their own table)."""
    return [r for r in model.get("results") or [] if r["kind"] != "co-benefit"]


def summary_table(doc: dict, eqs: Dict[str, dict], model: dict) -> Table:
    """The result line items the spec declares (`result`), with the value the JSON prints."""
    rows = []
    for item in summary_items(model):
        key = item["name"]
        if key not in doc["results"]:
            continue
        eq = eqs.get(key, {})
        rows.append([key, doc["results"][key], item["unit"], item.get("label") or eq.get("description") or "",
                     _cite(eq.get("source"))])
    if not rows:
        # a method without those line items: every equation of the root entity, in spec order
        rows = [[key, value, eqs.get(key, {}).get("unit") or "", eqs.get(key, {}).get("description") or "",
                 _cite(eqs.get(key, {}).get("source"))] for key, value in doc["results"].items()]
        return Table("summary", "Synthèse", ["indicateur", "valeur", "unité", "description", "méthode"], rows,
                     notes=["Valeurs de l'entité racine du dossier, dans les unités de la méthode."])
    notes = ["Résultats déclarés par la méthode, dans l'unité indiquée."]
    if not doc["eligibility"]["eligible"]:
        notes.append("NON ÉLIGIBLE : voir la feuille ou la section Éligibilité (les résultats sont complets).")
    for v in doc.get("verdicts") or []:
        if not v["passed"]:
            notes.append(f"{v['title']} : {v['says'].upper()} — voir la feuille {v['verdict']} "
                         "(les résultats sont complets).")
    return Table("summary", "Synthèse des résultats", ["poste", "valeur", "unité", "description", "méthode"], rows, notes=notes)


# ------------------------------------------------------------------- rabais --
def rabais_equations(model: dict) -> List[str]:
    """Every equation the spec's rabais constructs compiled to (rates, averaging steps,
    discounted terms, certifiable result), in the constructs' order."""
    r = model.get("rabais") or {}
    return list(dict.fromkeys((r.get("equations") or []) + (r.get("totals") or [])))


def rabais_table(compiled, flat: Flat, out: Dict[str, np.ndarray]) -> Table:
    """Every equation of the rabais constructs (rates, discounted terms, the certifiable
    result), on every row of its entity, in the spec's order."""
    eqs = {e["name"]: e for e in compiled.model["equations"]}
    rabais = [eqs[n] for n in rabais_equations(compiled.model) if n in eqs]
    rows = []
    for eq in rabais:
        for r, path in enumerate(flat.paths[eq["entity"]]):
            rows.append([path, eq["name"], float(out[eq["name"]][r]), eq["unit"] or "", eq.get("description") or "",
                         _cite(eq.get("source"))])
    rows.sort(key=lambda row: path_key(row[0]))  # project first, then each farm; spec order inside (stable)
    return Table("rabais", "Rabais",
                 ["ligne", "symbole", "valeur", "unité", "description", "méthode"], rows,
                 notes=["Taux en fraction (0.2 = 20 %) ; termes en t CO2e après leurs rabais."])


def path_key(path: str):
    """Natural order of row paths: project < project.farms[2] < project.farms[10]."""
    return [(0, int(x)) if x.isdigit() else (1, x) for x in re.split(r"\[(\d+)\]", path)]


# -------------------------------------------------------------- eligibility --
def eligibility_criteria(model: dict) -> List[dict]:
    """The equations of the spec's eligibility criteria (a `criterion` of no other verdict)."""
    return [e for e in model["equations"] if e.get("criterion") and not e["criterion"].get("verdict")]


def verdict_badges(model: dict, doc: dict) -> List[dict]:
    """The verdicts the page opens on, as the method declares them: eligibility when the spec has
    eligibility criteria, then each of its other verdicts (e.g. accept the samples or redo them)
    with the words the spec gives for passed and failed.  Each: name, title, says, passed."""
    badges = []
    if eligibility_criteria(model):
        ok = bool(doc["eligibility"]["eligible"])
        badges.append({"name": "eligibility", "title": "Éligibilité", "passed": ok,
                       "says": "Éligible" if ok else "Non éligible"})
    for v in doc.get("verdicts") or []:
        badges.append({"name": v["verdict"], "title": v["title"], "passed": bool(v["passed"]), "says": v["says"]})
    return badges


def _eligibility_title(model: dict) -> str:
    """'Éligibilité' with where the method states its criteria: the section and label most of
    its criteria cite (e.g. '3, Tableau 5')."""
    from collections import Counter

    cites = Counter(", ".join(x for x in ((e.get("source") or {}).get("section"), (e.get("source") or {}).get("label")) if x)
                    for e in eligibility_criteria(model))
    cite = next((c for c, _ in cites.most_common() if c), "")
    return f"Éligibilité ({cite})" if cite else "Éligibilité"


def eligibility_table(compiled, flat: Flat, out: Dict[str, np.ndarray], verdict: dict) -> Table:
    """Every criterion on every row it applies to: met or failed, with its evidence."""
    rows = []
    for eq in eligibility_criteria(compiled.model):
        crit = eq["criterion"]
        for r, path in enumerate(flat.paths[eq["entity"]]):
            met = bool(out[eq["name"]][r] >= 0.5)
            rows.append([path, eq["name"], crit["title"] or eq["name"], "oui" if met else "NON",
                         " ; ".join(crit["evidence"]), _cite(eq.get("source"))])
    failed = verdict["failed"]
    notes = ["Verdict : " + ("ÉLIGIBLE" if verdict["eligible"] else
                             f"NON ÉLIGIBLE — {len(failed)} critère(s) non rempli(s) : "
                             + ", ".join(f"{f['criterion']} ({f['where']})" for f in failed))]
    if not rows:
        notes.append("Aucune ligne de ce dossier n'est concernée par ces critères ("
                     + ", ".join(dict.fromkeys(e["entity"] for e in eligibility_criteria(compiled.model))) + ").")
    return Table("eligibility", _eligibility_title(compiled.model),
                 ["ligne", "critère", "intitulé", "rempli", "justificatifs", "méthode"], rows, notes=notes)


# ----------------------------------------------------------------- verdicts --
def verdict_tables(compiled, flat: Flat, out: Dict[str, np.ndarray], doc: dict) -> List[Table]:
    """One table per verdict the spec declares besides eligibility (e.g. accept / redo a
    measurement): every criterion on every row, met or failed, with the reason it gives."""
    tables = []
    for v in doc.get("verdicts", []):
        rows = []
        for eq in compiled.model["equations"]:
            crit = eq.get("criterion") or {}
            if crit.get("verdict") != v["verdict"]:
                continue
            for r, path in enumerate(flat.paths[eq["entity"]]):
                met = bool(out[eq["name"]][r] >= 0.5)
                rows.append([path, eq["name"], crit["title"] or eq["name"], "oui" if met else "NON",
                             "" if met else " ; ".join(crit["evidence"]), _cite(eq.get("source"))])
        rows.sort(key=lambda row: path_key(row[0]))
        notes = [f"Verdict : {v['says']}" + ("" if v["passed"] else " — " + ", ".join(
            f"{f['criterion']} ({f['where']})" for f in v["reasons"]))]
        tables.append(Table(v["verdict"], v["title"], ["ligne", "critère", "intitulé", "rempli", "motif", "méthode"],
                            rows, notes=notes))
    return tables


# ---------------------------------------------------------------- co-benefits --
def cobenefits_table(compiled, flat: Flat, out: Dict[str, np.ndarray]) -> Table:
    """The co-benefit indicators as the engine reports them (`engine.cobenefits`): each value
    is the indicator as the spec defines it, 'amélioré' the spec's own test of its sign; an
    indicator the dossier does not allow to compute is shown as such, never as improved.
    What each value means is cited per row (column 'méthode': equation, section, lines)."""
    from carbonspec.runtime.engine.core import cobenefits
    header = ["ligne", "symbole", "co-bénéfice", "évolution", "unité", "amélioré si", "amélioré", "obligatoire",
              "calculé", "méthode"]
    rows: List[List[Any]] = []
    for c in cobenefits(compiled, flat, out):
        rows.append([c["where"], c["indicator"], c["title"], c["value"] if c["computed"] else "", c["unit"],
                     c["improved_if"], ("oui" if c["improved"] else "non") if c["computed"] else "—",
                     "oui" if c["mandatory"] else "non (optionnel)",
                     "oui" if c["computed"] else "NON : données manquantes", c["source"]])
    notes = ["Évolution : la valeur de l'indicateur telle que la méthode la définit ; la colonne « méthode » "
             "cite son équation, sa section et ses lignes."]
    if not rows:
        notes = ["Aucun co-bénéfice n'est calculé par cette version de la spec."]
    return Table("cobenefits", "Co-bénéfices", header, rows, notes=notes)


# ----------------------------------------------------------------- provenance --
def provenance_table(doc: dict, dossier_name: str) -> Table:
    """What pins the figures: method, version, spec hash, annex set and its value hash, backend."""
    ann = doc.get("annexes") or {}
    rows = [
        ["dossier", dossier_name],
        ["méthode", doc["method"]],
        ["version", doc["version"]],
        ["empreinte de la spec (spec_hash)", doc["spec_hash"]],
        ["annexes (annex_version)", ann.get("version", "")],
        ["empreinte des valeurs d'annexe", ann.get("hash", "")],
        ["dossier des annexes", Path(ann.get("directory", "")).name],
        ["backend", doc["backend"]],
        ["calculé avec", doc.get("computed_with", "")],
    ]
    for name, t in sorted((ann.get("tables") or {}).items()):
        status = ", ".join(f"{k} {v}" for k, v in t.get("status", {}).items() if v)
        rows.append([f"table {name}", f"{t.get('rows', 0)} lignes ({status}) — {t.get('file', '')}"])
    return Table("provenance", "Provenance du calcul", ["élément", "valeur"], rows)


# ------------------------------------------------------------------ the trace --
def entity_tables(compiled, flat: Flat, out: Dict[str, np.ndarray]) -> List[Table]:
    """One table per entity: every row, every input (as given, or its default) and every
    equation value.  Sheet names are the entity names (the dossier workbook uses the
    collection names, so the two kinds of workbook are never confused)."""
    from carbonspec.runtime.engine.core import not_computed, value_or_null
    model = compiled.model
    scenario_symbols = {t["scenario_symbol"] for t in model["timelines"]}
    masks = not_computed(compiled, flat, out)  # a co-benefit not computed is blank, as in the JSON
    tables = []
    reserved = {"summary", "rabais", "eligibility", "cobenefits", "provenance", "retroactivity"} | {v["name"] for v in model.get("verdicts", [])}
    for ent in (e["name"] for e in model["entities"]):
        inputs = [i for i in model["inputs"] if i["entity"] == ent]
        eqs = [e for e in model["equations"] if e["entity"] == ent]
        header = ["ligne"] + [i["name"] for i in inputs] + [e["name"] for e in eqs]
        units = [""] + [(i["unit"] if i["dtype"] == "real" else i["dtype"]) for i in inputs] + [e["unit"] or "" for e in eqs]
        rows = []
        for r, path in enumerate(flat.paths[ent]):
            row: List[Any] = [path]
            for i in inputs:
                if i["name"] in flat.raw.get(ent, {}):
                    row.append(flat.raw[ent][i["name"]][r])
                elif i["name"] in scenario_symbols:
                    row.append(model["enums"]["scenario"][int(flat.data[i["name"]][r])])
                else:
                    row.append(None)
            row += [value_or_null(out, masks, e["name"], r) for e in eqs]
            rows.append(row)
        name = ent if ent not in reserved else f"e_{ent}"
        description = next(e["description"] for e in model["entities"] if e["name"] == ent)
        tables.append(Table(name[:31], f"{ent} — {description}", header, rows, units=units, kind="trace"))
    return tables
