"""The demo's record of its last compiles (compiler/demo_cache.py): a spec is skipped only
when everything its compile reads and the generated folder it wrote are unchanged."""
import json

from carbonspec.compiler.demo_cache import STATE, Record, inputs_key

COUNTS = {"method": "mini", "version": "1", "equations": 2, "invariants": 1, "proved": 1, "files": 3}


def _root(tmp_path):
    (tmp_path / "spec" / "mini" / "v1").mkdir(parents=True)
    (tmp_path / "spec" / "mini" / "v1" / "00.cspec").write_text("method mini\n", encoding="utf-8")
    (tmp_path / "annexes").mkdir()
    gen = tmp_path / "generated" / "mini" / "v1"
    gen.mkdir(parents=True)
    (gen / "kernel.py").write_text("X = 1\n", encoding="utf-8")
    (gen / "__pycache__").mkdir()
    return tmp_path, tmp_path / "spec" / "mini" / "v1", gen


def _remembered(tmp_path, text=None):
    root, spec, gen = _root(tmp_path)
    rec = Record(root / "out")
    rec.remember(spec, inputs_key(root), gen, text, **COUNTS)
    rec.save()
    return root, spec, gen


def test_unchanged_inputs_and_output_are_skipped(tmp_path):
    root, spec, gen = _remembered(tmp_path)
    (gen / "__pycache__" / "kernel.f-1.py311.nbi").write_bytes(b"cache")  # caches do not count
    entry = Record(root / "out").unchanged(spec, inputs_key(root), root)
    assert entry is not None and entry["proved"] == 1 and entry["files"] == 3


def test_a_changed_spec_file_changes_the_key(tmp_path):
    root, spec, gen = _remembered(tmp_path)
    (spec / "00.cspec").write_text("method mini \n", encoding="utf-8")
    assert Record(root / "out").unchanged(spec, inputs_key(root), root) is None


def test_a_changed_annex_changes_the_key(tmp_path):
    root, spec, gen = _remembered(tmp_path)
    (root / "annexes" / "t.csv").write_text("a\n", encoding="utf-8")
    assert Record(root / "out").unchanged(spec, inputs_key(root), root) is None


def test_an_edited_generated_folder_is_recompiled(tmp_path):
    root, spec, gen = _remembered(tmp_path)
    (gen / "kernel.py").write_text("X = 2\n", encoding="utf-8")
    assert Record(root / "out").unchanged(spec, inputs_key(root), root) is None


def test_a_changed_method_text_is_recompiled(tmp_path):
    text = tmp_path / "method.txt"
    text.write_text("L1\n", encoding="utf-8")
    root, spec, gen = _remembered(tmp_path, text)
    assert Record(root / "out").unchanged(spec, inputs_key(root), root) is not None
    text.write_text("L1 changed\n", encoding="utf-8")
    assert Record(root / "out").unchanged(spec, inputs_key(root), root) is None


def test_a_tampered_record_is_ignored(tmp_path):
    root, spec, gen = _remembered(tmp_path)
    path = root / "out" / STATE
    data = json.loads(path.read_text(encoding="utf-8"))
    data[str(spec)]["method"] = "../../etc"          # never a path
    path.write_text(json.dumps(data), encoding="utf-8")
    assert Record(root / "out").unchanged(spec, inputs_key(root), root) is None
    path.write_text("not json", encoding="utf-8")
    assert Record(root / "out").unchanged(spec, inputs_key(root), root) is None
