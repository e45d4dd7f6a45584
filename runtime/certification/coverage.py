"""Coverage of a method's IR by a set of dossiers (the cas-type, method section 8.5).

Written against model.json only, so a new equation, branch or rabais rate of the spec is
counted (and reported as missing) without touching this file.  Four measures:

- equations: every equation takes a non-zero value on some row of some dossier (consistency
  checks whose declared domain is `<= 0`, i.e. which the runtime refuses unless 0, are
  exempt and listed as such);
- branches: every branch of every `select` node of the IR (a piecewise `when` branch, the
  `otherwise` branch, an `if c then a else b`) is the branch taken on some row.  A branch
  is "taken" on a row when it is the first whose condition holds there AND the row is
  live: inside an aggregate only the child rows passing its `where` filter are live,
  inside a branch only the rows where that branch is taken — so a branch nested in an
  unused branch or a filtered-out row does not count;
- rabais rates: the branches of the select equations of the rabais block (the equations the
  spec's `rabais` and `certifiable` constructs compiled to, and the root equations built on
  them: model.json key `rabais`); each branch is a rate (or the undiscounted value);
- signs: each term compared with 0 in the rabais block (the discounted terms: a rabais
  applies only to a strictly positive term) is seen both > 0 and < 0;
- inputs: every value of every enum input and both values of every boolean input occur
  (methods A/B/C, the three reference types, renewal, nda, levers, ...);
- co-benefits: every equation with a `cobenefit` field (section 7, farm and project) is seen
  mandatory and not mandatory when its `mandatory` is a flag, computed and not computed when
  it has `computed_when`, and, where computed, improved and not improved (strictly on the
  other side of its threshold: worse, not merely unchanged).

A side compared with 0 that cannot be negative (a flag, a count, a sum of areas: inferred
from the declared domains through the expressions, `nonnegative`) is not a signed term.

Blocked items.  A case module may declare probes (`PROBES`): dossiers that reach items no
valid dossier can reach because of a known spec defect (a NaN, or a guard the dossier format
makes dead), and that the spec therefore refuses.  The items only a refused probe reaches are
reported as BLOCKED with the refusal message: neither covered nor missing.  A probe refused
when computed gives what it reaches by itself; one refused before (the dossier format) names
them (`blocks`).  When the spec accepts a probe, it no longer blocks anything (its items show
as missing until it is registered as a case).

`CoverageBackend` is the NumPy reference interpreter with a recording hook; its values
are those of `ReferenceBackend` (a test checks it).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, Iterator, List, Optional, Set, Tuple

import numpy as np

from carbonspec.runtime.engine.reference import ReferenceBackend



# ------------------------------------------------------------ IR walking --
def walk(node: dict, path: str) -> Iterator[Tuple[str, dict]]:
    """(path, node) of every node of an expression, depth first, parents first."""
    yield path, node
    for i, a in enumerate(node.get("args") or []):
        yield from walk(a, f"{path}.args[{i}]")
    for key in ("left", "right", "where", "body"):
        if node.get(key) is not None:
            yield from walk(node[key], f"{path}.{key}")
    for i, (cond, value) in enumerate(node.get("branches") or []):
        if cond is not None:
            yield from walk(cond, f"{path}.branches[{i}].when")
        yield from walk(value, f"{path}.branches[{i}].value")


def text(n: Optional[dict], limit: int = 90) -> str:
    """The IR node as a short formula (for reports; not a parser input)."""
    s = _text(n) if n is not None else "otherwise"
    return s if len(s) <= limit else s[:limit - 1] + "…"


def _text(n: dict) -> str:
    k = n["node"]
    if k == "lit":
        v = n["value"]
        return ("true" if v else "false") if n["dtype"] == "bool" else f"{float(v):g}"
    if k == "code":
        return str(n["value"])
    if k == "ref":
        return n["symbol"]
    if k == "op":
        if n["op"] == "neg":
            return f"-{_paren(n['args'][0])}"
        return f" {n['op']} ".join(_paren(a) for a in n["args"])
    if k == "cmp":
        return f"{_text(n['left'])} {n['op']} {_text(n['right'])}"
    if k == "logic":
        if n["op"] == "not":
            return f"not {_paren(n['args'][0])}"
        return f" {n['op']} ".join(_paren(a) for a in n["args"])
    if k == "func":
        return f"{n['name']}({', '.join(_text(a) for a in n['args'])})"
    if k == "agg":
        where = f" where {_text(n['where'])}" if n["where"] is not None else ""
        return f"{n['func']}({n['entity']}{where}: {_text(n['body'])})"
    if k == "select":
        parts = [f"{_text(v)} when {_text(c)}" if c is not None else _text(v) for c, v in n["branches"]]
        return "{" + "; ".join(parts) + "}"
    return k


def _paren(n: dict) -> str:
    s = _text(n)
    return f"({s})" if n["node"] in ("op", "logic", "cmp", "select") and " " in s else s


# --------------------------------------------------------- what to cover --
@dataclass(frozen=True)
class Branch:
    equation: str
    path: str       # of the select node inside the equation's expression
    index: int      # branch number, 0-based
    n_branches: int
    condition: str  # text of the condition, or "otherwise"
    value: str      # text of the value

    @property
    def id(self) -> str:
        return f"{self.equation}:{self.path}#{self.index}"

    def label(self) -> str:
        return f"{self.equation} [{self.index + 1}/{self.n_branches}] = {self.value} when {self.condition}" \
            if self.condition != "otherwise" else f"{self.equation} [{self.index + 1}/{self.n_branches}] = {self.value} otherwise"


@dataclass(frozen=True)
class SignTerm:
    equation: str
    path: str  # of the cmp node
    term: str  # text of the side compared with 0

    @property
    def id(self) -> str:
        return f"{self.equation}:{self.path}"


def rabais_block(model: dict) -> Set[str]:
    """The equations of the rabais block, as the model lists them (model.json `rabais`)."""
    r = model.get("rabais") or {}
    return set(r.get("equations") or []) | set(r.get("totals") or [])


def is_zero_check(eq: dict) -> bool:
    """A consistency check: its declared domain is `<= 0` (the runtime refuses any other value)."""
    d = eq.get("domain")
    return bool(d) and d.get("lo") is None and d.get("hi") == 0 and d.get("hi_closed")


def branches(model: dict) -> List[Branch]:
    """The branches of every select node with two branches or more (a one-branch select is
    the equation itself, counted by the equation coverage), except in consistency checks:
    their non-zero branches are what a valid dossier never reaches."""
    out = []
    for eq in model["equations"]:
        if is_zero_check(eq):
            continue
        for path, n in walk(eq["expr"], "expr"):
            if n["node"] == "select" and len(n["branches"]) > 1:
                nb = len(n["branches"])
                for i, (c, v) in enumerate(n["branches"]):
                    out.append(Branch(eq["name"], path, i, nb, text(c), text(v)))
    return out


def rabais_branches(model: dict) -> List[Branch]:
    """The rates: branches of the rabais block's select equations that are rates (unit 1, not
    an eligibility criterion); the discounted terms' branches are in `branches` and `signs`."""
    block = rabais_block(model)
    names = {eq["name"] for eq in model["equations"]
             if eq["name"] in block and eq["unit"] == "1" and not eq.get("criterion")}
    return [b for b in branches(model) if b.equation in names]


def _is_zero_lit(n: dict) -> bool:
    return n["node"] == "lit" and n["dtype"] != "bool" and float(n["value"]) == 0.0


def nonnegative(model: dict) -> Callable[[dict], bool]:
    """A predicate on IR nodes: True when the expression cannot be negative, inferred from the
    declared domains (>= 0), constants >= 0, counts, and sums, products, quotients, means, min,
    max and selects of such values (abs, comparisons and flags too).  False when unsure."""
    declared = {s["name"] for s in model["equations"] + model["inputs"]
                if s.get("domain") and s["domain"].get("lo") is not None and s["domain"]["lo"] >= 0}
    consts = {c["name"]: c["value"] for c in model["constants"]}
    eqs = {e["name"]: e for e in model["equations"]}
    memo: Dict[str, bool] = {}

    def symbol(name: str) -> bool:
        if name in declared:
            return True
        if name in consts:
            return consts[name] is not None and consts[name] >= 0
        if name in eqs:
            if name not in memo:
                memo[name] = False  # a cycle (none in a valid spec) proves nothing
                memo[name] = node(eqs[name]["expr"])
            return memo[name]
        return False

    def node(n: dict) -> bool:
        k = n["node"]
        if k == "lit":
            return n["dtype"] == "bool" or float(n["value"]) >= 0
        if k in ("cmp", "logic"):
            return True
        if k == "ref":
            return n.get("dtype") == "bool" or symbol(n["symbol"])
        if k == "op":
            return n["op"] in ("+", "*", "/") and all(node(a) for a in n["args"])
        if k == "func":
            return n["name"] in ("abs", "known", "exp") or (n["name"] in ("min", "max")
                                                            and all(node(a) for a in n["args"]))
        if k == "agg":
            return n["func"] == "count" or node(n["body"])
        if k == "select":
            return all(node(v) for _, v in n["branches"])
        return False
    return node


def sign_terms(model: dict) -> List[SignTerm]:
    """The sides compared with 0 in the conditions of the rabais block's selects, except a side
    that cannot be negative (a flag, a count, an area: `nonnegative`)."""
    nonneg = nonnegative(model)
    block = rabais_block(model)
    out = []
    for eq in model["equations"]:
        if eq["name"] not in block:
            continue
        for path, n in walk(eq["expr"], "expr"):
            if n["node"] == "cmp" and n["op"] in ("<", "<=", ">", ">=") and ".when" in path:
                side = n["left"] if _is_zero_lit(n["right"]) else n["right"] if _is_zero_lit(n["left"]) else None
                if side is None or _is_zero_lit(side) or nonneg(side):
                    continue
                out.append(SignTerm(eq["name"], path, text(side)))
    return out


@dataclass(frozen=True)
class CobenefitState:
    equation: str
    aspect: str  # "mandatory", "computed" or "improved"
    value: bool

    @property
    def key(self) -> Tuple[str, str, bool]:
        return (self.equation, self.aspect, self.value)

    def label(self) -> str:
        word = {("mandatory", True): "mandatory", ("mandatory", False): "not mandatory",
                ("computed", True): "computed", ("computed", False): "not computed",
                ("improved", True): "computed and improved",
                ("improved", False): "computed and not improved (worse)"}[(self.aspect, self.value)]
        return f"{self.equation} {word}"


def cobenefit_states(model: dict) -> List[CobenefitState]:
    """The states each co-benefit equation must be seen in: mandatory and not (when `mandatory`
    is a flag), computed and not (when it has `computed_when`), improved and worse."""
    out = []
    for eq in model["equations"]:
        cb = eq.get("cobenefit")
        if not cb:
            continue
        if isinstance(cb.get("mandatory"), str):
            out += [CobenefitState(eq["name"], "mandatory", v) for v in (True, False)]
        if cb.get("computed_when"):
            out += [CobenefitState(eq["name"], "computed", v) for v in (True, False)]
        out += [CobenefitState(eq["name"], "improved", v) for v in (True, False)]
    return out


def cobenefit_flags(cb: dict, values: Dict[str, np.ndarray], n: int) -> Tuple[np.ndarray, np.ndarray]:
    """(mandatory, computed) per row of a co-benefit equation's entity."""
    def flag(spec) -> np.ndarray:
        if isinstance(spec, str):
            return np.broadcast_to(np.asarray(values[spec], dtype=float) > 0.5, (n,))
        return np.full(n, bool(spec))
    return flag(cb.get("mandatory", True)), flag(cb.get("computed_when") or True)


def improved_rows(cb: dict, v: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """(improved, worse) per row: on the improved side of the threshold of Tableau 20, and
    strictly on the other side."""
    op, t = cb["improved"]["op"], cb["improved"]["value"]
    better = {"<": v < t, "<=": v <= t, ">": v > t, ">=": v >= t}[op]
    worse = v > t if op in ("<", "<=") else v < t
    return better, worse


def cobenefit_record(model: dict, values: Dict[str, np.ndarray]) -> Set[Tuple[str, str, bool]]:
    seen = set()
    for eq in model["equations"]:
        cb = eq.get("cobenefit")
        if not cb:
            continue
        v = np.asarray(values[eq["name"]], dtype=float)
        mandatory, computed = cobenefit_flags(cb, values, v.size)
        better, worse = improved_rows(cb, v)
        for aspect, flags in (("mandatory", mandatory), ("computed", computed)):
            seen |= {(eq["name"], aspect, bool(x)) for x in flags}
        if np.any(computed & better):
            seen.add((eq["name"], "improved", True))
        if np.any(computed & worse):
            seen.add((eq["name"], "improved", False))
    return seen


def input_values(model: dict) -> List[Tuple[str, str, object]]:
    """(entity, input, value) for every enum value and both booleans of every input."""
    out = []
    for inp in model["inputs"]:
        if inp.get("builtin"):
            continue
        if inp["dtype"] == "bool":
            out += [(inp["entity"], inp["name"], False), (inp["entity"], inp["name"], True)]
        elif inp["dtype"] == "enum" and inp.get("enum") and not inp["enum"].startswith("key:") \
                and inp["enum"] in model["enums"] and inp["enum"] != "scenario":
            out += [(inp["entity"], inp["name"], v) for v in model["enums"][inp["enum"]]]
    return out


# ------------------------------------------------------------- recording --
@dataclass
class Record:
    """What one or more dossiers exercised."""
    taken: Set[str] = field(default_factory=set)        # Branch.id
    nonzero: Set[str] = field(default_factory=set)      # equation names
    positive: Set[str] = field(default_factory=set)     # SignTerm.id
    negative: Set[str] = field(default_factory=set)     # SignTerm.id
    inputs: Set[Tuple[str, str, object]] = field(default_factory=set)
    cobenefits: Set[Tuple[str, str, bool]] = field(default_factory=set)  # CobenefitState.key

    def update(self, other: "Record") -> None:
        self.taken |= other.taken
        self.nonzero |= other.nonzero
        self.positive |= other.positive
        self.negative |= other.negative
        self.inputs |= other.inputs
        self.cobenefits |= other.cobenefits

    def minus(self, other: "Record") -> "Record":
        """What this record has and `other` has not."""
        return Record(self.taken - other.taken, self.nonzero - other.nonzero, self.positive - other.positive,
                      self.negative - other.negative, self.inputs - other.inputs,
                      self.cobenefits - other.cobenefits)


class CoverageBackend(ReferenceBackend):
    """ReferenceBackend that records which branch each live row takes.

    Same values as ReferenceBackend: `select` and `agg` are computed exactly as there; only
    the live-row mask (`self._live`, one bool per row of the current context) is added."""

    def __init__(self, model: dict):
        super().__init__(model)
        self._ids: Dict[int, str] = {}
        self._signs: Dict[int, str] = {}
        for eq in model["equations"]:
            for path, n in walk(eq["expr"], "expr"):
                self._ids[id(n)] = f"{eq['name']}:{path}"
        for st in sign_terms(model):
            for path, n in walk(self._eq(st.equation)["expr"], "expr"):
                if path == st.path:
                    self._signs[id(n)] = st.id
        self.record = Record()
        self._live: Optional[np.ndarray] = None

    def _eq(self, name: str) -> dict:
        return next(e for e in self.model["equations"] if e["name"] == name)

    def compute(self, data):
        values = dict(data)
        out = {}
        with np.errstate(all="ignore"):
            for eq in self.model["equations"]:
                n = data["n_" + eq["entity"]]
                self._live = np.ones(n, dtype=bool)
                v = np.asarray(self.eval(eq["expr"], eq["entity"], values), dtype=np.float64)
                if v.ndim == 0:
                    v = np.full(n, float(v))
                values[eq["name"]] = v
                out[eq["name"]] = v
                if np.any(np.isfinite(v) & (v != 0)):
                    self.record.nonzero.add(eq["name"])
        self._live = None
        self.record.cobenefits |= cobenefit_record(self.model, values)
        return out

    def eval(self, n, ctx, values):
        kind = n["node"]
        if kind == "select":
            return self._select(n, ctx, values)
        if kind == "agg":
            return self._agg(n, ctx, values)
        if kind == "cmp" and id(n) in self._signs:
            self._sign(n, ctx, values)
        return super().eval(n, ctx, values)

    def _rows(self, x, ctx, values) -> np.ndarray:
        return np.broadcast_to(np.asarray(x), (values["n_" + ctx],))

    def _sign(self, n, ctx, values):
        side = n["left"] if not _is_zero_lit(n["left"]) else n["right"]
        x = np.asarray(self.eval(side, ctx, values), dtype=float)
        x = self._rows(x, ctx, values)[self._live]
        sid = self._signs[id(n)]
        if np.any(x > 0):
            self.record.positive.add(sid)
        if np.any(x < 0):
            self.record.negative.add(sid)

    def _select(self, n, ctx, values):
        live = self._live
        nid = self._ids.get(id(n))
        remaining = live.copy()
        conds, taken = [], []
        for cond, _ in n["branches"]:
            # the condition of branch i is live where no earlier branch was taken
            if cond is None:
                c = np.ones_like(live)
            else:
                self._live = remaining
                c = self._rows(np.asarray(self.eval(cond, ctx, values), dtype=bool), ctx, values)
            conds.append(c)
            taken.append(remaining & c)
            remaining = remaining & ~c
        # values as the reference computes them (last branch first, np.where backwards), with
        # the live mask of each branch set while its value is computed
        for i, t in enumerate(taken):
            if nid is not None and t.any():
                self.record.taken.add(f"{nid}#{i}")
        self._live = taken[-1]
        result = np.asarray(self.eval(n["branches"][-1][1], ctx, values), dtype=float)
        for i in range(len(n["branches"]) - 2, -1, -1):
            self._live = taken[i]
            v = np.asarray(self.eval(n["branches"][i][1], ctx, values), dtype=float)
            result = np.where(conds[i], v, result)
        self._live = live
        return result

    def _agg(self, n, ctx, values):
        live = self._live
        child = n["entity"]
        n_child, n_parent = values["n_" + child], values["n_" + ctx]
        parent_idx = values[f"idx_{child}_{ctx}"]
        child_live = live[parent_idx] if n_child else np.zeros(0, dtype=bool)
        mask = np.ones(n_child, dtype=bool)
        if n["where"] is not None:
            self._live = child_live
            mask = np.broadcast_to(np.asarray(self.eval(n["where"], child, values), dtype=bool), (n_child,))
        counts = np.bincount(parent_idx[mask], minlength=n_parent).astype(float)
        if n["func"] == "count":
            self._live = live
            return counts
        self._live = child_live & mask
        body = np.broadcast_to(np.asarray(self.eval(n["body"], child, values), dtype=float), (n_child,))
        self._live = live
        sums = np.bincount(parent_idx[mask], weights=body[mask], minlength=n_parent)
        if n["func"] == "mean":
            return sums / counts
        return sums


def input_record(model: dict, flat) -> Set[Tuple[str, str, object]]:
    """The enum and boolean input values present in a flattened dossier."""
    wanted = {(e, i) for e, i, _ in input_values(model)}
    seen = set()
    for ent, cols in flat.raw.items():
        for name, vals in cols.items():
            if (ent, name) in wanted:
                seen |= {(ent, name, v) for v in vals if v is not None}
    return seen


def labelled_record(model: dict, labels, where: str = "probe") -> Record:
    """The record of the items named by their labels (equation names, Branch.label(),
    CobenefitState.label()): what a probe refused before any computation would reach.  A
    label that names nothing is an error (it would silently block nothing)."""
    rec = Record()
    by_label: Dict[str, List[str]] = {}
    for b in branches(model):
        by_label.setdefault(b.label(), []).append(b.id)
    states = {c.label(): c.key for c in cobenefit_states(model)}
    eqs = {e["name"] for e in model["equations"]}
    for label in labels:
        if label in by_label:
            rec.taken |= set(by_label[label])
        elif label in states:
            rec.cobenefits.add(states[label])
        elif label in eqs:
            rec.nonzero.add(label)
        else:
            raise ValueError(f"{where}: '{label}' names no equation, branch or co-benefit state of the model")
    return rec


# ---------------------------------------------------------------- report --
@dataclass
class Blocked:
    """Items only a probe reaches, which the spec refuses (a known spec defect)."""
    probe: str
    reason: str    # the refusal message
    record: Record


@dataclass
class Coverage:
    model: dict
    record: Record
    blocked: List[Blocked] = field(default_factory=list)
    accepted_probes: List[str] = field(default_factory=list)  # probes the spec now accepts

    def _blocked(self) -> Record:
        r = Record()
        for b in self.blocked:
            r.update(b.record)
        return r

    @property
    def equations(self) -> List[dict]:
        return [e for e in self.model["equations"] if not is_zero_check(e)]

    @property
    def exempt_equations(self) -> List[str]:
        return [e["name"] for e in self.model["equations"] if is_zero_check(e)]

    def missing_equations(self, blocked: bool = False) -> List[str]:
        skip = self._blocked().nonzero
        return [e["name"] for e in self.equations
                if e["name"] not in self.record.nonzero and ((e["name"] in skip) == blocked)]

    def missing_branches(self, blocked: bool = False) -> List[Branch]:
        skip = self._blocked().taken
        return [b for b in branches(self.model) if b.id not in self.record.taken and ((b.id in skip) == blocked)]

    def missing_rabais(self, blocked: bool = False) -> List[Branch]:
        skip = self._blocked().taken
        return [b for b in rabais_branches(self.model)
                if b.id not in self.record.taken and ((b.id in skip) == blocked)]

    def missing_signs(self, blocked: bool = False) -> List[Tuple[SignTerm, str]]:
        bl = self._blocked()
        out = []
        for st in sign_terms(self.model):
            if st.id not in self.record.positive and ((st.id in bl.positive) == blocked):
                out.append((st, "> 0"))
            if st.id not in self.record.negative and ((st.id in bl.negative) == blocked):
                out.append((st, "< 0"))
        return out

    def missing_inputs(self, blocked: bool = False) -> List[Tuple[str, str, object]]:
        skip = self._blocked().inputs
        return [v for v in input_values(self.model) if v not in self.record.inputs and ((v in skip) == blocked)]

    def missing_cobenefits(self, blocked: bool = False) -> List[CobenefitState]:
        skip = self._blocked().cobenefits
        return [c for c in cobenefit_states(self.model)
                if c.key not in self.record.cobenefits and ((c.key in skip) == blocked)]

    def complete(self) -> bool:
        """Nothing missing; blocked items (unreachable because of a known spec defect, see
        `Blocked`) are listed, not counted as missing."""
        return not (self.missing_equations() or self.missing_branches() or self.missing_signs()
                    or self.missing_inputs() or self.missing_cobenefits() or self.accepted_probes)

    def summary(self) -> dict:
        eqs, brs, rab = self.equations, branches(self.model), rabais_branches(self.model)
        sts, ins, cbs = sign_terms(self.model), input_values(self.model), cobenefit_states(self.model)
        me, mb, mr, ms, mi, mc = (self.missing_equations(), self.missing_branches(), self.missing_rabais(),
                                  self.missing_signs(), self.missing_inputs(), self.missing_cobenefits())
        be, bb, br, bs, bi, bc = (self.missing_equations(True), self.missing_branches(True),
                                  self.missing_rabais(True), self.missing_signs(True), self.missing_inputs(True),
                                  self.missing_cobenefits(True))
        return {
            "complete": not (me or mb or ms or mi or mc or self.accepted_probes),
            "equations": {"covered": len(eqs) - len(me) - len(be), "total": len(eqs), "missing": me,
                          "blocked": be, "exempt_zero_checks": self.exempt_equations},
            "branches": {"covered": len(brs) - len(mb) - len(bb), "total": len(brs),
                         "missing": [b.label() for b in mb], "blocked": [b.label() for b in bb]},
            "rabais_rates": {"covered": len(rab) - len(mr) - len(br), "total": len(rab),
                             "missing": [b.label() for b in mr], "blocked": [b.label() for b in br],
                             "rates": [{"rate": b.label(), "covered": b.id in self.record.taken} for b in rab]},
            "signs": {"covered": 2 * len(sts) - len(ms) - len(bs), "total": 2 * len(sts),
                      "missing": [f"{st.equation}: {st.term} {s}" for st, s in ms],
                      "blocked": [f"{st.equation}: {st.term} {s}" for st, s in bs]},
            "inputs": {"covered": len(ins) - len(mi) - len(bi), "total": len(ins),
                       "missing": [f"{e}.{i} = {json_value(v)}" for e, i, v in mi],
                       "blocked": [f"{e}.{i} = {json_value(v)}" for e, i, v in bi]},
            "cobenefits": {"covered": len(cbs) - len(mc) - len(bc), "total": len(cbs),
                           "missing": [c.label() for c in mc], "blocked": [c.label() for c in bc]},
            "blocked_by": [{"probe": b.probe, "reason": b.reason} for b in self.blocked],
            "accepted_probes": list(self.accepted_probes),
        }

    def lines(self) -> List[str]:
        s = self.summary()

        def blocked(key: str) -> str:
            n = len(s[key]["blocked"])
            return f", {n} BLOCKED by a spec defect" if n else ""
        out = [f"equations   {s['equations']['covered']}/{s['equations']['total']} non-zero somewhere"
               f" ({len(s['equations']['exempt_zero_checks'])} consistency checks exempt: must be 0)"
               + blocked("equations"),
               f"branches    {s['branches']['covered']}/{s['branches']['total']} taken" + blocked("branches"),
               f"rabais      {s['rabais_rates']['covered']}/{s['rabais_rates']['total']} rates selected"
               + blocked("rabais_rates"),
               f"signs       {s['signs']['covered']}/{s['signs']['total']} discounted terms seen > 0 and < 0"
               + blocked("signs"),
               f"inputs      {s['inputs']['covered']}/{s['inputs']['total']} enum and boolean input values"
               + blocked("inputs"),
               f"cobenefits  {s['cobenefits']['covered']}/{s['cobenefits']['total']} co-benefit states "
               "(mandatory or not, computed or not, improved or worse)" + blocked("cobenefits")]
        for key, what in (("equations", "equation never non-zero"), ("branches", "branch never taken"),
                          ("signs", "sign never seen"), ("inputs", "input value never used"),
                          ("cobenefits", "co-benefit state never seen")):
            for m in s[key]["missing"]:
                out.append(f"  MISSING {what}: {m}")
        for p in s["accepted_probes"]:
            out.append(f"  PROBE '{p}' is now accepted by the spec (its defect is fixed): register it as a case "
                       "and remove it from PROBES")
        for b in s["blocked_by"]:
            out.append(f"  BLOCKED: only probe '{b['probe']}' reaches the items below, and the spec refuses it "
                       f"(a spec defect to fix): {b['reason']}")
        for key, what in (("equations", "equation"), ("branches", "branch"), ("signs", "sign"),
                          ("inputs", "input value"), ("cobenefits", "co-benefit state")):
            for m in s[key]["blocked"]:
                out.append(f"  BLOCKED {what}: {m}")
        return out


def json_value(v) -> str:
    return ("true" if v else "false") if isinstance(v, bool) else str(v)
