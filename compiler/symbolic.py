"""SymPy views of the IR: LaTeX for the docs, and invariant proofs by differentiation.

An invariant "TARGET decreasing in ENTITY.INPUT where COND" is proved by inlining the
equations from TARGET down to the inputs (a sum over child rows becomes its general
term: d/dx of a sum is the sum of the terms' derivatives, so one sign settles all),
differentiating with respect to the input and showing every branch of the folded
Piecewise has the right sign.  Rows that COND excludes (e.g. reference years when
COND is `scenario == project`) keep the input as an unrelated symbol.  When SymPy cannot
decide, the invariant is reported as unproved and the test-suite checks it with
Hypothesis on generated dossiers instead.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Optional

import sympy as sp

from . import ir
from .model import Model, Symbol


class AggSum(sp.Function):
    """sum over the child rows of an entity (kept unevaluated for printing)."""

    @classmethod
    def eval(cls, *args):
        return None

    def _latex(self, printer, exp=None):
        # SymPy passes exp= when the aggregate is raised to a power (a division by a sum
        # prints as a fraction, but sum**2 or a sum in a denominator of a product reach here)
        return _power(self._latex_base(printer), exp)

    def _latex_base(self, printer):
        body, ent, cond = self.args
        sub = r"\text{" + str(ent) + "}"  # text mode: an underscore is printed as is
        if cond != sp.true:
            sub += r"\,:\," + printer._print(cond)
        return r"\sum_{" + sub + r"} \left(" + printer._print(body) + r"\right)"


def _power(latex: str, exp) -> str:
    return latex if exp is None else r"\left(" + latex + r"\right)^{" + str(exp) + "}"


class AggMean(AggSum):
    def _latex_base(self, printer):
        return r"\overline{" + super()._latex_base(printer).replace(r"\sum", r"\operatorname{moy}", 1) + "}"


class AggCount(AggSum):
    def _latex_base(self, printer):
        body, ent, cond = self.args
        sub = r"\text{" + str(ent) + "}"  # text mode: an underscore is printed as is
        if cond != sp.true:
            sub += r"\,:\," + printer._print(cond)
        return r"\#\left\{" + sub + r"\right\}"


def _sym(name: str, s: Optional[Symbol] = None) -> sp.Symbol:
    kw = {}
    if s is not None and s.dtype == "real":
        d = s.domain
        if d is not None and d.lo is not None and d.lo >= 0:
            kw["nonnegative"] = True
        if s.kind == "lookup" or s.kind == "constant" and (s.value or 0) >= 0:
            kw["nonnegative"] = True
        kw["real"] = True
    return sp.Symbol(name, **kw)


def _lit(n: ir.Lit) -> sp.Expr:
    if n.dtype == "bool":
        return sp.true if n.value else sp.false
    if float(n.value).is_integer():
        return sp.Integer(int(n.value))
    # keep the method's decimal as written (6.8 prints as 6.8, not 34/5)
    return sp.Float(n.text or repr(n.value), dps=15)


def _is_one(n: ir.Node) -> bool:
    return isinstance(n, ir.Lit) and n.dtype != "bool" and n.value == 1


def to_sympy(model: Model, n: ir.Node, inline=None, agg=None) -> sp.Expr:
    """IR -> SymPy.  `inline(ref)` may return an expression to substitute for a Ref, and
    `agg(node)` one for an aggregate (the invariant prover uses both)."""

    def go(n: ir.Node) -> sp.Expr:
        if agg is not None and isinstance(n, ir.Agg):
            return agg(n)
        if isinstance(n, ir.Lit):
            return _lit(n)
        if isinstance(n, ir.Code):
            return sp.Symbol(r"\text{«" + n.value + "»}")  # a value, not a symbol
        if isinstance(n, ir.Ref):
            if inline is not None:
                got = inline(n)
                if got is not None:
                    return got
            return _sym(n.symbol, model.symbols.get(n.symbol))
        if isinstance(n, ir.Op):
            a = [go(x) for x in n.args]
            if n.op == "neg":
                return -a[0]
            if n.op == "+":  # flatten a + b + c for readable printing
                left = list(a[0].args) if isinstance(a[0], sp.Add) and isinstance(n.args[0], ir.Op) and n.args[0].op == "+" else [a[0]]
                return sp.Add(*left, a[1])
            if n.op == "-":
                return a[0] - a[1]
            if n.op == "*":
                # `x * 1 [an]` tags a unit (a conversion by 1): the printed formula omits it
                if _is_one(n.args[1]):
                    return a[0]
                if _is_one(n.args[0]):
                    return a[1]
                return a[0] * a[1]
            if n.op == "/":
                return a[0] / a[1]
            return a[0] ** a[1]
        if isinstance(n, ir.Cmp):
            l, r = go(n.left), go(n.right)
            return {"==": sp.Eq, "!=": sp.Ne, "<": sp.Lt, "<=": sp.Le, ">": sp.Gt, ">=": sp.Ge}[n.op](
                l, r, evaluate=False)
        if isinstance(n, ir.Logic):
            a = [go(x) for x in n.args]
            if n.op == "not":
                return sp.Not(a[0])
            return (sp.And if n.op == "and" else sp.Or)(*a)
        if isinstance(n, ir.Func):
            a = [go(x) for x in n.args]
            if n.name == "known":
                return sp.Symbol(r"\operatorname{connu}(" + str(a[0]).replace("_", r"\_") + ")")
            return {"min": sp.Min, "max": sp.Max, "exp": sp.exp, "log": sp.log, "abs": sp.Abs,
                    "sqrt": sp.sqrt}[n.name](*a)
        if isinstance(n, ir.Agg):
            cond = go(n.where) if n.where is not None else sp.true
            cls = {"sum": AggSum, "mean": AggMean, "count": AggCount}[n.func]
            return cls(go(n.body), sp.Symbol(n.entity), cond)
        if isinstance(n, ir.Select):
            pieces = [(go(v), go(c) if c is not None else sp.true) for c, v in n.branches]
            if len(pieces) == 1:
                return pieces[0][0]
            return sp.Piecewise(*pieces, evaluate=False)
        raise TypeError(n)  # pragma: no cover

    return go(n)


def latex_name(name: str) -> str:
    """Method symbols print whole (QN_residus_CA), not as nested subscripts."""
    return r"\mathrm{" + name.replace("_", r"\_") + "}"


def equation_latex(model: Model, sym: Symbol, name=None) -> str:
    """`NAME = expression` in LaTeX, the way the docs print every equation.  `name(symbol)`
    prints a symbol's name (default latex_name; the HTML docs mark names to link them)."""
    text = equation_parts(model, sym, name)
    return text[0] + " = " + text[1]


def equation_parts(model: Model, sym: Symbol, name=None):
    """(left side, right side) of equation_latex."""
    name = name or latex_name
    with sp.evaluate(False):  # keep the method's printed structure: 44/28 stays 44/28
        rhs = to_sympy(model, sym.expr)
    names = {s: name(s.name) for s in rhs.free_symbols if not s.name.startswith("\\")}
    with sp.evaluate(False):
        text = sp.latex(rhs, mul_symbol="dot", symbol_names=names, order="none")
    if name is not latex_name:  # known(X) is printed as a symbol name of its own (to_sympy)
        text = re.sub(r"\\operatorname\{connu\}\(([^()]*)\)",
                      lambda m: r"\operatorname{connu}(" + name(m.group(1).replace(r"\_", "_")) + ")", text)
    # SymPy prints piecewise cases in English; the method and its docs are French
    return name(sym.name), text.replace(r"\text{for}\:", r"\text{si}\:").replace(r"\text{otherwise}", r"\text{sinon}")


# ------------------------------------------------------------ invariants --
@dataclass
class InvariantResult:
    name: str
    proved: bool
    derivative: str
    detail: str


def _facts_from(cond: Optional[ir.Node], entity: str) -> Dict[str, object]:
    """Equalities a filter fixes on its row: scenario == project, not inhibiteur, ..."""
    facts: Dict[str, object] = {}
    if cond is None:
        return facts

    def walk(c):
        if isinstance(c, ir.Logic) and c.op == "and":
            for a in c.args:
                walk(a)
        elif isinstance(c, ir.Cmp) and c.op == "==" and isinstance(c.left, ir.Ref) and isinstance(c.right, ir.Code):
            facts[c.left.symbol] = c.right.value
        elif isinstance(c, ir.Ref) and c.dtype == "bool":
            facts[c.symbol] = True
        elif isinstance(c, ir.Logic) and c.op == "not" and isinstance(c.args[0], ir.Ref):
            facts[c.args[0].symbol] = False

    walk(cond)
    return facts


def prove_invariant(model: Model, inv) -> InvariantResult:
    """Memoised per model: check, compile and docs all ask, and a proof takes seconds."""
    cache = model.__dict__.setdefault("_proofs", {})
    if inv.name not in cache:
        cache[inv.name] = _prove(model, inv)
    return cache[inv.name]


def _prove(model: Model, inv) -> InvariantResult:
    target = model.symbols[inv.target]
    wrt = model.symbols[inv.wrt.name]
    x = sp.Symbol(wrt.name, real=True, nonnegative=bool(wrt.domain and wrt.domain.lo is not None and wrt.domain.lo >= 0))
    other = _sym(wrt.name + "_autre", wrt)
    cond_facts = {}
    if inv.where is not None:
        # the invariant's condition, resolved in the input's entity
        cond_facts = _facts_from(_resolve_condition(model, inv), wrt.entity)
    depends = _dependents(model, wrt.name)

    def consistent(facts: Dict[str, object]) -> bool:
        return all(facts.get(k, v) == v for k, v in cond_facts.items())

    def expand(sym: Symbol, facts: Dict[str, object], depth: int) -> sp.Expr:
        if depth > 60:
            raise RecursionError
        def inline(ref: ir.Ref):
            s = model.symbols[ref.symbol]
            if s.name == wrt.name:
                return x if consistent(facts) else other
            if s.kind == "equation" and s.name in depends:
                return expand(s, facts, depth + 1)
            return None

        def conv(n: ir.Node, facts_here):
            if isinstance(n, ir.Agg):
                child_facts = {**facts_here, **_facts_from(n.where, n.entity)}
                body = to_sympy_in(n.body, child_facts)
                if n.func == "count":
                    return sp.Symbol("n_" + n.entity, positive=True)
                if n.where is not None:
                    c = to_sympy_in(n.where, child_facts)
                    return sp.Piecewise((body, c), (0, True))
                return body
            return None

        def to_sympy_in(node, fx):
            nonlocal facts
            saved = facts
            facts = fx
            try:
                return to_sympy(model, node, inline, agg=lambda m: conv(m, fx))
            finally:
                facts = saved

        return to_sympy_in(sym.expr, facts)

    try:
        expr = expand(target, {}, 0)
    except (RecursionError, TypeError, ValueError) as exc:  # SymPy gave up
        return InvariantResult(inv.name, False, "", f"SymPy could not differentiate: {exc}")
    key = hashlib.sha256(f"{sp.srepr(expr)}|{sp.srepr(x)}|{inv.direction}|{sp.__version__}".encode()).hexdigest()
    cached = _proof_cache_get(key)
    if cached is not None:
        return InvariantResult(inv.name, cached["proved"], cached["latex"], cached["detail"])
    try:
        d = sp.diff(expr, x)
        folded = sp.piecewise_fold(sp.simplify(d))
    except (RecursionError, TypeError, ValueError) as exc:  # SymPy gave up
        return InvariantResult(inv.name, False, "", f"SymPy could not differentiate: {exc}")
    pieces = [p for p, _ in folded.args] if isinstance(folded, sp.Piecewise) else [folded]
    want_neg = inv.direction == "decreasing"
    ok = all((p.is_nonpositive if want_neg else p.is_nonnegative) for p in pieces)
    detail = "all branches of d/d{} have the right sign".format(wrt.name) if ok else \
        "SymPy could not decide the sign of the derivative; checked with Hypothesis instead"
    result = InvariantResult(inv.name, bool(ok), sp.latex(folded), detail)
    _proof_cache_put(key, {"proved": result.proved, "latex": result.derivative, "detail": result.detail})
    return result


# A proof simplifies a Piecewise derivative, which takes SymPy seconds to a minute per
# invariant.  Its result depends only on the inlined expression, so it is kept on disk,
# keyed by the expression's exact SymPy form (and the SymPy version): an unchanged
# invariant is not proved again by the next check, compile or test process.
def _proof_cache_dir() -> Path:
    base = os.environ.get("CARBONSPEC_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "carbonspec")
    return Path(base) / "proofs"


def _proof_cache_get(key: str):
    try:
        return json.loads((_proof_cache_dir() / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _proof_cache_put(key: str, value: dict) -> None:
    try:
        d = _proof_cache_dir()
        d.mkdir(parents=True, exist_ok=True)
        tmp = d / f"{key}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(value), encoding="utf-8")
        os.replace(tmp, d / f"{key}.json")
    except OSError:
        pass  # a read-only home only costs the time of proving again


def _resolve_condition(model: Model, inv):
    """Re-resolve an invariant's `where` against the model (the resolver checked it)."""
    from .model import _Resolver
    r = _Resolver(model.files)
    r.symbols, r.entities, r.enums, r.key_literals = model.symbols, model.entities, model.enums, dict(model.key_literals)
    return r.expr(inv.where, model.symbols[inv.wrt.name].entity)


def _dependents(model: Model, name: str) -> set:
    """Equations that depend (transitively) on symbol `name`."""
    out, changed = set(), True
    while changed:
        changed = False
        for s in model.equations():
            if s.name not in out and (name in s.deps or any(d in out for d in s.deps)):
                out.add(s.name)
                changed = True
    return out
