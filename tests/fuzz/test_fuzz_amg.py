"""Fuzz: mutated AMG input files through `carbonspec amg` (stdout: JSON or CSV).  Extreme
values must be refused by a domain check (located), never overflow into an internal error
or a NaN stock."""
from __future__ import annotations

import random

from fuzzlib import memoised_loading  # noqa: F401 (autouse fixture)
from fuzzlib import ROOT, SEED, Tally, mutate_json_file, n_cases, run_cli

BASES = sorted((ROOT / "examples" / "amg").glob("*.json"))


def test_fuzz_amg(tmp_path):
    tally = Tally("amg")
    bases = {p.name: p.read_text(encoding="utf-8") for p in BASES}
    for i in range(n_cases("amg")):
        rng = random.Random(SEED * 23 + i)
        name = rng.choice(sorted(bases))
        f = tmp_path / f"a{i}.json"
        f.write_bytes(mutate_json_file(bases[name], rng))
        fmt = rng.choice(["json", "json", "csv"])
        o = run_cli(["amg", str(f), "--format", fmt, "--backend", "reference"]
                    + (["--no-rounding"] if rng.random() < 0.3 else []))
        tally.check(f"{i}:{name}", o, located_by=[f.name], json_stdout=(fmt == "json"))
        if o.code == 0 and fmt == "csv":
            cells = {c.strip().lower() for line in o.out.splitlines() for c in line.split(",")}
            assert not cells & {"nan", "inf", "-inf", "infinity", "-infinity"}, o.out[:300]
    tally.finish()
