"""`run --notified DATE --labelled DATE`: compute a dossier with the rules that apply to it
(resolver.py), computing both candidates where it matters, and say which applied and why."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import numpy as np

from carbonspec.compiler.errors import InputError
from carbonspec.runtime.versions.resolver import EARLIER, Decision, earlier_annex_set, equations_for, parse_date


def evaluate_resolved(compiled, raw: dict, annex_dir: Path, backend: str, where: str,
                      notified: Optional[str], labelled: Optional[str]):
    """(compiled used, flat, outputs, annex set used, retroactivity record)."""
    from carbonspec.runtime.engine.core import evaluate, load_compiled

    n_date, l_date = parse_date(notified, "--notified"), parse_date(labelled, "--labelled")
    if n_date and l_date and l_date < n_date:
        raise InputError("--labelled", f"the project is labelled ({l_date}) before it is notified ({n_date})")
    choice, eq_reason, late = equations_for(compiled.model, n_date)
    if choice == EARLIER:
        variant = Path(compiled.directory) / EARLIER
        if not (variant / "model.json").exists():
            raise InputError(str(variant), "the rules of projects notified before this version are not compiled; "
                                           "recompile the version")
        compiled = load_compiled(variant)
    decision = Decision(choice, eq_reason, late)
    rule = compiled.model.get("annex_rule") or {}
    protect = rule.get("protect")
    earlier = earlier_annex_set(annex_dir, l_date)
    flat, out, annexes = evaluate(compiled, raw, annex_dir, backend, where)
    decision.annex_dir = Path(annex_dir)
    if earlier is None:
        decision.annex_reason = (f"jeu d'annexes {Path(annex_dir).name} : en application à la labellisation"
                                 if l_date else "date de labellisation non donnée : jeu d'annexes de la version")
    elif protect is None:
        decision.annex_reason = (f"Projet labellisé avant le jeu {Path(annex_dir).name}, mais la spec ne dit pas "
                                 "quel résultat une mise à jour d'annexe ne peut abaisser (annexes ... protect) : "
                                 "jeu de la version appliqué")
    else:
        flat_o, out_o, annexes_o = evaluate(compiled, raw, earlier, backend, where)
        new_v, old_v = float(out[protect][0]), float(out_o[protect][0])
        unit = next((e["unit"] for e in compiled.model["equations"] if e["name"] == protect), "")
        decision.annex_candidates = [
            {"set": Path(annex_dir).name, "version": annexes.version, "value": new_v},
            {"set": earlier.name, "version": annexes_o.version, "value": old_v}]
        lowered = new_v < old_v and not np.isclose(new_v, old_v, rtol=1e-9, atol=1e-12)
        src = rule.get("source") or {}
        cite = " ".join(x for x in (src.get("section"), src.get("text")) if x)
        if lowered:
            flat, out, annexes = flat_o, out_o, annexes_o
            decision.annex_dir = earlier
            decision.annex_reason = (f"Projet labellisé le {l_date}, avant le jeu d'annexes {Path(annex_dir).name} : "
                                     f"celui-ci abaisserait {protect} de {old_v:.6g} à {new_v:.6g} {unit} ; la mise à "
                                     f"jour des annexes n'est donc pas rétroactive pour ce Projet ({cite}) — "
                                     f"jeu {earlier.name} appliqué")
        else:
            decision.annex_reason = (f"Projet labellisé le {l_date}, avant le jeu d'annexes {Path(annex_dir).name}, "
                                     f"qui n'abaisse pas {protect} ({old_v:.6g} → {new_v:.6g} {unit}) : il "
                                     f"s'applique ({cite})")
    record = decision.as_dict(n_date, l_date)
    record["protect"] = protect
    return compiled, flat, out, annexes, record


def summary_lines(retro: dict) -> List[str]:
    """What applied and why, for stderr."""
    lines = [f"rétroactivité : équations — {retro['equations']['reason']}",
             f"rétroactivité : annexes — {retro['annexes']['reason']}"]
    for c in retro["annexes"]["candidates"]:
        lines.append(f"  {retro.get('protect')} avec le jeu {c['set']} ({c['version']}) : {c['value']:.6g}")
    return lines


def report_rows(retro: dict) -> List[list]:
    """Rows of the report's "Règles appliquées" table."""
    rows = [["notification du Projet", retro.get("notified") or "—"],
            ["labellisation du Projet", retro.get("labelled") or "—"],
            ["équations appliquées", "version" if retro["equations"]["applied"] == "version"
             else "version sans ses mises à jour non rétroactives"],
            ["pourquoi (équations)", retro["equations"]["reason"]],
            ["jeu d'annexes appliqué", retro["annexes"]["applied"] or "—"],
            ["pourquoi (annexes)", retro["annexes"]["reason"]]]
    for c in retro["annexes"]["candidates"]:
        rows.append([f"{retro.get('protect')} avec le jeu {c['set']}", c["value"]])
    return rows
