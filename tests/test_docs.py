"""The docs site: one small page per equation number of the method, the method's own
words beside each formula, symbols linked to their definition, an index by number, a
search index; plus equations.md.  An auditor must find every equation (rendered,
numbered as in the method), every symbol with its unit and source, and every reading
the spec chose where the text is ambiguous; the site must open without a network; and
the build must be byte-for-byte reproducible because generated/ is committed and checked
against a fresh build.  (Browser behaviour: tests/test_docs_browser.py.)
"""
from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from carbonspec.compiler.docs import excerpts as X
from carbonspec.compiler.docs import md_code, md_escape, wbr, write_docs
from carbonspec.compiler.model import check_spec_dir

from conftest import METHOD_TEXT

SPEC_DIR = Path(__file__).resolve().parents[1] / "spec" / "lbc_gc" / "v2.0"


@pytest.fixture(scope="module")
def model():
    return check_spec_dir(SPEC_DIR)


@pytest.fixture(scope="module")
def built(model, tmp_path_factory):
    out = tmp_path_factory.mktemp("docs")
    paths = write_docs(model, out)
    return out, paths


@pytest.fixture(scope="module")
def pages(built):
    """Every html page of the site, by file name."""
    out, paths = built
    return {p.name: p.read_text(encoding="utf-8") for p in paths if p.suffix == ".html"}


@pytest.fixture(scope="module")
def markdown(built):
    out, _ = built
    return (out / "equations.md").read_text(encoding="utf-8")


def _row(html: str, anchor: str) -> str:
    """The table row that carries id=anchor."""
    start = html.index(f'id="{anchor}"')
    return html[start:html.index("</tr>", start)]


def _section(html: str, anchor: str) -> str:
    start = html.index(f'<section id="{anchor}">')
    return html[start:html.index("\n</section>", start)]


def _equation_pages(pages):
    return {n: h for n, h in pages.items() if re.match(r"(equations?|tableau|section)-", n)}


def test_writes_the_site(built):
    out, paths = built
    names = [p.name for p in paths]
    for name in ("index.html", "symbols.html", "symbols-input.html", "symbols-constant.html", "annexes.html", "rules.html", "dossier.html", "equation-5.html",
                 "tableau-5.html", "search-index.js", "docs.css", "docs.js", "equations.md"):
        assert name in names, name
    assert all(p.parent == out and p.stat().st_size > 0 for p in paths)
    assert len(names) == len(set(names))


def test_one_mathml_block_per_equation(model, pages):
    maths = [m for h in _equation_pages(pages).values() for m in re.findall(r"<math\b.*?</math>", h, flags=re.S)]
    assert len(maths) == len(model.equations())
    assert sum(h.count("<math") for h in pages.values()) == len(model.equations())
    for m in maths:
        assert 'display="block"' in m
        ET.fromstring(m)  # well-formed: the browser gets real MathML, not broken markup


def test_equation_5_page_holds_all_its_terms_with_the_method_text(model, pages):
    page = pages["equation-5.html"]
    members = [s.name for s in model.equations() if s.source and s.source.label == "Équation 5"]
    assert len(members) == 8 and "N2O_directes" in members
    for name in members:
        assert f'id="eq-{name}"' in page
    # the number's own formula comes first, then its terms
    assert page.index('id="eq-N2O_directes"') < min(page.index(f'id="eq-{n}"') for n in members if n != "N2O_directes")
    # the method's caption of the number (L1256) and the cited line L1254, quoted
    assert "Calcul des émissions de N_2O directes" in page
    card = page[page.index('id="eq-N2O_directes"'):]
    card = card[:card.index("</article>")]
    assert 'data-lines="L1254"' in card and '<span class="ln">L1254</span>' in card
    assert "$$N2O_directes_{i,k} = [(QN_min_{i,k} + (QN_inhib_{i,k} * C_inhibiteur)) * EF1_min]" in card


def test_equations_carry_their_number_section_and_choices(model, pages):
    page = pages["equation-7.html"]
    c_chaulage = page[page.index('id="eq-C_chaulage"'):]
    c_chaulage = c_chaulage[:c_chaulage.index("</article>")]
    assert "Équation 7" in c_chaulage and "L1365" in c_chaulage
    assert "20-fertilisation.cspec:" in c_chaulage  # spec file:line, without the directory
    assert 'id="choix-A12"' in c_chaulage  # its ambiguity choice sits with it
    everywhere = "".join(_equation_pages(pages).values())
    for sym in model.equations():
        assert everywhere.count(f'id="eq-{sym.name}"') == 1, sym.name


def test_symbols_in_formulas_link_to_their_definition(pages):
    page = pages["equation-5.html"]
    math = page[page.index('id="eq-N2O_directes"'):]
    math = math[math.index("<math"):math.index("</math>")]
    # an equation: its card (here on the same page); a constant: its row in the constants' table
    assert 'href="equation-5.html#eq-QN_min" data-href="equation-5.html#eq-QN_min"' in math
    assert 'href="symbols-constant.html#sym-EF1_min"' in math
    assert 'href="equation-7.html#eq-C_chaulage"' in math
    assert '>N2O_directes</mi>' in math  # a name is one identifier, not one <mi> per letter


def test_every_link_and_anchor_of_the_site_resolves(pages):
    ids = {name: re.findall(r'\bid="([^"]+)"', html) for name, html in pages.items()}
    for name, found in ids.items():
        dupes = {i for i in found if found.count(i) > 1}
        assert not dupes, (name, sorted(dupes)[:5])  # e.g. choix-A25 once per page
    for name, html in pages.items():
        for href in re.findall(r'\b(?:href|data-href)="([^"]+)"', html):
            if href.endswith((".css", ".js", ".json")):
                continue
            target, _, anchor = href.partition("#")
            target = target or name
            assert target in pages, (name, href)
            assert not anchor or anchor in ids[target], (name, href)


def test_rendering_defects_are_gone(pages):
    maths = "".join(m for h in pages.values() for m in re.findall(r"<math\b.*?</math>", h, flags=re.S))
    assert "\\_" not in maths  # was: parcelle\_miscanthus in 25 formulas
    assert "parcelle_miscanthus</mtext>" in maths
    # was: QC_mineralise·1/R (a unit tag `* 1` printed as a factor)
    assert not re.search(r"<mo>&#x000B7;</mo><mn>1</mn>(?!<mn>|\d)", maths)
    qn = pages["equation-5.html"]
    qn = qn[qn.index('id="eq-QN_mineralise"'):]
    qn = qn[qn.index("<math"):qn.index("</math>")]
    assert "<mfrac><mrow><mi" in qn and "QC_mineralise</mi></mrow><mrow><mi" in qn
    # long sums are broken into lines (a table of rows) instead of scrolling sideways
    n2o = pages["equation-5.html"]
    n2o = n2o[n2o.index('id="eq-N2O_directes"'):]
    assert n2o[:n2o.index("</math>")].count("<mtr>") >= 2


def test_index_by_number(model, pages):
    home = pages["index.html"]
    index = _section(home, "index")
    for n in range(1, 36):
        assert re.search(rf'<a href="equation-{n}\.html">Équation {n}</a>', index), n
    assert '<a href="tableau-5.html">Tableau 5</a>' in index
    assert 'href="annexes.html#table-cultures_CA"' in index and "Annexe 5" in index
    assert 'href="rules.html#retroactivite"' in index  # Annexe 2


def test_search_index(model, built):
    out, _ = built
    js = (out / "search-index.js").read_text(encoding="utf-8")
    assert js.startswith("window.CARBONSPEC_SEARCH = ") and js.endswith(";\n")
    entries = json.loads(js[len("window.CARBONSPEC_SEARCH = "):-2])
    by_name = {e[1]: e for e in entries}
    assert set(model.symbols) <= set(by_name)
    n2o = by_name["N2O_directes"]
    assert "n2o directes" in n2o[0] and n2o[4] == "equation-5.html#eq-N2O_directes"
    assert by_name["Équation 5"][4] == "equation-5.html"
    assert "emissions" in by_name["Équation 5"][0]  # accents folded, as docs.js folds the query


def test_constant_row_shows_its_value_unit_and_quote(pages):
    row = _row(pages["symbols-constant.html"], "sym-EF1_min")
    assert "0.016" in row and "kg_N2O_N / kg_N" in row and "L1361" in row
    assert '<span class="ln">L1361</span>' in row


def test_lookup_row_shows_table_column_and_fallback_chain(pages):
    row = _row(pages["symbols-lookup.html"], "sym-N_AG_moyenne")
    assert 'href="annexes.html#table-cultures_CI_azote"' in row
    assert "espece_CI | famille_CI | &#34;polygonacees&#34;" in row
    assert "L1318, L417" in row  # separate citations stay separate (not a range L1318–L417)


def test_every_choice_is_listed_once_in_the_rules_page(model, pages):
    choices = _section(pages["rules.html"], "choix")
    ids = [c.id for _, c in model.choices()]
    assert {"A03", "A05", "A25"} <= set(ids)
    for sym, c in model.choices():
        assert f'id="regle-choix-{c.id}"' in choices
        assert choices.count(f'id="regle-choix-{c.id}"') == 1
        assert f'#eq-{sym.name}"' in _row(choices, f"regle-choix-{c.id}")


def test_every_symbol_has_one_row(model, pages):
    tables = "".join(h for n, h in pages.items() if n.startswith("symbols-"))
    for name in model.symbols:  # inputs, constants, lookups, equations, the builtin scenario
        assert tables.count(f'<tr id="sym-{name}">') == 1, name
    assert all(len(h) < 400_000 for h in pages.values())  # no page like the old 1.9 MB one


def test_tables_enums_entities_invariants_eligibility_retroactivity(model, pages):
    annexes, symbols, home, rules = pages["annexes.html"], pages["symbols.html"], pages["index.html"], pages["rules.html"]
    for name, table in model.tables.items():
        part = annexes[annexes.index(f'id="table-{name}"'):]
        part = part[:part.index("</table>")]
        for col in table.columns:
            assert f"<code>{col.name}</code>" in part
    for name, values in model.enums.items():
        row = _row(symbols, f"enum-{name}")
        assert all(f"<code>{v}</code>" in row for v in values)
    for name in model.entities:
        assert f'id="ent-{name}"' in home
    assert "t-3 … t-1" in home and "t … t+4" in home  # the timeline
    for inv in model.invariants:
        row = _row(rules, f"inv-{inv.name}")
        assert "prouvé par SymPy" in row or "vérifié avec Hypothesis" in row
    for sym in model.equations():
        if sym.criterion is not None:
            assert f'id="critere-{sym.name}"' in rules
    assert "Rétroactivité des mises à jour (Annexe 2)" in rules and len(model.retroactivity) > 0


def test_site_is_offline(model, built, pages):
    out, _ = built
    assert model.spec_hash in pages["index.html"]
    for name, html in pages.items():
        assert html.startswith("<!DOCTYPE html>"), name
        # the method's text may quote an address; nothing the page loads or links to is remote
        assert not re.search(r'\b(?:href|src|data-href)="(?:https?:)?//', html), name
        for src in re.findall(r'\bsrc="([^"]+)"', html):
            assert src in ("search-index.js", "docs.js"), src
        for link in re.findall(r"<link [^>]*href=\"([^\"]+)\"", html):
            assert link == "docs.css"
    for asset in ("docs.js", "docs.css", "search-index.js"):
        text = (out / asset).read_text(encoding="utf-8")
        for needle in ("http://", "https://", "fetch(", "XMLHttpRequest", "@import", "url("):
            assert needle not in text, (asset, needle)


def test_markdown_has_one_math_block_per_equation(model, markdown):
    n = len(model.equations())
    assert markdown.count("$$") == 2 * n
    assert sum(1 for line in markdown.splitlines() if line == "$$") == 2 * n
    assert "### Équation 7 — `C_chaulage`" in markdown
    for _, c in model.choices():
        assert f"Choix {c.id} " in markdown


def test_build_is_deterministic(model, built, tmp_path):
    """Same spec, same bytes, even when the spec directory is named differently."""
    out, paths = built
    again = check_spec_dir(Path(os.path.relpath(SPEC_DIR)))
    second = write_docs(again, tmp_path)
    assert [p.name for p in second] == [p.name for p in paths]
    for path in second:
        assert path.read_bytes() == (out / path.name).read_bytes(), path.name


@pytest.mark.skipif(not METHOD_TEXT.exists(), reason=f"method text not available at {METHOD_TEXT}")
def test_committed_excerpts_are_current(model):
    """spec/.../source-excerpts.json is what `carbonspec compile` extracts from the method text."""
    committed = (SPEC_DIR / X.EXCERPTS_FILE).read_bytes()
    assert committed == X.render(X.extract(model, METHOD_TEXT)), \
        "source-excerpts.json is stale: run 'carbonspec compile spec/lbc_gc/v2.0'"
    lines = METHOD_TEXT.read_text(encoding="utf-8").splitlines()
    data = json.loads(committed)
    assert data["lines"]["1254"] == lines[1253].rstrip()
    assert data["captions"]["Équation 5"] == {"line": 1256, "text": "Calcul des émissions de N_2O directes"}
    assert set(map(int, data["lines"])) == set(X.cited_lines(model))


def test_excerpts_are_read_from_the_repository_not_the_method_text(model, tmp_path, monkeypatch):
    """A fresh clone without ../shared builds the same docs: only the committed file is read."""
    monkeypatch.setattr(X, "find_method_text", lambda m: None)
    data = X.load(model)
    assert data["lines"]["1254"].startswith("$$N2O_directes_{i,k} = ")
    quote = X.quote(data, model.symbols["N2O_directes"].source)
    assert quote[0]["range"] == "L1254" and quote[0]["lines"][0][0] == 1254


def test_markdown_escaping():
    assert md_escape("Surf_{i,k} <b> $x$ [a]") == r"Surf\_\{i,k\} \<b\> \$x\$ \[a\]"
    assert md_code("a`b") == "``a`b``"
    assert str(wbr("EF1_min<")) == "EF1_<wbr>min&lt;"
