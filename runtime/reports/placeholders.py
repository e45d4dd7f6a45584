"""Which placeholder annex rows a run used, and which of them move the result most.

The annex workbooks mark each row method-text, public-source or placeholder (annexes/README.md).
A figure computed with a placeholder row is a demonstration, not a credit, so the report opens
with a banner naming the placeholder rows this dossier used.  To rank them, each row is
perturbed by ±10 % (every real-valued column of the row, on every dossier row that looked it
up) and the headline figure recomputed with the reference backend; the rows are ranked by the
larger of the two absolute changes.  A first-order sensitivity, cheap (one backend run of a
few milliseconds per perturbation) and independent of the method: it needs only the lookups
of model.json.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np

from carbonspec.runtime.engine.core import _match_rows
from carbonspec.runtime.engine.reference import ReferenceBackend

STEP = 0.10  # ±10 %


@dataclass
class UsedRow:
    table: str
    key: Tuple[str, ...]
    status: str
    source: str
    where: str                                    # file[sheet] of the table
    uses: List[Tuple[str, np.ndarray]] = field(default_factory=list)  # (lookup column, rows mask)
    delta: Optional[float] = None                 # max |change| of the headline figure at ±10 %

    @property
    def label(self) -> str:
        return f"{self.table}[{', '.join(self.key)}]" if any(self.key) else self.table


def used_rows(compiled, flat, annexes) -> List[UsedRow]:
    """Every annex row some lookup of this dossier matched, with the rows that used it."""
    model = compiled.model
    parents = {e["name"]: e["parent"] for e in model["entities"]}
    inputs = {i["name"]: i for i in model["inputs"]}
    found: Dict[Tuple[str, tuple], UsedRow] = {}
    for lk in model["lookups"]:
        table = annexes.tables.get(lk["table"])
        if table is None or lk["dtype"] != "real":
            continue
        keys, inverse = _match_rows(lk, table, flat, parents, inputs, lk["entity"])
        for i, key in enumerate(keys):
            if key is None:
                continue
            row = found.get((table.name, key))
            if row is None:
                row = found[(table.name, key)] = UsedRow(table.name, key, table.status.get(key, ""),
                                                         table.sources.get(key, ""), table.where)
            row.uses.append((lk["name"], inverse == i))
    return list(found.values())


def headline(model: dict) -> Optional[str]:
    """The figure a person looks at first: the last of the method's main results
    (certify.main_items: the group of its first `result`, in declaration order)."""
    from carbonspec.runtime.certification.certify import main_items

    items = main_items(model)
    return items[-1]["name"] if items else None


def rank_placeholders(compiled, flat, annexes, figure: Optional[str] = None) -> Tuple[Optional[str], List[UsedRow]]:
    """(figure, placeholder rows used, most influential first, each with its `delta`)."""
    figure = figure or headline(compiled.model)
    rows = [r for r in used_rows(compiled, flat, annexes) if r.status == "placeholder"]
    if figure is None or not rows:
        return figure, rows
    backend = ReferenceBackend(compiled.model)
    base = float(backend.compute(flat.data)[figure][0])
    for r in rows:
        worst = 0.0
        for factor in (1 + STEP, 1 - STEP):
            data = dict(flat.data)
            for name, mask in r.uses:
                col = data[name].copy()
                col[mask] = col[mask] * factor
                data[name] = col
            with np.errstate(all="ignore"):
                v = float(backend.compute(data)[figure][0])
            if np.isfinite(v):
                worst = max(worst, abs(v - base))
        r.delta = worst
    rows.sort(key=lambda r: (-(r.delta or 0.0), r.label))
    return figure, rows
