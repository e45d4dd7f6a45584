"""An equation as MathML for the HTML docs: symbols linked to their definition, long
sums broken into lines.

Names are printed as marked text (`\\text{⟦N2O_directes⟧}`) so latex2mathml keeps each one
whole; the marks are then turned into one `<mi>` per name carrying `href` (MathML links,
where the browser supports them) and `data-href` (docs.js follows it on click elsewhere).
A right side that is a long sum is printed one term per line in a left-aligned table, so
the page does not scroll sideways.
"""
from __future__ import annotations

import re
from typing import Callable, List

from latex2mathml.converter import convert as latex_to_mathml
from markupsafe import Markup, escape

from ..symbolic import equation_parts

OPEN, CLOSE = "⟦", "⟧"
_MARKED = re.compile(r"<mtext>" + OPEN + r"([A-Za-z_][A-Za-z0-9_]*)" + CLOSE + r"</mtext>")
# a line of a broken formula holds about this many printed characters
LINE_CHARS = 52


def _mark(name: str) -> str:
    return r"\text{" + OPEN + name + CLOSE + "}"


def printed_length(latex: str) -> int:
    """How wide a piece of LaTeX prints, roughly: its text without commands and braces."""
    text = re.sub(r"\\(?:text|mathrm|operatorname)\{", "", latex)
    text = re.sub(r"\\left|\\right|\\cdot|\\,|\\:|\\frac", " ", text)
    text = re.sub(r"\\[A-Za-z]+", "x", text)
    return len(re.sub(r"[{}" + OPEN + CLOSE + r"\s]", "", text))


def split_terms(latex: str, ops=(" + ", " - ")) -> List[str]:
    """The top-level pieces of `latex` split before each operator of `ops` (each piece but
    the first keeps its operator: ' + a'); braces, \\left…\\right and \\begin…\\end nest."""
    terms, depth, start, i = [], 0, 0, 0
    while i < len(latex):
        opener = next((t for t in (r"\left", r"\begin") if latex.startswith(t, i)), None)
        closer = next((t for t in (r"\right", r"\end") if latex.startswith(t, i)), None)
        if opener or closer:
            depth += 1 if opener else -1
            i += len(opener or closer)
            continue
        c = latex[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0 and i > 0 and latex.startswith(ops, i):
            terms.append(latex[start:i])
            start = i
        i += 1
    terms.append(latex[start:])
    return terms


def _group_end(latex: str, i: int) -> int:
    """Index just past the brace group that opens at latex[i] == '{'."""
    depth = 0
    for j in range(i, len(latex)):
        if latex[j] == "{":
            depth += 1
        elif latex[j] == "}":
            depth -= 1
            if depth == 0:
                return j + 1
    return len(latex)


def _lines(pieces: List[str], width: int, first: str = "") -> List[str]:
    """Pieces (each with its leading operator) packed greedily into lines of `width`;
    a piece too long for a line of its own is wrapped in turn (it is strictly smaller
    than what is being wrapped, so this ends)."""
    lines, current = [], first
    for piece in pieces:
        if current and printed_length(current) + printed_length(piece) > width:
            lines.append(current)
            current = ""
        if not current and lines:
            body = piece.strip()
            for op in ("+ ", "- ", r"\cdot "):
                if body.startswith(op):
                    current = r"\quad " + op + wrap(body[len(op):], width)
                    break
            else:
                current = r"\quad " + wrap(body, width)
        else:
            current += piece if current else wrap(piece, width)
    lines.append(current)
    return lines


def _array(lines: List[str]) -> str:
    return r"\begin{array}{l} " + r" \\ ".join(lines) + r" \end{array}"


def _cases_rows(body: str) -> List[List[str]]:
    """The rows of a cases environment's body, each [value, condition]."""
    rows, depth, start, i = [], 0, 0, 0
    while i < len(body):
        if body.startswith(r"\begin", i):
            depth += 1
        elif body.startswith(r"\end", i):
            depth -= 1
        elif body[i] == "{":
            depth += 1
        elif body[i] == "}":
            depth -= 1
        elif depth == 0 and body.startswith(r"\\", i):
            rows.append(body[start:i])
            start = i + 2
            i += 2
            continue
        i += 1
    rows.append(body[start:])
    out = []
    for row in rows:
        cells = split_terms(row, ("&",))
        out.append([cells[0].strip(), cells[1].lstrip("&").strip() if len(cells) > 1 else ""])
    return out


def wrap(latex: str, width: int = LINE_CHARS) -> str:
    """A piece of LaTeX broken into left-aligned lines of about `width` printed
    characters: at the + and − of a sum, else at the · of a product, inside a fraction's
    numerator and denominator, and a piecewise expression one condition per line."""
    latex = latex.strip()
    if printed_length(latex) <= width:
        return latex
    for ops in ((" + ", " - "), (r" \cdot ",)):
        terms = split_terms(latex, ops)
        if len(terms) > 1:
            return _array(_lines(terms, width))
    if latex.startswith(r"\frac{"):
        num_end = _group_end(latex, 5)
        den_end = _group_end(latex, num_end)
        if den_end == len(latex):
            return r"\frac{" + wrap(latex[6:num_end - 1], width) + "}{" + wrap(latex[num_end + 1:den_end - 1], width) + "}"
    if latex.startswith(r"\begin{cases}") and latex.endswith(r"\end{cases}") and _balanced(latex[13:-11]):
        rows = _cases_rows(latex[len(r"\begin{cases}"):-len(r"\end{cases}")])
        cells = []
        for value, cond in rows:
            cond_lines = _lines(split_terms(cond, (r" \wedge ", r" \vee ")), width) if cond else []
            cells.append(_array([wrap(value, width)] + [r"\quad " + c for c in cond_lines]))
        return r"\begin{cases} " + r" \\ ".join(cells) + r" \end{cases}"
    if latex.startswith(r"\left(") and latex.endswith(r"\right)") and not split_terms(latex[6:-7].strip())[0] == "":
        inner = latex[6:-7]
        if _balanced(inner):
            return r"\left(" + wrap(inner, width) + r"\right)"
    return latex


def _balanced(latex: str) -> bool:
    """No \\left or \\begin of `latex` closes outside it."""
    depth = 0
    for k in range(len(latex)):
        if latex.startswith((r"\left", r"\begin"), k):
            depth += 1
        elif latex.startswith((r"\right", r"\end"), k):
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def wrapped_latex(lhs: str, rhs: str, width: int = LINE_CHARS) -> str:
    """`lhs = rhs`, the right side broken into lines when it is long (wrap)."""
    if printed_length(lhs) + printed_length(rhs) <= width:
        return f"{lhs} = {rhs}"
    terms = split_terms(rhs)
    if len(terms) > 1:
        return _array(_lines(terms[1:], width, f"{lhs} = {terms[0]}"))
    return f"{lhs} = {wrap(rhs, width)}"


def equation_mathml(model, sym, href: Callable[[str], str]) -> Markup:
    """The equation of `sym` as a MathML block; `href(name)` is the URL of a symbol's
    definition ('' for none)."""
    lhs, rhs = equation_parts(model, sym, _mark)
    math = latex_to_mathml(wrapped_latex(lhs, rhs), display="block")

    def link(m: re.Match) -> str:
        name = m.group(1)
        url = href(name)
        if not url:
            return f'<mi mathvariant="normal">{escape(name)}</mi>'
        return (f'<mi mathvariant="normal" class="sym" href="{escape(url)}" data-href="{escape(url)}" '
                f'title="{escape(name)}">{escape(name)}</mi>')

    return Markup(_MARKED.sub(link, math))
