"""carbonspec's own results pass its own certification (issue 10 item 6).

For every example dossier: the reference is built the way the cas-type builds it (the engine's
outputs through `certify.case_values`: a co-benefit not computed is null); the vendor's side is
what `run` prints, reshaped as a vendor results file (case -> line item -> the `results` value).
They must agree exactly, so `certify` finds them conformant: `run` must report null, not its
placeholder 0, for a co-benefit it could not compute."""
import json

import pytest

from carbonspec.compiler.cli import main
from carbonspec.runtime.certification import certify as cert
from carbonspec.runtime.engine.core import evaluate, load_compiled

from conftest import GENERATED, ROOT

ANNEXES = ROOT / "annexes" / "lbc_gc" / "v2.0"

EXAMPLES = sorted(p for p in (ROOT / "examples" / "lbc_gc").iterdir() if p.suffix in (".json", ".xlsx")
                  and not p.name.endswith(".schema.json"))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_run_output_is_conformant_under_certify(example, tmp_path, capsys):
    compiled = load_compiled(GENERATED)
    out_file = tmp_path / "run.json"
    assert main(["run", str(example), "--method", "lbc_gc", "--version", "2.0", "--annexes", str(ANNEXES),
                 "--output", str(out_file)]) == 0
    capsys.readouterr()
    doc = json.loads(out_file.read_text(encoding="utf-8"))
    if example.suffix == ".json":
        raw = json.loads(example.read_text(encoding="utf-8"))
    else:
        from carbonspec.runtime.dossier.xlsx import read_dossier_xlsx
        raw, _ = read_dossier_xlsx(compiled.schema, example)
    flat, outputs, annexes = evaluate(compiled, raw, ANNEXES, "reference", str(example))
    values, status = cert.case_values(compiled.model, outputs)
    reference = cert.reference_document(compiled.model, annexes.version, annexes.content_hash,
                                        {example.stem: values}, {example.stem: status})
    items = [i["name"] for i in cert.line_items(compiled.model)]
    vendor = {"method": doc["method"], "version": doc["version"], "annex_version": doc["annexes"]["version"],
              "results": {example.stem: {k: doc["results"][k] for k in items}}}
    path = tmp_path / "vendor.json"
    path.write_text(json.dumps(vendor), encoding="utf-8")
    received, meta = cert.read_results(path)
    cmp = cert.compare(reference, received, meta)
    assert cmp.conformant, [(l.item, l.expected, l.received, l.reason) for l in cmp.failures()] + cmp.problems
    # and the nulls are where the method could not compute: never a number there
    for name, st in status.items():
        assert (doc["results"][name] is None) == (not st["computed"]), name
