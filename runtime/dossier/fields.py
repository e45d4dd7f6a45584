"""How a dossier input is described to a person: its type or unit, its domain in words,
whether it is required, and the method lines it cites.

One wording for the JSON Schema descriptions, the error messages ("expected a number > 0
(ha)"), the units row of the dossier workbook and the "Format du dossier" docs section, so
the four never disagree.  Inputs are model.json entries.
"""
from __future__ import annotations

from typing import Dict, List, Optional


def class_name(entity: str) -> str:
    """The pydantic class (and JSON Schema definition) name of an entity: farm_year ->
    FarmYear, culture_OS -> CultureOS, so `carbonspec schema` reads as the data model."""
    return "".join(part[:1].upper() + part[1:] for part in entity.split("_") if part)


def domain_text(dom: Optional[dict]) -> str:
    """A numeric domain as a reader says it: '> 0', '>= 0', 'in [0, 14]' ('' if none)."""
    if not dom or (dom.get("lo") is None and dom.get("hi") is None):
        return ""
    lo, hi = dom.get("lo"), dom.get("hi")
    num = lambda v: f"{v:g}"  # noqa: E731
    if hi is None:
        return (">= " if dom["lo_closed"] else "> ") + num(lo)
    if lo is None:
        return ("<= " if dom["hi_closed"] else "< ") + num(hi)
    return f"in {dom['text']}"


def type_text(inp: dict) -> str:
    """Row 2 of a dossier workbook and the 'type/unit' column of the docs: the unit of a
    number (exactly as the spec writes it), else int, bool, enum NAME or key TABLE."""
    if inp["dtype"] == "real":
        return inp["unit"] or "1"
    if inp["dtype"] == "int":
        return "int"
    if inp["dtype"] == "bool":
        return "bool"
    if (inp.get("enum") or "").startswith("key:"):
        return "key " + inp["enum"][4:]
    return "enum " + (inp.get("enum") or "")


def expectation(inp: dict, enums: Dict[str, List[str]]) -> str:
    """What a value of this input must be, in words ('a number > 0 (ha)'): the second half
    of a dossier error, so the message says what to write, not only what is wrong."""
    dom = domain_text(inp.get("domain"))
    if inp["dtype"] == "real":
        unit = inp["unit"] or "1"
        return "a number" + (f" {dom}" if dom else "") + ("" if unit == "1" else f" ({unit})")
    if inp["dtype"] == "int":
        return "an integer" + (f" {dom}" if dom else "")
    if inp["dtype"] == "bool":
        return "true or false"
    enum = inp.get("enum") or ""
    if enum.startswith("key:"):
        return f"a key of annex table '{enum[4:]}'"
    return "one of " + ", ".join(f"'{v}'" for v in enums.get(enum, []))


def method_reference(inp: dict) -> str:
    """Section and lines of the method text an input cites ('6.1.1 L1234')."""
    src = inp.get("source") or {}
    return " ".join(x for x in (src.get("section"), src.get("label"), src.get("text")) if x)


def presence_text(inp: dict) -> str:
    """'required', 'optional' or 'default X' (the value used when the field is absent)."""
    if inp.get("optional"):
        return "optional"
    if inp.get("default") is not None:
        d = inp["default"]
        return "default " + ("true" if d is True else "false" if d is False else f"{d:g}" if isinstance(d, float) else str(d))
    return "required"
