"""Reference backend: the IR of model.json interpreted with plain NumPy, no JIT.

It shares nothing with the Numba code generator but the IR: whole-column array
operations instead of row loops, `np.bincount` for sums over child rows instead of
offset loops.  Agreement of the two backends is what the tests check: to the bit, since exp,
log and powers come from the C library as in the kernel (runtime/numerics/libm.py).
"""
from __future__ import annotations

from typing import Dict

import numpy as np

from carbonspec.runtime.engine.rows import ancestor_rows
from carbonspec.runtime.numerics import libm


class ReferenceBackend:
    def __init__(self, model: dict):
        self.model = model
        self.parent = {e["name"]: e["parent"] for e in model["entities"]}
        self.constants = {c["name"]: c["value"] for c in model["constants"]}

    def compute(self, data: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
        values: Dict[str, np.ndarray] = dict(data)
        out: Dict[str, np.ndarray] = {}
        with np.errstate(all="ignore"):
            for eq in self.model["equations"]:
                v = self.eval(eq["expr"], eq["entity"], values)
                v = np.asarray(v, dtype=np.float64)
                n = data["n_" + eq["entity"]]
                if v.ndim == 0:
                    v = np.full(n, float(v))
                values[eq["name"]] = v
                out[eq["name"]] = v
        return out

    def _gather(self, arr: np.ndarray, ctx: str, target: str, values) -> np.ndarray:
        """Value of an ancestor's column for every row of `ctx`."""
        return arr[ancestor_rows(values, self.parent, ctx, target)]

    def eval(self, n: dict, ctx: str, values):
        kind = n["node"]
        if kind == "lit":
            return bool(n["value"]) if n["dtype"] == "bool" else float(n["value"])
        if kind == "code":
            return n["code"]
        if kind == "ref":
            name = n["symbol"]
            if name in self.constants:
                return self.constants[name]
            arr = values[name]
            return arr if n["entity"] == ctx else self._gather(arr, ctx, n["entity"], values)
        if kind == "op":
            a = [self.eval(x, ctx, values) for x in n["args"]]
            op = n["op"]
            if op == "neg":
                return -np.asarray(a[0], dtype=float)
            x, y = np.asarray(a[0], dtype=float), np.asarray(a[1], dtype=float)
            if op == "+":
                return x + y
            if op == "-":
                return x - y
            if op == "*":
                return x * y
            if op == "/":
                return np.divide(x, y)
            return libm.power(x, y)
        if kind == "cmp":
            x, y = self.eval(n["left"], ctx, values), self.eval(n["right"], ctx, values)
            return {"==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal,
                    ">": np.greater, ">=": np.greater_equal}[n["op"]](x, y)
        if kind == "logic":
            a = [np.asarray(self.eval(x, ctx, values), dtype=bool) for x in n["args"]]
            if n["op"] == "not":
                return ~a[0]
            out = a[0]
            for b in a[1:]:
                out = (out & b) if n["op"] == "and" else (out | b)
            return out
        if kind == "func":
            a = [np.asarray(self.eval(x, ctx, values), dtype=float) for x in n["args"]]
            name = n["name"]
            if name == "known":
                return ~np.isnan(a[0])
            if name == "min":
                out = a[0]
                for b in a[1:]:
                    out = np.minimum(out, b)
                return out
            if name == "max":
                out = a[0]
                for b in a[1:]:
                    out = np.maximum(out, b)
                return out
            return {"exp": libm.exp, "log": libm.log, "abs": np.abs, "sqrt": np.sqrt}[name](a[0])
        if kind == "agg":
            child = n["entity"]
            n_child, n_parent = values["n_" + child], values["n_" + ctx]
            parent_idx = values[f"idx_{child}_{ctx}"]
            mask = np.ones(n_child, dtype=bool)
            if n["where"] is not None:
                mask = np.broadcast_to(np.asarray(self.eval(n["where"], child, values), dtype=bool), (n_child,))
            counts = np.bincount(parent_idx[mask], minlength=n_parent).astype(float)
            if n["func"] == "count":
                return counts
            body = np.broadcast_to(np.asarray(self.eval(n["body"], child, values), dtype=float), (n_child,))
            sums = np.bincount(parent_idx[mask], weights=body[mask], minlength=n_parent)
            if n["func"] == "mean":
                return sums / counts
            return sums
        if kind == "select":
            branches = n["branches"]
            result = np.asarray(self.eval(branches[-1][1], ctx, values), dtype=float)
            # apply from the last branch backwards so the first true condition wins
            for cond, value in reversed(branches[:-1]):
                c = np.asarray(self.eval(cond, ctx, values), dtype=bool)
                v = np.asarray(self.eval(value, ctx, values), dtype=float)
                result = np.where(c, v, result)
            return result
        raise ValueError(f"unknown IR node {kind}")  # pragma: no cover
