"""Cas-type generation (method section 8.5): the dossiers a vendor runs in its calculator, their
reference ("étalon") results per line item of Tableau 33, every intermediate value, and the
coverage of the method they achieve.

The cases are hand-designed builders (runtime/certification/castype_<method>_v<version>.py, one function per
case); which equations, branches and rabais rates they exercise is computed from the IR
(coverage.py), so a new equation of the spec without a case is reported as missing and the
generation fails.  Every case is computed with the NumPy reference interpreter and with the
Numba kernel, which must agree (1e-9 relative); the files carry the method version, the annex
version and hash, and the spec hash.  Output layout (also written as DIR/README.md):

    DIR/README.md                     what is where, for the vendor and the auditor
    DIR/castype.json                  index: versions, cases (title, description, files), coverage
    DIR/reference-results.json|.xlsx  reference results of every case, keyed by case and line
                                      item: exactly the layout `carbonspec certify --results` reads
    DIR/cases/<case>/dossier.json     the inputs (JSON dossier, `carbonspec schema` layout)
    DIR/cases/<case>/inputs.xlsx      the same inputs, flat: one sheet per entity
    DIR/cases/<case>/reference.json   line items, eligibility, every equation's value on every row
    DIR/cases/<case>/reference.xlsx   the same (sheets info, line_items, intermediate)
    DIR/annexes/                      the annex workbooks the results were computed with

Same spec, annexes and carbonspec version -> same bytes (xlsx timestamps are fixed).
"""
from __future__ import annotations

import importlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

from carbonspec.compiler.errors import InputError

from carbonspec.runtime.io.output import write_file
from carbonspec.runtime.io.workbook import save_workbook
from carbonspec.runtime.certification.certify import case_values, reference_document
from carbonspec.runtime.certification.coverage import Blocked, Coverage, CoverageBackend, Record, input_record, labelled_record
from carbonspec.runtime.dossier.reader import Flat
from carbonspec.runtime.engine.core import Compiled, check_outputs, eligibility, resolve_lookups, run_backend
from carbonspec.runtime.engine.tables import AnnexSet, load_annexes

AGREEMENT = dict(rtol=1e-9, atol=1e-12)


def _module(model: dict):
    name = f"carbonspec.runtime.certification.castype_{model['method']}_v{model['version'].replace('.', '_')}"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError:
        raise InputError("--method/--version", f"no cas-type cases are written for {model['method']} "
                                               f"v{model['version']} (module {name})") from None


def cases_for(model: dict) -> Dict[str, Callable[[], dict]]:
    """The case builders of a method version (module castype_<method>_v<version>)."""
    return _module(model).CASES


def probes_for(model: dict) -> Dict[str, Callable[[], dict]]:
    """The probes of a method version (see coverage.Blocked): dossiers that reach what no valid
    dossier can because of a known spec defect; each has `refused_because`, a text its
    refusal message must contain."""
    return getattr(_module(model), "PROBES", {})


@dataclass
class CaseResult:
    name: str
    title: str
    description: str
    dossier: dict
    flat: Flat
    outputs: Dict[str, np.ndarray]
    record: Record
    eligibility: dict


@dataclass
class CasType:
    compiled: Compiled
    annexes: AnnexSet
    cases: List[CaseResult]
    coverage: Coverage
    reference: dict  # certify layout (reference-results.json)
    backends: Sequence[str]

    @property
    def model(self) -> dict:
        return self.compiled.model


def generate(compiled: Compiled, annex_dir: Path, backends: Sequence[str] = ("reference", "numba"),
             cases: Optional[Dict[str, Callable[[], dict]]] = None,
             probes: Optional[Dict[str, Callable[[], dict]]] = None) -> CasType:
    """Build and compute every case; require both backends to agree.  Raises InputError
    (located at the case) when a case is not a valid dossier for this spec."""
    model = compiled.model
    annexes = load_annexes(annex_dir, model)
    builders = cases if cases is not None else cases_for(model)
    probes = probes if probes is not None else probes_for(model)
    record = Record()
    results: List[CaseResult] = []
    for name, build in builders.items():
        where = f"cas-type case '{name}'"
        dossier = build()
        flat = compiled.schema.flatten(json.loads(json.dumps(dossier)), where)
        try:
            resolve_lookups(compiled, flat, annexes.tables)
        except InputError as exc:
            raise InputError(f"{where}: {exc.where}", exc.message) from None
        out = run_backend(compiled, flat.data, "reference")
        cov = CoverageBackend(model)
        traced = cov.compute(flat.data)
        for eq, v in out.items():  # the instrumented interpreter must not change a value
            if not np.array_equal(v, traced[eq], equal_nan=True):
                raise RuntimeError(f"{where}: coverage interpreter differs from the reference on {eq}")
        try:
            check_outputs(compiled, flat, out)
        except InputError as exc:
            raise InputError(f"{where}: {exc.where}", exc.message) from None
        if "numba" in backends:
            fast = run_backend(compiled, flat.data, "numba")
            for eq, v in out.items():
                if not np.allclose(fast[eq], v, equal_nan=True, **AGREEMENT):
                    bad = int(np.flatnonzero(~np.isclose(fast[eq], v, equal_nan=True, **AGREEMENT))[0])
                    raise RuntimeError(f"{where}: the Numba kernel and the reference interpreter disagree on "
                                       f"{eq} at {flat.paths[_entity(model, eq)][bad]}: "
                                       f"{fast[eq][bad]!r} vs {v[bad]!r}")
        cov.record.inputs |= input_record(model, flat)
        record.update(cov.record)
        doc = build.__doc__ or ""
        results.append(CaseResult(name, dossier.get("name") or name, " ".join(doc.split()), dossier, flat, out,
                                  cov.record, eligibility(compiled, flat, out)))
    blocked, accepted = [], []
    for name, build in probes.items():
        where = f"cas-type probe '{name}'"
        cov, flat = None, None
        try:
            flat = compiled.schema.flatten(json.loads(json.dumps(build())), where)
            resolve_lookups(compiled, flat, annexes.tables)
            cov = CoverageBackend(model)
            out = cov.compute(flat.data)
            check_outputs(compiled, flat, out)
        except InputError as exc:
            message = " ".join(f"{exc.where}: {exc.message}".split())
            expected = getattr(build, "refused_because", "")
            if expected not in message:
                raise InputError(where, f"refused for another reason than the spec defect it probes "
                                        f"('{expected}'): {message}") from None
            if cov is not None:  # computed, refused by a value: what it reaches is measured
                cov.record.inputs |= input_record(model, flat)
                reached = cov.record
            else:  # refused before any value: what it would reach is declared (`blocks`)
                reached = labelled_record(model, getattr(build, "blocks", ()), where)
            blocked.append(Blocked(name, message, reached.minus(record)))
            continue
        accepted.append(name)
    values, status = {}, {}
    for c in results:
        values[c.name], status[c.name] = case_values(model, c.outputs)
    reference = reference_document(model, annexes.version, annexes.content_hash, values, status)
    return CasType(compiled, annexes, results, Coverage(model, record, blocked, accepted), reference,
                   tuple(backends))


def _entity(model: dict, eq: str) -> str:
    return next(e["entity"] for e in model["equations"] if e["name"] == eq)


# ------------------------------------------------------------------ output --
def stamp(ct: CasType) -> dict:
    m = ct.model
    return {"method": m["method"], "version": m["version"], "spec_hash": m["spec_hash"],
            "annex_version": ct.annexes.version, "annex_hash": ct.annexes.content_hash,
            "computed_with": f"{m['method']} v{m['version']} · spec {m['spec_hash']} · "
                             f"annexes {ct.annexes.version} ({ct.annexes.content_hash})"}


def backends_note(ct: CasType) -> str:
    return " and ".join(ct.backends) + (" (agree to 1e-9 relative)" if len(ct.backends) > 1 else "")


def intermediate(ct: CasType, c: CaseResult) -> List[dict]:
    """Every equation's value on every row, in entity then equation order (the trace)."""
    model = ct.model
    rows = []
    for ent in model["entities"]:
        eqs = [e for e in model["equations"] if e["entity"] == ent["name"]]
        for r, path in enumerate(c.flat.paths[ent["name"]]):
            for e in eqs:
                src = e.get("source") or {}
                rows.append({"path": path, "equation": e["name"], "unit": e["unit"],
                             "value": float(c.outputs[e["name"]][r]),
                             "source": ", ".join(x for x in (src.get("section"), src.get("label"), src.get("text")) if x)})
    return rows


def case_reference(ct: CasType, c: CaseResult) -> dict:
    return {"case": c.name, "title": c.title, "description": c.description, **stamp(ct),
            "line_items": ct.reference["results"][c.name],
            "units": ct.reference["units"],
            "cobenefits": ct.reference["cobenefits"][c.name],
            "eligibility": c.eligibility,
            "intermediate": intermediate(ct, c)}


def index(ct: CasType) -> dict:
    summary = ct.coverage.summary()
    cases = []
    all_taken: Dict[str, int] = {}
    for c in ct.cases:
        for b in c.record.taken:
            all_taken[b] = all_taken.get(b, 0) + 1
    from carbonspec.runtime.certification.coverage import branches as _branches
    labels = {b.id: b.label() for b in _branches(ct.model)}
    for c in ct.cases:
        only = sorted(labels[b] for b in c.record.taken if all_taken[b] == 1 and b in labels)
        cases.append({"case": c.name, "title": c.title, "description": c.description,
                      "eligible": c.eligibility["eligible"],
                      "files": {k: f"cases/{c.name}/{v}" for k, v in
                                (("dossier", "dossier.json"), ("inputs_xlsx", "inputs.xlsx"),
                                 ("reference", "reference.json"), ("reference_xlsx", "reference.xlsx"))},
                      "branches_taken": len([b for b in c.record.taken if b in labels]),
                      "branches_only_here": only})
    return {"format": "carbonspec-castype", "format_version": 1, **stamp(ct), "backends": backends_note(ct),
            "title": ct.model.get("title"), "cases": cases, "coverage": summary,
            "line_items": ct.reference["line_items"], "tolerance": ct.reference["tolerance"]}


def write(ct: CasType, out_dir: Path) -> List[Path]:
    """Write the cas-type into out_dir (created; files of a previous cas-type replaced)."""
    out_dir = Path(out_dir)
    files: List[Path] = []

    def put(rel: str, data):
        p = out_dir / rel
        if isinstance(data, (dict, list)):
            write_file(p, json.dumps(data, ensure_ascii=False, indent=1) + "\n", "--out")
        elif isinstance(data, str):
            write_file(p, data, "--out")
        else:
            save_workbook(data, p)  # texts as text, atomic (runtime/io)
        files.append(p)

    if (out_dir / "cases").is_dir():
        shutil.rmtree(out_dir / "cases")
    for stale in ("mutation.json", "mutation.md"):  # of a previous cas-type; rewritten by --mutation
        if (out_dir / stale).exists():
            (out_dir / stale).unlink()
    put("README.md", readme(ct))
    put("castype.json", index(ct))
    put("reference-results.json", ct.reference)
    put("reference-results.xlsx", results_workbook(ct.reference))
    for c in ct.cases:
        put(f"cases/{c.name}/dossier.json", c.dossier)
        put(f"cases/{c.name}/inputs.xlsx", inputs_workbook(ct, c))
        ref = case_reference(ct, c)
        put(f"cases/{c.name}/reference.json", ref)
        put(f"cases/{c.name}/reference.xlsx", case_workbook(ref))
    annex_out = out_dir / "annexes"
    if annex_out.is_dir():
        shutil.rmtree(annex_out)
    annex_out.mkdir(parents=True)
    for src in sorted(Path(ct.annexes.directory).iterdir()):
        if src.is_file() and src.suffix.lower() in (".xlsx", ".csv", ".json", ".md") and not src.name.startswith("~$"):
            shutil.copyfile(src, annex_out / src.name)
            files.append(annex_out / src.name)
    return files


# ------------------------------------------------------------------- xlsx --
def _sheet(wb, title: str, header: List[str], rows: List[list], widths: Optional[Dict[int, int]] = None):
    from openpyxl.styles import Font

    ws = wb.create_sheet(title)
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append(r)
    ws.freeze_panes = "A2"
    for i, w in (widths or {}).items():
        ws.column_dimensions[_letter(i)].width = w
    return ws


def _letter(i: int) -> str:
    from openpyxl.utils import get_column_letter
    return get_column_letter(i + 1)


def _info_rows(d: dict) -> List[list]:
    keys = ("method", "version", "spec_hash", "annex_version", "annex_hash", "computed_with")
    return [[k, d[k]] for k in keys if k in d]


def results_workbook(reference: dict):
    """reference-results.xlsx: sheet `results` (row 1: case, then the line items; row 2: their
    units; one row per case), sheet `info` (method, versions, hashes).  `certify` reads this
    layout; a vendor fills a copy of it."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    items = [i["name"] for i in reference["line_items"]]
    rows = [["unit"] + [reference["units"][i] for i in items]]
    rows += [[case] + [vals[i] for i in items] for case, vals in reference["results"].items()]
    _sheet(wb, "results", ["case"] + items, rows, {0: 42})
    _sheet(wb, "info", ["key", "value"], _info_rows(reference) + [
        ["layout", "sheet results: row 1 = 'case' then line items, row 2 = units, then one row per case"]],
        {0: 16, 1: 90})
    return wb


def case_workbook(ref: dict):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    _sheet(wb, "info", ["key", "value"], [["case", ref["case"]], ["title", ref["title"]],
                                          ["description", ref["description"]]] + _info_rows(ref)
           + [["eligible", ref["eligibility"]["eligible"]]], {0: 16, 1: 100})
    def status(k):
        st = ref["cobenefits"].get(k)
        if st is None:
            return ""
        return ", ".join(("computed" if st["computed"] else "not computed",
                          "mandatory" if st["mandatory"] else "not mandatory"))
    _sheet(wb, "line_items", ["line_item", "unit", "value", "cobenefit_status"],
           [[k, ref["units"][k], v, status(k)] for k, v in ref["line_items"].items()], {0: 40, 3: 30})
    _sheet(wb, "intermediate", ["path", "equation", "unit", "value", "source"],
           [[r["path"], r["equation"], r["unit"], r["value"], r["source"]] for r in ref["intermediate"]],
           {0: 60, 1: 40, 2: 18, 4: 40})
    return wb


def inputs_workbook(ct: CasType, c: CaseResult):
    """The case's inputs, flat (a reading aid, not the official xlsx dossier format): sheet
    `info`, then one sheet per entity that has rows: column `path` (the row's place in the
    JSON dossier, e.g. project.farms[0].systems[0].years[3]), `parent`, then its inputs."""
    import openpyxl

    model = ct.model
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    _sheet(wb, "info", ["key", "value"], [["case", c.name], ["title", c.title], ["description", c.description]]
           + _info_rows(stamp(ct)) + [["layout", "one sheet per entity; 'path' locates the row in dossier.json; "
                                                 "defaults are filled in; an empty cell is an optional input not given"]],
           {0: 16, 1: 100})
    parents = {e["name"]: e["parent"] for e in model["entities"]}
    for ent in model["entities"]:
        name = ent["name"]
        paths = c.flat.paths[name]
        if not paths:
            continue
        cols = [i["name"] for i in model["inputs"] if i["entity"] == name and name in c.flat.raw
                and i["name"] in c.flat.raw[name]]
        rows = []
        for r, path in enumerate(paths):
            parent = path.rsplit(".", 1)[0] if parents[name] else ""
            rows.append([path, parent] + [_cell(c.flat.raw[name][col][r]) for col in cols])
        _sheet(wb, name[:31], ["path", "parent"] + cols, rows, {0: 50, 1: 40})
    return wb


def _cell(v):
    return v if v is None or isinstance(v, (bool, int, float, str)) else str(v)


# ----------------------------------------------------------------- readme --
def readme(ct: CasType) -> str:
    s = stamp(ct)
    lines = [
        f"# Cas-type — {ct.model.get('title', ct.model['method'])} v{s['version']}",
        "",
        f"Computed with: {s['computed_with']} (the backends used are in castype.json).",
        "",
        "Method section 8.5: run each case in your calculator and report, for each case, the value of",
        "each line item of Tableau 33 below.  The certification compares them with the reference values at",
        "5 % (see `reference-results.json`, key `tolerance`): `carbonspec certify --castype DIR --results FILE`.",
        "",
        "## Files",
        "",
        "| file | content |",
        "| --- | --- |",
        "| `castype.json` | versions, cases (title, description, files), coverage of the method |",
        "| `reference-results.json` / `.xlsx` | reference results of every case per line item: the layout to send back |",
        "| `cases/<case>/dossier.json` | the inputs (JSON dossier; `carbonspec schema --method ... --version ...`) |",
        "| `cases/<case>/inputs.xlsx` | the same inputs, one sheet per entity (`path` locates the row in the JSON) |",
        "| `cases/<case>/reference.json` / `.xlsx` | line items, eligibility, and every equation's value on every row |",
        "| `annexes/` | the annex tables used (annex version and content hash above): use these values |",
        "",
        "## Results to send back",
        "",
        "JSON: the layout of `reference-results.json` — `{\"method\": ..., \"version\": ..., \"annex_version\": ...,",
        "\"results\": {\"<case>\": {\"<line item>\": number, ...}, ...}}` (only `results` is required).",
        "xlsx: the layout of `reference-results.xlsx` — sheet `results`, row 1 `case` then the line items,",
        "row 2 their units, one row per case; optional sheet `info` (key, value: method, version, annex_version).",
        "",
        "Line items (unit): " + ", ".join(f"`{i['name']}` ({i['unit']})" for i in ct.reference["line_items"]) + ".",
        "",
        "Co-benefits (section 7, project scale: area-weighted mean of the farms, L2647).  Tableau 33 and L3447",
        "certify the mandatory co-benefits except IFT: an IFT item, the optional phosphorus and a co-benefit not",
        "mandatory in a case (erosion outside an erosion zone, water without irrigation) are compared but",
        "informative (key `cobenefits` of `reference-results.json`: per case, mandatory and computed).",
        "**Not computed**: where the dossier lacks what an indicator needs (IFT not declared, a crop without a",
        "Tableau 22 factor or Annexe 18 footprint, no tillage shares), the method reports it as not computed:",
        "its reference value is `null` (a blank cell in the xlsx).  Report it the same way, `null` or a blank",
        "cell — a number there is not conformant (0 would claim a computed change of 0).",
        "",
        "## Cases",
        "",
    ]
    for c in ct.cases:
        lines.append(f"- `{c.name}` — {c.description}")
    lines += ["", "## Coverage of the method", ""]
    lines += [f"    {line}" for line in ct.coverage.lines()]
    lines.append("")
    return "\n".join(lines)
