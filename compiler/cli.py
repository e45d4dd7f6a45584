"""The `carbonspec` command line (contract in DESIGN.md).

Exit codes: 0 success, 1 a negative verdict, 2 bad input (spec, dossier, table,
arguments) with a located message and no traceback.
"""
from __future__ import annotations

import json
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from .errors import CarbonspecError, InputError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Compile carbon-credit method specs into kernels and docs, and run them on dossiers.")
err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)


def _version_callback(value: bool):
    if value:
        from importlib.metadata import PackageNotFoundError, version as dist_version

        try:
            v = dist_version("carbonspec")
        except PackageNotFoundError:  # a source tree that is not installed
            v = "unknown"
        out.print(f"carbonspec {v}")
        raise typer.Exit(0)


@app.callback()
def _main(show_version: bool = typer.Option(False, "--version", callback=_version_callback, is_eager=True,
                                            help="print carbonspec's version and exit")):
    """Compile carbon-credit method specs into kernels and docs, and run them on dossiers."""


def project_root() -> Path:
    """Where spec/, generated/ and annexes/ live: $CARBONSPEC_HOME, else the nearest
    parent of the working directory that has a generated/ folder, else the checkout."""
    env = os.environ.get("CARBONSPEC_HOME")
    if env:
        return Path(env)
    here = Path.cwd()
    for p in [here, *here.parents]:
        if (p / "generated").is_dir() and (p / "spec").is_dir():
            return p
    return Path(__file__).resolve().parents[1]


@app.command()
def check(spec_dir: Path = typer.Argument(..., help="folder of .cspec files, e.g. spec/lbc_gc/v2.0")):
    """Parse and check a spec (units, names, indices, cycles, invariants); write nothing."""
    from .model import check_spec_dir
    from .symbolic import prove_invariant

    model = check_spec_dir(spec_dir)
    for w in model.warnings:
        err.print("[yellow]" + _escape(w.render().replace(": error:", ": warning:", 1)) + "[/yellow]")
    eqs = len(model.order)
    proved = [prove_invariant(model, inv) for inv in model.invariants]
    out.print(f"{model.method.id} v{model.method.version}: {eqs} equations, "
              f"{len(model.of_kind('input'))} inputs, {len(model.of_kind('constant'))} constants, "
              f"{len(model.of_kind('lookup'))} lookups, {sum(1 for _ in model.choices()) + sum(len(d['choices']) for d in model.external_models)} "
              f"recorded choices — OK "
              f"(spec hash {model.spec_hash})")
    for r in proved:
        state = "proved by SymPy" if r.proved else "not proved symbolically; checked by Hypothesis in the tests"
        out.print(f"  invariant {r.name}: {state}")


@app.command("compile")
def compile_(spec_dir: Path = typer.Argument(..., help="folder of .cspec files"),
             out_root: Path = typer.Option(None, "--out", help="root of the output (default: generated/)")):
    """Compile a spec: kernel.py, model.json and docs into ROOT/<method>/v<version>/."""
    from .build import compile_model, output_dir
    from .model import check_spec_dir

    model = check_spec_dir(spec_dir)
    from .docs.excerpts import refresh
    refreshed = refresh(model)  # the method's cited lines, kept in the repository for the docs
    if refreshed is not None:
        out.print(f"updated {refreshed} from the method text")
    for w in model.warnings:
        if getattr(model, "changes", None) and "retroactivity" in w.message:
            err.print("[yellow]" + _escape(w.render().replace(": error:", ": warning:", 1)) + "[/yellow]")
    root = out_root if out_root is not None else project_root() / "generated"
    annex_set = model.annex_set.name if model.annex_set is not None else f"v{model.method.version}"
    annex_dir = project_root() / "annexes" / model.method.id / annex_set
    files = compile_model(model, root, annex_dir if annex_dir.is_dir() else None)
    out.print(f"compiled {model.method.id} v{model.method.version} into {output_dir(root, model)} "
              f"({len(files)} files)")


@app.command()
def docs(spec_dir: Path = typer.Argument(..., help="folder of .cspec files"),
         out_dir: Path = typer.Option(..., "--out", help="folder for the HTML and Markdown docs")):
    """Write the equation docs (HTML with MathML, and Markdown) of a spec."""
    from .docs import write_docs, write_dossier_schema
    from .model import check_spec_dir

    from .build import write_folder

    model = check_spec_dir(spec_dir)
    files = write_folder(out_dir, lambda tmp: write_docs(model, tmp) + [write_dossier_schema(model, tmp)])
    out.print(f"wrote {len(files)} files into {out_dir}")


class Format(str, Enum):
    json = "json"
    xlsx = "xlsx"
    html = "html"


class Backend(str, Enum):
    auto = "auto"
    numba = "numba"
    reference = "reference"


@app.command()
def run(dossier: Path = typer.Argument(..., help="dossier: JSON file, or xlsx workbook (carbonspec template)"),
        method: str = typer.Option(..., "--method", help="method id, e.g. lbc_gc"),
        version: str = typer.Option(..., "--version", help="method version, e.g. 2.0"),
        annexes: Optional[Path] = typer.Option(None, "--annexes", help="folder of annex tables"),
        annex_set: Optional[str] = typer.Option(None, "--annex-set", help="annex set of annexes/<method>/ to use "
                                                "instead of the version's (e.g. v2.0: 'v1 bis', method 8.5)"),
        notified: Optional[str] = typer.Option(None, "--notified", help="date the project was notified "
                                               "(YYYY-MM-DD): which updates apply (Annexe 2)"),
        labelled: Optional[str] = typer.Option(None, "--labelled", help="date the project was labelled "
                                               "(YYYY-MM-DD): which annex set applies (1.8 L555)"),
        fmt: Format = typer.Option(Format.json, "--format", help="json (stdout or --output), xlsx or html (need --output)"),
        backend: Backend = typer.Option(Backend.auto, "--backend", help="auto (NumPy reference for a dossier of "
                                        "fewer than 200 000 rows, the compiled kernel above: same bits), numba "
                                        "(compiled) or reference (NumPy)"),
        output: Optional[Path] = typer.Option(None, "--output", "-o", help="write the results here, not stdout")):
    """Compute a dossier with a compiled method; print or write the results (every equation's
    value per entity row, so any figure traces back to its equation and inputs).  Nothing is
    written unless the whole computation and its rendering succeeded."""
    from carbonspec.runtime.engine.core import evaluate, load_compiled, results_document

    if fmt != Format.json and output is None:
        raise InputError("--output", f"--format {fmt.value} writes a file: give --output FILE.{fmt.value}")
    root = project_root()
    compiled_dir = _compiled_dir(root, method, version)
    compiled = load_compiled(compiled_dir)
    annex_dir = _annex_dir(root, compiled.model, annexes, annex_set)
    raw, locate = _read_dossier(compiled, dossier)
    retro = None
    try:
        if notified is not None or labelled is not None:
            from carbonspec.runtime.versions.run import evaluate_resolved

            compiled, flat, values, annex_set, retro = evaluate_resolved(compiled, raw, annex_dir, backend.value,
                                                                          str(dossier), notified, labelled)
        else:
            flat, values, annex_set = evaluate(compiled, raw, annex_dir, backend.value, str(dossier))
    except InputError as exc:
        from carbonspec.runtime.dossier.errors import relocate

        root_coll = compiled.schema.entities[compiled.schema.root]["collection"]
        raise relocate(exc, str(dossier), root_coll, locate) from None
    doc = results_document(compiled, flat, values, annex_set, flat.backend or backend.value)
    if retro is not None:
        doc["retroactivity"] = retro
    data = _render(fmt, compiled, flat, values, doc, dossier, annex_set)  # complete before anything is written
    err.print(f"{doc['computed_with']} · backend {doc['backend']}")
    from carbonspec.runtime.reports.terminal import placeholder_count, summary_table

    err.print(summary_table(compiled, doc, placeholder_count(compiled, flat, annex_set)))  # stderr: stdout stays JSON
    if retro is not None:
        from carbonspec.runtime.versions.run import summary_lines

        for line in summary_lines(retro):
            err.print(_escape(line))
    for w in doc.get("warnings", []):
        err.print(f"warning: {_escape(w)}")
    if output is not None:
        _write_atomic(output, data)
        err.print(f"results written to {output}")
    else:
        sys.stdout.write(data.decode("utf-8"))
    for c in doc.get("cobenefits", []):
        if c["mandatory"] and not c["computed"]:
            # section 7: a mandatory indicator the dossier does not allow to compute is reported, not invented
            err.print(f"co-benefit not computed (mandatory, Tableau 19): {c['where']}: {_escape(c['title'])} "
                      f"— the dossier lacks its data ({c['indicator']})")
    verdict = doc["eligibility"]
    negative = False
    if not verdict["eligible"]:
        # a negative verdict, not an error: the results are complete, the project is not eligible
        err.print("NOT ELIGIBLE:")
        for f in verdict["failed"]:
            err.print(f"  {f['where']}: {_escape(f['title'] or f['criterion'])} ({f['source']})")
            for d in f["evidence"]:
                err.print(f"      evidence: {_escape(d)}")
        negative = True
    for v in doc.get("verdicts", []):  # verdicts the spec declares (accept / redo, ...): same exit 1
        if not v["passed"]:
            err.print(f"{_escape(v['title'])}: {_escape(v['says'])}")
            for f in v["reasons"]:
                err.print(f"  {f['where']}: {_escape(f['title'] or f['criterion'])} ({f['source']})")
            negative = True
    if negative:
        raise typer.Exit(1)


def _read_dossier(compiled, path: Path):
    """(nested dossier dict, locator of its fields or None): xlsx by suffix, else JSON."""
    from carbonspec.runtime.dossier.reader import check_identity, load_json

    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from carbonspec.runtime.dossier.xlsx import read_dossier_xlsx

        raw, locate = read_dossier_xlsx(compiled.schema, path)
    else:
        raw, locate = load_json(path), None
    check_identity(raw, compiled.model, str(path))  # and validate() refuses another method/version
    return raw, locate


def _render(fmt: "Format", compiled, flat, values, doc: dict, dossier: Path, annex_set=None) -> bytes:
    if fmt == Format.json:
        # compact: with indent, json.dumps falls back to its pure-Python encoder (20 s for 10 k systems)
        return (json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
    from carbonspec.runtime.reports.content import build_report

    report = build_report(compiled, flat, values, doc, dossier.name, annexes=annex_set, charts=fmt == Format.html)
    if fmt == Format.xlsx:
        from carbonspec.runtime.reports.xlsx import report_xlsx_bytes

        return report_xlsx_bytes(report)
    from carbonspec.runtime.reports.html import report_html

    return report_html(report).encode("utf-8")


def _write_atomic(path: Path, data: bytes) -> None:
    """Write under a temporary name, then rename, to a regular file only (runtime/io/output.py)."""
    from carbonspec.runtime.io.output import write_file

    write_file(path, data, "--output")


@app.command()
def batch(folder: Path = typer.Argument(..., help="batch folder: one <entity>.parquet file (or folder) per entity"),
          method: str = typer.Option(..., "--method", help="method id, e.g. lbc_gc"),
          version: str = typer.Option(..., "--version", help="method version, e.g. 2.0"),
          out_dir: Path = typer.Option(..., "--out", help="results folder: <entity>/part-*.parquet"),
          annexes: Optional[Path] = typer.Option(None, "--annexes", help="folder of annex tables"),
          every: bool = typer.Option(False, "--all", help="every equation of every entity, not only the line items"),
          backend: Backend = typer.Option(Backend.numba, "--backend", help="numba (compiled) or reference (NumPy)"),
          memory: float = typer.Option(1.0, "--memory", help="memory budget of one chunk, GB"),
          scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler address (tcp://host:8786)"),
          local_cluster: int = typer.Option(0, "--local-cluster", help="run on a local Dask cluster of N workers")):
    """Compute a batch of dossiers, column-wise: Parquet in, Parquet out (runtime/batch/).  Chunks
    of whole projects sized to --memory; on Dask with --scheduler or --local-cluster.  Nothing is
    written under --out unless every chunk succeeded."""
    from carbonspec.runtime.batch.cli import run_batch_command

    root = project_root()
    annex_dir = annexes if annexes is not None else root / "annexes" / method / f"v{version}"
    run_batch_command(folder, _compiled_dir(root, method, version), annex_dir, out_dir, backend.value, every,
                      memory, scheduler, local_cluster, err)


@app.command()
def convert(inputs: list[Path] = typer.Argument(..., help="dossiers (.json, .xlsx, or folders of them), or one "
                                                         "batch folder"),
            method: str = typer.Option(..., "--method", help="method id, e.g. lbc_gc"),
            version: str = typer.Option(..., "--version", help="method version, e.g. 2.0"),
            out: Path = typer.Option(..., "--out", help="batch folder (from dossiers); FILE.json, FILE.xlsx or a "
                                                        "folder of JSON dossiers (from a batch)")):
    """Convert dossiers into a batch folder, or a batch folder back into dossiers."""
    from carbonspec.runtime.batch.cli import convert_command

    convert_command(inputs, _compiled_dir(project_root(), method, version), out, err)


@app.command()
def template(method: str = typer.Option(..., "--method", help="method id, e.g. lbc_gc"),
             version: str = typer.Option(..., "--version", help="method version, e.g. 2.0"),
             out_file: Path = typer.Option(..., "--out", help="the workbook to write, FILE.xlsx")):
    """Write an empty dossier workbook (one sheet per entity, README sheet) to fill in and `run`."""
    from carbonspec.runtime.dossier.xlsx import write_template
    from carbonspec.runtime.engine.core import load_compiled

    if out_file.suffix.lower() != ".xlsx":
        raise InputError("--out", f"the template is an xlsx workbook: give a FILE.xlsx, not '{out_file}'")
    compiled = load_compiled(_compiled_dir(project_root(), method, version))
    write_template(compiled.schema, out_file)
    out.print(f"wrote {out_file}: {method} v{version} dossier template "
              f"({len(compiled.schema.entities)} entity sheets and README)")


@app.command()
def annexes(method: str = typer.Option(..., "--method", help="method id, e.g. lbc_gc"),
            version: str = typer.Option(..., "--version", help="method version, e.g. 2.0"),
            annex_dir: Optional[Path] = typer.Option(None, "--annexes", help="folder of annex workbooks")):
    """List the annex tables: where each is, its rows, and how many rows are method-text,
    public-source or placeholder."""
    from carbonspec.runtime.engine.core import load_compiled
    from carbonspec.runtime.engine.tables import STATUSES, load_annexes

    root = project_root()
    compiled = load_compiled(_compiled_dir(root, method, version))
    annex_dir = _annex_dir(root, compiled.model, annex_dir, None)
    annex_set = load_annexes(annex_dir, compiled.model)
    rows = [("table", "file[sheet]", "rows", *STATUSES)]
    totals = {s: 0 for s in STATUSES}
    for name in compiled.model["tables"]:
        t = annex_set.tables.get(name)
        if t is None:
            rows.append((name, "(absent)", "0", *["-"] * len(STATUSES)))
            continue
        counts = t.status_counts()
        for s in STATUSES:
            totals[s] += counts[s]
        rows.append((name, t.where, str(len(t.rows)), *[str(counts[s]) for s in STATUSES]))
    rows.append(("total", "", str(sum(totals.values())), *[str(totals[s]) for s in STATUSES]))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    sys.stdout.write(f"{method} v{version} — annexes {annex_set.version} (hash {annex_set.content_hash}) — "
                     f"{annex_dir}\n")
    for r in rows:
        cells = [c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))]
        sys.stdout.write("  ".join(cells).rstrip() + "\n")


class TraceFormat(str, Enum):
    text = "text"
    json = "json"
    html = "html"


@app.command()
def trace(dossier: Path = typer.Argument(..., help="dossier: JSON file, or xlsx workbook"),
          figure: str = typer.Argument(..., help="an equation of the root entity (project.NAME) or of a row, e.g. farms[0].systems[1].years[4].NAME"),
          method: str = typer.Option(..., "--method", help="method id, e.g. lbc_gc"),
          version: str = typer.Option(..., "--version", help="method version, e.g. 2.0"),
          annexes: Optional[Path] = typer.Option(None, "--annexes", help="folder of annex tables"),
          fmt: TraceFormat = typer.Option(TraceFormat.text, "--format", help="text, json or html (a page)")):
    """The dependency tree of one figure: equations (number, section, line), formulas with the
    values substituted, and where each input came from (dossier field, constant, annex row and
    its status); says when a placeholder annex row contributed."""
    from carbonspec.runtime.engine.core import evaluate, load_compiled
    from carbonspec.runtime.trace import render_html_page, render_json, render_text
    from carbonspec.runtime.trace import trace as build_trace

    root = project_root()
    compiled = load_compiled(_compiled_dir(root, method, version))
    annex_dir = annexes if annexes is not None else root / "annexes" / method / f"v{version}"
    if not annex_dir.is_dir():
        raise InputError("--annexes", f"no annex tables at {annex_dir}; pass --annexes DIR")
    raw, locate = _read_dossier(compiled, dossier)
    try:
        flat, values, annex_set = evaluate(compiled, raw, annex_dir, "numba", str(dossier))
    except InputError as exc:
        from carbonspec.runtime.dossier.errors import relocate

        root_coll = compiled.schema.entities[compiled.schema.root]["collection"]
        raise relocate(exc, str(dossier), root_coll, locate) from None
    doc = build_trace(compiled.model, values, flat, figure, annexes=annex_set)
    render = {"text": render_text, "json": render_json, "html": render_html_page}[fmt.value]
    sys.stdout.write(render(doc))
def _annex_dir(root: Path, model: dict, annexes: Optional[Path], annex_set: Optional[str]) -> Path:
    """--annexes DIR, else annexes/<method>/<--annex-set or the set the version names>/."""
    if annexes is not None and annex_set is not None:
        raise InputError("--annex-set", "give --annexes DIR or --annex-set NAME, not both")
    if annexes is not None:
        annex_dir = annexes
    else:
        name = annex_set or model.get("annex_set") or f"v{model['version']}"
        base = root / "annexes" / model["method"]
        if annex_set is not None and (not annex_set or "/" in annex_set or "\\" in annex_set or annex_set in (".", "..")
                                      or not (base / annex_set).is_dir()):
            known = sorted(p.name for p in base.iterdir() if p.is_dir()) if base.is_dir() else []
            raise InputError("--annex-set", f"no annex set {annex_set!r} in {base} (known: {', '.join(known) or 'none'})")
        annex_dir = base / name
    if not annex_dir.is_dir():
        raise InputError("--annexes", f"no annex tables at {annex_dir}; pass --annexes DIR")
    return annex_dir


def _compiled_dir(root: Path, method: str, version: str) -> Path:
    """The folder `compile` made for METHOD vVERSION under ROOT/generated/: the only code
    `run` ever imports (runtime/engine/loader.py refuses anything path-like)."""
    from carbonspec.runtime.engine.loader import compiled_dir

    return compiled_dir(root / "generated", method, version)


@app.command()
def schema(method: str = typer.Option(..., "--method"), version: str = typer.Option(..., "--version")):
    """Print the JSON Schema of the dossier format of a compiled method."""
    from carbonspec.runtime.engine.core import load_compiled

    compiled = load_compiled(_compiled_dir(project_root(), method, version))
    sys.stdout.write(json.dumps(compiled.schema.json_schema(), ensure_ascii=False, indent=1) + "\n")


class AmgFormat(str, Enum):
    json = "json"
    csv = "csv"


@app.command()
def amg(file: Path = typer.Argument(..., help="JSON description of plots (examples/amg/trial_1.json)"),
        fmt: AmgFormat = typer.Option(AmgFormat.json, "--format", help="json or csv (one row per plot-year)"),
        backend: Backend = typer.Option(Backend.numba, "--backend", help="numba (compiled) or reference (NumPy)"),
        no_rounding: bool = typer.Option(False, "--no-rounding",
                                         help="do not emulate AMG_base's R rounding (on by default)")):
    """Run the AMG v2 soil carbon model alone on plots (soil, weather, crops, organic
    products, irrigation per year) and print the yearly stocks (t C/ha)."""
    from carbonspec.runtime.models.amg.io import run_file

    text, summary = run_file(file, fmt.value, backend.value, not no_rounding,
                             project_root() / "annexes" / "amg")
    err.print(_escape(summary))
    sys.stdout.write(text)

@app.command()
def intercrop(file: Path = typer.Argument(..., help="input JSON file, or a folder of Parquet tables "
                                                   "(examples/quantica/gers-synthetic.json)"),
              fmt: str = typer.Option("json", "--format", help="json, csv (one row per plot and season) or html"),
              output: Optional[Path] = typer.Option(None, "--output", help="write here instead of stdout"),
              backend: Backend = typer.Option(Backend.numba, "--backend", help="AMG backend: numba or reference"),
              dossier: Optional[Path] = typer.Option(None, "--dossier", help="a method's dossier (JSON) to fill "
                                                     "with the measured cover crops, as its spec declares"),
              out_dossier: Optional[Path] = typer.Option(None, "--out-dossier", help="where the filled dossier "
                                                         "goes (with --dossier)"),
              first_year: Optional[int] = typer.Option(None, "--first-year", help="calendar year of the first "
                                                       "project year k = 0 (else the input's first_project_year)"),
              annexes: Optional[Path] = typer.Option(None, "--annexes", help="the dossier method's annex folder")):
    """Cover-crop biomass from satellite LAI series (SAFY fit) and the extra soil carbon it
    stores (AMG with and without the cover crops), plot by plot (QUANTICA); with --dossier,
    the measured cover crops written into that dossier (--out-dossier)."""
    from carbonspec.runtime.intercrop.command import run_command, run_with_dossier

    root = project_root()
    if (dossier is None) != (out_dossier is None):
        raise InputError("--out-dossier" if dossier else "--dossier", "--dossier BASE.json and --out-dossier "
                                                                      "OUT.json go together")
    if dossier is None:
        text, summary = run_command(file, fmt, backend.value, root / "annexes" / "amg", root / "annexes" / "safy")
        err.print(_escape(summary))
        if output is None:
            sys.stdout.write(text)
        else:
            _write_atomic(output, text.encode("utf-8"))
        return
    from carbonspec.runtime.io.output import write_files

    r = run_with_dossier(file, dossier, root, fmt, backend.value, root / "annexes" / "amg", root / "annexes" / "safy",
                         first_year, annexes)
    for note in r["notes"]:
        err.print(_escape(f"note: {note}"))
    err.print(_escape(r["summary"]))
    write_files([(out_dossier, r["dossier"].encode("utf-8"))]
                + ([(output, r["text"].encode("utf-8"))] if output is not None else []), "--out-dossier")
    if output is None:
        sys.stdout.write(r["text"])


@app.command()
def castype(method: str = typer.Option(..., "--method", help="method id, e.g. lbc_gc"),
            version: str = typer.Option(..., "--version", help="method version, e.g. 2.0"),
            out_dir: Path = typer.Option(..., "--out", help="folder for the cas-type (created)"),
            annexes: Optional[Path] = typer.Option(None, "--annexes", help="folder of annex tables"),
            cases: Optional[Path] = typer.Option(None, "--cases", help="cas-type data folder (base.json, cases/); "
                                                 "default: spec/<method>/v<version>/castype, else another version's"),
            mutation: bool = typer.Option(False, "--mutation", help="also compute the mutation score "
                                                                    "(DIR/mutation.json and .md)"),
            reference_only: bool = typer.Option(False, "--reference-only",
                                                help="compute with the NumPy reference interpreter only (skip the "
                                                     "Numba kernel and its agreement check)")):
    """Generate the cas-type of method section 8.5: dossiers (JSON, xlsx), reference results per
    line item of Tableau 33 and every intermediate value, computed by both backends; print the
    coverage of the method and fail (exit 1, nothing written) if an equation, branch, rabais rate,
    sign of a discounted term or input value is not covered."""
    from carbonspec.runtime.certification import castype as ct_mod
    from carbonspec.runtime.engine.core import load_compiled

    root = project_root()
    compiled = load_compiled(_compiled_dir(root, method, version))
    annex_dir = _annex_dir(root, compiled.model, annexes, None)
    from carbonspec.runtime.certification.casedata import find_directory

    data_dir = cases if cases is not None else find_directory(root / "spec", method, version)
    backends = ("reference",) if reference_only else ("reference", "numba")
    ct = ct_mod.generate(compiled, annex_dir, backends=backends, data_dir=data_dir)
    out.print(f"cas-type {method} v{version}: {len(ct.cases)} cases ({ct_mod.generation_note(ct)}) · "
              f"{ct_mod.stamp(ct)['computed_with']}")
    for line in ct.coverage.lines():
        out.print("  " + _escape(line))
    from carbonspec.runtime.certification.certify import unlisted_cobenefits
    for name in unlisted_cobenefits(compiled.model):
        err.print(f"note: co-benefit {_escape(name)} is not on the project entity, so it is not a certified "
                  "line item (only project-level equations are)")
    if not ct.coverage.complete():
        err.print(f"cas-type INCOMPLETE: the generator found no dossier for the MISSING items above; add a case "
                  f"to {_escape(str(data_dir))}/cases/ for each; nothing was written")
        raise typer.Exit(1)
    outcomes = None
    if mutation:
        from carbonspec.runtime.certification.mutation import unknown_justifications

        for mid in unknown_justifications(compiled.model, ct.justified):
            err.print(f"warning: {_escape(str(data_dir))}/justified.json names no mutant of this model: "
                      f"{_escape(mid)} (stale after a spec change?)")
        outcomes = ct_mod.score(ct)
    try:
        files = ct_mod.write(ct, out_dir)
    except OSError as exc:
        raise InputError(f"--out {out_dir}", f"cannot write the cas-type: {exc.strerror or exc}") from None
    out.print(f"wrote {len(files)} files into {out_dir} (reference results: {out_dir / 'reference-results.json'})")
    if mutation:
        from carbonspec.runtime.certification import mutation as mut

        summary = mut.summary(outcomes)
        lines = mut.report_lines(summary)
        mini = ct.generation.get("minimisation")
        if mini:
            lines.insert(0, f"cases: {mini['data']} from data, {mini['generated']} generated; a greedy set cover on "
                            f"the {mini['items']} coverage items and caught mutants needs {mini['kept_by_set_cover']} "
                            f"of them ({len(mini['redundant'])} add nothing to coverage or score: "
                            f"{', '.join(mini['redundant']) or 'none'})")
        if "mutants" in ct.generation:
            g = ct.generation["mutants"]
            lines.insert(0, f"generator: {g['generated']} case(s) added to catch surviving mutants "
                            f"({g['candidates']} useful candidates of {g['evaluated']} evaluated)")
        from carbonspec.runtime.io.output import write_files

        write_files([(out_dir / "mutation.json", json.dumps(mut.report_document(summary, outcomes, ct_mod.stamp(ct)),
                                                            ensure_ascii=False, indent=1) + "\n"),
                     (out_dir / "mutation.md", "# Mutation score of the cas-type\n\n"
                      + f"{ct_mod.stamp(ct)['computed_with']}\n\n```\n" + "\n".join(lines) + "\n```\n")], "--out")
        for line in lines:
            out.print(_escape(line))


@app.command()
def certify(castype_dir: Path = typer.Option(..., "--castype", help="cas-type folder (from 'carbonspec castype')"),
            results: Path = typer.Option(..., "--results", help="the tool's results, .json or .xlsx, in the "
                                                                "layout of DIR/reference-results.json|.xlsx"),
            report: Optional[Path] = typer.Option(None, "--report", help="report FILE: writes FILE.html and "
                                                                         "FILE.xlsx (default: beside the results)")):
    """Compare a tool's results with the cas-type's reference results, line item by line item, at
    the method's 5 % tolerance (section 8.5); write the audit report (HTML and xlsx).  Exit 0
    conformant, 1 not conformant, 2 unreadable input."""
    from carbonspec.runtime.certification import certify as cert

    reference, comparison, meta = cert.certify(castype_dir, results)
    html_path, xlsx_path = cert.report_paths(report, results)
    ctx = cert.report_context(reference, comparison, meta, castype_dir, results)
    try:
        cert.write_report(ctx, html_path, xlsx_path)
    except OSError as exc:
        raise InputError(f"--report {html_path.with_suffix('')}", f"cannot write the report: "
                                                                  f"{exc.strerror or exc}") from None
    from carbonspec.runtime.certification.messages import summary_lines

    for line in summary_lines(ctx, reference, comparison, html_path, xlsx_path):
        out.print(_escape(line))
    if not comparison.conformant:
        raise typer.Exit(1)


@app.command()
def demo(out_dir: Path = typer.Option(Path("out"), "--out", help="folder for results and reports")):
    """What `make demo` runs, in one process: check and compile every spec under spec/, compute
    every example dossier of examples/<method>/ once and write its results, html and xlsx
    reports, run the external-model examples, then print the summary."""
    from .demo import run_demo

    root = project_root()
    raise typer.Exit(run_demo(root, root / out_dir, out))


@app.command()
def serve(host: str = typer.Option("127.0.0.1", "--host", help="address to listen on"),
          port: int = typer.Option(8000, "--port", help="TCP port"),
          castype_dir: Optional[Path] = typer.Option(None, "--castype", help="cas-type folder for /certify"),
          max_body_mb: float = typer.Option(8.0, "--max-body-mb", help="largest request body accepted (MB)"),
          timeout: float = typer.Option(120.0, "--timeout", help="longest computation (seconds), then HTTP 504")):
    """Serve the HTTP API: /methods, /calculate, /trace, /certify; OpenAPI at /docs and /openapi.json."""
    from carbonspec.runtime.api.server import serve as run_server

    run_server(project_root(), host, port, castype_dir, max_body_mb, timeout)
class DiffFormat(str, Enum):
    text = "text"
    json = "json"


@app.command()
def diff(old_dir: Path = typer.Argument(..., help="spec folder of the older version, e.g. spec/lbc_gc/v2.0"),
         new_dir: Path = typer.Argument(..., help="spec folder of the newer version"),
         fmt: DiffFormat = typer.Option(DiffFormat.text, "--format", help="text or json"),
         no_effects: bool = typer.Option(False, "--no-effects", help="skip running the cas-type")):
    """Semantic diff of two versions: constants, equations (an algebraically equal rewrite is
    unchanged), units and domains, inputs, annex rows, criteria, rabais; and the effect on results:
    both versions on the older version's cas-type, per case and line item (old, new, Δ %)."""
    from carbonspec.runtime.versions.effects import diff_document
    from carbonspec.runtime.versions.render import render_text

    from .model import check_spec_dir

    old, new = check_spec_dir(old_dir), check_spec_dir(new_dir)
    if old.method.id != new.method.id:
        raise InputError(str(new_dir), f"method '{new.method.id}' is not '{old.method.id}': diff compares two "
                                       "versions of one method")
    doc = diff_document(old, new, old_dir, new_dir, project_root(), with_effects=not no_effects)
    if fmt == DiffFormat.json:
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
    else:
        sys.stdout.write(render_text(doc))


def _escape(text: str) -> str:
    return text.replace("[", r"\[")


def main(argv=None) -> int:
    """Entry point: every user-caused error becomes a located message and exit code 2."""
    try:
        # with standalone_mode=False, click returns the code of a typer.Exit instead of raising
        code = app(args=argv, standalone_mode=False)
        return code if isinstance(code, int) else 0
    except CarbonspecError as exc:
        err.print(_escape(exc.render()))
        return exc.exit_code
    except typer.Exit as exc:
        return exc.exit_code
    except Exception as exc:
        # usage errors of the CLI framework (typer's click) know how to show themselves
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):
            exc.show(file=sys.stderr)
            return 2
        if type(exc).__name__ == "Abort":
            return 1
        if os.environ.get("CARBONSPEC_DEBUG"):
            raise
        err.print(f"internal error: {type(exc).__name__}: {_escape(str(exc))}\n"
                  "  this is a bug in carbonspec; rerun with CARBONSPEC_DEBUG=1 for the traceback")
        return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
