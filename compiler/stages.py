"""Stages: the ordered loops a backend runs.

The equations come topologically sorted and grouped by entity (model.order); a stage is
a maximal run of equations on the same entity, evaluated in one loop over that
entity's rows.  Values of ancestors (gathers) and sums over children (segmented
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


def build_stages(model: Model) -> List[Stage]:
    stages: List[Stage] = []
    for name in model.order:
        ent = model.symbols[name].entity
        if stages and stages[-1].entity == ent and _fits(model, stages[-1], name):
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
