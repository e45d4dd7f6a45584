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
LINE_CHARS = 60


def _mark(name: str) -> str:
    return r"\text{" + OPEN + name + CLOSE + "}"


def printed_length(latex: str) -> int:
    """How wide a piece of LaTeX prints, roughly: its text without commands and braces."""
    text = re.sub(r"\\(?:text|mathrm|operatorname)\{", "", latex)
    text = re.sub(r"\\left|\\right|\\cdot|\\,|\\:|\\frac", " ", text)
    text = re.sub(r"\\[A-Za-z]+", "x", text)
    return len(re.sub(r"[{}" + OPEN + CLOSE + r"\s]", "", text))


def split_terms(latex: str, ops=(" + ", " - ")) -> List[str]:
    """The top-level terms of a sum, each with its sign (' + a', ' - b'); one element when
    the expression is not a sum at top level (braces and \\left…\\right nest)."""
    terms, depth, start, i = [], 0, 0, 0
    while i < len(latex):
        if latex.startswith(r"\left", i):
            depth += 1
            i += 5
            continue
        if latex.startswith(r"\right", i):
            depth -= 1
            i += 6
            continue
        c = latex[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0 and latex.startswith(ops, i) and i > 0:
            terms.append(latex[start:i])
            start = i
        elif depth == 0 and latex.startswith(r"\begin", i):
            return [latex]  # cases: its rows already break the formula
        i += 1
    terms.append(latex[start:])
    return terms


def wrapped_latex(lhs: str, rhs: str, width: int = LINE_CHARS) -> str:
    """`lhs = rhs`, or a left-aligned table of lines when the right side is a long sum."""
    if printed_length(lhs) + printed_length(rhs) <= width:
        return f"{lhs} = {rhs}"
    terms = split_terms(rhs)
    if len(terms) == 1:
        terms = split_terms(rhs, (r" \cdot ",))  # a long product breaks at its factors
    if len(terms) == 1:
        return f"{lhs} = {rhs}"
    lines, current = [], f"{lhs} = {terms[0]}"
    for t in terms[1:]:
        if printed_length(current) + printed_length(t) > width:
            lines.append(current)
            current = r"\quad " + t.strip()
        else:
            current += t
    lines.append(current)
    return r"\begin{array}{l} " + r" \\ ".join(lines) + r" \end{array}"


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
