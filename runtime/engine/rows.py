"""Rows of an entity mapped to the rows of one of its ancestors, through the `idx_<child>_<parent>`
arrays the readers build: the one walk up the entity tree the backends, lookups and batch share."""
from __future__ import annotations

from typing import Dict, Optional

import numpy as np


def ancestor_rows(data: Dict[str, np.ndarray], parents: Dict[str, Optional[str]], entity: str, ancestor: str,
                  rows: Optional[np.ndarray] = None) -> np.ndarray:
    """The ancestor's row of each of `rows` of `entity` (default: every row of it)."""
    idx = np.arange(int(data["n_" + entity])) if rows is None else rows
    while entity != ancestor:
        idx = data[f"idx_{entity}_{parents[entity]}"][idx]
        entity = parents[entity]
    return idx
