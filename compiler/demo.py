"""`carbonspec demo`: what `make demo` shows, in one process.

One process instead of 18 launches: the spec is checked and compiled once, the compiled
method (and its Numba kernel) loaded once, and each example dossier computed once and
written in the three formats (results JSON, html and xlsx reports) from that single
computation.  The AMG example's yearly stocks go to a CSV file, and the summary (RE and
RE_certifiable of every example, where the files are) is printed last.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import List

from rich.console import Console
from rich.table import Table

from .errors import InputError


def run_demo(root: Path, spec_dir: Path, examples: List[Path], out_dir: Path, amg_example: Path, say: Console) -> int:
    from carbonspec.runtime.engine.catalog import compiled_dir
    from carbonspec.runtime.engine.core import evaluate, load_compiled, results_document
    from carbonspec.runtime.engine.tables import STATUSES, load_annexes
    from carbonspec.runtime.reports import people
    from carbonspec.runtime.reports.content import build_report
    from carbonspec.runtime.reports.html import report_html
    from carbonspec.runtime.reports.xlsx import report_xlsx_bytes

    from .build import compile_model
    from .model import check_spec_dir
    from .symbolic import prove_invariant

    t0 = time.monotonic()
    model = check_spec_dir(spec_dir)
    proved = sum(1 for inv in model.invariants if prove_invariant(model, inv).proved)
    method, version = model.method.id, model.method.version
    annex_dir = root / "annexes" / method / f"v{version}"
    files = compile_model(model, root / "generated", annex_dir if annex_dir.is_dir() else None)
    say.print(f"checked and compiled {method} v{version}: {len(model.order)} equations, "
              f"{proved}/{len(model.invariants)} invariants proved by SymPy, spec hash {model.spec_hash} "
              f"({len(files)} files in generated/{method}/v{version})")
    compiled = load_compiled(compiled_dir(root, method, version))
    annexes = load_annexes(annex_dir, compiled.model)
    totals = {s: 0 for s in STATUSES}
    for t in annexes.tables.values():
        for s, n in t.status_counts().items():
            totals[s] += n
    say.print(f"annexes {annexes.version} ({annexes.content_hash}): {sum(totals.values())} rows — "
              + ", ".join(f"{n} {s}" for s, n in totals.items()))

    from carbonspec.runtime.dossier.xlsx import write_template

    out_dir.mkdir(parents=True, exist_ok=True)
    write_template(compiled.schema, out_dir / "dossier-template.xlsx")
    rows = []
    for ex in examples:
        base = out_dir / ex.name.replace(".", "-")
        raw, _ = _read(compiled, ex)
        flat, values, annex_set = evaluate(compiled, raw, annex_dir, "numba", str(ex))
        doc = results_document(compiled, flat, values, annex_set, "numba")
        report = build_report(compiled, flat, values, doc, ex.name, annexes=annex_set)
        _write(Path(f"{base}.results.json"), (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
        _write(Path(f"{base}.report.html"), report_html(report).encode("utf-8"))
        _write(Path(f"{base}.report.xlsx"), report_xlsx_bytes(report))
        r = doc["results"]
        rows.append((ex.name, r.get("RE"), r.get("RE_certifiable"), doc["eligibility"]["eligible"],
                     (report.banner or {}).get("count", 0)))

    from carbonspec.runtime.models.amg.io import run_file

    amg_csv = out_dir.parent / "amg" / (amg_example.stem + ".csv")
    text, amg_summary = run_file(amg_example, "csv", "numba", True, root / "annexes" / "amg")
    _write(amg_csv, text.encode("utf-8"))

    from carbonspec.runtime.reports.placeholders import headline
    head = headline(compiled.model)
    table = Table(title=f"{compiled.model.get('title') or method} v{version} — exemples", title_justify="left")
    table.add_column("dossier", no_wrap=True)
    table.add_column("RE", justify="right", no_wrap=True)
    table.add_column(head or "", justify="right", no_wrap=True)
    table.add_column("éligible", no_wrap=True)
    table.add_column("provisoires", justify="right", no_wrap=True)
    table.caption = "RE en tonnes équivalent CO2 ; provisoires : lignes d'annexe « placeholder » utilisées"
    table.caption_justify = "left"
    for name, re_, cert, ok, n_placeholder in rows:
        table.add_row(name, people.number(re_), people.number(cert), "oui" if ok else "NON", str(n_placeholder))
    say.print(f"AMG v2 example: {amg_csv} — {amg_summary}")
    say.print(table)
    say.print(f"reports: {out_dir}/*.report.html, *.report.xlsx; results: *.results.json; "
              f"docs: generated/{method}/v{version}/docs/index.html")
    say.print(f"demo done in {time.monotonic() - t0:.1f} s")
    return 0


def _read(compiled, path: Path):
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from carbonspec.runtime.dossier.xlsx import read_dossier_xlsx

        return read_dossier_xlsx(compiled.schema, path)
    from carbonspec.runtime.dossier.reader import load_json

    return load_json(path), None


def _write(path: Path, data: bytes) -> None:
    """Atomic: a temporary name, then a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.part")
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(str(path), f"cannot write: {exc.strerror or exc}") from None
