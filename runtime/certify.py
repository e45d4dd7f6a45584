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
- The IFT co-benefit may be computed with another tool (L3447): an IFT line item is compared
  and shown, marked "informative", and does not count in the verdict.
- A missing case, a missing line item, a blank value or one that is not a finite number
  fails that line item, with the reason.  A results file for another method, method version
  or annex version fails as a whole (the cas-type pins all three).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Dict, List, Optional

TOLERANCE = 0.05
FLOORS = {"t_CO2e": 1.0, "1": 0.01}
DEFAULT_FLOOR = 1e-9
EPS = 1e-12  # relative slack so that a deviation of exactly 5 % is not failed by rounding

# DESIGN.md, "Result JSON": the line items, in t CO2e (rabais_global is a ratio)
DESIGN_LINE_ITEMS = ("RE_fertilisation", "RE_combustibles", "RE_sechage_stockage", "RE_sechage_OS",
                     "RE_proteines", "RE_aval", "RE_stockage_carbone_sol", "RE_emissions_miscanthus",
                     "RE_stockage_carbone_sol_miscanthus", "RE_emissions", "RE", "RE_certifiable",
                     "rabais_global")
# the items for which L3445/L3447 state the 5 %; the others take it by choice A76
METHOD_TOLERANCE_ITEMS = {"RE_fertilisation", "RE_combustibles", "RE_sechage_stockage", "RE_stockage_carbone_sol",
                          "RE_emissions"}


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


def _item(eq: dict, kind: str) -> dict:
    cb = eq.get("cobenefit") or {}
    src = eq.get("source") or {}
    informative = kind == "co-benefit" and "IFT" in eq["name"].upper()
    return {"name": eq["name"], "unit": eq["unit"], "kind": kind,
            "title": cb.get("title") or eq.get("description") or eq["name"],
            "source": ", ".join(x for x in (src.get("section"), src.get("label"), src.get("text")) if x),
            "tolerance": TOLERANCE,
            "floor": floor(eq["unit"]),
            "basis": "informative (L3447: IFT may come from another tool)" if informative
            else "L3445" if eq["name"] in METHOD_TOLERANCE_ITEMS
            else "L3447" if kind == "co-benefit" else "A76 (no tolerance printed; 5 % applied)",
            "informative": informative}


def floor(unit: str) -> float:
    return FLOORS.get("".join(str(unit).split()), DEFAULT_FLOOR)


# -------------------------------------------------------------- comparison --
@dataclass
class Line:
    case: str
    item: str
    unit: str
    expected: float
    received: Optional[float]
    deviation: Optional[float]  # signed, relative to max(|expected|, floor)
    verdict: str                # "conformant", "NOT conformant", "missing", "informative"
    reason: str = ""
    floored: bool = False       # judged against the floor (tiny or zero reference)


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
        return "missing", None, False, "no value received"
    if not math.isfinite(received):
        return "NOT conformant", None, False, f"received {received!r} is not a finite number"
    fl = floor(unit)
    denom = max(abs(expected), fl)
    dev = (received - expected) / denom
    ok = abs(received - expected) <= TOLERANCE * denom * (1 + EPS)
    reason = "" if ok else f"deviation {dev:+.2%} exceeds ±{TOLERANCE:.0%}"
    return ("conformant" if ok else "NOT conformant"), dev, abs(expected) < fl, reason


def compare(reference: dict, received: Dict[str, Dict[str, Optional[float]]],
            meta: Optional[dict] = None) -> Comparison:
    """reference: the cas-type's reference-results document; received: case -> item -> value
    (None when blank); meta: what the vendor's file says about method, version, annexes."""
    items = {i["name"]: i for i in reference["line_items"]}
    problems = []
    meta = meta or {}
    for key, ref_key, what in (("method", "method", "method"), ("version", "version", "method version"),
                               ("annex_version", "annex_version", "annex version")):
        got = meta.get(key)
        if got not in (None, "") and str(got) != str(reference[ref_key]):
            problems.append(f"the results are for {what} '{got}'; the cas-type is for '{reference[ref_key]}'")
    lines = []
    for case, values in reference["results"].items():
        got_case = received.get(case)
        for name, exp in values.items():
            item = items[name]
            if got_case is None:
                lines.append(Line(case, name, item["unit"], exp, None, None, "missing",
                                  f"case '{case}' is missing from the results"))
                continue
            if name not in got_case:
                lines.append(Line(case, name, item["unit"], exp, None, None, "missing",
                                  f"line item '{name}' is missing for this case"))
                continue
            verdict, dev, floored, reason = judge(exp, got_case[name], item["unit"])
            if item.get("informative") and verdict != "missing":
                verdict, reason = "informative", (reason + "; " if reason else "") + item["basis"]
            lines.append(Line(case, name, item["unit"], exp, got_case[name], dev, verdict, reason, floored))
    extra = [c for c in received if c not in reference["results"]]
    for c, vals in received.items():
        if c in reference["results"]:
            extra += [f"{c}.{n}" for n in vals if n not in reference["results"][c]]
    return Comparison(lines, problems, extra)


def reference_document(model: dict, annex_version: str, annex_hash: str,
                       results: Dict[str, Dict[str, float]]) -> dict:
    """The layout `certify --results` reads (JSON): a vendor fills `results` the same way."""
    items = line_items(model)
    return {
        "format": "carbonspec-castype-results", "format_version": 1,
        "method": model["method"], "version": model["version"], "spec_hash": model["spec_hash"],
        "annex_version": annex_version, "annex_hash": annex_hash,
        "tolerance": {"relative": TOLERANCE, "rule": "|received - expected| <= 5 % × max(|expected|, floor)",
                      "floors": {**FLOORS, "other units": DEFAULT_FLOOR}},
        "line_items": items,
        "units": {i["name"]: i["unit"] for i in items},
        "results": {case: {i["name"]: values[i["name"]] for i in items} for case, values in results.items()},
    }
