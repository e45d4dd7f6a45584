"""Fuzz: mutated specs through `carbonspec check` (and `compile` for what check accepts).

Base: the small two-file spec of tests/test_spec_errors.py (a full method would cost seconds
per case); each case changes one file once (literals, strings, names, domains, lines, bytes,
cut multi-byte characters, control characters, version strings, overflowing constants).
An accepted spec must give a kernel.py that is valid Python and a model.json without NaN."""
from __future__ import annotations

import json
import random
from pathlib import Path

from fuzzlib import memoised_loading  # noqa: F401 (autouse fixture)
from fuzzlib import SEED, Tally, n_cases, mutate_spec_text, run_cli
from test_spec_errors import BASE


def test_fuzz_spec(tmp_path):
    tally = Tally("spec")
    compiled = 0
    for i in range(n_cases("spec")):
        rng = random.Random(SEED * 7 + i)
        name = rng.choice(sorted(BASE))
        folder = tmp_path / f"c{i}" / "spec"
        folder.mkdir(parents=True)
        for fname, text in BASE.items():
            (folder / fname).write_bytes(mutate_spec_text(text, rng) if fname == name else text.encode("utf-8"))
        o = run_cli(["check", str(folder)])
        tally.check(f"{i}:{name}", o, located_by=[name, str(folder)])
        if o.code == 0 and (compiled < 3 or rng.random() < 0.25):
            compiled += 1
            out_root = tmp_path / f"c{i}" / "out"
            c = run_cli(["compile", str(folder), "--out", str(out_root)])
            tally.check(f"{i}:{name}:compile", c, located_by=[name, str(folder), str(out_root)])
            kernels = list(out_root.glob("*/v*/kernel.py")) if out_root.exists() else []
            if c.code == 0:
                assert len(kernels) == 1, c.err
                compile(kernels[0].read_text(encoding="utf-8"), str(kernels[0]), "exec")  # valid Python
                model = (kernels[0].parent / "model.json").read_text(encoding="utf-8")
                json.loads(model, parse_constant=lambda s: (_ for _ in ()).throw(AssertionError(s)))
                assert "inf" not in kernels[0].read_text(encoding="utf-8").split("def ")[0].replace("info", "")
            else:
                assert not kernels, "a failed compile wrote a kernel"
            if out_root.exists():  # nothing half-built is left beside the output
                assert not [p for p in out_root.rglob(".*build-*")], list(out_root.rglob("*"))
    tally.finish()
