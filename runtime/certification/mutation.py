"""Mutation score of the cas-type: would certification catch a calculator that codes one thing
of the method wrongly?

A mutant is the method's IR (model.json) with ONE change:
- constant: a named constant of the spec × 1.10;
- literal: a number written in an equation × 1.10 (Équation 7's pH bounds, the 1000 of
  kg -> t, the 3 reference years, ...; 0 and 1 excepted);
- flip: a comparison negated (== <-> !=, < <-> >=, > <-> <=);
- swap: the values of two consecutive branches of a select (piecewise `when` / otherwise,
  `if`) exchanged.
Annex values (tables, lookups) are data, not spec: never mutated.

For each mutant the cas-type dossiers are computed with the NumPy reference interpreter of the
mutated IR (no recompile) and certified against the original reference results at the
method's tolerance (certify.compare).  The mutant is caught when certification fails: a line
item out of tolerance, or the run refused (a non-finite or out-of-domain value, which a
calculator would have to report instead of results).  An escaped mutant is either justified
automatically (the mutated equation feeds no line item: a trace, eligibility or consistency
check, or only line items informative in every case) or by a reason written as data beside
the spec (castype/justified.json: equivalent mutants, changes whose largest effect is below
the tolerance, with the measured bound), or it shows up as unjustified: then a case is
missing (the generator, generator.kill, searches for one first).

Only the equations downstream of the change are recomputed, and only for the cases where the
mutated equation changes value, so the full run takes seconds, not minutes.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Set

import numpy as np

from carbonspec.compiler.errors import InputError

from carbonspec.runtime.certification.certify import case_values, compare
from carbonspec.runtime.certification.coverage import text, walk
from carbonspec.runtime.engine.core import check_outputs
from carbonspec.runtime.engine.reference import ReferenceBackend

FACTOR = 1.10
NEGATE = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}

@dataclass
class Mutant:
    id: str
    kind: str              # constant, flip, swap
    equations: List[str]   # equations whose expression (or constant) changes
    description: str
    apply: Callable[[], None] = field(repr=False, default=None)
    undo: Callable[[], None] = field(repr=False, default=None)
    constants: Optional[Dict[str, float]] = field(repr=False, default=None)


def mutants(model: dict) -> List[Mutant]:
    """Every mutant of the model (the model dict is changed in place by apply/undo)."""
    out: List[Mutant] = []
    users: Dict[str, List[str]] = {}
    for eq in model["equations"]:
        for _, n in walk(eq["expr"], "expr"):
            if n["node"] == "ref":
                users.setdefault(n["symbol"], [])
                if eq["name"] not in users[n["symbol"]]:
                    users[n["symbol"]].append(eq["name"])
    base = {c["name"]: c["value"] for c in model["constants"]}
    for c in model["constants"]:
        if not c["value"]:
            continue  # 0 × 1.1 = 0: no mutant
        consts = dict(base)
        consts[c["name"]] = c["value"] * FACTOR
        out.append(Mutant(f"constant {c['name']} x{FACTOR:.2f}", "constant", users.get(c["name"], []),
                          f"{c['name']} = {c['value']:g} -> {c['value'] * FACTOR:g}", constants=consts))
    for eq in model["equations"]:
        for path, n in walk(eq["expr"], "expr"):
            if n["node"] == "lit" and n["dtype"] != "bool" and float(n["value"]) not in (0.0, 1.0):
                out.append(_literal(eq, path, n))
            if n["node"] == "cmp" and n["op"] in NEGATE:
                out.append(_flip(eq, path, n))
            if n["node"] == "select":
                for i in range(len(n["branches"]) - 1):
                    a, b = n["branches"][i][1], n["branches"][i + 1][1]
                    if json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True):
                        continue  # same value in both branches: swapping changes nothing
                    out.append(_swap(eq, path, n, i))
    return out


def _literal(eq, path, n) -> Mutant:
    value = n["value"]

    def apply():
        n["value"] = value * FACTOR

    def undo():
        n["value"] = value
    return Mutant(f"literal {eq['name']} {path} x{FACTOR:.2f}", "literal", [eq["name"]],
                  f"{eq['name']}: the number {value:g} [{n['unit']}] -> {value * FACTOR:g}", apply, undo)


def _flip(eq, path, n) -> Mutant:
    op = n["op"]

    def apply():
        n["op"] = NEGATE[op]

    def undo():
        n["op"] = op
    return Mutant(f"flip {eq['name']} {path} {op}->{NEGATE[op]}", "flip", [eq["name"]],
                  f"{eq['name']}: {text(n, 70)}  becomes  {op} -> {NEGATE[op]}", apply, undo)


def _swap(eq, path, n, i) -> Mutant:
    br = n["branches"]

    def apply():
        br[i][1], br[i + 1][1] = br[i + 1][1], br[i][1]
    return Mutant(f"swap {eq['name']} {path} branches {i + 1}<->{i + 2}", "swap", [eq["name"]],
                  f"{eq['name']}: values of branches {i + 1} ({text(br[i][1], 40)}) and {i + 2} "
                  f"({text(br[i + 1][1], 40)}) exchanged", apply, apply)


# ------------------------------------------------------------- evaluation --
class PartialBackend(ReferenceBackend):
    """Recompute only some equations, the others taken from a base run."""

    def __init__(self, model: dict, constants: Optional[Dict[str, float]] = None):
        super().__init__(model)
        if constants is not None:
            self.constants = constants

    def recompute(self, data, base: Dict[str, np.ndarray], order: List[dict], first: Set[str],
                  deps: Dict[str, Set[str]]) -> Optional[Dict[str, np.ndarray]]:
        """Every equation's values with the equations of `order` recomputed (in model order)
        when they are mutated (`first`) or use a value that changed; None if nothing changed."""
        values = dict(data)
        values.update(base)
        out = dict(base)
        changed: Set[str] = set()
        with np.errstate(all="ignore"):
            for eq in order:
                name = eq["name"]
                if name not in first and not (deps[name] & changed):
                    continue
                v = np.asarray(self.eval(eq["expr"], eq["entity"], values), dtype=np.float64)
                if v.ndim == 0:
                    v = np.full(data["n_" + eq["entity"]], float(v))
                if not np.array_equal(v, base[name], equal_nan=True):
                    changed.add(name)
                    values[name] = v
                    out[name] = v
        return out if changed else None


def dependencies(model: dict) -> Dict[str, Set[str]]:
    """equation -> the equations its expression refers to."""
    eq_names = {e["name"] for e in model["equations"]}
    return {e["name"]: {n["symbol"] for _, n in walk(e["expr"], "expr")
                        if n["node"] == "ref" and n["symbol"] in eq_names} for e in model["equations"]}


def downstream(model: dict, names: List[str]) -> Set[str]:
    """The equations that depend (transitively) on any of `names`, and `names`."""
    users: Dict[str, Set[str]] = {e["name"]: set() for e in model["equations"]}
    for name, ds in dependencies(model).items():
        for d in ds:
            users[d].add(name)
    seen, todo = set(names), list(names)
    while todo:
        for u in users.get(todo.pop(), ()):
            if u not in seen:
                seen.add(u)
                todo.append(u)
    return seen


@dataclass
class Outcome:
    mutant: Mutant
    caught: bool
    how: str                 # "line item" / "refused" / "" (escaped)
    where: str               # case and line item that caught it, or the largest deviation
    max_deviation: float     # largest |deviation| over every case and line item
    justification: str = ""
    certifiable: bool = True  # reaches a line item that counts in the verdict of some case
    caught_by: List[str] = field(default_factory=list)  # with every_case: each case that catches it


def run(compiled, cases, reference: dict, only: Optional[Callable[[Mutant], bool]] = None,
        justified: Optional[Dict[str, str]] = None, every_case: bool = False) -> List[Outcome]:
    """cases: castype.CaseResult list (flat data and base outputs); reference: the reference
    results document (certify layout); only: a filter on the mutants; justified: mutant id ->
    written reason (the spec's castype/justified.json); every_case: try every case instead of
    stopping at the first that catches the mutant, and list them all (`caught_by`: what the
    minimisation of the case set needs)."""
    justified = justified or {}
    model = compiled.model
    items = [i["name"] for i in reference["line_items"]]
    item_set = set(items)
    certified = certified_items(reference)
    deps = dependencies(model)
    outcomes = []
    for m in mutants(model):
        if only is not None and not only(m):
            continue
        names = downstream(model, m.equations)
        order = [e for e in model["equations"] if e["name"] in names]
        feeds = bool(names & item_set)
        feeds_certified = bool(names & certified)
        if m.apply:
            m.apply()
        try:
            backend = PartialBackend(model, m.constants)
            caught, how, where, worst, worst_at = False, "", "", 0.0, ""
            caught_by: List[str] = []
            for c in cases:
                out = backend.recompute(c.flat.data, c.outputs, order, set(m.equations), deps)
                if out is None:
                    continue
                try:
                    check_outputs(compiled, c.flat, out)
                except InputError as exc:
                    if not caught:
                        caught, how, where = True, "refused", f"{c.name}: {exc.message[:160]}"
                    caught_by.append(c.name)
                    if every_case:
                        continue
                    break
                got = {c.name: case_values(model, out)[0]}
                one = {**reference, "results": {c.name: reference["results"][c.name]}}
                cmp = compare(one, got)
                for line in cmp.lines:
                    if line.deviation is not None and abs(line.deviation) > worst:
                        worst, worst_at = abs(line.deviation), f"{c.name}: {line.item} {line.deviation:+.2%}"
                if not cmp.conformant:
                    f = cmp.failures()[0]
                    if not caught:
                        caught, how, where = True, "line item", f"{c.name}: {f.item} {f.deviation:+.2%}" \
                            if f.deviation is not None else f"{c.name}: {f.item} {f.reason}"
                    caught_by.append(c.name)
                    if every_case:
                        continue
                    break
        finally:
            if m.undo:
                m.undo()
        if not caught and worst > 0:
            where = f"largest deviation {worst_at}"
        o = Outcome(m, caught, how, where, worst, certifiable=feeds_certified, caught_by=caught_by)
        if not caught:
            if not feeds:
                o.justification = "feeds no line item (" + ", ".join(sorted(m.equations)) + \
                                  " only reaches traces, eligibility criteria or consistency checks)"
            elif not feeds_certified:
                o.justification = "reaches only line items that are informative in every case (" + \
                                  ", ".join(sorted(names & item_set)) + \
                                  "): items the spec declares informative, or co-benefits never mandatory in the " \
                                  "cas-type"
            elif m.id in justified:
                o.justification = justified[m.id]
        outcomes.append(o)
    return outcomes


def certified_items(reference: dict) -> Set[str]:
    """The line items that count in the verdict of at least one case (certify.compare's rule:
    not IFT, not an optional co-benefit, mandatory in that case)."""
    out = set()
    statuses = reference.get("cobenefits") or {}
    for item in reference["line_items"]:
        if item.get("informative"):
            continue
        if item["kind"] != "co-benefit":
            out.add(item["name"])
            continue
        if any((statuses.get(case) or {}).get(item["name"], {}).get("mandatory", True)
               for case in reference["results"]):
            out.add(item["name"])
    return out


def summary(outcomes: List[Outcome]) -> dict:
    total = len(outcomes)
    caught = [o for o in outcomes if o.caught]
    escaped = [o for o in outcomes if not o.caught]
    by_kind = {}
    for o in outcomes:
        k = by_kind.setdefault(o.mutant.kind, {"total": 0, "caught": 0})
        k["total"] += 1
        k["caught"] += o.caught
    reach = [o for o in outcomes if o.certifiable]
    reach_caught = [o for o in reach if o.caught]
    return {
        "total": total, "caught": len(caught), "score": len(caught) / total if total else 1.0,
        # the mutants certification can see at all: those reaching a line item that counts in a
        # verdict (not only eligibility criteria, classes, mandatory flags, traces, IFT or
        # optional co-benefits)
        "certifiable": {"total": len(reach), "caught": len(reach_caught),
                        "score": len(reach_caught) / len(reach) if reach else 1.0},
        "by_kind": by_kind,
        "caught_by_refusal": sum(1 for o in caught if o.how == "refused"),
        "escaped_justified": [{"mutant": o.mutant.id, "change": o.mutant.description, "why": o.justification,
                               "measured": o.where} for o in escaped if o.justification],
        "escaped_unjustified": [{"mutant": o.mutant.id, "change": o.mutant.description, "measured": o.where}
                                for o in escaped if not o.justification],
    }


def report_lines(s: dict) -> List[str]:
    """The summary, printable (console, Markdown report)."""
    c = s["certifiable"]
    out = [f"mutation score: {s['caught']}/{s['total']} mutants caught ({s['score']:.1%}); "
           f"{s['caught_by_refusal']} of them by a refused run (non-finite or out-of-domain value)",
           f"  of the {c['total']} mutants that reach a certified line item: {c['caught']} caught ({c['score']:.1%}); "
           f"the other {s['total'] - c['total']} only reach eligibility criteria, classes, mandatory flags, "
           "traces or informative co-benefits"]
    for kind, k in s["by_kind"].items():
        out.append(f"  {kind:9s} {k['caught']}/{k['total']}")
    out.append(f"escaped, justified: {len(s['escaped_justified'])}")
    for e in s["escaped_justified"]:
        out.append(f"  - {e['mutant']}: {e['why']}" + (f" [measured: {e['measured']}]" if e["measured"] else ""))
    out.append(f"escaped, NOT justified: {len(s['escaped_unjustified'])}" +
               (" (a case is missing for each)" if s["escaped_unjustified"] else ""))
    for e in s["escaped_unjustified"]:
        out.append(f"  - {e['mutant']} ({e['change']})" + (f" [measured: {e['measured']}]" if e["measured"] else ""))
    return out


def report_document(s: dict, outcomes: List[Outcome], stamp: dict) -> dict:
    return {"format": "carbonspec-castype-mutation", "format_version": 1, **stamp, "summary": s,
            "mutants": [{"mutant": o.mutant.id, "kind": o.mutant.kind, "change": o.mutant.description,
                         "caught": o.caught, "how": o.how, "where": o.where,
                         "justification": o.justification} for o in outcomes]}


def unknown_justifications(model: dict, justified: Dict[str, str]) -> List[str]:
    """The written justifications (castype/justified.json) that name no mutant of this model:
    stale after a spec change (the mutant's id moved); its escape, if any, shows unjustified."""
    ids = {m.id for m in mutants(model)}
    return sorted(k for k in justified if k not in ids)
