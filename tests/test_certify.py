"""`carbonspec certify`: a vendor's results against the cas-type's reference results at the
method's tolerance (section 8.5, Tableau 33), the audit report (HTML and xlsx), exit codes."""
from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from carbonspec.compiler.cli import main
from carbonspec.runtime.certification import certify as cert

from test_castype import generated

CASE, ITEM = "combustibles_C_irrigation", "RE_combustibles"


@pytest.fixture(scope="module")
def ct_dir() -> Path:
    return generated()[1]


@pytest.fixture(scope="module")
def reference(ct_dir) -> dict:
    return json.loads((ct_dir / "reference-results.json").read_text(encoding="utf-8"))


def vendor_file(tmp_path: Path, reference: dict, edit=None, name="vendor.json") -> Path:
    """A vendor's results in the documented JSON layout: the reference values, edited."""
    doc = {"method": "lbc_gc", "version": "2.0", "annex_version": reference["annex_version"],
           "tool": "ToolX", "results": copy.deepcopy(reference["results"])}
    if edit:
        edit(doc)
    p = tmp_path / name
    p.write_text(json.dumps(doc), encoding="utf-8")
    return p


def run_certify(ct_dir, results, report, capsys):
    code = main(["certify", "--castype", str(ct_dir), "--results", str(results), "--report", str(report)])
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def test_the_reference_results_certify_themselves(ct_dir, tmp_path, capsys):
    for results in (ct_dir / "reference-results.json", ct_dir / "reference-results.xlsx"):
        report = tmp_path / results.suffix[1:] / "audit"
        code, out, err = run_certify(ct_dir, results, report, capsys)
        assert code == 0, out + err
        assert out.splitlines()[-1] == "CONFORME" and "NON CONFORME" not in out
        html = (report.parent / "audit.html").read_text(encoding="utf-8")
        assert 'id="verdict">CONFORME<' in html
        wb = openpyxl.load_workbook(report.parent / "audit.xlsx")
        assert wb.sheetnames == ["Synthèse", "Postes"]
        summary = {r[0]: r[1] for r in wb["Synthèse"].iter_rows(min_row=2, values_only=True)}
        assert summary["verdict"] == "CONFORME" and summary["empreinte de la spec"] == generated()[0].model["spec_hash"]
        assert summary["version des annexes"] == "2.0-cs.1" and summary["postes non conforme"] == 0
        items = list(wb["Postes"].iter_rows(min_row=2, values_only=True))
        assert len(items) == summary["postes comparés"] == sum(len(v) for v in
                                                                   generated()[0].reference["results"].values())
        assert {r[6] for r in items} == {"conforme", "pour information"}
        # informative: IFT (L3447), the optional phosphorus, co-benefits not mandatory in that case
        informative = {(r[0], r[1]) for r in items if r[6] == "pour information"}
        assert ("nda_only", "Cobenefice_IFT_projet") in informative
        assert ("nda_only", "Cobenefice_phosphore_projet") in informative
        assert ("nda_only", "Cobenefice_eau_projet") in informative  # not irrigated
        assert ("combustibles_C_irrigation", "Cobenefice_eau_projet") not in informative
        assert not any(r[1].startswith("RE") for r in items if r[6] == "pour information")


@pytest.mark.parametrize("factor, conformant", [(1.06, False), (0.94, False), (1.04, True), (0.96, True)])
def test_one_line_item_off_by_6_percent_fails_and_4_percent_passes(ct_dir, reference, tmp_path, capsys,
                                                                    factor, conformant):
    expected = reference["results"][CASE][ITEM]
    assert expected > 1.0  # a relative judgement, not the zero floor

    def edit(doc):
        doc["results"][CASE][ITEM] = expected * factor
    code, out, _ = run_certify(ct_dir, vendor_file(tmp_path, reference, edit), tmp_path / "r", capsys)
    assert code == (0 if conformant else 1)
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    rows = [r for r in wb["Postes"].iter_rows(min_row=2, values_only=True) if r[0] == CASE and r[1] == ITEM]
    assert len(rows) == 1
    assert rows[0][3] == pytest.approx(expected, rel=1e-15) and rows[0][4] == pytest.approx(expected * factor, rel=1e-15)
    assert rows[0][5] == pytest.approx(factor - 1, rel=1e-9)
    assert rows[0][6] == ("conforme" if conformant else "non conforme")
    others = [r for r in wb["Postes"].iter_rows(min_row=2, values_only=True) if (r[0], r[1]) != (CASE, ITEM)]
    assert {r[6] for r in others} == {"conforme", "pour information"}
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    if not conformant:
        assert f"{CASE} · {ITEM}" in out and "au-delà de ±5%" in out
        failures = html.split('id="failures"')[1].split("</table>")[0]
        assert CASE in failures and ITEM in failures and f"{(factor - 1) * 100:+.2f}".replace(".", ",") + "\u202f%" in failures  # +6,00 %
        assert 'id="verdict">NON CONFORME<' in html
    else:
        assert 'id="failures"' not in html


def test_a_vendor_workbook_off_by_6_percent_fails(ct_dir, reference, tmp_path, capsys):
    """The vendor fills a copy of reference-results.xlsx (the documented xlsx layout)."""
    src = tmp_path / "vendor.xlsx"
    shutil.copyfile(ct_dir / "reference-results.xlsx", src)
    wb = openpyxl.load_workbook(src)
    ws = wb["results"]
    header = [c.value for c in ws[1]]
    row = next(r for r in range(3, ws.max_row + 1) if ws.cell(r, 1).value == CASE)
    col = header.index(ITEM) + 1
    ws.cell(row, col).value = reference["results"][CASE][ITEM] * 1.06
    wb.save(src)
    code, out, _ = run_certify(ct_dir, src, tmp_path / "x", capsys)
    assert code == 1 and f"{CASE} · {ITEM}" in out


def test_missing_case_or_line_item_fails_with_the_reason(ct_dir, reference, tmp_path, capsys):
    def edit(doc):
        del doc["results"]["nda_only"]
        del doc["results"]["stockage_renewal"]["rabais_global"]
        doc["results"]["sechage_stockage_at_the_farm"]["RE_sechage_stockage"] = None  # blank
    code, out, _ = run_certify(ct_dir, vendor_file(tmp_path, reference, edit), tmp_path / "m", capsys)
    assert code == 1
    assert "nda_only · (les 20 postes) : manquant : le cas 'nda_only' manque dans les résultats" in out
    assert "stockage_renewal · rabais_global" in out and "le poste 'rabais_global' manque pour ce cas" in out
    assert "sechage_stockage_at_the_farm · RE_sechage_stockage" in out and "aucune valeur reçue" in out
    wb = openpyxl.load_workbook(tmp_path / "m.xlsx")
    missing = [(r[0], r[1], r[7]) for r in wb["Postes"].iter_rows(min_row=2, values_only=True) if r[6] == "manquant"]
    assert len(missing) == len(reference["results"]["nda_only"]) + 2
    html = (tmp_path / "m.html").read_text(encoding="utf-8")
    assert "le cas &#39;nda_only&#39; manque dans les résultats" in html


def test_zero_and_tiny_reference_rule_on_numbers():
    """|received - expected| <= 5 % × max(|expected|, floor): floor 1 t CO2e, 0.01 for ratios,
    none (1e-9) for other units; the bound itself passes (L3447: <= 5 %)."""
    floors = {"t_CO2e": 1.0, "1": 0.01, "kg_N": 0.0}  # as 95-resultats.cspec declares them
    j = lambda e, r, u="t_CO2e": cert.judge(e, r, 0.05, floors[u])[0]  # noqa: E731
    assert j(100.0, 105.0) == "conformant" and j(100.0, 105.01) == "NOT conformant"
    assert j(-40.0, -41.9) == "conformant" and j(-40.0, -42.1) == "NOT conformant"
    assert j(0.0, 0.05) == "conformant" and j(0.0, -0.05) == "conformant"
    assert j(0.0, 0.051) == "NOT conformant"
    assert j(0.4, 0.449) == "conformant" and j(0.4, 0.46) == "NOT conformant"  # 0.05 t, not 5 % of 0.4
    assert j(0.0, 0.0005, "1") == "conformant" and j(0.0, 0.0006, "1") == "NOT conformant"
    assert j(0.2, 0.21, "1") == "conformant" and j(0.2, 0.2101, "1") == "NOT conformant"
    assert j(0.0, 1e-12, "kg_N") == "conformant" and j(0.0, 1e-6, "kg_N") == "NOT conformant"
    assert j(1.0, float("nan")) == "NOT conformant" and j(1.0, None) == "missing"
    verdict, dev, floored, _ = cert.judge(0.0, 0.03, 0.05, 1.0)
    assert floored and dev == pytest.approx(0.03)


def test_results_for_another_annex_version_fail(ct_dir, reference, tmp_path, capsys):
    def edit(doc):
        doc["annex_version"] = "1.0"
    code, out, _ = run_certify(ct_dir, vendor_file(tmp_path, reference, edit), tmp_path / "a", capsys)
    assert code == 1 and "la version des annexes '1.0'" in out


@pytest.mark.parametrize("content, suffix, where", [
    ('{"results": {"nda_only": {"RE": "12,5"}}}', ".json", "results.nda_only.RE: expected a number"),
    ('{"results": ', ".json", "invalid JSON"),
    ('[1, 2]', ".json", "expected a JSON object"),
    ("case;RE\n", ".csv", "unknown results format '.csv'"),
    (None, ".xlsx", "[results]!C3: expected a number, found '12,5'"),
    ("not a zip", ".xlsx", "not a readable xlsx results workbook"),
])
def test_unreadable_results_exit_2_located_and_write_no_report(ct_dir, tmp_path, capsys, content, suffix, where):
    p = tmp_path / f"bad{suffix}"
    if content is None:
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "results"
        ws.append(["case", "RE_fertilisation", "RE"])
        ws.append(["unit", "t_CO2e", "t_CO2e"])
        ws.append(["nda_only", 88.1, "12,5"])
        wb.save(p)
    else:
        p.write_text(content, encoding="utf-8")
    code, out, err = run_certify(ct_dir, p, tmp_path / "rep", capsys)
    assert code == 2 and where in err and "Traceback" not in err + out
    assert str(p) in err
    assert not list(tmp_path.glob("rep*"))


def test_not_a_castype_folder_is_exit_2(tmp_path, capsys, reference):
    code, _, err = run_certify(tmp_path, vendor_file(tmp_path, reference), tmp_path / "rep", capsys)
    assert code == 2 and "reference-results.json is missing" in err and not list(tmp_path.glob("rep*"))


def _cb_edit(case, item, value):
    def edit(doc):
        doc["results"][case][item] = value
    return edit


def test_a_co_benefit_the_method_does_not_compute_must_be_reported_as_not_computed(ct_dir, reference, tmp_path,
                                                                                   capsys):
    """Erosion is mandatory in fertilisation_average_N_fertiliser_CO2 (canton in an erosion zone)
    but not computed (triticale has no Tableau 22 factor): the reference is null, and a tool
    reporting 0 (or any number) is not conformant; null or a blank cell is."""
    case, item = "fertilisation_average_N_fertiliser_CO2", "Cobenefice_erosion_projet"
    assert reference["results"][case][item] is None
    assert reference["cobenefits"][case][item] == {"mandatory": True, "computed": False}
    code, out, _ = run_certify(ct_dir, vendor_file(tmp_path, reference, _cb_edit(case, item, 0.0)), tmp_path / "n",
                               capsys)
    assert code == 1 and f"{case} · {item} : attendu —, reçu 0 — non conforme" in out
    assert "le déclarer non calculé (null ou cellule vide)" in out
    html = (tmp_path / "n.html").read_text(encoding="utf-8")
    failures = html.split('id="failures"')[1].split("</table>")[0]
    assert item in failures and "non calculé" in failures
    code, out, _ = run_certify(ct_dir, vendor_file(tmp_path, reference, name="ok.json"), tmp_path / "ok", capsys)
    assert code == 0
    wb = openpyxl.load_workbook(tmp_path / "ok.xlsx")
    row = next(r for r in wb["Postes"].iter_rows(min_row=2, values_only=True) if (r[0], r[1]) == (case, item))
    assert row[3] is None and row[4] is None and row[6] == "conforme" and row[10] == "non calculé"
    assert "non calculé, comme la référence" in row[7]


def test_a_mandatory_co_benefit_off_by_6_percent_fails_an_optional_one_is_informative(ct_dir, reference, tmp_path,
                                                                                       capsys):
    """L3447: <= 5 % on the mandatory co-benefits.  Erosion in an erosion zone (mandatory) off by
    6 % fails; erosion outside one (beet/potato case), phosphorus (optional) and IFT (may come
    from another tool) are shown, informative, even 50 % off or missing."""
    case, item = "fertilisation_mineralised_N", "Cobenefice_erosion_projet"
    exp = reference["results"][case][item]
    assert exp == pytest.approx(-0.026, rel=1e-12)  # 0.20 x (0.25 x 0.88 - 0.35), hand-computed
    code, out, _ = run_certify(ct_dir, vendor_file(tmp_path, reference, _cb_edit(case, item, exp * 1.06)),
                               tmp_path / "m", capsys)
    assert code == 1 and f"{case} · {item}" in out and "au-delà de ±5%" in out

    def edit(doc):
        r = doc["results"]
        r["fertilisation_beet_and_potato_residues"]["Cobenefice_erosion_projet"] *= 1.5
        r["fertilisation_mineral_N_reduction"]["Cobenefice_phosphore_projet"] *= 1.5
        r["fertilisation_crop_yield_sources"]["Cobenefice_IFT_projet"] *= 1.5
        del r["fertilisation_mineral_N_reduction"]["Cobenefice_IFT_projet"]
    code, out, _ = run_certify(ct_dir, vendor_file(tmp_path, reference, edit, "i.json"), tmp_path / "i", capsys)
    assert code == 0, out
    wb = openpyxl.load_workbook(tmp_path / "i.xlsx")
    rows = {(r[0], r[1]): r for r in wb["Postes"].iter_rows(min_row=2, values_only=True)}
    beet = rows[("fertilisation_beet_and_potato_residues", "Cobenefice_erosion_projet")]
    assert beet[6] == "pour information" and "non obligatoire dans ce cas" in beet[7] and beet[10] == "non obligatoire ici"
    assert rows[("fertilisation_mineral_N_reduction", "Cobenefice_phosphore_projet")][6] == "pour information"
    ift = rows[("fertilisation_crop_yield_sources", "Cobenefice_IFT_projet")]
    assert ift[6] == "pour information" and "au-delà de ±5%" in ift[7] and "l'IFT peut venir d'un autre outil" in ift[9]
    missing_ift = rows[("fertilisation_mineral_N_reduction", "Cobenefice_IFT_projet")]
    assert missing_ift[6] == "pour information" and "aucune valeur reçue" in missing_ift[7]


def test_the_report_lists_co_benefit_items_with_their_units(ct_dir, reference, tmp_path, capsys):
    run_certify(ct_dir, vendor_file(tmp_path, reference), tmp_path / "u", capsys)
    html = (tmp_path / "u.html").read_text(encoding="utf-8")
    table = html.split('id="line-items"')[1].split("</table>")[0]
    for name, unit in (("Cobenefice_energie_projet", "MJ / ha"), ("Cobenefice_NH3_projet", "kg_Nvol / ha"),
                       ("Cobenefice_eau_projet", "m3 / ha"), ("Cobenefice_IFT_projet", "1"),
                       ("RE_certifiable", "t_CO2e")):
        row = next(r for r in table.split("<tr>") if f"<td>{name}</td>" in r)
        assert f"<td>{unit}</td>" in row, name
    assert "Consommation d&#39;énergie non renouvelable" in table
    wb = openpyxl.load_workbook(tmp_path / "u.xlsx")
    units = {r[1]: r[2] for r in wb["Postes"].iter_rows(min_row=2, values_only=True)}
    assert units["Cobenefice_eau_projet"] == "m3 / ha" and units["Cobenefice_phosphore_projet"] == "kg_P2O5 / ha"


def test_line_items_come_from_model_json_with_co_benefits(reference):
    """The line items are the spec's `result` declarations (model.json `results`), in order,
    with their tolerance, floor and basis; a co-benefit item carries its mandatory and
    computed_when flags; an item declared informative does not count."""
    model = copy.deepcopy(generated()[0].model)
    real = {i["name"]: i for i in cert.line_items(model)}
    assert list(real)[:3] == ["RE_fertilisation", "RE_combustibles", "RE_sechage_stockage"]
    assert real["RE_fertilisation"]["basis"] == "L3445" and real["RE_fertilisation"]["tolerance"] == 0.05
    assert real["RE_aval"]["basis"].startswith("A76") and real["RE_aval"]["floor"] == 1.0
    assert real["rabais_global"]["floor"] == 0.01 and real["rabais_global"]["kind"] == "rabais"
    assert real["Cobenefice_IFT_projet"]["informative"] and "L3447" in real["Cobenefice_IFT_projet"]["basis"]
    assert real["Cobenefice_phosphore_projet"]["informative"] and not real["Cobenefice_energie_projet"]["informative"]
    assert real["Cobenefice_eau_projet"]["mandatory"] == "irrigue_projet"
    assert real["Cobenefice_NH3_projet"]["kind"] == "co-benefit" and real["Cobenefice_NH3_projet"]["floor"] == 1e-9
    # a model that declares other items gets exactly those (nothing is hard-coded)
    base = next(e for e in model["equations"] if e["name"] == "RE")
    model["equations"].append(dict(copy.deepcopy(base), name="CB_x", unit="1",
                                   cobenefit={"title": "X", "better": "lower", "mandatory": True, "computed_when": None}))
    model["results"] = [dict(real["RE"]), {"name": "CB_x", "label": "x", "unit": "1", "kind": "co-benefit",
                                           "title": "X", "tolerance": 0.05, "floor": 0.01, "basis": "L1",
                                           "informative": False, "mandatory": True, "computed_when": None},
                        {"name": "CB_y", "label": "y", "unit": "1", "kind": "co-benefit", "title": "Y",
                         "tolerance": 0.05, "floor": None, "basis": "why", "informative": True,
                         "mandatory": True, "computed_when": None}]
    model["equations"].append(dict(copy.deepcopy(base), name="CB_y", unit="1",
                                   cobenefit={"title": "Y", "better": "lower", "mandatory": True, "computed_when": None}))
    items = {i["name"]: i for i in cert.line_items(model)}
    assert list(items) == ["RE", "CB_x", "CB_y"] and items["CB_y"]["floor"] == 1e-9
    doc = cert.reference_document(model, "2.0-cs.1", "h", {"c": {**{i: 1.0 for i in items}}})
    received = {"c": {**{i: 1.0 for i in items}, "CB_y": 2.0}}
    cmp = cert.compare(doc, received)
    assert cmp.conformant and [l.verdict for l in cmp.lines if l.item == "CB_y"] == ["informative"]
    received["c"]["CB_x"] = 1.2
    assert not cert.compare(doc, received).conformant


def test_only_co_benefits_without_a_project_mean_are_reported_as_not_certified():
    """A farm-scale co-benefit whose project mean is a line item (same title) is certified
    through it; Équation 35's ratio has no project equation, so castype notes it."""
    assert cert.unlisted_cobenefits(generated()[0].model) == ["Ratio_empreinte_eau (farm)"]


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless_shell"):
        path = shutil.which(name)
        if path:
            return path
    return None


def test_html_report_renders_in_headless_chromium(ct_dir, reference, tmp_path, capsys):
    browser = _chromium()
    if browser is None:
        pytest.skip("Chromium is not installed (.ci/run installs Debian's 'chromium' when it can); "
                    "the HTML report screenshot is not checked here")

    def edit(doc):
        doc["results"][CASE][ITEM] *= 1.06
    run_certify(ct_dir, vendor_file(tmp_path, reference, edit), tmp_path / "shot", capsys)
    html = tmp_path / "shot.html"
    png = tmp_path / "shot.png"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,1600",
             f"--user-data-dir={tmp_path / 'profile'}"]
    subprocess.run([browser, *flags, f"--screenshot={png}", html.as_uri()], capture_output=True, timeout=120)
    dom = subprocess.run([browser, *flags, "--dump-dom", html.as_uri()], capture_output=True, timeout=120, text=True)
    assert png.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 20_000  # a rendered page, not a blank one
    assert 'id="verdict">NON CONFORME</div>' in dom.stdout and CASE in dom.stdout
