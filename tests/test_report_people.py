"""Reports for people (issue 15 item 4): French number formats, units in words, rates as %,
the placeholder banner and its ranking, the charts and the xlsx formats, filters and chart."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from carbonspec.compiler.cli import main
from carbonspec.runtime.engine.core import evaluate, load_compiled, results_document
from carbonspec.runtime.reports import charts, people
from carbonspec.runtime.reports.placeholders import rank_placeholders

from conftest import ROOT

COMPILED = ROOT / "generated" / "lbc_gc" / "v2.0"
ANNEXES = ROOT / "annexes" / "lbc_gc" / "v2.0"
YONNE = ROOT / "examples" / "lbc_gc" / "yonne-120ha.json"
NNBSP = "\u202f"


@pytest.fixture(scope="module")
def compiled():
    return load_compiled(COMPILED)


@pytest.fixture(scope="module")
def yonne(compiled):
    flat, out, annexes = evaluate(compiled, json.loads(YONNE.read_text(encoding="utf-8")), ANNEXES, "reference")
    return flat, out, annexes


@pytest.mark.parametrize("value, text", [
    (1312320.4, f"1{NNBSP}312{NNBSP}320"), (167.791, "167,8"), (-3.1958, "-3,20"), (96.7218, "96,72"),
    (0.11840, "0,118"), (0.0042, "0,0042"), (1.2e-05, "1,20 × 10⁻⁵"), (0.0, "0"), (12, "12"),
    (1000.0, f"1{NNBSP}000"), (-0.0001, "-1,00 × 10⁻⁴"), (float("nan"), "non calculé")])
def test_numbers_in_french(value, text):
    assert people.number(value) == text


def test_percentages():
    assert people.percent(0.11840230347739189) == f"11,8{NNBSP}%"
    assert people.percent(0.005) == f"0,50{NNBSP}%"
    assert people.percent(0.2) == f"20,0{NNBSP}%"


def test_units_in_words_come_from_the_spec_declarations(compiled):
    words = compiled.model["unit_words"]
    # spec/lbc_gc/v2.0/00-method.cspec: unit t "tonne", substance CO2e "équivalent CO2", unit ha "hectare"
    assert words["t"] == "tonne" and words["CO2e"] == "équivalent CO2"
    assert people.unit_words("t_CO2e", words) == "tonnes équivalent CO2"
    assert people.unit_words("t_CO2e / ha", words) == "tonnes équivalent CO2 par hectare"
    assert people.unit_words("kg_N / ha", words) == "kilogrammes d’azote par hectare"
    assert people.unit_words("MJ / ha", words) == "mégajoules par hectare"
    assert people.unit_words("1", words) == "" and people.unit_words("%", words) == "%"


def _scaled_annexes(tmp_path: Path, sheet: str, key: str, factor: float) -> Path:
    """A copy of the annexes with every number of one row multiplied by `factor`."""
    d = tmp_path / f"annexes-{factor}"
    shutil.copytree(ANNEXES, d)
    for book in d.glob("*.xlsx"):
        wb = openpyxl.load_workbook(book)
        if sheet in wb.sheetnames:
            ws = wb[sheet]
            for row in ws.iter_rows(min_row=3):
                if row[0].value == key:
                    for c in row[1:]:
                        if isinstance(c.value, (int, float)) and not isinstance(c.value, bool):
                            c.value = c.value * factor
            wb.save(book)
            return d
    raise AssertionError(sheet)


def test_the_most_influential_placeholder_row_is_measured_like_an_edited_annex(compiled, yonne, tmp_path):
    """The ranking's top row, checked against a run on annexes where that row was edited by hand
    (+10 % and -10 %): the banner's figure is the larger change of RE_certifiable."""
    flat, out, annexes = yonne
    figure, rows = rank_placeholders(compiled, flat, annexes)
    assert figure == "RE_certifiable"
    assert all(r.status == "placeholder" for r in rows) and len(rows) == 13
    top = rows[0]
    assert top.label == "cultures_CA[orge_hiver]"
    raw = json.loads(YONNE.read_text(encoding="utf-8"))
    changes = []
    for factor in (1.1, 0.9):
        _, o, _ = evaluate(compiled, raw, _scaled_annexes(tmp_path, "cultures_CA", "orge_hiver", factor), "reference")
        changes.append(abs(o["RE_certifiable"][0] - out["RE_certifiable"][0]))
    assert top.delta == pytest.approx(max(changes), rel=1e-9)
    assert top.delta > 1.0  # a placeholder that moves the figure by more than a tonne
    assert [r.delta for r in rows] == sorted((r.delta for r in rows), reverse=True)


def test_the_waterfall_adds_up_from_RE_to_RE_certifiable(compiled, yonne):
    flat, out, _ = yonne
    steps = dict(charts.waterfall_steps(compiled, flat, out, "RE", "RE_certifiable"))
    assert out["RE"][0] + sum(steps.values()) == pytest.approx(out["RE_certifiable"][0], abs=1e-9)
    # yonne-120ha: RE_stockage_carbone_sol = 96.8 t; by hand (6.5.3 Équation 29, 6.5.4): the data-uncertainty
    # rabais takes 96.8 × rabais_incertitude_donnees_stockage, then non-permanence takes its share of the rest
    farm = {k: v[0] for k, v in out.items() if v.shape == (1,)}
    r_data, r_perm = farm["rabais_incertitude_donnees_stockage"], farm["rabais_nonPerm"]
    assert steps["rabais_incertitude_donnees_stockage"] == pytest.approx(-96.8 * r_data, rel=1e-9)
    assert steps["rabais_nonPerm"] == pytest.approx(-96.8 * (1 - r_data) * r_perm, rel=1e-9)


def test_yearly_series_are_the_sums_per_year(compiled, yonne):
    flat, out, _ = yonne
    series = {s[0]: s for s in charts.yearly_series(compiled, flat, out)}
    name, per_k, scen, _ = series["EGES_fertilisation"]
    k = flat.data["k"]
    assert per_k[-3] == pytest.approx(out["EGES_fertilisation"][k == -3].sum())
    assert scen[-1] == "référence" and scen[0] == "Projet"
    assert sorted(per_k) == [-3, -2, -1, 0, 1, 2, 3, 4]


def test_html_report_has_banner_charts_and_people_formats(tmp_path, capsys):
    path = tmp_path / "r.html"
    assert main(["run", str(YONNE), "--method", "lbc_gc", "--version", "2.0", "--backend", "reference",
                 "--format", "html", "-o", str(path)]) == 0
    html = path.read_text(encoding="utf-8")
    banner = html[html.index('id="banner-provisoires"'):]
    banner = banner[:banner.index("</div>")]
    assert "13 ligne(s) d'annexe provisoire(s)" in banner and "<code>cultures_CA[orge_hiver]</code>" in banner
    assert html.index('id="banner-provisoires"') < html.index('class="verdict')  # at the top
    assert html.count("<svg") == 3 and "<script" not in html.lower()
    for anchor in ("graphique-postes", "graphique-annees", "graphique-rabais"):
        assert f'id="{anchor}"' in html
    assert f"<td class=\"num\">11,8{NNBSP}%</td>" in html  # rabais_global as %
    assert "<td class=\"\">tonnes équivalent CO2</td>" in html
    assert "e+0" not in html.split('id="graphiques"')[1]  # no 1.31232e+06 in the tables


def test_xlsx_report_has_number_formats_filters_and_a_chart(tmp_path, capsys):
    path = tmp_path / "r.xlsx"
    assert main(["run", str(YONNE), "--method", "lbc_gc", "--version", "2.0", "--backend", "reference",
                 "--format", "xlsx", "-o", str(path)]) == 0
    wb = openpyxl.load_workbook(path)
    ws = wb["Synthèse"]
    cells = {ws.cell(r, 1).value: ws.cell(r, 2) for r in range(1, ws.max_row + 1)}
    assert cells["RE_certifiable"].number_format == "#,##0.00"
    assert cells["rabais_global"].number_format == "0.0%"
    assert 0.11 < cells["rabais_global"].value < 0.12  # the value stays the fraction, at full precision
    assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A")
    import zipfile
    with zipfile.ZipFile(path) as z:
        chart = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert chart and b"barChart" in z.read(chart[0])
    assert "Provisoires" in wb.sheetnames
    assert wb["year"].auto_filter.ref


def test_summary_figures_link_to_their_trace(tmp_path, capsys):
    """With runtime/trace (h15a, issue 15 item 2) each non-zero summary figure links to its
    embedded trace; without it the report has no links (and this test is skipped)."""
    pytest.importorskip("carbonspec.runtime.trace", reason="runtime/trace not merged yet")
    path = tmp_path / "r.html"
    assert main(["run", str(YONNE), "--method", "lbc_gc", "--version", "2.0", "--backend", "reference",
                 "--format", "html", "-o", str(path)]) == 0
    html = path.read_text(encoding="utf-8")
    for name in ("RE_fertilisation", "RE_stockage_carbone_sol", "RE", "RE_certifiable"):
        assert f'<a href="#trace-{name}"' in html and f'id="trace-{name}"' in html
        assert f'data-figure="project.{name}"' in html
    assert 'href="#trace-RE_sechage_OS"' not in html  # 0 in this dossier: no trace embedded
