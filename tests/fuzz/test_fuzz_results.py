"""Fuzz: mutated vendor results (JSON and xlsx) through `carbonspec certify`, against the
cas-type of tests/test_castype.py (generated once per session).  A refused file must leave
no report; an accepted one gives exit 0 or 1."""
from __future__ import annotations

import random

import pytest

from fuzzlib import memoised_loading  # noqa: F401 (autouse fixture)
from fuzzlib import SEED, Tally, mutate_json_file, mutate_xlsx, n_cases, run_cli


@pytest.fixture(scope="module")
def ct_dir():
    from test_castype import generated

    return generated()[1]


def _certify(tally, case, results, d, ct_dir):
    report = d / "audit"
    o = run_cli(["certify", "--castype", str(ct_dir), "--results", str(results), "--report", str(report)])
    tally.check(case, o, located_by=[results.name], outputs=[d / "audit.html", d / "audit.xlsx"], out_dir=d)


def test_fuzz_results_json(tmp_path, ct_dir):
    tally = Tally("results_json")
    base = (ct_dir / "reference-results.json").read_text(encoding="utf-8")
    for i in range(n_cases("results_json")):
        rng = random.Random(SEED * 17 + i)
        d = tmp_path / f"c{i}"
        d.mkdir()
        results = d / f"r{i}.json"
        results.write_bytes(mutate_json_file(base, rng))
        _certify(tally, str(i), results, d, ct_dir)
    tally.finish()


def test_fuzz_results_xlsx(tmp_path, ct_dir):
    tally = Tally("results_xlsx")
    base = (ct_dir / "reference-results.xlsx").read_bytes()
    for i in range(n_cases("results_xlsx")):
        rng = random.Random(SEED * 19 + i)
        d = tmp_path / f"c{i}"
        d.mkdir()
        results = d / f"r{i}.xlsx"
        results.write_bytes(mutate_xlsx(base, rng))
        _certify(tally, str(i), results, d, ct_dir)
    tally.finish()
