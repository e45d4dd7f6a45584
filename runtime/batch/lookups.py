"""Table lookups of a batch chunk, on dictionary codes.

The same matching as runtime/engine/core.resolve_lookups (the first key tuple of the spec's
fallback chain present in the table wins; an optional key left empty gives no value), but the
rows are grouped by the integer codes of their key columns, not by joined strings, so 8 M rows
cost a few NumPy passes and one match per distinct key.
"""
from __future__ import annotations

from typing import Dict, List

import numpy as np

from carbonspec.compiler.errors import InputError
from carbonspec.runtime.dossier.reader import Flat
from carbonspec.runtime.engine.core import _first_present
from carbonspec.runtime.engine.rows import ancestor_rows
from carbonspec.runtime.engine.tables import Table

from .columns import Coded


def _gather(flat: Flat, parents: Dict[str, str], coded: Dict[str, Coded], src_entity: str, ent: str,
            name: str) -> Coded:
    col = coded[name]
    if src_entity == ent:
        return col
    return col.take(ancestor_rows(flat.data, parents, ent, src_entity))


def resolve_lookups(model: dict, flat: Flat, coded: Dict[str, Coded], tables: Dict[str, Table]) -> None:
    parents = {e["name"]: e["parent"] for e in model["entities"]}
    inputs = {i["name"]: i for i in model["inputs"]}
    matches: Dict[tuple, tuple] = {}
    for lk in model["lookups"]:
        ent, table = lk["entity"], tables[lk["table"]]
        sig = (ent, lk["table"], repr(lk["keys"]))
        n = int(flat.data["n_" + ent])
        if sig not in matches:
            cols: List[List[tuple]] = []
            for alts in lk["keys"]:
                col_alts = []
                for alt in alts:
                    if "literal" in alt:
                        col_alts.append(("literal", alt["literal"], Coded(np.zeros(n, np.int64), [alt["literal"]])))
                    else:
                        src = inputs[alt["input"]]
                        col_alts.append(("input", alt["input"],
                                         _gather(flat, parents, coded, src["entity"], ent, alt["input"])))
                cols.append(col_alts)
            matches[sig] = _match(lk, table, flat, ent, cols, n)
        keys, inverse = matches[sig]
        dtype = np.float64 if lk["dtype"] == "real" else np.bool_
        per_key = np.array([table.rows[k][lk["column"]] if k is not None else np.nan for k in keys], dtype=dtype)
        flat.data[lk["name"]] = per_key[inverse] if len(keys) else np.empty(0, dtype=dtype)


def _match(lk, table: Table, flat: Flat, ent: str, cols, n: int):
    if n == 0:
        return [], np.zeros(0, dtype=np.int64)
    alts = [a[2] for col in cols for a in col]
    first, inverse = _distinct(alts, n)

    def value(c: Coded, r: int):
        code = c.codes[r]
        return None if code < 0 else c.values[code]

    keys = []
    for r in first:
        choices = [[value(a[2], r) for a in col] for col in cols]
        found = _first_present(table, choices)
        if found is None and (lk.get("optional") or any(all(v is None for v in col) for col in choices)):
            keys.append(None)
            continue
        if found is None:
            raise _missing_key(lk, table, cols, int(r), flat, ent, value)
        keys.append(found)
    return keys, inverse


def _distinct(alts: List[Coded], n: int):
    """(first row of each distinct key combination, combination index of every row).  The codes
    are small integers: combined into one integer (mixed radix), then made dense with a
    presence table when the product of the sizes is small, else sorted once."""
    if not alts:
        return np.zeros(1, dtype=np.int64), np.zeros(n, dtype=np.int64)
    key = np.zeros(n, dtype=np.int64)
    size = 1
    for c in alts:
        radix = len(c.values) + 1
        if size * radix >= 1 << 62:  # too many combinations for one integer: sort the rows
            _, first, inverse = np.unique(np.stack([a.codes for a in alts], axis=1), axis=0,
                                          return_index=True, return_inverse=True)
            return first, inverse.reshape(-1)
        key = key * radix + (c.codes + 1)
        size *= radix
    if size <= max(4 * n, 1 << 16):
        first_at = np.full(size, n, dtype=np.int64)
        _first_rows(first_at, key)
        present = np.flatnonzero(first_at < n)
        dense = np.full(size, -1, dtype=np.int64)
        dense[present] = np.arange(present.size)
        return first_at[present], dense[key]
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)


def _first_rows(first_at: np.ndarray, key: np.ndarray) -> None:
    """first_at[k] = a row with key k, the first one (NumPy assigns repeated indices in order, so
    assigning in reverse leaves the first row; any row of the group would give the same key)."""
    rows = np.arange(key.size - 1, -1, -1, dtype=np.int64)
    first_at[key[::-1]] = rows


def _missing_key(lk, table: Table, cols, r: int, flat: Flat, ent: str, value) -> InputError:
    path = flat.paths[ent][r]
    col_alts = cols[0] if cols else []
    first = next((a for a in col_alts if a[0] == "input"), None)
    if first is None:
        return InputError(str(table.path), f"table '{table.name}' has no row for the keys of lookup '{lk['name']}'")
    if len(cols) > 1:
        v = tuple(value(col[0][2], r) for col in cols)
        return InputError(path, f"no row of table '{table.name}' ({table.path.name}) for {v}")
    tried = [f"{a[1]}={value(a[2], r)!r}" if a[0] == "input" else repr(a[1]) for a in col_alts
             if value(a[2], r) is not None]
    v = value(first[2], r)
    closest = table.closest(str(v))
    return InputError(f"{path}.{first[1]}", f"'{v}' is not in table '{table.name}' ({table.path.name})"
                      + (f"; tried {', '.join(tried)}" if len(tried) > 1 else "")
                      + f"; closest known: {', '.join(closest)}")
