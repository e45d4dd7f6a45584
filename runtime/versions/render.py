"""The diff document (effects.diff_document) as terminal text and as the "Changements depuis vX"
page of the newer version's docs (self-contained HTML, no script, no network)."""
from __future__ import annotations

from pathlib import Path
from typing import List

import jinja2

CHANGE_FR = {"added": "ajouté", "removed": "supprimé", "changed": "modifié"}


def fmt_num(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "oui" if v else "non"
    if isinstance(v, (int, float)):
        return f"{v:.6g}"
    return str(v)


def fmt_pct(v) -> str:
    return "—" if v is None else f"{v:+.3f} %"


def render_text(doc: dict) -> str:
    o, n = doc["old"], doc["new"]
    out: List[str] = [f"{o['method']} v{o['version']} → v{n['version']}  (spec {o['spec_hash']} → {n['spec_hash']})"]
    if n.get("extends"):
        out.append(f"v{n['version']} extends v{n['extends']['version']}")
    by_cat = {}
    for c in doc["changes"]:
        by_cat.setdefault(c["category"], []).append(c)
    if not doc["changes"]:
        out.append("\nspec: no change")
    for cat, title in doc["categories"].items():
        if cat not in by_cat:
            continue
        out.append(f"\n{title}")
        for c in by_cat[cat]:
            where = c["new_spec"] or c["old_spec"]
            what = f" [{', '.join(c['what'])}]" if c["what"] else ""
            out.append(f"  {CHANGE_FR[c['change']]:8s} {c['name']}{what}  ({where})")
            if c["change"] == "changed":
                out.append(f"      ancien : {c['old']}   ({c['old_spec']}, {c['old_lines'] or '—'})")
                out.append(f"      nouveau : {c['new']}   ({c['new_spec']}, {c['new_lines'] or '—'})")
            elif c["change"] == "added":
                out.append(f"      {c['new']}")
            for r in c.get("retroactivity", []):
                out.append(f"      rétroactivité : {r['retroactive']} — {r['change']}")
    ann = doc.get("annexes") or {}
    if ann.get("rows"):
        out.append(f"\nLignes d'annexe (jeu {ann['old']['set']} {ann['old']['version']} → "
                   f"{ann['new']['set']} {ann['new']['version']})")
        for r in ann["rows"]:
            out.append(f"  {CHANGE_FR[r['change']]:8s} {r['table']}[{', '.join(r['key'])}] "
                       f"{', '.join(r['columns'])}  ({r['where']})")
            for col in r["columns"]:
                out.append(f"      {col} : {fmt_num((r['old'] or {}).get(col))} → {fmt_num((r['new'] or {}).get(col))}")
            if r["old_source"] != r["source"] or r["old_status"] != r["status"]:
                out.append(f"      source : {r['old_source']} ({r['old_status']})")
                out.append(f"            → {r['source']} ({r['status']})")
    elif ann.get("note"):
        out.append(f"\nannexes: {ann['note']}")
    else:
        out.append("\nannex rows: no change")
    eff = doc.get("effects") or {}
    if not eff.get("available"):
        out.append(f"\neffect on results: {eff.get('note', 'not computed')}")
        return "\n".join(out) + "\n"
    out.append(f"\nEffet sur les résultats (cas-type v{eff['castype_of']}, {len(eff['cases'])} cas ; "
               f"postes modifiés : {', '.join(eff['changed_items']) or 'aucun'})")
    for r in eff["cases"]:
        if r["error"]:
            out.append(f"  {r['case']}: {r['error']}")
        for item in eff["changed_items"]:
            v = r["values"].get(item)
            if v and (v["old"] != v["new"]) and v["delta_pct"] != 0.0:
                out.append(f"  {r['case']:48s} {item:24s} {fmt_num(v['old']):>12s} → {fmt_num(v['new']):>12s}  "
                           f"{fmt_pct(v['delta_pct'])}")
    return "\n".join(out) + "\n"


def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(Path(__file__).with_name("templates"))),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["num"] = fmt_num
    env.filters["pct"] = fmt_pct
    env.globals["CHANGE_FR"] = CHANGE_FR
    return env


def changes_html(doc: dict) -> str:
    return _env().get_template("changes.html.j2").render(doc=doc)


CHANGES_PAGE = "changements.html"


def write_changes_page(doc: dict, docs_dir: Path) -> Path:
    path = Path(docs_dir) / CHANGES_PAGE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((changes_html(doc).rstrip("\n") + "\n").encode("utf-8"))
    return path
