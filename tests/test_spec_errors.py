"""Malformed specs: every defect must be reported by `carbonspec check` with exit code 2,
file:line:col, the offending source line with a caret under the column, a helpful
message, and never a traceback.

Each case starts from BASE (a small valid spec in two files) and applies exactly one
edit.  The replacement text carries the marker ``⟨!⟩`` where the error must point; the
marker is removed before the spec is written, and its position gives the expected line
and column, so no location in this file is a hand-counted guess.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Tuple

import pytest

from carbonspec.compiler.cli import main

MARK = "⟨!⟩"

METHOD = "00-method.cspec"
MODEL = "10-model.cspec"

BASE: Dict[str, str] = {
    METHOD: """\
# Minimal method used by tests/test_spec_errors.py
method demo version "1.0"
  title "Méthode de démonstration"
  published 2025-01-01
  source "demo.txt"

unit kg "kilogramme"
unit t = 1000 kg "tonne"
unit ha "hectare"

substance N "azote"
substance N2O_N "azote sous forme de N2O"
substance N2O "protoxyde d'azote"
substance CO2e "équivalent CO2"

entity project "Projet" as project @ 1 L10
entity farm "exploitation" in project as farms @ 1 L11
entity year "année" in farm as years @ 1 L12
entity apport "apport d'engrais" in year as apports @ 1 L13
entity culture "culture" in year as cultures @ 1 L14

timeline year.k @ 1 L20
  scenario reference -3 .. -1 required @ 1 L20 "Référence"
  scenario projet 0 .. 4 @ 1 L21 "Projet"
""",
    MODEL: """\
enum mode { surface "en surface", enfoui "enfoui" } @ 2 L30

input year.Surf : ha > 0 @ 2 L31 "surface"
input year.pH : 1 in [0, 14] optional @ 2 L32 "pH du sol"
input apport.produit : key engrais @ 2 L33 "engrais"
input apport.mode_apport : enum mode default surface @ 2 L34
input apport.QN : kg_N >= 0 default 0 @ 2 L35 "azote apporté"
input apport.inhibiteur : bool default false @ 2 L36
input culture.residus : kg_N >= 0 default 0 @ 2 L37 "azote des résidus"

constant EF1_min = 0.016 [kg_N2O_N / kg_N] @ 2 L40 "facteur d'émission"
constant C_N2O = 44 [kg_N2O] / 28 [kg_N2O_N] @ 2 L41
constant t_per_kg = 0.001 [t / kg] @ 2 L42

table engrais "Annexe — engrais" @ 3 L50
  key produit
  column FE_N : kg_CO2e / kg_N "facteur amont"
  column volatil : kg_N / kg_N optional "fraction volatilisée"
  column nom : text "nom commercial"
table prg "PRG" @ 3 L51
  column PRG_N2O : kg_CO2e / kg_N2O

lookup apport.FE_N = engrais.FE_N[produit] @ 3 L52
lookup apport.volatil = engrais.volatil[produit] @ 3 L53
lookup project.PRG_N2O = prg.PRG_N2O @ 3 L54

equation apport.N2O_direct : kg_N2O_N @ 4 "Équation 1" L60
  = QN * EF1_min * 0.65 when inhibiteur
  = QN * EF1_min

equation apport.E_apport : kg_CO2e @ 4 "Équation 2" L61
  = N2O_direct * C_N2O * PRG_N2O + QN * FE_N when mode_apport == enfoui
  = N2O_direct * C_N2O * PRG_N2O + QN * FE_N * (1 + volatil) when known(volatil)
  = N2O_direct * C_N2O * PRG_N2O

equation year.N2O_residus : kg_N2O_N @ 4 "Équation 3" L62
  = sum(culture: residus) * EF1_min

equation year.facteur_pH : 1 @ 4 "Équation 4" L63
  = 0.9 when known(pH) and pH < 6.5
  = 1

equation year.E_annee : t_CO2e @ 4 "Équation 5" L64
  = (sum(apport: E_apport) + N2O_residus * C_N2O * PRG_N2O) * t_per_kg * facteur_pH

equation year.E_ha : t_CO2e / ha @ 4 "Équation 6" L65
  = E_annee / Surf

equation farm.RE : t_CO2e @ 4 "Équation 7" L66
  = sum(year where scenario == reference: E_ha * Surf) / 3 - sum(year where scenario == projet: E_ha * Surf) / 5

equation project.RE_total : t_CO2e @ 4 "Équation 8" L67
  = sum(farm: RE)

invariant QN_reference : increasing RE_total in apport.QN where scenario == reference @ 4 L68
""",
}


@dataclass(frozen=True)
class Case:
    id: str
    file: str
    old: str          # text of BASE[file] to replace (must occur exactly once)
    new: str          # replacement, with MARK where the error must point
    expect: Tuple[str, ...]  # message fragments that must appear in that error's block
    to_end: bool = False     # replace from `old` to the end of the file (truncation)


def C(id, file, old, new, *expect, to_end=False):
    return Case(id, file, old, new, tuple(expect), to_end)


N2O_DIRECT_DEFAULT = "  = QN * EF1_min\n"
E_APPORT_MID = "  = N2O_direct * C_N2O * PRG_N2O + QN * FE_N * (1 + volatil) when known(volatil)\n"
RE_BODY = "  = sum(year where scenario == reference: E_ha * Surf) / 3 - sum(year where scenario == projet: E_ha * Surf) / 5\n"
E_ANNEE_BODY = "  = (sum(apport: E_apport) + N2O_residus * C_N2O * PRG_N2O) * t_per_kg * facteur_pH\n"
FACTEUR_PH_WHEN = "  = 0.9 when known(pH) and pH < 6.5\n"

CASES = [
    # ------------------------------------------------------------ syntax --
    C("syntax_missing_equals", MODEL,
      "constant EF1_min = 0.016",
      f"constant EF1_min {MARK}0.016",
      "syntax error", "unexpected '0.016'", "expected", "'='"),
    C("syntax_unbalanced_parenthesis", MODEL,
      E_APPORT_MID,
      f"  = N2O_direct * C_N2O * PRG_N2O + QN * FE_N * (1 + volatil {MARK}when known(volatil)\n",
      "syntax error", "unexpected 'when'", "')'"),
    C("syntax_extra_closing_parenthesis", MODEL,
      N2O_DIRECT_DEFAULT,
      f"  = QN * EF1_min{MARK})\n",
      "syntax error", "unexpected ')'"),
    C("syntax_stray_character", MODEL,
      N2O_DIRECT_DEFAULT,
      f"  = QN {MARK}$ EF1_min\n",
      "syntax error", "unexpected character '$'"),
    C("syntax_unexpected_eof", MODEL,
      "  = sum(farm: RE)\n",
      f"  = sum(farm: {MARK}\n",
      "syntax error", "unexpected end of file", "expected",
      to_end=True),
    C("syntax_assign_instead_of_compare_in_where", MODEL,
      RE_BODY,
      "  = sum(year where scenario " + MARK + "= reference: E_ha * Surf) / 3"
      " - sum(year where scenario == projet: E_ha * Surf) / 5\n",
      "syntax error", "'='", "'=='"),
    C("syntax_misspelled_keyword", MODEL,
      "equation year.N2O_residus",
      f"{MARK}equaton year.N2O_residus",
      "syntax error", "unexpected 'equaton'", "did you mean 'equation'"),
    C("syntax_missing_colon_before_unit", MODEL,
      "equation year.E_annee : t_CO2e",
      f"equation year.E_annee {MARK}t_CO2e",
      "syntax error", "unexpected 't_CO2e'", "':'"),
    # '=' for '==' after 'when' still parses ('= enfoui' reads as a new branch), so the
    # checker must catch it: the condition is not a boolean, and the hint should say '=='.
    C("when_assign_instead_of_compare", MODEL,
      "QN * FE_N when mode_apport == enfoui",
      f"QN * FE_N when {MARK}mode_apport = enfoui",
      "'when' condition must be true or false", "'=='"),
    # ------------------------------------------------------------- names --
    C("unknown_name_with_suggestion", MODEL,
      N2O_DIRECT_DEFAULT,
      f"  = QN * {MARK}EF1_mn\n",
      "unknown name 'EF1_mn'", "did you mean 'EF1_min'"),
    C("unknown_unit_with_suggestion", MODEL,
      "equation apport.N2O_direct : kg_N2O_N",
      f"equation apport.N2O_direct : {MARK}kg_N2O_M",
      "unknown unit 'kg_N2O_M'", "did you mean 'kg_N2O_N'"),
    C("unknown_unit_in_literal", MODEL,
      "constant EF1_min = 0.016 [kg_N2O_N / kg_N]",
      f"constant EF1_min = 0.016 [kg_N2O_N / {MARK}kgN]",
      "unknown unit 'kgN'", "did you mean"),
    C("unknown_entity", MODEL,
      "input year.Surf",
      f"input {MARK}yeer.Surf",
      "unknown entity 'yeer'", "did you mean 'year'"),
    C("unknown_entity_in_aggregate", MODEL,
      "  = sum(culture: residus) * EF1_min\n",
      f"  = sum({MARK}cultur: residus) * EF1_min\n",
      "unknown entity 'cultur'", "did you mean 'culture'"),
    C("unknown_parent_entity", METHOD,
      'entity apport "apport d\'engrais" in year',
      f'entity apport "apport d\'engrais" in {MARK}yaer',
      "unknown parent entity 'yaer'", "did you mean 'year'"),
    C("unknown_enum_type", MODEL,
      "input apport.mode_apport : enum mode",
      f"input apport.mode_apport : enum {MARK}mdoe",
      "unknown enum 'mdoe'", "did you mean 'mode'"),
    C("unknown_table", MODEL,
      "lookup apport.FE_N = engrais.FE_N[produit]",
      f"lookup apport.FE_N = {MARK}engrai.FE_N[produit]",
      "unknown table 'engrai'", "did you mean 'engrais'"),
    C("unknown_table_column", MODEL,
      "lookup apport.FE_N = engrais.FE_N[produit]",
      f"lookup apport.FE_N = engrais.{MARK}FE_M[produit]",
      "no column 'FE_M'", "did you mean 'FE_N'"),
    C("unknown_function", MODEL,
      N2O_DIRECT_DEFAULT,
      f"  = QN * EF1_min * {MARK}expo(0)\n",
      "unknown function 'expo'", "did you mean 'exp'"),
    C("invariant_unknown_target", MODEL,
      "invariant QN_reference : increasing RE_total",
      f"invariant QN_reference : increasing {MARK}RE_totl",
      "invariant target 'RE_totl'", "did you mean 'RE_total'"),
    # ----------------------------------------------------------- lookups --
    C("lookup_wrong_number_of_keys", MODEL,
      "lookup apport.FE_N = engrais.FE_N[produit]",
      f"lookup apport.FE_N = engrais.FE_N{MARK}[produit, mode_apport]",
      "keyed by 1 column", "gives 2"),
    C("lookup_unknown_key_input", MODEL,
      "lookup apport.FE_N = engrais.FE_N[produit]",
      f"lookup apport.FE_N = engrais.FE_N[{MARK}produt]",
      "unknown key input 'produt'", "did you mean 'produit'"),
    C("lookup_key_not_key_or_enum_input", MODEL,
      "lookup apport.FE_N = engrais.FE_N[produit]",
      f"lookup apport.FE_N = engrais.FE_N[{MARK}QN]",
      "'QN' cannot key table 'engrais'", "expected a 'key' or 'enum' input"),
    C("lookup_key_of_child_entity", MODEL,
      "lookup project.PRG_N2O = prg.PRG_N2O @ 3 L54\n",
      "lookup project.PRG_N2O = prg.PRG_N2O @ 3 L54\n"
      f"lookup year.FE_N_annee = engrais.FE_N[{MARK}produit] @ 3 L55\n",
      "key input 'produit' belongs to entity 'apport'"),
    C("lookup_text_column", MODEL,
      "lookup apport.volatil = engrais.volatil[produit]",
      f"lookup apport.volatil = engrais.{MARK}nom[produit]",
      "column 'nom' is text"),
    # ------------------------------------------------------------- units --
    C("equation_unit_differs_from_declared", MODEL,
      E_ANNEE_BODY,
      f"  = {MARK}(sum(apport: E_apport) + N2O_residus * C_N2O * PRG_N2O) * facteur_pH\n",
      "declares unit t_CO2e", "kg_CO2e"),
    C("sum_of_kg_N_and_kg_N2O_N", MODEL,
      N2O_DIRECT_DEFAULT,
      f"  = QN * EF1_min {MARK}+ QN\n",
      "sum of different units", "kg_N2O_N + kg_N"),
    C("difference_of_different_units", MODEL,
      RE_BODY,
      "  = sum(year where scenario == reference: E_ha * Surf) / 3 "
      + MARK + "- sum(year where scenario == projet: E_ha) / 5\n",
      "difference of different units", "t_CO2e - t_CO2e/ha"),
    C("comparison_of_different_units", MODEL,
      "QN * FE_N when mode_apport == enfoui",
      f"QN * FE_N when QN {MARK}> N2O_direct",
      "comparison of different units", "kg_N > kg_N2O_N"),
    C("exp_of_dimensioned_value", MODEL,
      N2O_DIRECT_DEFAULT,
      f"  = QN * EF1_min * exp({MARK}QN)\n",
      "'exp' needs a dimensionless argument", "kg_N"),
    C("exponent_with_unit", MODEL,
      N2O_DIRECT_DEFAULT,
      f"  = QN * EF1_min * 2 ^ {MARK}QN\n",
      "exponent must be dimensionless"),
    C("min_of_different_units", MODEL,
      N2O_DIRECT_DEFAULT,
      f"  = min(QN * EF1_min, {MARK}QN)\n",
      "'min' of different units"),
    C("if_branches_with_different_units", MODEL,
      N2O_DIRECT_DEFAULT,
      f"  = {MARK}if inhibiteur then QN * EF1_min else QN\n",
      "'if' branches have different units", "kg_N2O_N and kg_N"),
    C("wrong_conversion_factor_in_constant", MODEL,
      "constant t_per_kg = 0.001 [t / kg]",
      f"constant t_per_kg = {MARK}100 [kg_CO2e / t_CO2e]",
      "conversion factor 100", "is wrong", "1000"),
    C("wrong_conversion_factor_in_equation", MODEL,
      E_ANNEE_BODY,
      "  = (sum(apport: E_apport) + N2O_residus * C_N2O * PRG_N2O) * "
      + MARK + "0.01 [t / kg] * facteur_pH\n",
      "conversion factor 0.01", "is wrong", "1/1000"),
    C("unit_that_is_a_number", MODEL,
      "input year.Surf : ha > 0",
      f"input year.Surf : {MARK}5 > 0",
      "a unit cannot be the number 5"),
    C("duplicate_unit", METHOD,
      'unit ha "hectare"\n',
      f'unit ha "hectare"\nunit {MARK}kg "kilogramme encore"\n',
      "duplicate definition", "'kg'"),
    # ------------------------------------------------------------ graph --
    C("dependency_cycle_two_equations", MODEL,
      'equation year.facteur_pH : 1 @ 4 "Équation 4" L63\n' + FACTEUR_PH_WHEN,
      f'equation year.{MARK}facteur_pH : 1 @ 4 "Équation 4" L63\n'
      "  = 0.9 when known(pH) and pH < 6.5 and E_annee > 0\n",
      "dependency cycle", "facteur_pH -> E_annee -> facteur_pH"),
    C("dependency_cycle_self_reference", MODEL,
      'equation apport.N2O_direct : kg_N2O_N @ 4 "Équation 1" L60\n'
      "  = QN * EF1_min * 0.65 when inhibiteur\n" + N2O_DIRECT_DEFAULT,
      f'equation apport.{MARK}N2O_direct : kg_N2O_N @ 4 "Équation 1" L60\n'
      "  = QN * EF1_min * 0.65 when inhibiteur\n  = QN * EF1_min + N2O_direct\n",
      "dependency cycle", "N2O_direct -> N2O_direct"),
    # ----------------------------------------------------------- indices --
    C("bad_index_child_symbol_in_parent", MODEL,
      E_ANNEE_BODY,
      f"  = ({MARK}E_apport + N2O_residus * C_N2O * PRG_N2O) * t_per_kg * facteur_pH\n",
      "bad index", "'E_apport' is defined per apport", "sum(apport:"),
    C("bad_index_aggregate_over_grandchild", MODEL,
      "  = sum(farm: RE)\n",
      f"  = sum(farm: RE) + sum({MARK}year: E_annee)\n",
      "bad index", "over 'year' from project", "only direct children"),
    C("bad_index_sibling_entity_symbol", MODEL,
      N2O_DIRECT_DEFAULT,
      f"  = {MARK}residus * EF1_min\n",
      "bad index", "'residus' is defined per culture"),
    C("per_entity_symbol_in_constant", MODEL,
      "constant t_per_kg = 0.001 [t / kg]",
      f"constant t_per_kg = 0.001 [t / kg] * {MARK}QN / QN",
      "'QN' is defined per apport", "a constant can only use"),
    # ------------------------------------------------------- duplicates --
    C("duplicate_input", MODEL,
      "input culture.residus",
      f"input year.{MARK}QN : kg_N >= 0 @ 2 L38\ninput culture.residus",
      "duplicate definition of 'QN'", "first defined at"),
    C("duplicate_input_same_entity", MODEL,
      "input apport.inhibiteur",
      f"input apport.{MARK}QN : kg_N >= 0 default 0 @ 2 L35\ninput apport.inhibiteur",
      "duplicate definition of 'QN'", "first defined at"),
    C("duplicate_equation", MODEL,
      "invariant QN_reference",
      f'equation year.{MARK}E_ha : t_CO2e / ha @ 4 "Équation 6bis" L69\n  = E_annee / Surf\n\n'
      "invariant QN_reference",
      "duplicate definition of 'E_ha'", "first defined at"),
    C("duplicate_entity", METHOD,
      "\ntimeline year.k",
      f'entity {MARK}year "année bis" in farm as years2 @ 1 L15\n\ntimeline year.k',
      "duplicate definition of 'year'", "first defined at"),
    C("duplicate_symbol_constant_and_input", MODEL,
      "constant t_per_kg",
      f"constant {MARK}QN = 1 [kg_N] @ 2 L43\nconstant t_per_kg",
      "duplicate definition of 'QN'"),
    # ---------------------------------------------------- enums, bools --
    C("enum_compare_unknown_value", MODEL,
      "when mode_apport == enfoui",
      f"when mode_apport == {MARK}enfuoi",
      "'enfuoi' is not a value of mode", "did you mean 'enfoui'"),
    C("scenario_compare_unknown_value", MODEL,
      RE_BODY,
      "  = sum(year where scenario == " + MARK + "referense: E_ha * Surf) / 3"
      " - sum(year where scenario == projet: E_ha * Surf) / 5\n",
      "'referense' is not a value of scenario", "did you mean 'reference'"),
    C("enum_ordered_comparison", MODEL,
      "when mode_apport == enfoui",
      f"when mode_apport {MARK}< enfoui",
      "enum values can only be compared with == or !="),
    C("non_boolean_when", MODEL,
      "  = QN * EF1_min * 0.65 when inhibiteur\n",
      f"  = QN * EF1_min * 0.65 when {MARK}QN\n",
      "'when' condition must be true or false"),
    C("non_boolean_aggregate_where", MODEL,
      RE_BODY,
      "  = sum(year where " + MARK + "Surf: E_ha * Surf) / 3"
      " - sum(year where scenario == projet: E_ha * Surf) / 5\n",
      "'where' filter must be true or false"),
    C("aggregate_of_boolean", MODEL,
      "  = sum(culture: residus) * EF1_min\n",
      f"  = sum(culture: residus) * EF1_min + sum(apport: {MARK}inhibiteur) * 1 [kg_N2O_N]\n",
      "needs a number to aggregate", "bool"),
    C("bool_input_with_domain", MODEL,
      "input apport.inhibiteur : bool default false",
      f"input apport.inhibiteur : bool {MARK}>= 0 default false",
      "bool input ('inhibiteur') cannot have a numeric domain"),
    C("optional_bool_input", MODEL,
      "input apport.inhibiteur : bool default false",
      f"input apport.inhibiteur : bool {MARK}optional",
      "only number and key/enum inputs can be optional"),
    # ---------------------------------------------------------- branches --
    C("last_branch_has_when", MODEL,
      "  = QN * EF1_min * 0.65 when inhibiteur\n" + N2O_DIRECT_DEFAULT,
      f"  {MARK}= QN * EF1_min * 0.65 when inhibiteur\n",
      "no default branch", "the last branch must have no 'when'"),
    C("middle_branch_without_when", MODEL,
      E_APPORT_MID,
      f"  {MARK}= N2O_direct * C_N2O * PRG_N2O + QN * FE_N * (1 + volatil)\n",
      "only the last branch of an equation may omit 'when'"),
    # ----------------------------------------------------------- sources --
    C("equation_without_source", MODEL,
      'equation year.N2O_residus : kg_N2O_N @ 4 "Équation 3" L62',
      f"{MARK}equation year.N2O_residus : kg_N2O_N",
      "equation 'N2O_residus' has no source reference"),
    C("constant_without_source", MODEL,
      "constant t_per_kg = 0.001 [t / kg] @ 2 L42",
      f"{MARK}constant t_per_kg = 0.001 [t / kg]",
      "constant 't_per_kg' has no source reference"),
    C("constant_source_without_line", MODEL,
      "constant t_per_kg = 0.001 [t / kg] @ 2 L42",
      f'{MARK}constant t_per_kg = 0.001 [t / kg] @ 2 "conversion"',
      "constant 't_per_kg' has no source reference with a line"),
    # ---------------------------------------------------- inputs, values --
    C("default_outside_domain", MODEL,
      "input apport.QN : kg_N >= 0 default 0",
      f"input apport.QN : kg_N >= 0 default {MARK}-5",
      "default -5 of 'QN' is outside its domain"),
    C("enum_default_not_a_value", MODEL,
      "input apport.mode_apport : enum mode default surface",
      f"input apport.mode_apport : enum mode default {MARK}surfase",
      "default 'surfase' is not a value of enum 'mode'", "did you mean 'surface'"),
    C("wrong_arity_max", MODEL,
      N2O_DIRECT_DEFAULT,
      f"  = {MARK}max(QN) * EF1_min\n",
      "'max' takes at least 2 argument(s), got 1"),
    C("wrong_arity_exp", MODEL,
      N2O_DIRECT_DEFAULT,
      f"  = QN * EF1_min * {MARK}exp(1, 2)\n",
      "'exp' takes 1 argument(s), got 2"),
    C("known_on_non_optional_input", MODEL,
      "QN * FE_N when mode_apport == enfoui",
      f"QN * FE_N when {MARK}known(QN)",
      "known() takes a table lookup or an optional input"),
    C("string_compared_with_number", MODEL,
      "QN * FE_N when mode_apport == enfoui",
      f"QN * FE_N when QN {MARK}== \"enfoui\"",
      "a string can only be compared with an enum or key input"),
    # -------------------------------------------------- entities, timeline --
    C("two_root_entities", METHOD,
      'entity farm "exploitation" in project as farms',
      f'{MARK}entity farm "exploitation" as farms',
      "exactly one root entity", "project, farm"),
    C("scenario_ranges_overlap", METHOD,
      "  scenario projet 0 .. 4",
      f"  {MARK}scenario projet -1 .. 4",
      "scenario 'projet' overlaps scenario 'reference'"),
    C("scenario_range_empty", METHOD,
      "  scenario projet 0 .. 4",
      f"  {MARK}scenario projet 4 .. 0",
      "scenario 'projet' range 4 .. 0 is empty"),
    C("timeline_unknown_entity", METHOD,
      "timeline year.k",
      f"timeline {MARK}yera.k",
      "unknown entity 'yera'", "did you mean 'year'"),
]


def _apply(case: Case) -> Tuple[str, int, int, str]:
    """The defective text of case.file, and the (line, column, source line) of MARK."""
    base = BASE[case.file]
    assert base.count(case.old) == 1, f"{case.id}: {case.old!r} must occur exactly once in {case.file}"
    assert case.new.count(MARK) == 1, f"{case.id}: the replacement must carry exactly one marker"
    start = base.index(case.old)
    end = len(base) if case.to_end else start + len(case.old)
    marked = base[:start] + case.new + base[end:]
    pos = marked.index(MARK)
    text = marked.replace(MARK, "")
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    src = text.splitlines()[line - 1]
    return text, line, col, src


def _write(folder: Path, files: Dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _check(folder: Path, capsys) -> Tuple[int, str, str]:
    code = main(["check", str(folder)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


_HEADER = re.compile(r"^\S.*:\d+:\d+: (error|warning): ")


def _error_block(lines, start: int) -> str:
    """The lines of one rendered error: its header, the source and caret lines, the hint."""
    block = [lines[start]]
    for ln in lines[start + 1:]:
        if _HEADER.match(ln) or re.match(r"^\d+ error\(s\)$", ln) or ln.startswith("error: "):
            break
        block.append(ln)
    return "\n".join(block)


def test_base_spec_is_valid(tmp_path, capsys):
    folder = _write(tmp_path / "spec", BASE)
    code, out, err = _check(folder, capsys)
    assert code == 0, err
    assert "demo v1.0" in out and "OK" in out
    assert "error" not in err
    assert "warning" not in err, err  # the base spec uses every input and lookup
    assert "Traceback" not in out + err


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_malformed_spec(case: Case, tmp_path, capsys):
    text, line, col, src = _apply(case)
    files = dict(BASE)
    files[case.file] = text
    folder = _write(tmp_path / "spec", files)
    path = folder / case.file

    code, out, err = _check(folder, capsys)

    assert "Traceback" not in out + err
    assert "internal error" not in err, err
    assert "$END" not in err.upper(), f"parser jargon ('$END') instead of 'end of file':\n{err}"
    assert code == 2, f"exit code {code}\n{err}"
    where = f"{path}:{line}:{col}: error: "
    lines = err.splitlines()
    heads = [i for i, ln in enumerate(lines) if ln.startswith(where)]
    assert heads, f"expected an error at {path.name}:{line}:{col} (under {src[col - 1:col + 12]!r}), got:\n{err}"
    i = heads[0]
    assert lines[i + 1] == f"  {line:>4} | {src}", f"no source line after the header:\n{err}"
    assert lines[i + 2] == "       | " + " " * (col - 1) + "^", f"caret not under column {col}:\n{err}"
    block = _error_block(lines, i)
    for fragment in case.expect:
        assert fragment in block, f"{fragment!r} not in the error message:\n{block}"


def test_folder_without_cspec_files(tmp_path, capsys):
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a spec\n", encoding="utf-8")
    code, out, err = _check(folder, capsys)
    assert "Traceback" not in out + err
    assert code == 2, err
    assert "no .cspec files" in err
    assert str(folder) in err


def test_missing_spec_folder(tmp_path, capsys):
    folder = tmp_path / "nowhere"
    code, out, err = _check(folder, capsys)
    assert "Traceback" not in out + err
    assert code == 2, err
    assert "does not exist" in err
    assert str(folder) in err


def test_enough_cases():
    assert len(CASES) >= 35
    assert len({c.id for c in CASES}) == len(CASES)
