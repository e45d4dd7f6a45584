"""Hypothesis properties: the two backends agree, and the spec's invariants hold.

Invariants come from model.json; each one is checked here on generated dossiers whether
or not SymPy proved it (a proof is of the spec's algebra; this checks the compiled code).
"""
import copy

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carbonspec.runtime.engine.core import check_outputs, resolve_lookups, run_backend
from carbonspec.runtime.engine.reference import ReferenceBackend

import strategies as S

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(S.dossier())
def test_numba_and_reference_agree(compiled, tables, doc):
    flat = compiled.schema.flatten(doc)
    resolve_lookups(compiled, flat, tables)
    a = run_backend(compiled, flat.data, "numba")
    b = run_backend(compiled, flat.data, "reference")
    for name in a:
        np.testing.assert_allclose(a[name], b[name], rtol=1e-9, atol=1e-9, err_msg=name)
    assert np.isfinite(a["RE_fertilisation"]).all()
    check_outputs(compiled, flat, a)  # every value finite and inside its declared domain


def _invariant_ids(compiled_model):
    return [inv["name"] for inv in compiled_model["invariants"]]


@pytest.mark.parametrize("name", ["mineral_N_projet", "mineral_N_reference", "pH_final_projet"])
@SETTINGS
@given(doc=S.dossier(max_farms=1), delta=st.floats(0.01, 2000, allow_nan=False))
def test_invariant_holds(compiled, tables, name, doc, delta):
    inv = next(i for i in compiled.model["invariants"] if i["name"] == name)
    flat = compiled.schema.flatten(copy.deepcopy(doc))
    resolve_lookups(compiled, flat, tables)
    base = run_backend(compiled, flat.data, "numba")[inv["target"]]
    data = dict(flat.data)
    x = data[inv["input"]].copy()
    mask = np.ones(x.shape, dtype=bool)
    if inv["where"] is not None:
        mask = np.asarray(ReferenceBackend(compiled.model).eval(inv["where"], inv["entity"], data), dtype=bool)
    dom = next(i for i in compiled.model["inputs"] if i["name"] == inv["input"])["domain"]
    step = delta if dom is None or dom["hi"] is None else min(delta, 0.5)
    x = np.where(mask & ~np.isnan(x), x + step, x)
    if dom is not None and dom["hi"] is not None:
        x = np.minimum(x, dom["hi"])
    data[inv["input"]] = x
    moved = run_backend(compiled, data, "numba")[inv["target"]]
    tol = 1e-9 * (np.abs(base) + 1)
    if inv["direction"] == "decreasing":
        assert (moved <= base + tol).all(), (name, base, moved)
    else:
        assert (moved >= base - tol).all(), (name, base, moved)


def test_sympy_proves_the_fertiliser_invariants(compiled):
    proved = {i["name"]: i["proved"] for i in compiled.model["invariants"]}
    assert proved["mineral_N_projet"] and proved["mineral_N_reference"]
    # C_chaulage's min/max/exp: SymPy cannot settle it, Hypothesis does (test above)
    assert proved["pH_final_projet"] is False
