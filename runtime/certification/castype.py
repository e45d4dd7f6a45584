"""Cas-type generation (method section 8.5): the dossiers a vendor runs in its calculator, their
reference ("étalon") results per line item of Tableau 33, every intermediate value, and the
coverage of the method they achieve.

The cases are data beside the spec (spec/<method>/v<version>/castype/, casedata.py: a base
dossier and per-case changes), so a new method version needs no Python; which equations,
branches and rabais rates they exercise is computed from the IR (coverage.py), and the
generator (generator.py) adds the cases covering what they miss, so a new branch of the spec
gets a case; what neither reaches is reported as missing and the generation fails.  Every
case is computed with the NumPy reference interpreter and with the
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

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np

from carbonspec.compiler.errors import InputError

from carbonspec.runtime.io.output import write_file
from carbonspec.runtime.io.workbook import save_workbook
from carbonspec.runtime.certification import casedata
from carbonspec.runtime.certification.casedata import CaseData, CaseSpec
from carbonspec.runtime.certification.certify import case_values, line_items, reference_document
from carbonspec.runtime.certification.coverage import Blocked, Coverage, CoverageBackend, Record, input_record, labelled_record
from carbonspec.runtime.dossier.reader import Flat
from carbonspec.runtime.engine.core import Compiled, check_outputs, eligibility, resolve_lookups, run_backend
from carbonspec.runtime.engine.tables import AnnexSet, load_annexes

AGREEMENT = dict(rtol=1e-9, atol=1e-12)


def load_cases(model: dict, data_dir: Optional[Path]) -> CaseData:
    """The data cases of a method version (casedata.py); a located error without a folder."""
    if data_dir is None:
        raise InputError("--method/--version", f"no cas-type data for {model['method']} v{model['version']}: "
                                               f"no castype/ folder in spec/{model['method']}/v{model['version']}/ "
                                               "nor in another version of the method (or pass --cases DIR)")
    return casedata.load(data_dir, model)


def spec_root() -> Path:
    """The spec/ folder: $CARBONSPEC_HOME/spec, else the nearest parent of the working
    directory with generated/ and spec/, else the checkout's (as the CLI's project_root)."""
    import os

    env = os.environ.get("CARBONSPEC_HOME")
    if env:
        return Path(env) / "spec"
    here = Path.cwd()
    for p in [here, *here.parents]:
        if (p / "generated").is_dir() and (p / "spec").is_dir():
            return p / "spec"
    return Path(__file__).resolve().parents[2] / "spec"


def cases_for(model: dict, root: Optional[Path] = None) -> Dict[str, dict]:
    """{case: dossier} of the data cases written for exactly this method version
    (spec/<method>/v<version>/castype/); InputError when it has none (callers walking a chain
    of versions, e.g. runtime/versions/effects.py, try the next)."""
    directory = Path(root or spec_root()) / model["method"] / f"v{model['version']}" / "castype"
    if not directory.is_dir():
        raise InputError("--method/--version", f"no cas-type data for {model['method']} v{model['version']} "
                                               f"({directory})")
    return {c.name: c.dossier for c in casedata.load(directory, model).cases}


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
    generated: bool = False
    source: str = ""


@dataclass
class CasType:
    compiled: Compiled
    annexes: AnnexSet
    cases: List[CaseResult]
    coverage: Coverage
    reference: dict  # certify layout (reference-results.json)
    backends: Sequence[str]
    justified: Dict[str, str] = field(default_factory=dict)  # mutant id -> written reason (castype/justified.json)
    data_dir: Optional[Path] = None
    generation: dict = field(default_factory=dict)  # what the generator tried and kept (generator.py)

    @property
    def model(self) -> dict:
        return self.compiled.model


def compute_case(compiled: Compiled, annexes: AnnexSet, spec: CaseSpec, backends: Sequence[str]) -> CaseResult:
    """Compute one case with the instrumented reference interpreter (and the Numba kernel when
    asked, which must agree).  Raises InputError located at the case when it is not a valid
    dossier for this spec."""
    model = compiled.model
    where = f"cas-type case '{spec.name}'" + (f" ({spec.source})" if spec.source else "")
    flat = compiled.schema.flatten(json.loads(json.dumps(spec.dossier)), where)
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
    return CaseResult(spec.name, spec.title, spec.description, spec.dossier, flat, out, cov.record,
                      eligibility(compiled, flat, out), spec.generated, spec.source)


def _probe(compiled: Compiled, annexes: AnnexSet, spec: CaseSpec, record: Record):
    """A probe's Blocked, or None when the spec accepts it (its defect is fixed)."""
    model = compiled.model
    where = f"cas-type probe '{spec.name}'"
    cov, flat = None, None
    try:
        flat = compiled.schema.flatten(json.loads(json.dumps(spec.dossier)), where)
        resolve_lookups(compiled, flat, annexes.tables)
        cov = CoverageBackend(model)
        out = cov.compute(flat.data)
        check_outputs(compiled, flat, out)
    except InputError as exc:
        message = " ".join(f"{exc.where}: {exc.message}".split())
        expected = spec.refused_because or ""
        if expected not in message:
            raise InputError(where, f"refused for another reason than the spec defect it probes "
                                    f"('{expected}'): {message}") from None
        if cov is not None:  # computed, refused by a value: what it reaches is measured
            cov.record.inputs |= input_record(model, flat)
            reached = cov.record
        else:  # refused before any value: what it would reach is declared (`blocks`)
            reached = labelled_record(model, spec.blocks, where)
        return Blocked(spec.name, message, reached.minus(record))
    return None


def _as_specs(cases) -> List[CaseSpec]:
    """A list of CaseSpec, or {name: builder} (a callable returning a dossier, its docstring
    the description) as callers wrote cases before they were data."""
    if not isinstance(cases, dict):
        return list(cases)
    out = []
    for name, build in cases.items():
        d = build()
        out.append(CaseSpec(name, d.get("name") or name, " ".join((build.__doc__ or "").split()), d, "",
                            getattr(build, "refused_because", None), tuple(getattr(build, "blocks", ()))))
    return out


def generate(compiled: Compiled, annex_dir: Path, backends: Sequence[str] = ("reference", "numba"),
             cases=None, probes=None, data_dir: Optional[Path] = None, complete: Optional[bool] = None,
             budget: Optional[int] = None) -> CasType:
    """Compute the data cases (castype/ folder beside the spec, or `cases`: CaseSpec list or
    {name: builder}); then, when `complete` (default: when the cases come from the folder),
    let the generator (generator.py) add the cases that cover what they miss.  Both backends
    must agree.  Raises InputError (located at the case) when a case is not a valid dossier
    for this spec."""
    model = compiled.model
    annexes = load_annexes(annex_dir, model)
    justified: Dict[str, str] = {}
    if complete is None:
        complete = cases is None
    if cases is not None:
        cases = _as_specs(cases)
    if probes is not None:
        probes = _as_specs(probes)
    if cases is None:
        data = load_cases(model, data_dir)
        cases = data.cases
        probes = data.probes if probes is None else probes
        justified = data.justified
    probes = probes or []
    record = Record()
    results: List[CaseResult] = []
    for spec in cases:
        c = compute_case(compiled, annexes, spec, backends)
        record.update(c.record)
        results.append(c)
    blocked, accepted = [], []
    for spec in probes:
        b = _probe(compiled, annexes, spec, record)
        if b is None:
            accepted.append(spec.name)
        else:
            blocked.append(b)
    coverage = Coverage(model, record, blocked, accepted)
    generation: dict = {"data_cases": len(results), "candidates": 0, "generated": 0}
    if complete and not coverage.complete():
        from carbonspec.runtime.certification import generator

        found = generator.cover(compiled, annexes, results, coverage, **({"budget": budget} if budget else {}))
        generation.update(found.summary())
        for spec in found.kept:
            c = compute_case(compiled, annexes, spec, backends)
            record.update(c.record)
            results.append(c)
        coverage = Coverage(model, record, blocked, accepted)
    ct = CasType(compiled, annexes, results, coverage, None, tuple(backends), justified, data_dir, generation)
    ct.reference = reference_of(ct)
    return ct


def reference_of(ct: "CasType") -> dict:
    """The reference results document (certify layout) of the cases."""
    model = ct.model
    values, status = {}, {}
    for c in ct.cases:
        values[c.name], status[c.name] = case_values(model, c.outputs)
    return reference_document(model, ct.annexes.version, ct.annexes.content_hash, values, status)


def add_cases(ct: "CasType", specs: List[CaseSpec]) -> None:
    """Add computed cases (the generator's mutant killers) and refresh coverage and reference."""
    for spec in specs:
        c = compute_case(ct.compiled, ct.annexes, spec, ct.backends)
        ct.coverage.record.update(c.record)
        ct.cases.append(c)
    ct.reference = reference_of(ct)


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
                      "origin": "generated" if c.generated else "data",
                      "eligible": c.eligibility["eligible"],
                      "files": {k: f"cases/{c.name}/{v}" for k, v in
                                (("dossier", "dossier.json"), ("inputs_xlsx", "inputs.xlsx"),
                                 ("reference", "reference.json"), ("reference_xlsx", "reference.xlsx"))},
                      "branches_taken": len([b for b in c.record.taken if b in labels]),
                      "branches_only_here": only})
    return {"format": "carbonspec-castype", "format_version": 1, **stamp(ct), "backends": backends_note(ct),
            "title": ct.model.get("title"), "cases": cases, "generation": ct.generation, "coverage": summary,
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
def generation_note(ct: CasType) -> str:
    data = sum(1 for c in ct.cases if not c.generated)
    gen = len(ct.cases) - data
    return f"{data} from the spec's castype data, {gen} generated"


_COVERAGE_FR = (("equations", "équations non nulles dans au moins un cas"),
                ("branches", "branches prises (when, otherwise, if)"),
                ("rabais_rates", "taux de rabais sélectionnés"),
                ("signs", "termes rabattus vus > 0 et < 0"),
                ("inputs", "valeurs d'énumération et booléens des données d'entrée"),
                ("cobenefits", "états des co-bénéfices (obligatoire ou non, calculé ou non, amélioré ou dégradé)"))


def readme(ct: CasType) -> str:
    """DIR/README.md, for the vendor and the auditor (in French)."""
    s = stamp(ct)
    lines = [
        f"# Cas-type — {ct.model.get('title', ct.model['method'])} v{s['version']}",
        "",
        f"Calculé avec : {s['computed_with']} (les moteurs de calcul utilisés sont indiqués dans castype.json).",
        "",
        "Exécutez chaque cas dans votre calculateur et reportez, pour chaque cas, la valeur de chaque poste",
        "ci-dessous (les résultats que la méthode déclare).  La certification les compare aux valeurs de",
        "référence avec la tolérance que la méthode fixe pour chaque poste (liste ci-dessous, et",
        "`reference-results.json`) : `carbonspec certify --castype DOSSIER --results FICHIER`.",
        "",
        "## Fichiers",
        "",
        "| fichier | contenu |",
        "| --- | --- |",
        "| `castype.json` | versions, cas (titre, description, fichiers, origine), couverture de la méthode |",
        "| `reference-results.json` / `.xlsx` | résultats de référence de chaque cas par poste : la présentation à renvoyer |",
        "| `cases/<cas>/dossier.json` | les données d'entrée (dossier JSON ; `carbonspec schema --method ... --version ...`) |",
        "| `cases/<cas>/inputs.xlsx` | les mêmes données, une feuille par entité (`path` situe la ligne dans le JSON) |",
        "| `cases/<cas>/reference.json` / `.xlsx` | postes, éligibilité et valeur de chaque équation sur chaque ligne |",
        "| `annexes/` | les tables d'annexes utilisées (version et empreinte ci-dessus) : utilisez ces valeurs |",
        "",
        "## Résultats à renvoyer",
        "",
        "JSON : la présentation de `reference-results.json` — `{\"method\": ..., \"version\": ..., \"annex_version\": ...,",
        "\"results\": {\"<cas>\": {\"<poste>\": nombre, ...}, ...}}` (seule la clé `results` est obligatoire).",
        "xlsx : la présentation de `reference-results.xlsx` — feuille `results`, ligne 1 `case` puis les postes,",
        "ligne 2 leurs unités, une ligne par cas ; feuille `info` facultative (clé, valeur : method, version, annex_version).",
        "",
        "Postes (unité ; tolérance, plancher ; fondement dans le texte) :",
        "",
        *[f"- `{i['name']}` ({i['unit']} ; {i['tolerance']:.0%}, {i['floor']:g} ; {i.get('basis') or ''})"
          + (f" — pour information : {i['informative']}" if isinstance(i.get("informative"), str) and i["informative"]
             else "") for i in line_items(ct.model)],
        "",
        "Un poste déclaré « pour information », et un co-bénéfice non obligatoire dans un cas (clé `cobenefits`",
        "de `reference-results.json` : par cas, obligatoire et calculé), sont comparés mais ne comptent pas dans",
        "le verdict.  **Non calculé** : quand le dossier ne contient pas ce qu'un indicateur exige, la méthode le",
        "déclare non calculé : sa valeur de référence est `null` (une cellule vide dans le xlsx).  Déclarez-le de",
        "la même façon, `null` ou cellule vide — un nombre n'y est pas conforme (0 affirmerait une évolution",
        "calculée nulle).",
        "",
        "## Cas",
        "",
        "Les cas écrits à la main sont des données à côté de la spécification (dossier `castype/` : un dossier de",
        "base et, par cas, les changements qui lui sont appliqués) ; les cas « générés » sont construits à partir",
        "de la spécification pour couvrir ce que les cas écrits ne couvrent pas, ou détecter une erreur de",
        "codage qu'ils ne détectent pas.",
        "",
    ]
    for c in ct.cases:
        lines.append(f"- `{c.name}`{' (généré)' if c.generated else ''} — {c.description}")
    summary = ct.coverage.summary()
    lines += ["", "## Couverture de la méthode", ""]
    for key, what in _COVERAGE_FR:
        lines.append(f"- {summary[key]['covered']}/{summary[key]['total']} {what}")
    n_exempt = len(summary["equations"]["exempt_zero_checks"])
    if n_exempt:
        lines.append(f"- {n_exempt} contrôle(s) de cohérence exemptés (doivent valoir 0) : "
                     + ", ".join(f"`{e}`" for e in summary["equations"]["exempt_zero_checks"]))
    lines.append("")
    return "\n".join(lines)


# --------------------------------------------------------------- mutation --
def score(ct: CasType, kill: bool = True, budget: Optional[int] = None):
    """The mutation score of the cas-type (mutation.py), with the spec's written
    justifications; when `kill`, the generator first searches for cases catching the
    unjustified escapes and adds those it keeps (minimised).  Returns the outcomes."""
    from carbonspec.runtime.certification import generator, mutation

    outcomes = mutation.run(ct.compiled, ct.cases, ct.reference, justified=ct.justified, every_case=True)
    escaped = [o.mutant for o in outcomes if not o.caught and not o.justification]
    if kill and escaped:
        start = 1 + sum(1 for c in ct.cases if c.generated)
        found = generator.kill(ct.compiled, ct, escaped, start=start, **({"budget": budget} if budget else {}))
        ct.generation["mutants"] = found.summary()
        if found.kept:
            add_cases(ct, found.kept)
            ids = {m.id for m in escaped}
            again = {o.mutant.id: o for o in mutation.run(ct.compiled, ct.cases, ct.reference,
                                                          only=lambda m: m.id in ids, justified=ct.justified,
                                                          every_case=True)}
            outcomes = [again.get(o.mutant.id, o) for o in outcomes]
    ct.generation["minimisation"] = minimal_set(ct, outcomes)
    return outcomes


def minimal_set(ct: CasType, outcomes) -> dict:
    """Greedy set cover of the whole case set on its coverage items and the mutants it
    catches (generator.minimise): how many cases would keep the same coverage and score, and
    which data cases add nothing to either.  Reported, not applied to the data cases: each is
    also a documented, hand-checkable story (one change isolating one constant), which a
    smaller set would merge away; generated cases are already minimised when kept."""
    from carbonspec.runtime.certification import generator

    kills: Dict[str, set] = {c.name: set() for c in ct.cases}
    for o in outcomes:
        for name in o.caught_by:
            kills[name].add(("mutant", o.mutant.id))
    cands = [(c, generator.record_items(c.record) | kills[c.name]) for c in ct.cases]
    universe = set().union(*(items for _, items in cands)) if cands else set()
    kept = generator.minimise(cands, universe)
    names = {c.name for c, _ in kept}
    return {"cases": len(ct.cases), "data": sum(1 for c in ct.cases if not c.generated),
            "generated": sum(1 for c in ct.cases if c.generated), "items": len(universe),
            "kept_by_set_cover": len(kept), "set_cover_order": [c.name for c, _ in kept],
            "redundant": [c.name for c in ct.cases if c.name not in names]}
