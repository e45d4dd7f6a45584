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
              f"{len(model.of_kind('lookup'))} lookups, {sum(1 for _ in model.choices())} recorded choices — OK "
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
    root = out_root if out_root is not None else project_root() / "generated"
    annex_dir = project_root() / "annexes" / model.method.id / f"v{model.method.version}"
    files = compile_model(model, root, annex_dir if annex_dir.is_dir() else None)
    out.print(f"compiled {model.method.id} v{model.method.version} into {output_dir(root, model)} "
              f"({len(files)} files)")


@app.command()
def docs(spec_dir: Path = typer.Argument(..., help="folder of .cspec files"),
         out_dir: Path = typer.Option(..., "--out", help="folder for the HTML and Markdown docs")):
    """Write the equation docs (HTML with MathML, and Markdown) of a spec."""
    from .docs import write_docs, write_dossier_schema
    from .model import check_spec_dir

    model = check_spec_dir(spec_dir)
    files = write_docs(model, out_dir) + [write_dossier_schema(model, out_dir)]
    out.print(f"wrote {len(files)} files into {out_dir}")


class Format(str, Enum):
    json = "json"
    xlsx = "xlsx"
    html = "html"


class Backend(str, Enum):
    numba = "numba"
    reference = "reference"


@app.command()
def run(dossier: Path = typer.Argument(..., help="dossier: JSON file, or xlsx workbook (carbonspec template)"),
        method: str = typer.Option(..., "--method", help="method id, e.g. lbc_gc"),
        version: str = typer.Option(..., "--version", help="method version, e.g. 2.0"),
        annexes: Optional[Path] = typer.Option(None, "--annexes", help="folder of annex tables"),
        fmt: Format = typer.Option(Format.json, "--format", help="json (stdout or --output), xlsx or html (need --output)"),
        backend: Backend = typer.Option(Backend.numba, "--backend", help="numba (compiled) or reference (NumPy)"),
        output: Optional[Path] = typer.Option(None, "--output", "-o", help="write the results here, not stdout")):
    """Compute a dossier with a compiled method; print or write the results (every equation's
    value per entity row, so any figure traces back to its equation and inputs).  Nothing is
    written unless the whole computation and its rendering succeeded."""
    from carbonspec.runtime.engine.core import evaluate, load_compiled, results_document

    if fmt != Format.json and output is None:
        raise InputError("--output", f"--format {fmt.value} writes a file: give --output FILE.{fmt.value}")
    root = project_root()
    compiled_dir = _compiled_dir(root, method, version)
    annex_dir = annexes if annexes is not None else root / "annexes" / method / f"v{version}"
    if not annex_dir.is_dir():
        raise InputError("--annexes", f"no annex tables at {annex_dir}; pass --annexes DIR")
    compiled = load_compiled(compiled_dir)
    raw, locate = _read_dossier(compiled, dossier)
    try:
        flat, values, annex_set = evaluate(compiled, raw, annex_dir, backend.value, str(dossier))
    except InputError as exc:
        from carbonspec.runtime.dossier.errors import relocate

        root_coll = compiled.schema.entities[compiled.schema.root]["collection"]
        raise relocate(exc, str(dossier), root_coll, locate) from None
    doc = results_document(compiled, flat, values, annex_set, backend.value)
    data = _render(fmt, compiled, flat, values, doc, dossier)  # complete before anything is written
    err.print(f"{doc['computed_with']} · backend {backend.value}")
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
    if not verdict["eligible"]:
        # a negative verdict, not an error: the results are complete, the project is not eligible
        err.print("NOT ELIGIBLE:")
        for f in verdict["failed"]:
            err.print(f"  {f['where']}: {_escape(f['title'] or f['criterion'])} ({f['source']})")
            for d in f["evidence"]:
                err.print(f"      evidence: {_escape(d)}")
        raise typer.Exit(1)


def _read_dossier(compiled, path: Path):
    """(nested dossier dict, locator of its fields or None): xlsx by suffix, else JSON."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from carbonspec.runtime.dossier.xlsx import read_dossier_xlsx

        return read_dossier_xlsx(compiled.schema, path)
    from carbonspec.runtime.dossier.reader import load_json

    return load_json(path), None


def _render(fmt: "Format", compiled, flat, values, doc: dict, dossier: Path) -> bytes:
    if fmt == Format.json:
        # compact: with indent, json.dumps falls back to its pure-Python encoder (20 s for 10 k systems)
        return (json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
    from carbonspec.runtime.reports.content import build_report

    report = build_report(compiled, flat, values, doc, dossier.name)
    if fmt == Format.xlsx:
        from carbonspec.runtime.reports.xlsx import report_xlsx_bytes

        return report_xlsx_bytes(report)
    from carbonspec.runtime.reports.html import report_html

    return report_html(report).encode("utf-8")


def _write_atomic(path: Path, data: bytes) -> None:
    """Write under a temporary name, then rename: never a half-written file under `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.part")
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(str(path), f"cannot write: {exc.strerror or exc}") from None


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
    annex_dir = annex_dir if annex_dir is not None else root / "annexes" / method / f"v{version}"
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


def _compiled_dir(root: Path, method: str, version: str) -> Path:
    d = root / "generated" / method / f"v{version}"
    if not (d / "model.json").exists():
        raise InputError("--method/--version", f"no compiled method {method} v{version} in {d.parent}; "
                                               f"run 'carbonspec compile spec/{method}/v{version}'")
    return d


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
def castype(method: str = typer.Option(..., "--method", help="method id, e.g. lbc_gc"),
            version: str = typer.Option(..., "--version", help="method version, e.g. 2.0"),
            out_dir: Path = typer.Option(..., "--out", help="folder for the cas-type (created)"),
            annexes: Optional[Path] = typer.Option(None, "--annexes", help="folder of annex tables"),
            mutation: bool = typer.Option(False, "--mutation", help="also compute the mutation score "
                                                                    "(DIR/mutation.json and .md)")):
    """Generate the cas-type of method section 8.5: dossiers (JSON, xlsx), reference results per
    line item of Tableau 33 and every intermediate value, computed by both backends; print the
    coverage of the method and fail (exit 1, nothing written) if an equation, branch, rabais rate,
    sign of a discounted term or input value is not covered."""
    from carbonspec.runtime.certification import castype as ct_mod
    from carbonspec.runtime.engine.core import load_compiled

    root = project_root()
    compiled = load_compiled(_compiled_dir(root, method, version))
    annex_dir = annexes if annexes is not None else root / "annexes" / method / f"v{version}"
    if not annex_dir.is_dir():
        raise InputError("--annexes", f"no annex tables at {annex_dir}; pass --annexes DIR")
    ct = ct_mod.generate(compiled, annex_dir)
    out.print(f"cas-type {method} v{version}: {len(ct.cases)} cases · {ct_mod.stamp(ct)['computed_with']}")
    for line in ct.coverage.lines():
        out.print("  " + _escape(line))
    from carbonspec.runtime.certification.certify import unlisted_cobenefits
    for name in unlisted_cobenefits(compiled.model):
        err.print(f"note: co-benefit {_escape(name)} is not on the project entity, so it is not a certified "
                  "line item (only project-level equations are)")
    if not ct.coverage.complete():
        err.print("cas-type INCOMPLETE: add a case (runtime/certification/castype_<method>_v<version>.py) for each MISSING "
                  "item above; nothing was written")
        raise typer.Exit(1)
    try:
        files = ct_mod.write(ct, out_dir)
    except OSError as exc:
        raise InputError(f"--out {out_dir}", f"cannot write the cas-type: {exc.strerror or exc}") from None
    out.print(f"wrote {len(files)} files into {out_dir} (reference results: {out_dir / 'reference-results.json'})")
    if mutation:
        from carbonspec.runtime.certification import mutation as mut

        outcomes = mut.run(compiled, ct.cases, ct.reference)
        summary = mut.summary(outcomes)
        lines = mut.report_lines(summary)
        (out_dir / "mutation.json").write_text(json.dumps(mut.report_document(summary, outcomes, ct_mod.stamp(ct)),
                                                          ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        (out_dir / "mutation.md").write_text("# Mutation score of the cas-type\n\n"
                                             + f"{ct_mod.stamp(ct)['computed_with']}\n\n```\n"
                                             + "\n".join(lines) + "\n```\n", encoding="utf-8")
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
    c = ctx["counts"]
    out.print(f"{reference['method']} v{reference['version']} · spec {reference['spec_hash']} · annexes "
              f"{reference['annex_version']} ({reference['annex_hash']})")
    out.print(f"{ctx['n_cases']} cases, {ctx['n_lines']} line items: {c['conformant']} conformant, "
              f"{c['NOT conformant']} not conformant, {c['missing']} missing")
    for p in comparison.problems:
        out.print(f"  problem: {_escape(p)}")
    for l in ctx["failure_rows"]:
        if l.reason.startswith("case "):
            out.print(f"  {l.case} · {l.item}: {l.verdict}: {_escape(l.reason)}")
            continue
        out.print(f"  {l.case} · {l.item}: expected {cert.fmt_value(l.expected)}, received "
                  f"{cert.fmt_value(l.received)} — {l.verdict}: {_escape(l.reason)}")
    out.print(f"report: {html_path} and {xlsx_path}")
    out.print(ctx["verdict"])
    if not comparison.conformant:
        raise typer.Exit(1)


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
