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
from carbonspec.runtime import certify as cert

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
        assert "CONFORMANT" in out and "NOT CONFORMANT" not in out
        html = (report.parent / "audit.html").read_text(encoding="utf-8")
        assert 'id="verdict">CONFORMANT<' in html
        wb = openpyxl.load_workbook(report.parent / "audit.xlsx")
        assert wb.sheetnames == ["summary", "items"]
        summary = {r[0]: r[1] for r in wb["summary"].iter_rows(min_row=2, values_only=True)}
        assert summary["verdict"] == "CONFORMANT" and summary["spec_hash"] == generated()[0].model["spec_hash"]
        assert summary["annex_version"] == "2.0-cs.1" and summary["line items NOT conformant"] == 0
        items = list(wb["items"].iter_rows(min_row=2, values_only=True))
        assert len(items) == summary["line items compared"] == sum(len(v) for v in
                                                                   generated()[0].reference["results"].values())
        assert {r[6] for r in items} == {"conformant"}


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
    rows = [r for r in wb["items"].iter_rows(min_row=2, values_only=True) if r[0] == CASE and r[1] == ITEM]
    assert len(rows) == 1
    assert rows[0][3] == pytest.approx(expected, rel=1e-15) and rows[0][4] == pytest.approx(expected * factor, rel=1e-15)
    assert rows[0][5] == pytest.approx(factor - 1, rel=1e-9)
    assert rows[0][6] == ("conformant" if conformant else "NOT conformant")
    others = [r for r in wb["items"].iter_rows(min_row=2, values_only=True) if (r[0], r[1]) != (CASE, ITEM)]
    assert {r[6] for r in others} == {"conformant"}
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    if not conformant:
        assert f"{CASE} · {ITEM}" in out and "exceeds ±5%" in out
        failures = html.split('id="failures"')[1].split("</table>")[0]
        assert CASE in failures and ITEM in failures and f"{(factor - 1):+.2%}" in failures
        assert 'id="verdict">NOT CONFORMANT<' in html
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
    assert "nda_only · (all 13 line items): missing: case 'nda_only' is missing from the results" in out
    assert "stockage_renewal · rabais_global" in out and "line item 'rabais_global' is missing" in out
    assert "sechage_stockage_at_the_farm · RE_sechage_stockage" in out and "no value received" in out
    wb = openpyxl.load_workbook(tmp_path / "m.xlsx")
    missing = [(r[0], r[1], r[7]) for r in wb["items"].iter_rows(min_row=2, values_only=True) if r[6] == "missing"]
    assert len(missing) == len(reference["results"]["nda_only"]) + 2
    html = (tmp_path / "m.html").read_text(encoding="utf-8")
    assert "case &#39;nda_only&#39; is missing from the results" in html


def test_zero_and_tiny_reference_rule_on_numbers():
    """|received - expected| <= 5 % × max(|expected|, floor): floor 1 t CO2e, 0.01 for ratios,
    none (1e-9) for other units; the bound itself passes (L3447: <= 5 %)."""
    j = lambda e, r, u="t_CO2e": cert.judge(e, r, u)[0]  # noqa: E731
    assert j(100.0, 105.0) == "conformant" and j(100.0, 105.01) == "NOT conformant"
    assert j(-40.0, -41.9) == "conformant" and j(-40.0, -42.1) == "NOT conformant"
    assert j(0.0, 0.05) == "conformant" and j(0.0, -0.05) == "conformant"
    assert j(0.0, 0.051) == "NOT conformant"
    assert j(0.4, 0.449) == "conformant" and j(0.4, 0.46) == "NOT conformant"  # 0.05 t, not 5 % of 0.4
    assert j(0.0, 0.0005, "1") == "conformant" and j(0.0, 0.0006, "1") == "NOT conformant"
    assert j(0.2, 0.21, "1") == "conformant" and j(0.2, 0.2101, "1") == "NOT conformant"
    assert j(0.0, 1e-12, "kg_N") == "conformant" and j(0.0, 1e-6, "kg_N") == "NOT conformant"
    assert j(1.0, float("nan")) == "NOT conformant" and j(1.0, None) == "missing"
    verdict, dev, floored, _ = cert.judge(0.0, 0.03, "t_CO2e")
    assert floored and dev == pytest.approx(0.03)


def test_results_for_another_annex_version_fail(ct_dir, reference, tmp_path, capsys):
    def edit(doc):
        doc["annex_version"] = "1.0"
    code, out, _ = run_certify(ct_dir, vendor_file(tmp_path, reference, edit), tmp_path / "a", capsys)
    assert code == 1 and "annex version '1.0'" in out


@pytest.mark.parametrize("content, suffix, where", [
    ('{"results": {"nda_only": {"RE": "12,5"}}}', ".json", "results.nda_only.RE: expected a number"),
    ('{"results": ', ".json", "invalid JSON"),
    ('[1, 2]', ".json", "expected a JSON object"),
    ("case;RE\n", ".csv", "unknown results format '.csv'"),
    (None, ".xlsx", "[results]!C3: expected a number, found '12,5'"),
    ("not a zip", ".xlsx", "not a readable Excel workbook"),
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


def test_line_items_come_from_model_json_with_co_benefits(reference):
    """Co-benefit equations of the project (field `cobenefit`) become line items, with the 5 %
    of L3447; an IFT co-benefit is informative (L3447: may come from another tool)."""
    model = copy.deepcopy(generated()[0].model)
    base = next(e for e in model["equations"] if e["name"] == "RE")
    for name, title in (("CB_erosion", "Érosion"), ("CB_IFT", "IFT")):
        model["equations"].append(dict(copy.deepcopy(base), name=name, unit="1",
                                       cobenefit={"title": title, "better": "lower"}))
    items = {i["name"]: i for i in cert.line_items(model)}
    assert list(items)[-2:] == ["CB_erosion", "CB_IFT"]
    assert items["CB_erosion"]["kind"] == "co-benefit" and items["CB_erosion"]["basis"] == "L3447"
    assert items["CB_erosion"]["title"] == "Érosion" and not items["CB_erosion"]["informative"]
    assert items["CB_IFT"]["informative"]
    doc = cert.reference_document(model, "2.0-cs.1", "h", {"c": {**{i: 1.0 for i in items}}})
    received = {"c": {**{i: 1.0 for i in items}, "CB_IFT": 2.0}}
    cmp = cert.compare(doc, received)
    assert cmp.conformant and [l.verdict for l in cmp.lines if l.item == "CB_IFT"] == ["informative"]
    received["c"]["CB_erosion"] = 1.2
    assert not cert.compare(doc, received).conformant


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
    assert 'id="verdict">NOT CONFORMANT</div>' in dom.stdout and CASE in dom.stdout
