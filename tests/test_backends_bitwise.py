"""The NumPy reference backend gives the Numba kernel's bits, not only 1e-9 agreement.

Why it matters: `run --backend auto` (the default) computes a small dossier with the reference,
a batch with the kernel; a figure must not depend on which.  NumPy's own SIMD exp/log/power may
differ from the C library in the last bit, so the reference takes them from the C library
(runtime/numerics/libm.py) as the kernel does."""
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, strategies as st

from carbonspec.runtime.engine.core import evaluate, load_compiled
from carbonspec.runtime.numerics import libm

from conftest import ROOT

EXAMPLES = [(m, v, p) for m, v in (("lbc_gc", "2.0"), ("climacert_fm1", "2"))
            for p in sorted((ROOT / "examples" / m).glob("*.json"))
            if json.loads(p.read_text(encoding="utf-8")).get("method") == m]


def test_every_example_is_listed():
    assert len(EXAMPLES) >= 8


@pytest.mark.parametrize("method,version,path", EXAMPLES, ids=[p.name for _, _, p in EXAMPLES])
def test_kernel_and_reference_bit_identical_on_every_example(method, version, path):
    compiled = load_compiled(ROOT / "generated" / method / f"v{version}")
    raw = json.loads(path.read_text(encoding="utf-8"))
    annexes = ROOT / "annexes" / method / f"v{version}"
    flat_n, a, _ = evaluate(compiled, raw, annexes, "numba", str(path))
    flat_r, b, _ = evaluate(compiled, raw, annexes, "reference", str(path))
    assert (flat_n.backend, flat_r.backend) == ("numba", "reference")
    differ = [k for k in a if not np.array_equal(a[k], b[k], equal_nan=True)]
    assert not differ, f"{path.name}: {differ[:5]}"
    _, c, _ = evaluate(compiled, raw, annexes, "auto", str(path))
    assert all(np.array_equal(a[k], c[k], equal_nan=True) for k in a)


def test_amg_kernel_and_reference_bit_identical_on_the_r_example():
    from carbonspec.runtime.models.amg.io import run_file

    trial = ROOT / "examples" / "amg" / "trial_1.json"
    for rounding in (True, False):  # without R's rounding emulation, nothing hides a last-bit difference
        numba_doc = json.loads(run_file(trial, "json", "numba", rounding)[0])
        ref_doc = json.loads(run_file(trial, "json", "reference", rounding)[0])
        for p, q in zip(numba_doc["plots"], ref_doc["plots"]):
            assert p["years"] == q["years"] and p["years"]


def test_libm_values_are_the_c_library_s():
    x = np.array([1e-300, 0.1, 1.0, 2.5, 700.0, 1e300])
    assert list(libm.log(x)) == [math.log(v) for v in x]
    assert list(libm.exp(x[:5] - 1.0)) == [math.exp(v - 1.0) for v in x[:5]]
    assert list(libm.expm1(-x[:5])) == [math.expm1(-v) for v in x[:5]]
    assert list(libm.power(x[:5], 1.7)) == [math.pow(v, 1.7) for v in x[:5]]


def test_libm_special_cases_follow_numpy_semantics():
    """The kernel's error_model='numpy': no exception, inf/nan the run's checks then refuse."""
    log = libm.log(np.array([0.0, -1.0, np.nan, np.inf]))
    assert log[0] == -np.inf and np.isnan(log[1]) and np.isnan(log[2]) and log[3] == np.inf
    assert libm.exp(np.array([1000.0]))[0] == np.inf and libm.exp(np.array([-np.inf]))[0] == 0.0
    p = libm.power(np.array([-8.0, 0.0, -2.0]), np.array([1 / 3, -1.0, 3.0]))
    assert np.isnan(p[0]) and p[1] == np.inf and p[2] == -8.0
    assert libm.log(2.0) == math.log(2.0)  # scalars too


@given(st.lists(st.floats(1e-12, 1e6), min_size=1, max_size=50))
def test_log_matches_math_everywhere(xs):
    assert list(libm.log(np.array(xs))) == [math.log(v) for v in xs]
