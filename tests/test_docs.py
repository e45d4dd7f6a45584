"""The docs backend: one offline HTML page and an equations.md per spec version.

An auditor must find every equation (rendered, numbered as in the method), every symbol
with its unit and source, and every reading the spec chose where the text is ambiguous;
the page must open without a network; and the build must be byte-for-byte reproducible
because generated/ is committed and checked against a fresh build.
"""
from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from carbonspec.compiler.docs import md_code, md_escape, wbr, write_docs
from carbonspec.compiler.model import check_spec_dir

SPEC_DIR = Path(__file__).resolve().parents[1] / "spec" / "lbc_gc" / "v2.0"
MATHML_NS = 'xmlns="http://www.w3.org/1998/Math/MathML"'


@pytest.fixture(scope="module")
def model():
    return check_spec_dir(SPEC_DIR)


@pytest.fixture(scope="module")
def built(model, tmp_path_factory):
    out = tmp_path_factory.mktemp("docs")
    paths = write_docs(model, out)
    return out, paths


@pytest.fixture(scope="module")
def html(built):
    out, _ = built
    return (out / "index.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def markdown(built):
    out, _ = built
    return (out / "equations.md").read_text(encoding="utf-8")


def _row(html: str, anchor: str) -> str:
    """The table row that carries id=anchor."""
    start = html.index(f'id="{anchor}"')
    return html[start:html.index("</tr>", start)]


def _section(html: str, anchor: str) -> str:
    """A top-level <section id=anchor> of the page."""
    start = html.index(f'<section id="{anchor}">')
    end = html.find('\n<section id="', start + 1)  # nested sections are indented
    return html[start:end if end != -1 else len(html)]


def test_writes_both_files(built):
    out, paths = built
    assert [p.name for p in paths] == ["index.html", "equations.md"]
    assert all(p.parent == out and p.stat().st_size > 0 for p in paths)


def test_one_mathml_block_per_equation(model, html):
    maths = re.findall(r"<math\b.*?</math>", html, flags=re.S)
    assert len(maths) == html.count("<math") == len(model.equations())
    for m in maths:
        assert 'display="block"' in m
        ET.fromstring(m)  # well-formed: the browser gets real MathML, not broken markup


def test_equations_carry_their_method_number_and_anchor(model, html):
    assert "Équation 7" in html
    for sym in model.equations():
        assert f'id="eq-{sym.name}"' in html
    c_chaulage = html[html.index('id="eq-C_chaulage"'):]
    c_chaulage = c_chaulage[:c_chaulage.index("</article>")]
    assert "Équation 7" in c_chaulage and "L1365" in c_chaulage
    assert "20-fertilisation.cspec:" in c_chaulage  # spec file:line, without the directory
    assert "A12" in c_chaulage  # its ambiguity choice sits with it


def test_every_symbol_has_an_anchor(model, html):
    assert 'id="sym-EF1_min"' in html
    for name in model.symbols:  # inputs, constants, lookups, equations, the builtin scenario
        assert f'id="sym-{name}"' in html
    assert 'id="sym-scenario"' in html


def test_constant_row_shows_its_value_and_unit(html):
    row = _row(html, "sym-EF1_min")
    assert "0.016" in row
    assert "kg_N2O_N / kg_N" in row
    assert "L1361" in row


def test_lookup_row_shows_table_column_and_fallback_chain(html):
    row = _row(html, "sym-N_AG_moyenne")
    assert 'href="#table-cultures_CI_azote"' in row
    assert "espece_CI | famille_CI | &#34;polygonacees&#34;" in row
    # separate citations stay separate (not a range L1318–L417)
    assert "L1318, L417" in row


def test_every_choice_is_listed_in_one_place(model, html):
    ids = [c.id for _, c in model.choices()]
    assert {"A03", "A05"} <= set(ids)
    choices = _section(html, "choix")
    assert "Choix de lecture (ambiguïtés)" in choices
    for sym, c in model.choices():
        assert f">{c.id}<" in choices
        assert f'href="#eq-{sym.name}"' in choices
        assert f'id="choix-{c.id}"' in html


def test_tables_enums_entities_and_invariants_are_documented(model, html):
    for name, table in model.tables.items():
        assert f'id="table-{name}"' in html
        part = html[html.index(f'id="table-{name}"'):]
        part = part[:part.index("</table>")]
        for col in table.columns:
            assert f"<code>{col.name}</code>" in part
    for name, values in model.enums.items():
        row = _row(html, f"enum-{name}")
        assert all(f"<code>{v}</code>" in row for v in values)
    for name in model.entities:
        assert f'id="ent-{name}"' in html
    assert "t-3 … t-1" in html and "t … t+4" in html  # the timeline
    for inv in model.invariants:
        row = _row(html, f"inv-{inv.name}")
        assert "prouvé par SymPy" in row or "vérifié avec Hypothesis" in row


def test_page_is_self_contained(model, html):
    assert html.startswith("<!DOCTYPE html>")
    assert model.spec_hash in html
    offline = html.replace(MATHML_NS, "")
    assert "http://" not in offline and "https://" not in offline
    for needle in ("<script", "<link", " src=", "@import", "url("):
        assert needle not in offline


def test_markdown_has_one_math_block_per_equation(model, markdown):
    n = len(model.equations())
    assert markdown.count("$$") == 2 * n
    assert sum(1 for line in markdown.splitlines() if line == "$$") == 2 * n
    assert "### Équation 7 — `C_chaulage`" in markdown
    for _, c in model.choices():
        assert f"Choix {c.id} " in markdown


def test_build_is_deterministic(model, built, tmp_path):
    """Same spec, same bytes, even when the spec directory is named differently."""
    out, _ = built
    again = check_spec_dir(Path(os.path.relpath(SPEC_DIR)))
    for path in write_docs(again, tmp_path):
        assert path.read_bytes() == (out / path.name).read_bytes(), path.name


def test_markdown_escaping():
    assert md_escape("Surf_{i,k} <b> $x$ [a]") == r"Surf\_\{i,k\} \<b\> \$x\$ \[a\]"
    assert md_code("a`b") == "``a`b``"
    assert str(wbr("EF1_min<")) == "EF1_<wbr>min&lt;"
