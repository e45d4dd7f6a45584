"""`carbonspec demo`: what `make demo` shows, in one process, for every method of the checkout.

One process instead of dozens of launches: each spec folder under spec/<method>/<version>/ is
checked and compiled once (parents before the versions that extend them), each compiled method
loaded once, and each example dossier of examples/<method>/ computed once with the method and
version it declares, then written as results JSON, html and xlsx reports from that single
computation.  A version that extends another also runs the first example of its parent, so
both figures stand side by side.  The external-model examples (AMG alone, the intercrop tool)
write their files too, and the summary is printed last.  Nothing here names a method: what is
shown per dossier comes from the method's declared line items and verdicts.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Dict, List, Tuple

from rich.console import Console

from .errors import InputError


def spec_folders(root: Path) -> List[Path]:
    """spec/<method>/<version>/ folders holding .cspec files; a folder that extends a sibling
    comes after it (v2.0 before v2.1-demo: 'extends' reads the parent's source, not its build)."""
    found = sorted(d for d in (root / "spec").glob("*/*") if d.is_dir() and any(d.glob("*.cspec")))
    return sorted(found, key=lambda d: (d.parent.name, "extends" in "".join(
        f.read_text(encoding="utf-8", errors="replace") for f in d.glob("*.cspec")), d.name))


def example_files(root: Path, method: str) -> List[Path]:
    d = root / "examples" / method
    if not d.is_dir():
        return []
    return sorted(p for p in d.iterdir() if p.suffix in (".json", ".xlsx") and not p.name.endswith(".schema.json"))


def run_demo(root: Path, out_root: Path, say: Console) -> int:
    from carbonspec.runtime.certification.certify import line_items
    from carbonspec.runtime.engine.catalog import compiled_dir
    from carbonspec.runtime.engine.core import evaluate, load_compiled, results_document
    from carbonspec.runtime.engine.tables import STATUSES, load_annexes
    from carbonspec.runtime.io.output import write_files
    from carbonspec.runtime.reports import people
    from carbonspec.runtime.reports.content import build_report
    from carbonspec.runtime.reports.html import report_html
    from carbonspec.runtime.reports.xlsx import report_xlsx_bytes
    from carbonspec.runtime.dossier.xlsx import write_template

    from .demo_cache import Record, inputs_key

    t0 = time.monotonic()
    versions: Dict[Tuple[str, str], object] = {}
    parents: Dict[Tuple[str, str], str] = {}
    record = Record(out_root)
    key = inputs_key(root)
    done = []  # (spec folder, generated folder, method text, counts) to record at the end
    for spec_dir in spec_folders(root):
        entry = record.unchanged(spec_dir, key, root)
        if entry is None:
            counts, text = _check_and_compile(root, spec_dir)
            how = "checked and compiled"
        else:
            counts = {k: entry[k] for k in ("method", "version", "equations", "invariants", "proved", "files")}
            text = Path(entry["method_text"]) if entry.get("method_text") else None
            how = "unchanged since the last demo (spec, annexes, compiler, generated folder), not recompiled:"
        method, version = counts["method"], counts["version"]
        generated = root / "generated" / method / f"v{version}"
        done.append((spec_dir, generated, text, counts))
        say.print(f"{how} {method} v{version}: {counts['equations']} equations, "
                  f"{counts['proved']}/{counts['invariants']} invariants proved by SymPy ({counts['files']} files in "
                  f"generated/{method}/v{version})")
        compiled = load_compiled(compiled_dir(root, method, version))
        versions[(method, version)] = compiled
        if compiled.model.get("parent"):
            parents[(method, version)] = str(compiled.model["parent"].get("version", "")) \
                if isinstance(compiled.model["parent"], dict) else ""
        annex_dir = root / "annexes" / method / (compiled.model.get("annex_set") or f"v{version}")
        annexes = load_annexes(annex_dir, compiled.model)
        totals = {s: 0 for s in STATUSES}
        for t in annexes.tables.values():
            for s, n in t.status_counts().items():
                totals[s] += n
        say.print(f"  annexes {annexes.version}: {sum(totals.values())} rows — "
                  + ", ".join(f"{n} {s}" for s, n in totals.items()))
        out_dir = out_root / method
        write_files([(out_dir / f"dossier-template-v{version}.xlsx", _template_bytes(write_template, compiled))])
    key = inputs_key(root)  # after the compiles (refresh may have rewritten an excerpts file)
    for spec_dir, generated, text, counts in done:
        record.remember(spec_dir, key, generated, text, **counts)
    record.save()

    rows = []
    for (method, version), compiled in versions.items():
        runs, parent_run = [], None  # (file, dossier, suffix of the output names)
        parent = parents.get((method, version))
        for ex in example_files(root, method):
            raw, _ = _read(compiled, ex)
            declared = str(raw.get("version"))
            if declared == version:
                runs.append((ex, raw, ""))
            elif parent and declared == parent and parent_run is None:
                # a version that extends another: its parent's first example, on this version too
                parent_run = (ex, {**raw, "version": version}, f"-v{version}")
        runs += [parent_run] if parent_run else []
        head = _headline_items(compiled.model, line_items)
        for ex, raw, suffix in runs:
            annex_dir = root / "annexes" / method / (compiled.model.get("annex_set") or f"v{version}")
            flat, values, annex_set = evaluate(compiled, raw, annex_dir, "numba", str(ex))
            doc = results_document(compiled, flat, values, annex_set, "numba")
            report = build_report(compiled, flat, values, doc, ex.name, annexes=annex_set)
            base = out_root / method / (ex.name.replace(".", "-") + suffix)
            write_files([(Path(f"{base}.results.json"), (json.dumps(doc, ensure_ascii=False) + "\n").encode("utf-8")),
                         (Path(f"{base}.report.html"), report_html(report).encode("utf-8")),
                         (Path(f"{base}.report.xlsx"), report_xlsx_bytes(report))])
            verdicts = [v for v in doc.get("verdicts", [])] if isinstance(doc.get("verdicts"), list) else []
            ok = doc.get("eligibility", {}).get("eligible", True) and all(v.get("passed", True) for v in verdicts)
            figures = "  ".join(f"{n} = {people.number(doc['results'].get(n))}" for n in head)
            rows.append((f"{method} v{version}", ex.name, figures, "oui" if ok else "NON",
                         (report.banner or {}).get("count", 0)))

    from carbonspec.runtime.models.amg.io import run_file

    amg = root / "examples" / "amg" / "trial_1.json"
    extra = []
    if amg.is_file():
        text, amg_summary = run_file(amg, "csv", "numba", True, root / "annexes" / "amg")
        write_files([(out_root / "amg" / "trial_1.csv", text.encode("utf-8"))])
        extra.append(f"AMG v2 alone: {out_root / 'amg' / 'trial_1.csv'} — {amg_summary}")
    for ic in sorted((root / "examples" / "quantica").glob("*.json")):
        if ic.name.endswith(".truth.json"):
            continue
        from carbonspec.runtime.intercrop.command import run_command

        html, summary = run_command(ic, "html", "numba", root / "annexes" / "amg", root / "annexes" / "safy")
        js, _ = run_command(ic, "json", "numba", root / "annexes" / "amg", root / "annexes" / "safy")
        write_files([(out_root / "quantica" / (ic.stem + ".html"), html.encode("utf-8")),
                     (out_root / "quantica" / (ic.stem + ".json"), js.encode("utf-8"))])
        extra.append(f"intercrop: {out_root / 'quantica' / (ic.stem + '.html')} — {summary}")
        base = ic.parent / "dossiers" / ic.name      # the dossier the measured cover crops fill (h16, issue 16)
        if base.is_file():
            from carbonspec.runtime.intercrop.command import run_with_dossier

            r = run_with_dossier(ic, base, root, "json", "numba", root / "annexes" / "amg", root / "annexes" / "safy")
            filled, raw = out_root / "quantica" / f"{ic.stem}.dossier.json", json.loads(r["dossier"])
            comp = versions[(raw["method"], raw["version"])]
            flat, values, aset = evaluate(comp, raw, root / "annexes" / raw["method"] / (comp.model.get("annex_set") or f"v{raw['version']}"), "numba", str(filled))
            doc = results_document(comp, flat, values, aset, "numba")
            write_files([(filled, r["dossier"].encode("utf-8")),
                         (out_root / "quantica" / f"{ic.stem}.dossier.results.json", (json.dumps(doc, ensure_ascii=False) + "\n").encode("utf-8")),
                         (out_root / "quantica" / f"{ic.stem}.dossier.report.html", report_html(build_report(comp, flat, values, doc, filled.name, annexes=aset)).encode("utf-8"))])
            extra.append(f"intercrop -> dossier: {filled} (+ .results.json, .report.html) — " + "  ".join(f"{n} = {people.number(doc['results'].get(n))}" for n in _headline_items(comp.model, line_items)))

    for line in extra:
        say.print(line)
    say.print("Exemples (résultats en tonnes équivalent CO2 ; provisoires : lignes d'annexe « placeholder » utilisées) :")
    w = max((len(r[1]) for r in rows), default=10)
    for r in rows:
        say.print(f"  {r[0]:<22} {r[1]:<{w}}  {r[2]}  — verdicts favorables : {r[3]} ; provisoires : {r[4]}",
                  soft_wrap=True)
    say.print(f"rapports dans {out_root}/<méthode>/, docs dans generated/<méthode>/v<version>/docs/index.html")
    say.print(f"demo done in {time.monotonic() - t0:.1f} s")
    return 0


def _check_and_compile(root: Path, spec_dir: Path):
    """Check a spec folder (SymPy proves its invariants), refresh its excerpts of the method
    text and compile it: (counts the demo prints, the method text found or None)."""
    from .build import compile_model
    from .docs.excerpts import find_method_text, refresh
    from .model import check_spec_dir
    from .symbolic import prove_invariant

    model = check_spec_dir(spec_dir)
    refresh(model)
    method, version = model.method.id, model.method.version
    counts = {"method": method, "version": version, "equations": len(model.order),
              "invariants": len(model.invariants),
              "proved": sum(1 for inv in model.invariants if prove_invariant(model, inv).proved)}
    annex_dir = root / "annexes" / method / (model.annex_set.name if getattr(model, "annex_set", None)
                                             else f"v{version}")
    counts["files"] = len(compile_model(model, root / "generated", annex_dir if annex_dir.is_dir() else None))
    return counts, find_method_text(model)


def _headline_items(model: dict, line_items) -> List[str]:
    """What the summary shows of a dossier: the headline figure (runtime/reports/placeholders.py:
    the last line item in the method's main unit) and the line item just before it."""
    from carbonspec.runtime.reports.placeholders import headline

    names = [i["name"] for i in line_items(model)]
    h = headline(model)
    if h is None or h not in names:
        return names[-2:]
    k = names.index(h)
    return names[max(k - 1, 0):k + 1]


def _template_bytes(write_template, compiled) -> bytes:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "t.xlsx"
        write_template(compiled.schema, p)
        return p.read_bytes()


def _read(compiled, path: Path):
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from carbonspec.runtime.dossier.xlsx import read_dossier_xlsx

        return read_dossier_xlsx(compiled.schema, path)
    from carbonspec.runtime.io.strict_json import load_file

    raw = load_file(path, "dossier")
    if not isinstance(raw, dict):
        raise InputError(str(path), "a dossier is a JSON object")
    return raw, None
