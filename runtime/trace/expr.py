"""The IR of model.json (`expr`) evaluated on one row, and printed back as a formula.

The engine computes whole columns; a trace needs the value of every sub-expression on a
single row (which branch of a `select` applied, which child rows a `sum` counted), so it
evaluates the IR again here, row by row, from the engine's outputs and the dossier's
columns.  Equations' own values are always read from the engine's outputs, never
recomputed: the trace explains the figure the run produced.
"""
from __future__ import annotations

import math
from typing import Callable, Dict, List, Optional

import numpy as np

from carbonspec.runtime.numerics import libm

_PREC = {"or": 1, "and": 2, "not": 3, "cmp": 4, "+": 5, "-": 5, "*": 6, "/": 6, "neg": 7, "^": 8}
_OPS = {"*": "×", "/": "/", "+": "+", "-": "−", "^": "^"}


def number(v) -> str:
    """A value as a person reads it in a trace: 6 significant digits, no 1e+06."""
    if isinstance(v, (bool, np.bool_)):
        return "vrai" if v else "faux"
    if v is None:
        return "absent"
    v = float(v)
    if math.isnan(v):
        return "absent"
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    if 1e-4 <= abs(v) < 1e9:
        return f"{v:.6g}"
    return f"{v:.6e}"


class RowEval:
    """Evaluate IR nodes on one row of an entity."""

    def __init__(self, model: dict, outputs: Dict[str, np.ndarray], flat):
        self.model = model
        self.outputs = outputs
        self.flat = flat
        self.parent = {e["name"]: e["parent"] for e in model["entities"]}
        self.constants = {c["name"]: c["value"] for c in model["constants"]}

    def row_of(self, ctx: str, r: int, target: str) -> int:
        """The row of ancestor entity `target` that row r of `ctx` belongs to."""
        while ctx != target:
            parent = self.parent[ctx]
            r = int(self.flat.data[f"idx_{ctx}_{parent}"][r])
            ctx = parent
        return r

    def children(self, ctx: str, r: int, child: str) -> List[int]:
        idx = self.flat.data[f"idx_{child}_{ctx}"]
        return [int(i) for i in np.flatnonzero(idx == r)]

    def ref_value(self, n: dict, ctx: str, r: int):
        name = n["symbol"]
        if name in self.constants:
            return self.constants[name]
        rr = self.row_of(ctx, r, n["entity"])
        arr = self.outputs[name] if name in self.outputs else self.flat.data[name]
        return arr[rr].item() if hasattr(arr[rr], "item") else arr[rr]

    def eval(self, n: dict, ctx: str, r: int):
        kind = n["node"]
        if kind == "lit":
            return bool(n["value"]) if n["dtype"] == "bool" else float(n["value"])
        if kind == "code":
            return n["code"]
        if kind == "ref":
            return self.ref_value(n, ctx, r)
        if kind == "op":
            a = [float(self.eval(x, ctx, r)) for x in n["args"]]
            op = n["op"]
            with np.errstate(all="ignore"):
                if op == "neg":
                    return -a[0]
                if op == "+":
                    return a[0] + a[1]
                if op == "-":
                    return a[0] - a[1]
                if op == "*":
                    return a[0] * a[1]
                if op == "/":
                    return float(np.divide(a[0], a[1]))
                return float(libm.power(a[0], a[1]))  # the C library's, as the kernel's
        if kind == "cmp":
            x, y = self.eval(n["left"], ctx, r), self.eval(n["right"], ctx, r)
            return {"==": x == y, "!=": x != y, "<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[n["op"]]
        if kind == "logic":
            a = [bool(self.eval(x, ctx, r)) for x in n["args"]]
            if n["op"] == "not":
                return not a[0]
            return all(a) if n["op"] == "and" else any(a)
        if kind == "func":
            a = [float(self.eval(x, ctx, r)) for x in n["args"]]
            name = n["name"]
            if name == "known":
                return not math.isnan(a[0])
            if name == "min":
                return min(a)
            if name == "max":
                return max(a)
            with np.errstate(all="ignore"):
                return float({"exp": libm.exp, "log": libm.log, "abs": np.abs, "sqrt": np.sqrt}[name](a[0]))
        if kind == "agg":
            rows = self.agg_rows(n, ctx, r)
            if n["func"] == "count":
                return float(len(rows))
            body = [float(self.eval(n["body"], n["entity"], c)) for c in rows]
            if n["func"] == "mean":
                return sum(body) / len(body) if body else float("nan")
            return float(sum(body))
        if kind == "select":
            _, value = self.branch(n, ctx, r)
            return self.eval(value, ctx, r)
        raise ValueError(f"unknown IR node {kind}")  # pragma: no cover

    def agg_rows(self, n: dict, ctx: str, r: int) -> List[int]:
        """The child rows an aggregate counts (its `where` holds)."""
        rows = self.children(ctx, r, n["entity"])
        if n["where"] is not None:
            rows = [c for c in rows if bool(self.eval(n["where"], n["entity"], c))]
        return rows

    def branch(self, n: dict, ctx: str, r: int):
        """(index, value node) of the first branch of a select whose condition holds."""
        for i, (cond, value) in enumerate(n["branches"]):
            if cond is None or bool(self.eval(cond, ctx, r)):
                return i, value
        return len(n["branches"]) - 1, n["branches"][-1][1]  # pragma: no cover


def formula(n: dict, show: Callable[[dict], Optional[str]] = lambda n: None, prec: int = 0) -> str:
    """An IR expression in the spec's syntax; `show(node)` may print a node otherwise
    (a value in place of a name, a sum's total)."""
    got = show(n)
    if got is not None:
        return got
    kind = n["node"]

    def wrap(text: str, mine: int) -> str:
        return f"({text})" if mine < prec else text

    if kind == "lit":
        return ("vrai" if n["value"] else "faux") if n["dtype"] == "bool" else number(n["value"])
    if kind == "code":
        return f'"{n["value"]}"'
    if kind == "ref":
        return n["symbol"]
    if kind == "op":
        if n["op"] == "neg":
            return wrap("−" + formula(n["args"][0], show, _PREC["neg"]), _PREC["neg"])
        p = _PREC[n["op"]]
        right_p = p + 1 if n["op"] in "-/^" else p
        return wrap(f"{formula(n['args'][0], show, p)} {_OPS[n['op']]} {formula(n['args'][1], show, right_p)}", p)
    if kind == "cmp":
        p = _PREC["cmp"]
        return wrap(f"{formula(n['left'], show, p + 1)} {n['op']} {formula(n['right'], show, p + 1)}", p)
    if kind == "logic":
        if n["op"] == "not":
            return wrap("non " + formula(n["args"][0], show, _PREC["not"]), _PREC["not"])
        p = _PREC[n["op"]]
        word = " et " if n["op"] == "and" else " ou "
        return wrap(word.join(formula(a, show, p + 1) for a in n["args"]), p)
    if kind == "func":
        name = {"known": "connu"}.get(n["name"], n["name"])
        return f"{name}({', '.join(formula(a, show) for a in n['args'])})"
    if kind == "agg":
        where = f" où {formula(n['where'], show)}" if n["where"] is not None else ""
        func = {"sum": "somme", "mean": "moyenne", "count": "nombre"}[n["func"]]
        return f"{func}({n['entity']}{where} : {formula(n['body'], show)})"
    if kind == "select":
        if len(n["branches"]) == 1:
            return formula(n["branches"][0][1], show, prec)
        parts = []
        for cond, value in n["branches"]:
            parts.append(formula(value, show) + (f" si {formula(cond, show)}" if cond is not None else " sinon"))
        return "{ " + " ; ".join(parts) + " }"
    raise ValueError(kind)  # pragma: no cover
