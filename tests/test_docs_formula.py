"""The formula printer's line breaking (compiler/docs/formula.py), on LaTeX written by hand:
what is broken where, what stays whole, and that every break ends.  The browser test
(test_docs_browser.py) checks the rendered width of the real formulas."""
from __future__ import annotations

from carbonspec.compiler.docs.formula import printed_length, split_terms, wrap, wrapped_latex


def name(n: str) -> str:
    return r"\text{⟦" + n + "⟧}"


A, B, C, D = (name(n * 18) for n in "abcd")  # four names of 18 characters


def test_a_cases_block_is_as_wide_as_its_widest_row():
    one_row = rf"{A} & \text{{si}}\: {B}"
    two_rows = r"\begin{cases} " + one_row + r" \\ 0 & \text{sinon} \end{cases}"
    assert printed_length(two_rows) == printed_length(r"\begin{cases} " + one_row + r" \end{cases}")
    assert printed_length(two_rows) < printed_length(one_row) + 12
    assert printed_length(r"\frac{" + A + "}{2}") == printed_length(A)


def test_a_long_min_has_its_arguments_one_per_line():
    latex = rf"\min\left({A} - {B}, {C} - {D}\right)"
    out = wrap(latex, 50)
    assert out == (r"\min\left( \begin{array}{l} " + f"{A} - {B}, " + r"\\ " + f"{C} - {D}"
                   + r" \end{array} \right)")


def test_a_long_sum_inside_an_aggregate_breaks_inside_its_parentheses():
    latex = r"\sum_{\text{system}} \left(" + f"{A} - {B} - {C}" + r"\right)"
    out = wrap(latex, 55)
    assert out.startswith(r"\sum_{\text{system}} \left( \begin{array}{l} ")
    assert out.endswith(r"\end{array} \right)")
    assert out.count(r"\\") == 1  # two lines: a - b, then - c


def test_a_long_condition_breaks_at_and_or_and_keeps_short_comparisons_whole():
    cond = rf"{A} \geq {B} \wedge {C} = {D}"
    out = wrap(cond, 50)
    assert out == r"\begin{array}{l} " + rf"{A} \geq {B} \\ \quad \wedge {C} = {D}" + r" \end{array}"


def test_a_short_right_side_of_a_comparison_stays_after_the_broken_left_side():
    latex = f"{A} + {B} + {C} = 0"
    out = wrap(latex, 45)
    assert out.endswith(r"\end{array} = 0")


def test_a_piecewise_expression_keeps_two_columns_when_each_fits():
    latex = (r"\begin{cases} 1 & \text{si}\: " + rf"{A} \vee {B} \wedge {C}" + r" \\ 0 & \text{sinon} \end{cases}")
    out = wrap(latex, 50)
    assert out.startswith(r"\begin{cases} 1 & \begin{array}{l}")
    assert r"\\ 0 & \text{sinon} \end{cases}" in out


def test_a_piecewise_value_too_wide_for_two_columns_puts_its_condition_below():
    value = f"{A} + {B} + {C} + {D}"
    latex = r"\begin{cases} " + value + r" & \text{si}\: " + f"{A} = {B}" + r" \\ 0 & \text{sinon} \end{cases}"
    out = wrap(latex, 50)
    assert r"\\ \quad \text{si}\: " in out  # the condition on a row of its own, indented


def test_the_thin_space_is_not_an_argument_separator():
    assert split_terms(r"\text{year}\, :\, x, y", (", ",)) == [r"\text{year}\, :\, x", ", y"]


def test_a_short_equation_is_left_alone_and_a_long_one_ends():
    assert wrapped_latex(name("x"), name("y")) == f"{name('x')} = {name('y')}"
    nested = A
    for _ in range(12):  # deep nesting of min and parentheses: every recursion is on a smaller piece
        nested = rf"\min\left({nested}, {B}\right) \cdot {C}"
    out = wrapped_latex(name("z"), nested)
    assert out.count(r"\begin{array}") > 5
