"""Fuzz: mutated dossiers (JSON and xlsx) through `carbonspec run`.

JSON: structural changes of the example dossiers (deleted, retyped, duplicated, nested,
renamed fields; weird numbers and strings) and textual ones (duplicate keys, overflowing
numbers, cuts, bad bytes, deep nesting, no method/version).  xlsx: the example workbook
changed at the zip/XML level (cell values, formulas without values, broken XML, missing
members, renamed sheets).  Outputs go to a fresh folder per case: a failed run must leave
it empty."""
from __future__ import annotations

import random
from pathlib import Path

from fuzzlib import memoised_loading  # noqa: F401 (autouse fixture)
from fuzzlib import ROOT, SEED, Tally, mutate_json_file, mutate_xlsx, n_cases, run_cli

EXAMPLES = ROOT / "examples" / "lbc_gc"
JSON_BASES = ["fertilisation-yonne.json", "yonne-120ha.json", "multi-systemes.json", "projet-collectif.json",
              "yonne-amg.json"]
RUN = ["--method", "lbc_gc", "--version", "2.0"]


def _fmt(rng):
    return rng.choice(["json"] * 8 + ["xlsx", "html"])


def _run(tally, case, dossier: Path, out_dir: Path, rng):
    fmt = _fmt(rng)
    out = out_dir / f"out.{fmt}"
    backend = "reference"  # numba agreement is tested elsewhere; its dispatch costs 10x per case
    o = run_cli(["run", str(dossier), *RUN, "--backend", backend, "--format", fmt, "--output", str(out)])
    tally.check(case, o, located_by=[dossier.name], outputs=[out], out_dir=out_dir)


def test_fuzz_dossier_json(tmp_path):
    tally = Tally("dossier_json")
    bases = {n: (EXAMPLES / n).read_text(encoding="utf-8") for n in JSON_BASES}
    for i in range(n_cases("dossier_json")):
        rng = random.Random(SEED * 11 + i)
        base = rng.choice(JSON_BASES[:4] * 3 + JSON_BASES[4:])
        d = tmp_path / f"c{i}"
        d.mkdir()
        dossier = d / f"d{i}.json"
        dossier.write_bytes(mutate_json_file(bases[base], rng))
        _run(tally, f"{i}:{base}", dossier, d, rng)
    tally.finish()


def test_fuzz_dossier_xlsx(tmp_path):
    tally = Tally("dossier_xlsx")
    base = (EXAMPLES / "yonne-120ha.xlsx").read_bytes()
    for i in range(n_cases("dossier_xlsx")):
        rng = random.Random(SEED * 13 + i)
        d = tmp_path / f"c{i}"
        d.mkdir()
        dossier = d / f"d{i}.xlsx"
        dossier.write_bytes(mutate_xlsx(base, rng))
        _run(tally, str(i), dossier, d, rng)
    tally.finish()
