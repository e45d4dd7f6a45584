"""Timeline rules of a dossier, checked column-wise (shared by the dossier reader and the batch).

A timeline (spec `timeline`) gives each row of an entity (a year) its scenario from its index k,
and asks, per parent row: each k at most once, every year of a required scenario (the reference
years), and the others from their first year with no gap (method 6.1.1 and the
spec's timeline declarations).  Checked with NumPy over all parents at once; the first parent at
fault is reported, located by the caller's `row_path` / `parent_path`.
"""
from __future__ import annotations

from typing import Callable, Dict

import numpy as np

from carbonspec.runtime.dossier.errors import DossierError, Issue


def check_timelines(model: dict, data: Dict[str, np.ndarray], where: str,
                    row_path: Callable[[str, int, str], str], parent_path: Callable[[str, int, str], str]) -> None:
    """Every timeline, vectorised: the scenario of each row from its k; then, per parent
    row, each k at most once, the required scenario's years all there, and the others
    starting at their first year with no gap.  `row_path(entity, row, field)` and
    `parent_path(parent, row, entity)` say where, in the layout at hand."""
    parent_of = {e["name"]: e["parent"] for e in model["entities"]}
    names = model["enums"]["scenario"]
    for tl in model["timelines"]:
        ent, index = tl["entity"], tl["index"]
        parent = parent_of[ent]
        ks = data[index]
        scen = np.full(len(ks), -1, dtype=np.int64)
        for sc in tl["scenarios"]:
            scen[(ks >= sc["first"]) & (ks <= sc["last"])] = names.index(sc["name"])
        data[tl["scenario_symbol"]] = scen
        n_parent = int(data["n_" + parent])
        pidx = data[f"idx_{ent}_{parent}"]
        order = np.lexsort((ks, pidx))
        sp, sk = pidx[order], ks[order]
        dup = np.flatnonzero((sp[1:] == sp[:-1]) & (sk[1:] == sk[:-1]))
        if dup.size:
            r = int(order[dup[0] + 1])
            raise DossierError(where, [Issue(row_path(ent, r, index),
                                             f"year {index} = {int(ks[r])} is given twice")])
        for sc in tl["scenarios"]:
            inside = (ks >= sc["first"]) & (ks <= sc["last"])
            count = np.bincount(pidx[inside], minlength=n_parent)
            span = f"{index} = {sc['first']} .. {sc['last']}"
            here = lambda p: parent_path(parent, p, ent)  # noqa: E731
            if sc["required"]:
                bad = np.flatnonzero(count != sc["last"] - sc["first"] + 1)
                if bad.size:
                    p = int(bad[0])
                    have = set(ks[inside & (pidx == p)].tolist())
                    missing = [k for k in range(sc["first"], sc["last"] + 1) if k not in have]
                    raise DossierError(where, [Issue(here(p), f"the {sc['name']} years ({span}) are all required; "
                                                              f"missing {index} = {', '.join(map(str, missing))}")])
            else:
                bad = np.flatnonzero(count == 0)
                if bad.size and not sc.get("optional"):  # a scenario declared 'optional' may have no year
                    raise DossierError(where, [Issue(here(int(bad[0])), f"at least one {sc['name']} year ({span}) "
                                                                        f"is required")])
                top = np.full(n_parent, sc["first"] - 1, dtype=np.int64)
                np.maximum.at(top, pidx[inside], ks[inside])
                bad = np.flatnonzero(top - sc["first"] + 1 != count)
                if bad.size:
                    p = int(bad[0])
                    have = sorted(ks[inside & (pidx == p)].tolist())
                    raise DossierError(where, [Issue(here(p), f"{sc['name']} years must be consecutive from "
                                                              f"{index} = {sc['first']}; got "
                                                              f"{', '.join(map(str, have))}")])
