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
LINE_CHARS = 80


def _mark(name: str) -> str:
    return r"\text{" + OPEN + name + CLOSE + "}"


# binary operators and relations: printed with a space on each side
_SPACED = re.compile(r"(?<![{(,])\s[-+=<>]\s|\\(?:cdot|wedge|vee|neq|geq|leq|neg)\b")


def _flat_length(latex: str) -> float:
    """Printed width, in characters, of LaTeX with no environment or fraction in it: its
    text without commands and braces, an operator with its spaces, a subscript at the size
    of a script."""
    scripts = 0.0
    for m in re.finditer(r"_\{", latex):
        end = _group_end(latex, m.end() - 1)
        # counted below in full but printed at ~0.7 size (under a ∑ it is also partly beneath it)
        under_sum = latex[:m.start()].endswith((r"\sum", r"\prod"))
        scripts += (0.45 if under_sum else 0.3) * _flat_length(latex[m.end():end - 1])
    text = re.sub(r"\\(?:text|mathrm|operatorname)\{", "", latex)
    text = re.sub(r"\\left|\\right|\\cdot|\\,|\\:|\\quad", " ", text)
    text = re.sub(r"\\[A-Za-z]+", "x", text)
    return len(re.sub(r"[{}" + OPEN + CLOSE + r"\s]", "", text)) + 1.5 * len(_SPACED.findall(latex)) - scripts


# the space between two columns of a cases block (value, condition), in characters
CELL_GAP = 6
_BLOCK = re.compile(r"\\begin\{(cases|array)\}(?:\{[a-z]*\})?|\\frac\{")


def printed_length(latex: str) -> float:
    """How wide a piece of LaTeX prints, roughly, in characters: its text without commands
    and braces; a fraction is as wide as the wider of its numerator and denominator, an
    array or a cases block as its widest row (rows are stacked, not side by side)."""
    m = _BLOCK.search(latex)
    if m is None:
        return _flat_length(latex)
    before = _flat_length(latex[:m.start()])
    if m.group(0).startswith(r"\frac"):
        num_end = _group_end(latex, m.end() - 1)
        den_end = _group_end(latex, num_end) if latex[num_end:num_end + 1] == "{" else num_end
        block = max(printed_length(latex[m.end():num_end - 1]), printed_length(latex[num_end + 1:den_end - 1]))
        return before + block + printed_length(latex[den_end:])
    end = _env_end(latex, m.end(), m.group(1))
    body = latex[m.end():end - len(r"\end{%s}" % m.group(1))]
    cells = [[printed_length(c.lstrip("&")) for c in split_terms(row, ("&",))] for row in _rows(body)]
    widest = max((sum(row) + CELL_GAP * (len(row) - 1) for row in cells), default=0)
    brace = 2 if m.group(1) == "cases" else 0
    return before + brace + widest + printed_length(latex[end:])


def _env_end(latex: str, i: int, env: str) -> int:
    """Index just past the \\end{env} that closes the environment whose body starts at i."""
    depth, k = 1, i
    while k < len(latex):
        if latex.startswith(r"\begin{", k):
            depth += 1
        elif latex.startswith(r"\end{", k):
            depth -= 1
            if depth == 0:
                return latex.index("}", k) + 1
        k += 1
    return len(latex)


# top-level operators a long piece is broken at (wrap tries the loosest-binding first)
SUM_OPS = (" + ", " - ")
PRODUCT_OPS = (r" \cdot ",)
LOGIC_OPS = (r" \wedge ", r" \vee ")
RELATION_OPS = (" = ", r" \neq ", " > ", " < ", r" \geq ", r" \leq ")
# \left and \right are followed by a one-character delimiter, or by \{ \} \| (two)
_DELIM = re.compile(r"\\(left|right)(\\[{}|]|[()\[\]|.])")


def split_terms(latex: str, ops=SUM_OPS) -> List[str]:
    """The top-level pieces of `latex` split before each operator of `ops` (each piece but
    the first keeps its operator: ' + a'); braces, \\left…\\right and \\begin…\\end nest.
    A ', ' operator is not the thin space '\\, '."""
    terms, depth, start, i = [], 0, 0, 0
    while i < len(latex):
        opener = next((t for t in (r"\left", r"\begin") if latex.startswith(t, i)), None)
        closer = next((t for t in (r"\right", r"\end") if latex.startswith(t, i)), None)
        if opener or closer:
            depth += 1 if opener else -1
            i += len(opener or closer)
            continue
        c = latex[i]
        if c == "\\" and i + 1 < len(latex) and not latex[i + 1].isalpha():
            i += 2  # an escaped character (\{ \, \#): never a brace nor an operator
            continue
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


def _delimited_tail(latex: str):
    """(prefix, opening, inside, closing) when `latex` ends with a \\right delimiter whose
    \\left is at the top level: `\\min\\left(a, b\\right)`, `\\sum_{…} \\left(…\\right)`,
    `\\#\\left\\{…\\right\\}`; else None."""
    marks = [(m.start(), m.end(), m.group(1) == "left") for m in _DELIM.finditer(latex)]
    if not marks or marks[-1][2] or marks[-1][1] != len(latex):
        return None
    depth = 0
    for start, end, is_left in reversed(marks):
        depth += -1 if is_left else 1
        if depth == 0:
            prefix, inside = latex[:start], latex[end:marks[-1][0]]
            if prefix.count("{") != prefix.count("}") or not _balanced(prefix) or not _balanced(inside):
                return None
            return prefix, latex[start:end], inside, latex[marks[-1][0]:]
    return None


def _lines(pieces: List[str], width: int, first: str = "") -> List[str]:
    """Pieces (each with its leading operator) packed greedily into lines of `width`;
    a piece too long for a line of its own is wrapped in turn (it is strictly smaller
    than what is being wrapped, so this ends)."""
    lines, current, broken = [], first, False
    for piece in pieces:
        if current and (broken or printed_length(current) + printed_length(piece) > width):
            lines.append(current)  # after a piece broken over lines, the next starts a line of its own
            current = ""
        broken = False
        if not current and lines:
            body = piece.strip()
            op = next((o for o in ("+ ", "- ", r"\cdot ", r"\wedge ", r"\vee ", "= ", r"\neq ", "> ", "< ",
                                   r"\geq ", r"\leq ") if body.startswith(o)), "")
            rest = wrap(body[len(op):], width - 4)
            broken = rest != body[len(op):].strip()
            current = r"\quad " + op + rest
        elif current:
            current += piece
        else:
            current = wrap(piece, width)
            broken = current != piece.strip()
    lines.append(current)
    return lines


def _array(lines: List[str]) -> str:
    return r"\begin{array}{l} " + r" \\ ".join(lines) + r" \end{array}"


def _rows(body: str) -> List[str]:
    """The top-level rows (split at \\\\) of an environment's body."""
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
    return rows


def _cases_rows(body: str) -> List[List[str]]:
    """The rows of a cases environment's body, each [value, condition]."""
    out = []
    for row in _rows(body):
        cells = split_terms(row, ("&",))
        out.append([cells[0].strip(), cells[1].lstrip("&").strip() if len(cells) > 1 else ""])
    return out


# a piece nested inside a prefix is never given less than this many characters per line
MIN_WIDTH = 32
# a comparison's right side this short stays on the line of its left side (`… = 0`)
SHORT_SIDE = 6


def wrap(latex: str, width: int = LINE_CHARS) -> str:
    """A piece of LaTeX broken into left-aligned lines of about `width` printed
    characters: at the + and − of a sum, else at the · of a product, the ∧ and ∨ of a
    condition, a comparison's sign; inside a fraction's numerator and denominator; a
    piecewise expression one case per row; inside parentheses and braces, a function's
    arguments (min, max, …) one per line.  Every recursion is on a strictly smaller piece,
    so this ends."""
    latex = latex.strip()
    width = max(width, MIN_WIDTH)
    if printed_length(latex) <= width:
        return latex
    # loosest-binding first: a condition's clauses, a comparison's sides, a sum's terms, a product's factors
    terms = split_terms(latex, LOGIC_OPS)
    if len(terms) > 1:
        return _array(_lines(terms, width))
    terms = split_terms(latex, RELATION_OPS)
    if len(terms) == 2 and printed_length(terms[1]) <= SHORT_SIDE:  # `… = 0`: the long side broken, `= 0` kept after it
        return wrap(terms[0], width - printed_length(terms[1]) - 1) + terms[1]
    if len(terms) > 1 and max(map(printed_length, terms)) > MIN_WIDTH:  # `a ≥ b` of two names stays whole
        return _array(_lines(terms, width))
    for ops in (SUM_OPS, PRODUCT_OPS):
        terms = split_terms(latex, ops)
        if len(terms) > 1:
            return _array(_lines(terms, width))
    if latex.startswith(r"\frac{"):
        num_end = _group_end(latex, 5)
        den_end = _group_end(latex, num_end)
        if den_end == len(latex):
            return r"\frac{" + wrap(latex[6:num_end - 1], width) + "}{" + wrap(latex[num_end + 1:den_end - 1], width) + "}"
    if latex.startswith(r"\begin{cases}") and latex.endswith(r"\end{cases}") and _balanced(latex[13:-11]):
        return _wrap_cases(_cases_rows(latex[len(r"\begin{cases}"):-len(r"\end{cases}")]), width)
    tail = _delimited_tail(latex)
    if tail is not None:
        prefix, opening, inside, closing = tail
        inner_width = width - printed_length(prefix) - 2
        args = split_terms(inside, (", ",))
        if len(args) > 1:  # a function's arguments, one per line
            args = [a.lstrip(",").strip() for a in args]
            body = _array([wrap(a, inner_width) + ("," if k < len(args) - 1 else "") for k, a in enumerate(args)])
        else:
            body = wrap(inside, inner_width)
        if body != inside.strip():
            return prefix + opening + " " + body + " " + closing
    return latex


def _wrap_cases(rows: List[List[str]], width: int) -> str:
    """A piecewise expression too wide for one line.  Two columns (value, condition) as the
    method prints them when each column can be broken to fit its share of the width; else
    each case on rows of its own: the value, then its condition indented below it."""
    value_need = max(printed_length(v) for v, _ in rows)
    cond_need = max(printed_length(c) for _, c in rows)
    if value_need <= width // 2:  # the narrower column keeps what it needs, the other gets the rest
        value_width = value_need
        cond_width = width - value_width - 2
    else:
        cond_width = min(cond_need, width // 2)
        value_width = width - cond_width - 2
    values = [wrap(v, value_width) for v, _ in rows]
    conds = [wrap(c, cond_width) if c else "" for _, c in rows]
    if max(map(printed_length, values)) <= value_width and max(map(printed_length, conds)) <= cond_width:
        return r"\begin{cases} " + r" \\ ".join(f"{v} & {c}" for v, c in zip(values, conds)) + r" \end{cases}"
    cells = []
    for value, cond in rows:
        lines = [wrap(value, width)] + ([r"\quad " + wrap(cond, width - 4)] if cond else [])
        cells.append(_array(lines))
    return r"\begin{cases} " + r" \\ ".join(cells) + r" \end{cases}"


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
    return f"{lhs} = {wrap(rhs, width - printed_length(lhs) - 2)}"


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
