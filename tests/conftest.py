"""Shared fixtures: the compiled LBC GC v2.0 method (from the committed generated/),
the fixture annex tables, and a helper that runs a dossier through both backends."""
from __future__ import annotations

import copy
from pathlib import Path

import os

import numpy as np
import pytest
from hypothesis import settings as hyp_settings

from carbonspec.runtime.engine.core import check_outputs, load_compiled, resolve_lookups, run_backend
from carbonspec.runtime.engine.tables import load_tables

# Hypothesis profiles.  "ci" (the default, and what `make test` and CI run): derandomized
# (the examples follow from each test's code, so a run is reproducible) and no example
# database (a failure found on one machine does not change what another replays).
# "long" (`make test-long`): random examples, ten times as many per test, to look for
# what the fixed ones miss.  HYPOTHESIS_PROFILE=long|ci selects one.
hyp_settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
hyp_settings.register_profile("long", derandomize=False, database=None, print_blob=True)
HYPOTHESIS_PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
hyp_settings.load_profile(HYPOTHESIS_PROFILE)
LONG_FACTOR = 10


def pytest_collection_modifyitems(config, items):
    """In the long profile, scale each Hypothesis test's own max_examples (the modules set
    it explicitly, which a profile alone would not override)."""
    if HYPOTHESIS_PROFILE != "long":
        return
    for item in items:
        fn = getattr(item, "obj", None)
        inner = getattr(getattr(fn, "hypothesis", None), "inner_test", None)
        own = getattr(fn, "_hypothesis_internal_use_settings", None)
        if inner is not None and own is not None:
            fn._hypothesis_internal_use_settings = hyp_settings(own, max_examples=own.max_examples * LONG_FACTOR,
                                                                derandomize=False)


ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "spec" / "lbc_gc" / "v2.0"
GENERATED = ROOT / "generated" / "lbc_gc" / "v2.0"
ANNEXES = ROOT / "tests" / "fixtures" / "annexes" / "lbc_gc"
METHOD_TEXT = ROOT.parent / "shared" / "methods" / "lbc-grandes-cultures-v2.0.fr.txt"


@pytest.fixture(scope="session")
def compiled():
    return load_compiled(GENERATED)


@pytest.fixture(scope="session")
def tables(compiled):
    return load_tables(ANNEXES, compiled.model)


def run_both(compiled, tables, dossier: dict, check: bool = True):
    """Run a dossier with the Numba kernel and the NumPy reference; require agreement to
    1e-9 relative on every equation, and return (flat, numba outputs)."""
    flat = compiled.schema.flatten(copy.deepcopy(dossier))
    resolve_lookups(compiled, flat, tables)
    numba_out = run_backend(compiled, flat.data, "numba")
    ref_out = run_backend(compiled, flat.data, "reference")
    for name, v in numba_out.items():
        np.testing.assert_allclose(v, ref_out[name], rtol=1e-9, atol=1e-12, err_msg=name)
    if check:
        check_outputs(compiled, flat, numba_out)
    return flat, numba_out


@pytest.fixture
def run(compiled, tables):
    return lambda dossier, check=True: run_both(compiled, tables, dossier, check)


def farm_years(ks, SAU=100.0):
    """The farm-level years (timeline k_exploitation) matching the system years `ks`."""
    return [{"k_exploitation": k, "SAU": SAU} for k in ks]


def dossier(years, Sfin=50.0, Sfin_ref=50.0, **farm):
    """A one-farm, one-system dossier; `years` is a list of year dicts (with k).

    Every cropping system must give its simulated end-of-project soil C stocks (Équation 25,
    L1937, L1198: RE stockage carbone sol is always computed); by default both are 50 t C/ha,
    i.e. no storage difference."""
    f = {"type_reference": "specifique", "levier_chaulage": False,
         "outil_certifie": True, "conditionnalite_PAC": True, "leviers_declares": 1}
    f.update(farm)
    f["systems"] = [{"Sfin": Sfin, "Sfin_ref": Sfin_ref, "years": years}]
    f.setdefault("annees", farm_years([y["k"] for y in years]))
    return {"method": "lbc_gc", "version": "2.0", "project": {"farms": [f]}}


def year(k, Surf=10.0, **fields):
    y = {"k": k, "Surf": Surf}
    y.update(fields)
    return y
