"""What `carbonspec certify` prints, in French (the vendor and the auditor read it)."""
from __future__ import annotations

from typing import List

from carbonspec.runtime.certification.certify import VERDICT_FR, fmt_value


def summary_lines(ctx: dict, reference: dict, comparison, html_path, xlsx_path) -> List[str]:
    c = ctx["counts"]
    lines = [f"{reference['method']} v{reference['version']} · spec {reference['spec_hash']} · annexes "
             f"{reference['annex_version']} ({reference['annex_hash']})",
             f"{ctx['n_cases']} cas, {ctx['n_lines']} postes : {c['conformant']} conformes, "
             f"{c['NOT conformant']} non conformes, {c['missing']} manquants"]
    lines += [f"  problème : {p}" for p in comparison.problems]
    for l in ctx["failure_rows"]:
        verdict = VERDICT_FR.get(l.verdict, l.verdict)
        if l.reason.startswith("le cas "):
            lines.append(f"  {l.case} · {l.item} : {verdict} : {l.reason}")
            continue
        lines.append(f"  {l.case} · {l.item} : attendu {fmt_value(l.expected)}, reçu {fmt_value(l.received)} — "
                     f"{verdict} : {l.reason}")
    lines.append(f"rapport : {html_path} et {xlsx_path}")
    lines.append(VERDICT_FR.get(ctx["verdict"], ctx["verdict"]))
    return lines
