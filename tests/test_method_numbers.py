"""Every number the spec or the annex workbooks take from the method text equals the
text: each constant, input default, equation literal and `method-text` annex row cites
its line(s), and its numbers must be printed there (decimal comma or point, or as a
percentage).  A wrong constant sells credits that do not exist."""
import re

import pytest

from carbonspec.compiler import ast as A
from carbonspec.compiler.model import check_spec_dir
from carbonspec.compiler.units import scale_of
from carbonspec.runtime.engine.tables import load_annexes

from conftest import METHOD_TEXT, ROOT, SPEC

ANNEX_DIR = ROOT / "annexes" / "lbc_gc" / "v2.0"
pytestmark = pytest.mark.skipif(not METHOD_TEXT.exists(), reason=f"method text not found at {METHOD_TEXT}")

_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)?")
_LINE = re.compile(r"\bL(\d+)(?:\s*[-–]\s*L?(\d+))?")


@pytest.fixture(scope="module")
def text_lines():
    return METHOD_TEXT.read_text(encoding="utf-8").splitlines()


def numbers_at(text_lines, lines):
    found = set()
    for n in lines:
        for m in _NUMBER.finditer(text_lines[n - 1]):
            v = float(m.group().replace(",", "."))
            found.update({round(v, 9), round(v / 100, 9)})  # "36 %" prints 0.36
    return found


def cited(source: A.Source):
    out = []
    for a, b in source.ranges or tuple((n, n) for n in source.lines):
        out.extend(range(a, b + 1))
    return out


def literals(e, model):
    """Number literals of an expression that come from the text (not 0/1, not unit conversions)."""
    if isinstance(e, A.Num):
        if e.unit is not None and scale_of(model.units.resolve(e.unit)) not in (None, 1):
            return []
        return [] if e.value in (0, 1) else [e.value]
    out = []
    for name in ("left", "right", "operand", "cond", "then", "other", "body", "where"):
        v = getattr(e, name, None)
        if v is not None and not isinstance(v, (str, bool)):
            out += literals(v, model)
    for name in ("args", "operands"):
        for v in getattr(e, name, ()) or ():
            out += literals(v, model)
    return out


def spec_items():
    model = check_spec_dir(SPEC)
    items = []
    for s in model.symbols.values():
        if s.source is None or not s.source.lines:
            continue
        if s.kind == "constant":
            items.append((f"constant {s.name}", s.source, literals(s.decl.value, model)))
        elif s.kind == "input" and isinstance(s.default, float) and s.default not in (0, 1):
            items.append((f"input {s.name} default", s.source, [s.default]))
        elif s.kind == "equation" and s.criterion is not None:
            items.append((f"criterion {s.name}", s.source, literals(s.criterion.condition, model)))
        elif s.kind == "equation":
            extra = [c.source for c in s.decl.choices]
            stated = [c.chosen for c in s.decl.choices]   # a number a reading introduces is stated in it
            lits = []
            for br in s.decl.branches:
                lits += literals(br.value, model)
                if br.when is not None:
                    lits += literals(br.when, model)
            items.append((f"equation {s.name}", (s.source, *extra, *stated), lits))
    return items


@pytest.mark.parametrize("what, source, values", spec_items(), ids=lambda x: x if isinstance(x, str) else "")
def test_spec_numbers_are_printed_at_their_cited_lines(text_lines, what, source, values):
    sources = source if isinstance(source, tuple) else (source,)
    lines = [n for s in sources if not isinstance(s, str) for n in cited(s)]
    found = numbers_at(text_lines, lines)
    for chosen in (s for s in sources if isinstance(s, str)):  # the choice of a reading states its own numbers
        found |= numbers_at([chosen], [1])
    missing = [v for v in values if round(v, 9) not in found]
    assert not missing, f"{what}: {missing} not printed at {', '.join(f'L{n}' for n in lines)}"


def test_known_constants_equal_the_text():
    """The figures the issue names, by value (the scan above checks their lines)."""
    model = check_spec_dir(SPEC)
    sym = model.symbols
    assert sym["FRAC_LESS"].default == 0.24 and sym["EF5"].value == 0.011
    assert (sym["EF1_min"].value, sym["EF1_org"].value, sym["EF4"].value) == (0.016, 0.006, 0.01)
    assert sym["C_inhibiteur"].value == 0.65 and sym["R"].value == 10
    assert (sym["QN_residus_betterave"].value, sym["QN_residus_pomme_de_terre"].value) == (140, 40)
    assert sym["part_CaCO3_ecumes"].value == 0.36 and sym["F_EngrMoy_moyen"].value == 0.2112


@pytest.mark.skipif(not ANNEX_DIR.exists(), reason="no annex workbooks")
def test_method_text_rows_of_the_annexes_equal_the_text(compiled, text_lines):
    annexes = load_annexes(ANNEX_DIR, compiled.model)
    checked = 0
    for t in annexes.tables.values():
        for key, status in t.status.items():
            if status != "method-text":
                continue
            src = t.sources[key]
            lines = []
            for m in _LINE.finditer(src):
                a, b = int(m.group(1)), int(m.group(2) or m.group(1))
                lines.extend(range(a, b + 1))
            assert lines, f"{t.where} {key}: a method-text row must cite its line(s) (Lnnnn) in 'source'"
            found = numbers_at(text_lines, lines)
            for col, v in t.rows[key].items():
                if isinstance(v, float) and v == v and v not in (0, 1):
                    assert round(v, 9) in found, f"{t.where} {key} {col} = {v} is not printed at {src}"
                    checked += 1
    assert checked >= 10


@pytest.mark.skipif(not ANNEX_DIR.exists(), reason="no annex workbooks")
def test_annexe_11_thresholds_as_printed(compiled):
    """L2098-L2102, maize H_objectif 5 % kept as printed (digest A30: the spec's choice
    handles it where RE_séchage_OS is computed)."""
    t = load_annexes(ANNEX_DIR, compiled.model).tables["sechage_OS"]
    got = {k[0]: (v["H_objectif"], v["Seuil_sechage"]) for k, v in t.rows.items()}
    maize = next(k for k in got if k.startswith("mais"))
    assert got[maize] == (5, 15) and got["soja"] == (14, 18)
    assert got["colza"] == (9, 15) and got["tournesol"] == (9, 14)
