"""Certification of a vendor's calculator against the cas-type (method section 8.5, Tableau 33).

A vendor runs the cas-type inputs in its tool and sends its results per case and line item;
`certify` compares each line item of each case with the reference ("étalon") value:

    deviation = (received - expected) / max(|expected|, floor(unit))
    conformant  <=>  |deviation| <= 5 %

- 5 % is the tolerance of L3445 (RE_émissions, RE_stockage de carbone) and L3447 (mandatory
  co-benefits, "inférieur ou égal à 5 %": the bound itself passes).  Tableau 33 certifies
  "chacun des postes" but states no tolerance for RE_aval, the miscanthus terms and the
  rabais (digest A76): the same 5 % is applied to them (tolerance basis "A76" in the report),
  the only tolerance the method gives, rather than an exact match no calculator can promise.
- Zero or tiny references: a relative deviation is undefined at 0 and meaningless near it, so
  the denominator is never below a floor that depends on the unit: 1 t CO2e for the t CO2e
  line items (an expected 0 accepts |received| <= 0.05 t CO2e, i.e. 50 kg CO2e, the size of
  a rounding to 0.1 t), 0.01 for dimensionless ratios (rabais_global: an expected 0 accepts
  <= 0.0005), and, for any other unit (a co-benefit), no floor beyond 1e-9: an expected 0
  requires a received 0.  The report says which items were judged against the floor.
- Co-benefits (section 7; the project-level equations with a `cobenefit` field): Tableau 33
  and L3447 certify the *mandatory* co-benefits, "à l'exception du co-bénéfice IFT qui peut
  être calculé avec un autre outil".  So an IFT item, an optional co-benefit (Tableau 19:
  phosphorus) and a conditionally mandatory one in a case where its condition is not met
  (erosion outside an erosion zone, water without irrigation) are compared and shown, marked
  "informative", and do not count in the verdict, even when no value is received.
- Not computed: a co-benefit whose `computed_when` flag is 0 in a case (the dossier lacks what
  the indicator needs: IFT not declared, a crop without a Tableau 22 factor ...) has no
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
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from carbonspec.compiler.errors import InputError

TOLERANCE = 0.05
FLOORS = {"t_CO2e": 1.0, "1": 0.01}
DEFAULT_FLOOR = 1e-9
EPS = 1e-12  # relative slack so that a deviation of exactly 5 % is not failed by rounding

# DESIGN.md, "Result JSON": the line items, in t CO2e (rabais_global is a ratio)
DESIGN_LINE_ITEMS = ("RE_fertilisation", "RE_combustibles", "RE_sechage_stockage", "RE_sechage_OS",
                     "RE_proteines", "RE_aval", "RE_stockage_carbone_sol", "RE_emissions_miscanthus",
                     "RE_stockage_carbone_sol_miscanthus", "RE_emissions", "RE", "RE_certifiable",
                     "rabais_global")
# what a results file may say about itself (JSON members, or keys of the xlsx sheet `info`)
META_KEYS = ("method", "version", "annex_version", "annex_hash", "spec_hash", "tool", "tool_version")
# the items for which L3445/L3447 state the 5 %; the others take it by choice A76
METHOD_TOLERANCE_ITEMS = {"RE_fertilisation", "RE_combustibles", "RE_sechage_stockage", "RE_stockage_carbone_sol",
                          "RE_emissions"}


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
    """The certified line items (Tableau 33): the DESIGN.md result keys that are equations of the
    root entity, then the co-benefit equations of the root entity (field `cobenefit`)."""
    root = next(e["name"] for e in model["entities"] if e["parent"] is None)
    eqs = {e["name"]: e for e in model["equations"] if e["entity"] == root}
    items = []
    for name in DESIGN_LINE_ITEMS:
        if name in eqs:
            items.append(_item(eqs[name], "RE" if name != "rabais_global" else "rabais"))
    for e in model["equations"]:
        if e["entity"] == root and e.get("cobenefit") and e["name"] not in DESIGN_LINE_ITEMS:
            items.append(_item(e, "co-benefit"))
    return items


IFT_NAME = re.compile(r"(^|_)IFT(_|$)", re.IGNORECASE)


def _item(eq: dict, kind: str) -> dict:
    cb = eq.get("cobenefit") or {}
    src = eq.get("source") or {}
    ift = kind == "co-benefit" and bool(IFT_NAME.search(eq["name"]))
    optional = kind == "co-benefit" and cb.get("mandatory") is False
    item = {"name": eq["name"], "unit": eq["unit"], "kind": kind,
            "title": cb.get("title") or eq.get("description") or eq["name"],
            "source": ", ".join(x for x in (src.get("section"), src.get("label"), src.get("text")) if x),
            "tolerance": TOLERANCE,
            "floor": floor(eq["unit"]),
            "basis": "informative (L3447: IFT may come from another tool)" if ift
            else "informative (optional co-benefit, Tableau 19; L3447 certifies the mandatory ones)" if optional
            else "L3445" if eq["name"] in METHOD_TOLERANCE_ITEMS
            else f"L3447 where mandatory ({cb['mandatory']} = 1); informative elsewhere"
            if kind == "co-benefit" and isinstance(cb.get("mandatory"), str)
            else "L3447" if kind == "co-benefit" else "A76 (no tolerance printed; 5 % applied)",
            "informative": ift or optional}
    if kind == "co-benefit":
        item["mandatory"] = cb.get("mandatory", True)      # true, false, or the name of a flag
        item["computed_when"] = cb.get("computed_when")    # the name of a flag, or null
    return item


def case_values(model: dict, outputs: Dict[str, object]) -> Tuple[Dict[str, Optional[float]], Dict[str, dict]]:
    """The line items of one computed dossier as a tool reports them: (item -> value, None for
    a co-benefit not computed; co-benefit item -> {"mandatory": bool, "computed": bool})."""
    values: Dict[str, Optional[float]] = {}
    status: Dict[str, dict] = {}
    for item in line_items(model):
        name = item["name"]
        values[name] = float(outputs[name][0])
        if item["kind"] != "co-benefit":
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


def floor(unit: str) -> float:
    return FLOORS.get("".join(str(unit).split()), DEFAULT_FLOOR)


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


def judge(expected: float, received: Optional[float], unit: str) -> tuple:
    """(verdict, deviation, floored, reason) of one line item."""
    if received is None:
        return "missing", None, False, "aucune valeur reçue"
    if not math.isfinite(received):
        return "NOT conformant", None, False, f"la valeur reçue {received!r} n'est pas un nombre fini"
    fl = floor(unit)
    denom = max(abs(expected), fl)
    dev = (received - expected) / denom
    ok = abs(received - expected) <= TOLERANCE * denom * (1 + EPS)
    reason = "" if ok else f"écart {fmt_dev(dev)} au-delà de ±{TOLERANCE:.0%}"
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
            if item["kind"] == "co-benefit":
                if not st.get("computed", True):
                    status = "not computed"
                if item.get("informative"):
                    status = ", ".join(x for x in (status, "IFT" if "IFT" in item["basis"] else "optional") if x)
                elif not st.get("mandatory", True):
                    informative, why = True, (f"pour information (non obligatoire dans ce cas : {item['mandatory']} = 0 ; "
                                               "L3447 certifie les co-bénéfices obligatoires)")
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
                verdict, dev, floored, reason = judge(exp, got, item["unit"])
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
        "tolerance": {"relative": TOLERANCE, "rule": "|received - expected| <= 5 % × max(|expected|, floor)",
                      "floors": {**FLOORS, "other units": DEFAULT_FLOOR}},
        "line_items": items,
        "units": {i["name"]: i["unit"] for i in items},
        "results": {case: {i["name"]: values[i["name"]] for i in items} for case, values in results.items()},
        "not_computed": "a null result is a co-benefit the method does not compute in that case (its "
                        "computed_when flag is 0): report it as not computed (null, or a blank cell)",
        "cobenefits": {case: {i["name"]: (status.get(case) or {}).get(i["name"], {"mandatory": True, "computed": True})
                              for i in items if i["kind"] == "co-benefit"} for case in results},
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
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(str(path), "not a UTF-8 text file") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}:{exc.colno}", f"invalid JSON: {exc.msg}") from None


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
    import zipfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise InputError(str(path), f"not a readable Excel workbook ({type(exc).__name__})") from None
    try:
        if "results" not in wb.sheetnames:
            raise InputError(str(path), f"no sheet 'results' (sheets: {', '.join(wb.sheetnames)})")
        rows = [list(r) for r in wb["results"].iter_rows(values_only=True)]
        meta = {}
        if "info" in wb.sheetnames:
            for r in wb["info"].iter_rows(min_row=2, values_only=True):
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
        "tolerance": TOLERANCE, "floors": {**FLOORS, "other units": DEFAULT_FLOOR},
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
    ws.title = "summary"
    rows = [["verdict", ctx["verdict"]],
            ["method", ref["method"]], ["version", ref["version"]], ["spec_hash", ref["spec_hash"]],
            ["annex_version", ref["annex_version"]], ["annex_hash", ref["annex_hash"]],
            ["castype", ctx["castype_dir"]], ["results", ctx["results_path"]],
            ["cases", ctx["n_cases"]], ["line items compared", ctx["n_lines"]]]
    rows += [[f"line items {k}", v] for k, v in ctx["counts"].items()]
    rows += [["tolerance", "|received - expected| <= 5 % × max(|expected|, floor)"],
             ["floors", ", ".join(f"{k}: {v:g}" for k, v in ctx["floors"].items())]]
    rows += [["results file says", f"{k} = {v}"] for k, v in ctx["meta"].items()]
    rows += [["problem", p] for p in ctx["problems"]]
    rows += [["not in the cas-type (ignored)", e] for e in ctx["extra"]]
    ws.append(["key", "value"])
    for r in rows:
        ws.append(r)
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 90
    ws["B2"].font = Font(bold=True, color="006100" if ctx["conformant"] else "9C0006")
    items = wb.create_sheet("items")
    items.append(["case", "line_item", "unit", "expected", "received", "deviation", "verdict", "reason",
                  "judged_against_floor", "tolerance_basis", "cobenefit_status"])
    bad = PatternFill("solid", fgColor="FFC7CE")
    for case, lines in ctx["by_case"].items():
        for l in lines:
            items.append([l.case, l.item, l.unit, l.expected, l.received, l.deviation, l.verdict, l.reason,
                          l.floored, ctx["items"][l.item]["basis"], l.status])
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
    from carbonspec.runtime.io.workbook import save_workbook

    html = render_html(ctx)
    wb = report_workbook(ctx)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    tmp_html = html_path.with_name(html_path.name + ".tmp")
    tmp_xlsx = xlsx_path.with_name(xlsx_path.name + ".tmp")
    try:
        tmp_html.write_text(html, encoding="utf-8")
        save_workbook(wb, tmp_xlsx)
        tmp_html.replace(html_path)
        tmp_xlsx.replace(xlsx_path)
    finally:
        for t in (tmp_html, tmp_xlsx):
            if t.exists():
                t.unlink()
