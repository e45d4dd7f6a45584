"""A trace (tree.py) laid out: text for the terminal, JSON, and an html fragment the
report and the HTTP API embed (self-contained: nested <details>, escaped, no script)."""
from __future__ import annotations

import json
from html import escape
from typing import List

from .expr import number


# Style of the html fragment, for a page that embeds it (the report): the placeholder
# warning and placeholder leaves stand out, the tree is indented.
TRACE_CSS = """
.cs-trace { font-size: .92em; }
.cs-trace details { margin: .1em 0 .1em 1.1em; }
.cs-trace div.cs-node { margin: .1em 0 .1em 2.1em; }
.cs-trace summary { cursor: pointer; }
.cs-trace .cs-origin { color: #5d6970; font-size: .9em; }
.cs-trace .cs-formula, .cs-trace .cs-values, .cs-trace .cs-branch, .cs-trace .cs-see { margin-left: 1.2em; color: #333; }
.cs-trace .cs-values code { color: #1f6f4a; }
.cs-trace .cs-status-placeholder > summary, .cs-trace div.cs-status-placeholder { background: #fde2c8; }
.cs-trace-placeholder { border: 1px solid #e0a060; background: #fff3e6; padding: .4em .8em; margin: .4em 0; }
"""


def render_json(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def _value(node: dict) -> str:
    v = node.get("value")
    text = number(v) if isinstance(v, (int, float)) or v is None else str(v)
    unit = node.get("unit")
    return f"{text} {unit}" if unit and unit != "1" else text


def _where(node: dict) -> str:
    eq = node.get("equation")
    if eq:
        parts = [eq["label"], f"§{eq['section']}" if eq["section"] else "", eq["lines"], eq["spec"]]
        return " · ".join(p for p in parts if p)
    o = node.get("origin") or {}
    if o.get("kind") == "annex":
        bits = [o.get("text", "")]
        if o.get("status"):
            bits.append(f"statut {o['status']}" + (" (VALEUR PROVISOIRE)" if o["status"] == "placeholder" else ""))
        if o.get("source"):
            bits.append(f"source : {o['source']}")
        if o.get("file"):
            bits.append(o["file"])
        return " · ".join(bits)
    if o.get("kind") == "constant":
        return " · ".join(p for p in (o.get("label"), f"§{o['section']}" if o.get("section") else "",
                                      o.get("lines"), o.get("spec")) if p)
    return " · ".join(p for p in (o.get("text"), o.get("lines"), o.get("spec")) if p)


def _label(node: dict) -> str:
    if node["kind"] == "aggregate":
        return f"{node['formula']} = {_value(node)} ({node['rows']} ligne(s) de {node['entity']})"
    if node["kind"] == "row":
        v = "" if node.get("value") is None else f" = {number(node['value'])}"
        return f"{node['path']}{v}"
    return f"{node['name']} = {_value(node)}"


def render_text(doc: dict) -> str:
    lines: List[str] = [f"trace de {doc['figure']} ({doc['method']} v{doc['version']}, spec {doc['spec_hash']})"]
    if doc["placeholders"]:
        lines.append(f"ATTENTION : {len(doc['placeholders'])} valeur(s) d'annexe provisoire(s) (placeholder) "
                     "entrent dans ce chiffre :")
        for p in doc["placeholders"]:
            lines.append(f"  - {p['table']} [{' / '.join(p['key'])}].{p['column']} ({p['uses']} usage(s), "
                         f"p. ex. {p['path']})")
    else:
        lines.append("aucune valeur d'annexe provisoire (placeholder) n'entre dans ce chiffre")

    def walk(node: dict, prefix: str, last: bool, top: bool) -> None:
        head = "" if top else prefix + ("└─ " if last else "├─ ")
        more = "" if top else prefix + ("   " if last else "│  ")
        lines.append(head + _label(node))
        where = _where(node)
        if where:
            lines.append(more + "   [" + where + "]")
        if node.get("see") and not top:
            lines.append(more + "   (détaillé plus haut)")
        for key in ("formula", "formula_values"):
            if node.get(key) and node["kind"] in ("equation", "row"):
                lines.append(more + "   " + ("= " if key == "formula_values" and node["kind"] == "row" else "")
                             + node[key])
        if node.get("branch"):
            b = node["branch"]
            lines.append(more + f"   branche {b['index']}/{b['of']} : {b['text']}")
        if node.get("truncated"):
            lines.append(more + "   … (arbre coupé)")
        kids = node.get("children") or []
        for i, k in enumerate(kids):
            walk(k, more, i == len(kids) - 1, False)

    walk(doc["root"], "", True, True)
    return "\n".join(lines) + "\n"


def render_html_fragment(doc: dict, open_levels: int = 2) -> str:
    """The trace as nested <details> (the first `open_levels` levels open), with a
    warning block when a placeholder annex row contributed.  Classes: cs-trace,
    cs-trace-placeholder, cs-node, cs-origin, cs-status-<status> (style: TRACE_CSS)."""
    out: List[str] = [f'<div class="cs-trace" data-figure="{escape(doc["figure"])}">',
                      f'<p class="cs-trace-head">Trace de <code>{escape(doc["figure"])}</code> '
                      f'({escape(doc["method"])} v{escape(doc["version"])})</p>']
    if doc["placeholders"]:
        out.append('<div class="cs-trace-placeholder" role="alert"><strong>Valeurs provisoires :</strong> '
                   f'{len(doc["placeholders"])} ligne(s) d\'annexe « placeholder » entrent dans ce chiffre.<ul>')
        for p in doc["placeholders"]:
            out.append(f'<li><code>{escape(p["table"])}</code> [{escape(" / ".join(p["key"]))}].'
                       f'<code>{escape(p["column"])}</code> — {p["uses"]} usage(s), p. ex. {escape(p["path"])}</li>')
        out.append("</ul></div>")

    def walk(node: dict, depth: int) -> None:
        status = (node.get("origin") or {}).get("status", "")
        cls = "cs-node" + (f" cs-status-{status}" if status else "")
        kids = node.get("children") or []
        body = [f'<span class="cs-label">{escape(_label(node))}</span>']
        where = _where(node)
        if where:
            body.append(f' <span class="cs-origin">{escape(where)}</span>')
        extra = []
        if node.get("formula") and node["kind"] == "equation":
            extra.append(f'<div class="cs-formula"><code>{escape(node["formula"])}</code></div>')
        if node.get("formula_values"):
            extra.append(f'<div class="cs-values"><code>{escape(node["formula_values"])}</code></div>')
        if node.get("branch"):
            b = node["branch"]
            extra.append(f'<div class="cs-branch">branche {b["index"]}/{b["of"]} : {escape(b["text"])}</div>')
        if node.get("see"):
            extra.append('<div class="cs-see">détaillé plus haut</div>')
        if kids or extra:
            out.append(f'<details class="{cls}"{" open" if depth < open_levels else ""}><summary>{"".join(body)}</summary>')
            out.extend(extra)
            for k in kids:
                walk(k, depth + 1)
            out.append("</details>")
        else:
            out.append(f'<div class="{cls}">{"".join(body)}</div>')

    walk(doc["root"], 0)
    out.append("</div>")
    return "\n".join(out) + "\n"


def render_html_page(doc: dict) -> str:
    """A standalone page around the fragment (`carbonspec trace --format html`)."""
    title = escape(f"Trace de {doc['figure']}")
    return ("<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{title}</title>\n<style>body {{ font: 15px/1.5 system-ui, sans-serif; margin: 1.5rem; }}"
            f"{TRACE_CSS}</style>\n</head>\n<body>\n{render_html_fragment(doc)}</body>\n</html>\n")
