"""Trace of a figure: the dependency tree behind one value of a results document.

`trace(model, outputs, flat, figure, annexes=None)` -> dict (tree.py);
`render_text`, `render_html_fragment` (render.py) lay it out for the terminal, the html
report and the HTTP API.  Each node names its equation (number, section, method line,
spec line), shows the formula with the values substituted, and each leaf says where its
value came from: a dossier field, a constant of the spec, or an annex row with its
source and status -- a placeholder row is flagged on the node and listed at the top.
"""
from .render import TRACE_CSS, render_html_fragment, render_html_page, render_json, render_text
from .tree import parse_figure, trace

__all__ = ["trace", "parse_figure", "render_text", "render_json", "render_html_fragment", "render_html_page",
           "TRACE_CSS"]
