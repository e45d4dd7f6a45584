"""The report is the method's, not LBC's: a section appears only when the spec declares content
for it, and the page opens on the verdicts the method declares (runtime/reports/content.py
verdict_badges).  ClimaCert FM1 v2 declares no rabais and no co-benefits, one eligibility
criterion (a workshop covered by a recognised tool) and a verdict « acceptation » of the soil
samples (FM1.2 L1224-L1228: criteria 1-3, L1459-L1482): a dossier whose samples are to be redone
must not open on a green « Éligible »."""
import json
import re

import openpyxl
import pytest

from carbonspec.compiler.cli import main

from conftest import ROOT

CC = ["--method", "climacert_fm1", "--version", "2", "--backend", "reference"]
LBC = ["--method", "lbc_gc", "--version", "2.0", "--backend", "reference"]
EXAMPLES = ROOT / "examples" / "climacert_fm1"


def _badges(html: str):
    """{verdict name: (css class, text)} of the page-top verdicts."""
    return {m.group(2): (m.group(1), m.group(3)) for m in
            re.finditer(r'<span class="verdict (\w+)" data-verdict="([^"]+)">([^<]*)</span>', html)}


def _run(tmp_path, dossier, args, fmt="html"):
    out = tmp_path / f"{dossier.stem}.{fmt}"
    code = main(["run", str(dossier), *args, "--format", fmt, "--output", str(out)])
    assert code in (0, 1)
    return code, out


def _light_tn(tmp_path, factor: float):
    """grandes-cultures.json with the first plot's Tn composite `factor` times as heavy."""
    raw = json.loads((EXAMPLES / "grandes-cultures.json").read_text(encoding="utf-8"))
    samples = raw["exploitation"]["parcelles"][0]["prelevements"]
    t0 = next(s for s in samples if s["rang"] == 0)
    tn = next(s for s in samples if s["rang"] == 1)
    tn["M_tf"] = round(t0["M_tf"] * factor, 1)
    path = tmp_path / f"leger-{factor}.json"
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    return path, t0["M_tf"], tn["M_tf"]


@pytest.mark.parametrize("name", ["grandes-cultures.json", "ferme-laitiere.json", "prelevement-a-refaire.json"])
def test_climacert_report_has_no_section_it_does_not_declare(tmp_path, name):
    code, out = _run(tmp_path, EXAMPLES / name, CC)
    html = out.read_text(encoding="utf-8")
    assert 'id="cobenefits"' not in html and "Co-bénéfices" not in html   # no co-benefit declared
    assert 'id="rabais"' not in html and 'id="graphique-rabais"' not in html  # no rabais declared
    assert "Tableau 5" not in html and "Réductions d" not in html  # LBC's eligibility table, LBC's chart
    assert 'id="acceptation"' in html                                  # its own verdict's section
    elig = html.split('<section id="eligibility">')[1].split("</section>")[0]
    assert "Verdict : ÉLIGIBLE" in elig                                 # its criterion, said even without rows
    _, xlsx = _run(tmp_path, EXAMPLES / name, CC, "xlsx")
    sheets = openpyxl.load_workbook(xlsx, read_only=True).sheetnames
    assert "cobenefits" not in sheets and "Co-bénéfices" not in sheets and "Rabais" not in sheets


def test_samples_to_redo_is_not_a_green_eligible(tmp_path):
    # criterion 1 (Équation 15, L1459): |M_n - M_0| <= 10 % of M_0; at 88 % of M_0 it fails
    path, m0, mn = _light_tn(tmp_path, 0.88)
    assert abs(mn - m0) > 0.10 * m0
    code, out = _run(tmp_path, path, CC)
    assert code == 1                                         # a negative verdict, results written
    html = out.read_text(encoding="utf-8")
    badges = _badges(html)
    assert badges["acceptation"] == ("ko", "prélèvement(s) à refaire")   # the spec's own words
    assert badges["eligibility"] == ("neutral", "Éligible")  # eligible, but never green beside a failure
    assert 'class="verdict ok"' not in html
    assert html.index('data-verdict="acceptation"') < html.index('id="graphiques"')  # at the top
    assert "PRÉLÈVEMENT(S) À REFAIRE" in html                 # and said in the summary's notes


def test_samples_accepted_and_eligible_is_green(tmp_path):
    path, m0, mn = _light_tn(tmp_path, 0.98)                  # 2 % lighter: within ±10 %
    assert abs(mn - m0) <= 0.10 * m0
    code, out = _run(tmp_path, path, CC)
    assert code == 0
    badges = _badges(out.read_text(encoding="utf-8"))
    assert badges == {"eligibility": ("ok", "Éligible"), "acceptation": ("ok", "prélèvements acceptés")}


def test_the_example_to_redo_says_so(tmp_path):
    code, out = _run(tmp_path, EXAMPLES / "prelevement-a-refaire.json", CC)
    assert code == 1
    assert _badges(out.read_text(encoding="utf-8"))["acceptation"][0] == "ko"


def test_lbc_report_keeps_its_sections_and_green_verdict(tmp_path):
    code, out = _run(tmp_path, ROOT / "examples" / "lbc_gc" / "yonne-120ha.json", LBC)
    assert code == 0
    html = out.read_text(encoding="utf-8")
    assert _badges(html) == {"eligibility": ("ok", "Éligible")}   # LBC declares no other verdict
    for anchor in ("cobenefits", "rabais", "eligibility", "graphique-rabais", "graphique-postes"):
        assert f'id="{anchor}"' in html
    assert "Éligibilité (3, Tableau 5)" in html                     # where its criteria are (§3, Tableau 5)
    assert "RE_certifiable = 167,8 tonnes équivalent CO2 n'est pas un crédit" in html


def test_climacert_xlsx_chart_has_one_unit_and_no_lbc_title(tmp_path):
    """The workbook's bar chart, like the html one, draws only the main items in the headline
    figure's unit: ClimaCert's « potentiel » group mixes t CO2e/an and t CO2e/(ha·an), so
    S_min_moyen_ha (per ha) is left out and the chart reads a copy of the two other rows."""
    import zipfile

    _, xlsx = _run(tmp_path, EXAMPLES / "grandes-cultures.json", CC, "xlsx")
    sheets = openpyxl.load_workbook(xlsx, read_only=True).sheetnames
    assert "Co-bénéfices" not in sheets and "Rabais" not in sheets
    with zipfile.ZipFile(xlsx) as z:
        charts = [z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 1
    chart = charts[0]
    assert "Réductions" not in chart and "potentiel" in chart
    refs = re.findall(r"<(?:c:)?f>([^<]+)</(?:c:)?f>", chart)
    assert refs and all("$O$" in r or "$P$" in r for r in refs)  # the copied block, two rows
    ws = openpyxl.load_workbook(xlsx)["Synthèse"]
    copied = [ws.cell(r, 15).value for r in range(1, ws.max_row + 1) if ws.cell(r, 15).value]
    assert copied[1:] == ["S_tot_exploitation", "S_min_exploitation"]
