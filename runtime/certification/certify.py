"""Certification of a vendor's calculator against the cas-type (method section 8.5, Tableau 33).

A vendor runs the cas-type inputs in its tool and sends its results per case and line item;
`certify` compares each line item of each case with the reference ("étalon") value:

    deviation = (received - expected) / max(|expected|, floor)
    conformant  <=>  |deviation| <= tolerance

The line items, their order, tolerance, floor and the basis of each (the line of the method
that sets it, or why one is applied where the text prints none) are the spec's `result`
declarations (model.json key `results`, compiler/results.py): nothing here names a method's
result.  The bound itself passes.  The floor is the smallest denominator: a relative deviation
is undefined at 0, so an expected 0 accepts |received| <= tolerance × floor (no floor: 1e-9).
- Co-benefits (kind "co-benefit": an equation with a `cobenefit` declaration): an item the spec
  declares informative, and one whose mandatory flag is 0 in a case, are compared and shown,
  marked "informative", and do not count in the verdict, even when no value is received.
- Not computed: a co-benefit whose `computed_when` flag is 0 in a case (the dossier lacks what
  the indicator needs) has no
  reference value: `null` in reference-results.json, a blank cell in the xlsx, status "not
  computed".  The method reports it as not computed, never as a number (its equation's value
  0 is a placeholder, not a change of 0), so the tool must report it as not computed too:
  null / blank.  A number there fails the item (unless it is informative).
- A missing case, a missing line item, a blank value or one that is not a finite number
  fails that line item, with the reason.  A results file for another method, method version
  or annex version fails as a whole (the cas-type pins all three).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from carbonspec.compiler.errors import InputError

DEFAULT_FLOOR = 1e-9  # a denominator guard where the spec sets no floor (not a tolerance of the method)
EPS = 1e-12  # relative slack so that a deviation of exactly 5 % is not failed by rounding

# what a results file may say about itself (JSON members, or keys of the xlsx sheet `info`)
META_KEYS = ("method", "version", "annex_version", "annex_hash", "spec_hash", "tool", "tool_version")
COBENEFIT = "co-benefit"


def unlisted_cobenefits(model: dict) -> List[str]:
    """Co-benefit equations that are not on the root entity and have no root-entity equation
    with the same co-benefit title (the project-scale mean of L2647): not certified at all, so
    reported rather than silently dropped.  (A farm-scale indicator whose project mean is a
    line item is certified through it.)"""
    root = next(e["name"] for e in model["entities"] if e["parent"] is None)
    at_root = {e["cobenefit"]["title"] for e in model["equations"] if e.get("cobenefit") and e["entity"] == root}
    return [f"{e['name']} ({e['entity']})" for e in model["equations"]
            if e.get("cobenefit") and e["entity"] != root and e["cobenefit"]["title"] not in at_root]


def line_items(model: dict) -> List[dict]:
    """The certified line items, in the spec's order: its `result` declarations (model.json key
    `results`: name, label, unit, kind, tolerance, floor, basis, informative; co-benefits also
    mandatory and computed_when).  A model without declarations has no line item."""
    items = []
    for r in model.get("results") or []:
        item = dict(r)
        item["tolerance"] = r["tolerance"] if r.get("tolerance") is not None else 0.0
        item["floor"] = r["floor"] if r.get("floor") is not None else DEFAULT_FLOOR
        items.append(item)
    return items


def main_items(model: dict) -> List[dict]:
    """The method's main results: the line items of the group its first `result` declares (for
    a method whose first result is a reduction, the reductions; the last of them is the
    headline figure of reports and summaries)."""
    items = line_items(model)
    return [i for i in items if items and i["kind"] == items[0]["kind"]]


def summary_items(model: dict) -> List[dict]:
    """The line items a short summary shows: every one but the co-benefits."""
    return [i for i in line_items(model) if i["kind"] != COBENEFIT]


def case_values(model: dict, outputs: Dict[str, object]) -> Tuple[Dict[str, Optional[float]], Dict[str, dict]]:
    """The line items of one computed dossier as a tool reports them: (item -> value, None for
    a co-benefit not computed; co-benefit item -> {"mandatory": bool, "computed": bool})."""
    values: Dict[str, Optional[float]] = {}
    status: Dict[str, dict] = {}
    for item in line_items(model):
        name = item["name"]
        values[name] = float(outputs[name][0])
        if item["kind"] != COBENEFIT:
            continue
        mandatory = item["mandatory"]
        if isinstance(mandatory, str):
            mandatory = bool(outputs[mandatory][0] > 0.5)
        computed = True
        if item["computed_when"]:
            computed = bool(outputs[item["computed_when"]][0] > 0.5)
        status[name] = {"mandatory": bool(mandatory), "computed": computed}
        if not computed:
            values[name] = None
    return values, status




# -------------------------------------------------------------- comparison --
@dataclass
class Line:
    case: str
    item: str
    unit: str
    expected: Optional[float]   # None: a co-benefit the method does not compute in this case
    received: Optional[float]
    deviation: Optional[float]  # signed, relative to max(|expected|, floor)
    verdict: str                # "conformant", "NOT conformant", "missing", "informative"
    reason: str = ""
    floored: bool = False       # judged against the floor (tiny or zero reference)
    status: str = ""            # co-benefit in this case: "not computed", "not mandatory here", ...


@dataclass
class Comparison:
    lines: List[Line]
    problems: List[str] = field(default_factory=list)  # whole-file reasons (method, annex version, ...)
    extra: List[str] = field(default_factory=list)      # cases / items received but not in the cas-type

    @property
    def conformant(self) -> bool:
        return not self.problems and all(l.verdict in ("conformant", "informative") for l in self.lines)

    def failures(self) -> List[Line]:
        return [l for l in self.lines if l.verdict not in ("conformant", "informative")]


def judge(expected: float, received: Optional[float], tolerance: float, floor: float) -> tuple:
    """(verdict, deviation, floored, reason) of one line item, at the item's declared tolerance
    and floor (the smallest denominator of the relative deviation)."""
    if received is None:
        return "missing", None, False, "aucune valeur reçue"
    if not math.isfinite(received):
        return "NOT conformant", None, False, f"la valeur reçue {received!r} n'est pas un nombre fini"
    fl = max(floor, DEFAULT_FLOOR)
    denom = max(abs(expected), fl)
    dev = (received - expected) / denom
    ok = abs(received - expected) <= tolerance * denom * (1 + EPS)
    reason = "" if ok else f"écart {fmt_dev(dev)} au-delà de ±{tolerance:.0%}"
    return ("conformant" if ok else "NOT conformant"), dev, abs(expected) < fl, reason


def compare(reference: dict, received: Dict[str, Dict[str, Optional[float]]],
            meta: Optional[dict] = None) -> Comparison:
    """reference: the cas-type's reference-results document; received: case -> item -> value
    (None when blank); meta: what the vendor's file says about method, version, annexes."""
    items = {i["name"]: i for i in reference["line_items"]}
    problems = []
    meta = meta or {}
    for key, ref_key, what in (("method", "method", "la méthode"), ("version", "version", "la version de méthode"),
                               ("annex_version", "annex_version", "la version des annexes"),
                               ("annex_hash", "annex_hash", "l'empreinte des annexes"),
                               ("spec_hash", "spec_hash", "l'empreinte de la spec")):
        got = meta.get(key)
        if got not in (None, "") and str(got) != str(reference[ref_key]):
            problems.append(f"les résultats sont pour {what} '{got}' ; le cas-type est pour '{reference[ref_key]}'")
    lines = []
    statuses = reference.get("cobenefits") or {}
    for case, values in reference["results"].items():
        got_case = received.get(case)
        for name, exp in values.items():
            item = items[name]
            st = (statuses.get(case) or {}).get(name) or {}
            informative, status, why = bool(item.get("informative")), "", item["basis"]
            if item["kind"] == COBENEFIT:
                if not st.get("computed", True):
                    status = "not computed"
                if item.get("informative"):
                    status = ", ".join(x for x in (status, "informative") if x)
                elif not st.get("mandatory", True):
                    informative, why = True, (f"pour information (non obligatoire dans ce cas : "
                                               f"{item['mandatory']} = 0 ; {item['basis']})")
                    status = ", ".join(x for x in (status, "not mandatory here") if x)
            if got_case is None:
                lines.append(Line(case, name, item["unit"], exp, None, None, "missing",
                                  f"le cas '{case}' manque dans les résultats", status=status))
                continue
            got = got_case.get(name)
            if name not in got_case and not informative:
                lines.append(Line(case, name, item["unit"], exp, None, None, "missing",
                                  f"le poste '{name}' manque pour ce cas", status=status))
                continue
            if exp is None:  # not computed by the method in this case
                if got is None:
                    verdict, dev, floored, reason = "conformant", None, False, "non calculé, comme la référence"
                else:
                    verdict, dev, floored = "NOT conformant", None, False
                    reason = (f"la méthode ne calcule pas ce co-bénéfice dans ce cas "
                              f"({item.get('computed_when')} = 0) : le déclarer non calculé (null ou cellule vide), "
                              "pas par un nombre")
            else:
                verdict, dev, floored, reason = judge(exp, got, item["tolerance"], item["floor"])
            if informative and (verdict != "conformant" or not item.get("informative")):
                # the reason says why a failing value does not count, or why this case's item is
                # informative when the item is not (not mandatory here)
                verdict, reason = "informative", (reason + "; " if reason else "") + why
            elif informative:
                verdict = "informative"
            lines.append(Line(case, name, item["unit"], exp, got, dev, verdict, reason, floored, status))
    extra = [c for c in received if c not in reference["results"]]
    for c, vals in received.items():
        if c in reference["results"]:
            extra += [f"{c}.{n}" for n in vals if n not in reference["results"][c]]
    return Comparison(lines, problems, extra)


def reference_document(model: dict, annex_version: str, annex_hash: str,
                       results: Dict[str, Dict[str, Optional[float]]],
                       status: Optional[Dict[str, Dict[str, dict]]] = None) -> dict:
    """The layout `certify --results` reads (JSON): a vendor fills `results` the same way
    (null: not computed).  `cobenefits`: per case, each co-benefit item mandatory or not and
    computed or not in that case (from `case_values`)."""
    items = line_items(model)
    status = status or {}
    return {
        "format": "carbonspec-castype-results", "format_version": 1,
        "method": model["method"], "version": model["version"], "spec_hash": model["spec_hash"],
        "annex_version": annex_version, "annex_hash": annex_hash,
        "tolerance": {"rule": "|received - expected| <= tolerance × max(|expected|, floor), per line item",
                      "relative": {i["name"]: i["tolerance"] for i in items},
                      "floors": {i["name"]: i["floor"] for i in items}},
        "line_items": items,
        "units": {i["name"]: i["unit"] for i in items},
        "results": {case: {i["name"]: values[i["name"]] for i in items} for case, values in results.items()},
        "not_computed": "a null result is a co-benefit the method does not compute in that case (its "
                        "computed_when flag is 0): report it as not computed (null, or a blank cell)",
        "cobenefits": {case: {i["name"]: (status.get(case) or {}).get(i["name"], {"mandatory": True, "computed": True})
                              for i in items if i["kind"] == COBENEFIT} for case in results},
    }


# ------------------------------------------------------------------ reading --
def load_reference(castype_dir: Path) -> dict:
    """The reference results of a cas-type folder (DIR/reference-results.json)."""
    castype_dir = Path(castype_dir)
    path = castype_dir / "reference-results.json"
    if not castype_dir.is_dir():
        raise InputError(str(castype_dir), "no such cas-type folder")
    if not path.is_file():
        raise InputError(str(castype_dir), "not a cas-type folder: reference-results.json is missing "
                                           "(generate one with 'carbonspec castype')")
    doc = _read_json(path)
    if not isinstance(doc, dict) or doc.get("format") != "carbonspec-castype-results" \
            or not isinstance(doc.get("results"), dict) or not isinstance(doc.get("line_items"), list):
        raise InputError(str(path), "not a cas-type reference file (expected format 'carbonspec-castype-results' "
                                    "with line_items and results)")
    return doc


def read_results(path: Path) -> Tuple[Dict[str, Dict[str, Optional[float]]], dict]:
    """A vendor's results: (case -> line item -> value or None when blank, metadata).

    JSON: {"method": ..., "version": ..., "annex_version": ..., "results": {case: {item: number}}}
    (only `results` is required; a value may be null = not computed).  xlsx: sheet `results`,
    A1 = "case", row 1 the line items, an optional row whose first cell is "unit", then one row per
    case; optional sheet `info` with key/value rows.  Anything else is a located error."""
    path = Path(path)
    if not path.is_file():
        raise InputError(str(path), "no such results file")
    suffix = path.suffix.lower()
    if suffix == ".json":
        return _results_json(path)
    if suffix in (".xlsx", ".xlsm"):
        return _results_xlsx(path)
    raise InputError(str(path), f"unknown results format '{path.suffix}'; expected .json or .xlsx")


def _read_json(path: Path):
    from carbonspec.runtime.io.strict_json import load_file

    # duplicate keys, integers too large for a float, deep nesting: located errors
    return load_file(path, "results")


def _results_json(path: Path):
    doc = _read_json(path)
    if not isinstance(doc, dict):
        raise InputError(str(path), "expected a JSON object with a 'results' member")
    results = doc.get("results")
    if not isinstance(results, dict):
        raise InputError(f"{path}: results", "expected an object {case: {line item: number}}")
    out: Dict[str, Dict[str, Optional[float]]] = {}
    for case, values in results.items():
        if not isinstance(values, dict):
            raise InputError(f"{path}: results.{case}", "expected an object {line item: number}")
        out[case] = {}
        for item, v in values.items():
            if v is None:
                out[case][item] = None
            elif isinstance(v, bool) or not isinstance(v, (int, float)):
                raise InputError(f"{path}: results.{case}.{item}", f"expected a number, found {json.dumps(v)}")
            else:
                out[case][item] = float(v)
    return out, {k: str(doc[k]) for k in META_KEYS if doc.get(k) is not None}


def _results_xlsx(path: Path):
    from carbonspec.runtime.io.xlsx_read import Workbook as CheckedWorkbook

    wb = CheckedWorkbook(path, "results workbook")  # broken XML, NaN, uncomputed formulas: located
    try:
        if "results" not in wb.sheetnames:
            raise InputError(str(path), f"no sheet 'results' (sheets: {', '.join(wb.sheetnames)})")
        rows = [list(r) for r in wb.rows("results")]
        meta = {}
        if "info" in wb.sheetnames:
            for r in wb.rows("info")[1:]:
                if r and r[0] is not None and len(r) > 1 and r[1] is not None:
                    meta[str(r[0]).strip()] = str(r[1]).strip()
    finally:
        wb.close()
    meta = {k: v for k, v in meta.items() if k in META_KEYS}
    ref = lambda r, c: f"{path}[results]!{_col(c)}{r + 1}"  # noqa: E731
    if not rows or not rows[0] or str(rows[0][0] or "").strip().lower() != "case":
        raise InputError(ref(0, 0), "expected 'case' in A1, then the line items in row 1")
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    while header and header[-1] == "":
        header.pop()
    seen = set()
    for c, h in enumerate(header[1:], start=1):
        if not h:
            raise InputError(ref(0, c), "empty line item name in row 1")
        if h in seen:
            raise InputError(ref(0, c), f"line item '{h}' appears twice in row 1")
        seen.add(h)
    out: Dict[str, Dict[str, Optional[float]]] = {}
    for r in range(1, len(rows)):
        row = rows[r]
        first = row[0] if row else None
        if first is None or (isinstance(first, str) and not first.strip()):
            if any(v not in (None, "") for v in row[1:len(header)]):
                raise InputError(ref(r, 0), "values without a case name in column A")
            continue
        case = str(first).strip()
        if case.lower() == "unit":
            continue
        if case in out:
            raise InputError(ref(r, 0), f"case '{case}' appears twice")
        out[case] = {}
        for c in range(1, len(header)):
            v = row[c] if c < len(row) else None
            if v is None or (isinstance(v, str) and not v.strip()):
                out[case][header[c]] = None
            elif isinstance(v, bool) or not isinstance(v, (int, float)):
                raise InputError(ref(r, c), f"expected a number, found {v!r} (a number stored as text?)")
            elif isinstance(v, int) and abs(v) > 2 ** 53:
                raise InputError(ref(r, c), f"integer {str(v)[:40]} is too large for a 64-bit float")
            else:
                out[case][header[c]] = float(v)
    return out, meta


def _col(i: int) -> str:
    from openpyxl.utils import get_column_letter
    return get_column_letter(i + 1)


# ------------------------------------------------------------------ report --
def certify(castype_dir: Path, results_path: Path) -> Tuple[dict, Comparison, dict]:
    reference = load_reference(castype_dir)
    received, meta = read_results(results_path)
    return reference, compare(reference, received, meta), meta


def report_context(reference: dict, cmp: Comparison, meta: dict, castype_dir, results_path) -> dict:
    lines = cmp.lines
    by_case: Dict[str, List[Line]] = {}
    for l in lines:
        by_case.setdefault(l.case, []).append(l)
    items = {i["name"]: i for i in reference["line_items"]}
    return {
        "verdict": "CONFORMANT" if cmp.conformant else "NOT CONFORMANT",
        "conformant": cmp.conformant,
        "reference": reference, "meta": meta, "problems": cmp.problems, "extra": cmp.extra,
        "castype_dir": str(castype_dir), "results_path": str(results_path),
        "counts": {v: sum(1 for l in lines if l.verdict == v)
                   for v in ("conformant", "NOT conformant", "missing", "informative")},
        "n_lines": len(lines), "n_cases": len(by_case),
        "failures": cmp.failures(), "failure_rows": failure_rows(cmp), "by_case": by_case, "items": items,
        "cases_failing": sorted({l.case for l in cmp.failures()}),
    }


def failure_rows(cmp: Comparison) -> List[Line]:
    """The failures, a case missing from the results shown once (not once per line item)."""
    rows, missing_cases = [], set()
    for l in cmp.failures():
        if l.verdict == "missing" and l.reason.startswith("le cas "):
            if l.case not in missing_cases:
                missing_cases.add(l.case)
                n = sum(1 for x in cmp.lines if x.case == l.case)
                rows.append(Line(l.case, f"(les {n} postes)", "", math.nan, None, None, "missing", l.reason))
            continue
        rows.append(l)
    return rows


def fmt_value(v: Optional[float]) -> str:
    if v is None:
        return "—"
    if not math.isfinite(v):
        return "" if math.isnan(v) else str(v)
    text = f"{v:.6g}" if abs(v) < 1e-3 or abs(v) >= 1e6 else f"{v:,.4f}"
    return text.replace(",", "\u202f").replace(".", ",")  # French: 1 234,5678


def fmt_dev(v: Optional[float]) -> str:
    """+6,00 % (French: comma decimals, a narrow no-break space before %)."""
    return "—" if v is None else f"{v * 100:+.2f}".replace(".", ",") + "\u202f%"


# what the reports show for the verdict codes (the codes stay in the JSON and xlsx, which tools read)
VERDICT_FR = {"CONFORMANT": "CONFORME", "NOT CONFORMANT": "NON CONFORME", "conformant": "conforme",
              "NOT conformant": "non conforme", "missing": "manquant", "informative": "pour information"}
STATUS_FR = {"not computed": "non calculé", "not mandatory here": "non obligatoire ici", "optional": "optionnel"}


def render_html(ctx: dict) -> str:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["value"] = fmt_value
    env.filters["dev"] = fmt_dev
    env.filters["verdict_fr"] = lambda v: VERDICT_FR.get(v, v)
    env.filters["kind_fr"] = lambda v: {"co-benefit": "co-bénéfice"}.get(v, v)
    env.filters["status_fr"] = lambda v: ", ".join(STATUS_FR.get(x.strip(), x.strip()) for x in v.split(","))
    return env.get_template("certify-report.html.j2").render(**ctx)


def report_workbook(ctx: dict):
    import openpyxl
    from openpyxl.styles import Font, PatternFill

    ref = ctx["reference"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Synthèse"
    fr = lambda v: VERDICT_FR.get(v, v)  # noqa: E731
    rows = [["verdict", fr(ctx["verdict"])],
            ["méthode", ref["method"]], ["version", ref["version"]], ["empreinte de la spec", ref["spec_hash"]],
            ["version des annexes", ref["annex_version"]], ["empreinte des annexes", ref["annex_hash"]],
            ["cas-type", ctx["castype_dir"]], ["résultats reçus", ctx["results_path"]],
            ["cas", ctx["n_cases"]], ["postes comparés", ctx["n_lines"]]]
    rows += [[f"postes {fr(k)}", v] for k, v in ctx["counts"].items()]
    rows += [["tolérance", "|reçu - attendu| <= tolérance × max(|attendu|, plancher), par poste "
                           "(feuille Postes : tolérance, plancher et leur fondement)"]]
    rows += [["le fichier de résultats indique", f"{k} = {v}"] for k, v in ctx["meta"].items()]
    rows += [["problème", p] for p in ctx["problems"]]
    rows += [["hors du cas-type (ignoré)", e] for e in ctx["extra"]]
    ws.append(["clé", "valeur"])
    for r in rows:
        ws.append(r)
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 90
    ws["B2"].font = Font(bold=True, color="006100" if ctx["conformant"] else "9C0006")
    items = wb.create_sheet("Postes")
    items.append(["cas", "poste", "unité", "attendu", "reçu", "écart", "verdict", "motif",
                  "jugé sur le plancher", "fondement de la tolérance", "statut du co-bénéfice", "tolérance", "plancher"])
    bad = PatternFill("solid", fgColor="FFC7CE")
    status_fr = lambda v: ", ".join(STATUS_FR.get(x.strip(), x.strip()) for x in v.split(",")) if v else v  # noqa: E731
    for case, lines in ctx["by_case"].items():
        for l in lines:
            items.append([l.case, l.item, l.unit, l.expected, l.received, l.deviation, fr(l.verdict), l.reason,
                          "oui" if l.floored else "non", ctx["items"][l.item]["basis"], status_fr(l.status),
                          ctx["items"][l.item]["tolerance"], ctx["items"][l.item]["floor"]])
            if l.verdict not in ("conformant", "informative"):
                for cell in items[items.max_row]:
                    cell.fill = bad
            items.cell(items.max_row, 6).number_format = "0.00%"
    items.freeze_panes = "A2"
    for col, w in zip("ABCDEFGHIJK", (40, 36, 10, 16, 16, 11, 16, 50, 10, 30, 24)):
        items.column_dimensions[col].width = w
    for row in (ws, items):
        for cell in row[1]:
            cell.font = Font(bold=True)
    return wb


def report_paths(report: Optional[Path], results_path: Path) -> Tuple[Path, Path]:
    """(html, xlsx): --report FILE[.html|.xlsx] gives FILE.html and FILE.xlsx; by default
    <results>.certification.html/.xlsx beside the results file."""
    if report is None:
        base = Path(results_path).with_name(Path(results_path).stem + ".certification")
    else:
        report = Path(report)
        base = report.with_suffix("") if report.suffix.lower() in (".html", ".xlsx", ".htm") else report
    return base.with_name(base.name + ".html"), base.with_name(base.name + ".xlsx")


def write_report(ctx: dict, html_path: Path, xlsx_path: Path) -> None:
    """Render both reports first, then write them (a temporary name, then renamed), so an error
    never leaves a report that looks complete."""
    from carbonspec.runtime.io.output import write_files
    from carbonspec.runtime.io.workbook import workbook_bytes

    html = render_html(ctx)
    xlsx = workbook_bytes(report_workbook(ctx))  # texts as text: a case name '=...' stays text
    write_files([(html_path, html), (xlsx_path, xlsx)], "--report")
