"""Checks on the real spec beyond syntax: reserved names (a spec cannot shadow what the
generated code uses), unsupported 'extends', unused-input warnings."""
import shutil

from carbonspec.compiler.cli import main

from conftest import SPEC


def _copy(tmp_path, old, new, file="20-fertilisation.cspec"):
    spec = tmp_path / "spec"
    shutil.copytree(SPEC, spec)
    f = spec / file
    text = f.read_text(encoding="utf-8")
    assert old in text
    f.write_text(text.replace(old, new), encoding="utf-8")
    return spec, f.read_text(encoding="utf-8")


def test_reserved_name_cannot_shadow_generated_code(tmp_path, capsys):
    spec, text = _copy(tmp_path, "QC_mineralise", "prange")
    assert main(["check", str(spec)]) == 2
    err = capsys.readouterr().err
    line = text[: text.index("input year.prange")].count("\n") + 1
    assert f"20-fertilisation.cspec:{line}:12: error: 'prange' is reserved by the code generator" in err


def test_symbol_named_like_an_enum_code_is_refused(tmp_path, capsys):
    spec, _ = _copy(tmp_path, "QC_mineralise", "SCENARIO_PROJECT")
    assert main(["check", str(spec)]) == 2
    assert "'SCENARIO_PROJECT' is the name of an enum value's code" in capsys.readouterr().err


def test_extends_an_unknown_version_is_located_not_ignored(tmp_path, capsys):
    """`extends` works (tests/test_versions.py); a parent that exists nowhere is a located error."""
    spec, _ = _copy(tmp_path, '  published 2025-02-06', '  published 2025-02-06\n  extends lbc_gc "1.0"',
                    file="00-method.cspec")
    assert main(["check", str(spec)]) == 2
    err = capsys.readouterr().err
    assert "00-method.cspec:8:11: error: unknown parent version: lbc_gc \"1.0\"" in err


def test_unused_input_is_a_warning(tmp_path, capsys):
    spec, text = _copy(tmp_path, 'input year.Surf : ha > 0',
                       'input year.Surf_oubliee : ha > 0 default 1 @ 6.1.1 L1234\ninput year.Surf : ha > 0')
    assert main(["check", str(spec)]) == 0
    err = capsys.readouterr().err
    assert "warning: input 'Surf_oubliee' is never used by any equation" in err
