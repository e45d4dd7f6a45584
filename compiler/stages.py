"""Stages: the ordered loops a backend runs.

The equations come topologically sorted and grouped by entity (model.order); a stage is
a maximal run of equations on the same entity (at most MAX_EQUATIONS), evaluated in one
loop over that entity's rows.  Values of ancestors (gathers) and sums over children (segmented
reductions) always come from earlier stages.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List

from . import ir
from .model import Model


@dataclass
class Stage:
    index: int
    entity: str
    equations: List[str]


# A stage of more equations is cut in two (the loops run one after the other, so nothing
# changes but the function boundaries): Numba's compile time of one function grows faster
# than its size, and the largest stage of a method (a farm's co-benefits and rabais, ~120
# equations) cost half of the kernel's cold start.  Measured on LBC GC v2.0, empty cache:
# 23.2 s CPU with no limit, 19.8 s at 24, 19.4 s at 12 (more, smaller functions add their
# own fixed cost); results bit-identical.
MAX_EQUATIONS = 24


def build_stages(model: Model) -> List[Stage]:
    stages: List[Stage] = []
    for name in model.order:
        ent = model.symbols[name].entity
        if stages and stages[-1].entity == ent and len(stages[-1].equations) < MAX_EQUATIONS \
                and _fits(model, stages[-1], name):
            stages[-1].equations.append(name)
        else:
            stages.append(Stage(len(stages) + 1, ent, [name]))
    return stages


def _fits(model: Model, stage: Stage, name: str) -> bool:
    """An equation joins the current loop unless it reads a stage equation through a
    gather or an aggregate (that value would not be complete yet)."""
    inside = set(stage.equations)
    for ref in _non_local_refs(model.symbols[name].expr):
        if ref in inside:
            return False
    return True


def _non_local_refs(n: ir.Node, local: bool = True):
    if isinstance(n, ir.Ref):
        if not local or n.path:
            yield n.symbol
        return
    if isinstance(n, ir.Agg):
        if n.where is not None:
            yield from _non_local_refs(n.where, False)
        yield from _non_local_refs(n.body, False)
        return
    for c in ir.children(n):
        yield from _non_local_refs(c, local)
