"""The typed IR: expression nodes every backend (Numba, NumPy reference, docs) reads.

Nodes are plain dataclasses carrying their unit (SymPy) and dtype.  They serialise to
JSON (`to_json`) so the reference backend can run from `generated/.../model.json`
without re-parsing the spec.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Tuple

import sympy as sp

from .units import ONE, fmt


@dataclass
class Node:
    unit: sp.Expr = field(default=ONE, repr=False, compare=False, kw_only=True)
    dtype: str = field(default="real", kw_only=True)  # real, bool, int, enum


@dataclass
class Lit(Node):
    value: float
    text: str = ""


@dataclass
class Code(Node):
    """An enum value or table-key literal, compiled to its integer code."""
    enum: str
    value: str
    code: int


@dataclass
class Ref(Node):
    symbol: str
    entity: Optional[str]
    path: Tuple[str, ...] = ()  # entities walked up from the context to reach `entity`


@dataclass
class Op(Node):
    op: str  # + - * / ^ neg
    args: List[Node]


@dataclass
class Cmp(Node):
    op: str
    left: Node
    right: Node


@dataclass
class Logic(Node):
    op: str  # and, or, not
    args: List[Node]


@dataclass
class Func(Node):
    name: str  # min, max, exp, log, abs, known
    args: List[Node]


@dataclass
class Agg(Node):
    func: str  # sum, mean, count
    entity: str
    where: Optional[Node]
    body: Node


@dataclass
class Select(Node):
    """Piecewise: the first branch whose condition holds; the last has cond None."""
    branches: List[Tuple[Optional[Node], Node]]


def to_json(n: Node) -> dict:
    base = {"unit": fmt(n.unit), "dtype": n.dtype}
    if isinstance(n, Lit):
        return {"node": "lit", "value": n.value, **base}
    if isinstance(n, Code):
        return {"node": "code", "enum": n.enum, "value": n.value, "code": n.code, **base}
    if isinstance(n, Ref):
        return {"node": "ref", "symbol": n.symbol, "entity": n.entity, "path": list(n.path), **base}
    if isinstance(n, Op):
        return {"node": "op", "op": n.op, "args": [to_json(a) for a in n.args], **base}
    if isinstance(n, Cmp):
        return {"node": "cmp", "op": n.op, "left": to_json(n.left), "right": to_json(n.right), **base}
    if isinstance(n, Logic):
        return {"node": "logic", "op": n.op, "args": [to_json(a) for a in n.args], **base}
    if isinstance(n, Func):
        return {"node": "func", "name": n.name, "args": [to_json(a) for a in n.args], **base}
    if isinstance(n, Agg):
        return {"node": "agg", "func": n.func, "entity": n.entity,
                "where": to_json(n.where) if n.where is not None else None, "body": to_json(n.body), **base}
    if isinstance(n, Select):
        return {"node": "select", "branches": [[to_json(c) if c is not None else None, to_json(v)]
                                               for c, v in n.branches], **base}
    raise TypeError(n)  # pragma: no cover


def refs(n: Node):
    """Every Ref in an expression (for dependency graphs)."""
    if isinstance(n, Ref):
        yield n
    elif isinstance(n, (Op, Logic, Func)):
        for a in n.args:
            yield from refs(a)
    elif isinstance(n, Cmp):
        yield from refs(n.left)
        yield from refs(n.right)
    elif isinstance(n, Agg):
        if n.where is not None:
            yield from refs(n.where)
        yield from refs(n.body)
    elif isinstance(n, Select):
        for c, v in n.branches:
            if c is not None:
                yield from refs(c)
            yield from refs(v)


def children(n: Node) -> List[Node]:
    if isinstance(n, (Op, Logic, Func)):
        return list(n.args)
    if isinstance(n, Cmp):
        return [n.left, n.right]
    if isinstance(n, Agg):
        return ([n.where] if n.where is not None else []) + [n.body]
    if isinstance(n, Select):
        out = []
        for c, v in n.branches:
            if c is not None:
                out.append(c)
            out.append(v)
        return out
    return []
