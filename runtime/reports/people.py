"""Numbers and units as a person reads them, in French.

- Numbers: narrow no-break space (U+202F) between thousands, comma for decimals, precision
  chosen by magnitude (3 significant digits at least, no more than 3 decimals); the full
  precision stays in the JSON and in the xlsx cells (whose display format only rounds).
- Units in words: a spec unit code such as `t_CO2e / ha` is made of declared units (`t`
  "tonne") and substances (`CO2e` "équivalent CO2"); their words come from the spec's own
  declarations (model.json `unit_words`), so `t_CO2e` reads "tonnes équivalent CO2".
- Percentages: a dimensionless rate in [0, 1] (a rabais) is shown as a percentage.
"""
from __future__ import annotations

import math
import re
from typing import Dict, Optional

NNBSP = "\u202f"  # narrow no-break space: French thousands separator (and before %)


def number(v, decimals: Optional[int] = None) -> str:
    """1312320.4 -> '1 312 320'; 167.791 -> '167,8'; 0.1184 -> '0,118'; 1.2e-05 -> '1,2 × 10⁻⁵'."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "oui" if v else "non"
    if isinstance(v, int):
        return _group(str(abs(v)), v < 0)
    v = float(v)
    if not math.isfinite(v):
        return "non calculé" if math.isnan(v) else ("+∞" if v > 0 else "-∞")
    if v == 0:
        return "0"
    a = abs(v)
    if decimals is None:
        if a >= 1000:
            decimals = 0
        elif a >= 100:
            decimals = 1
        elif a >= 1:
            decimals = 2
        elif a >= 0.001:
            decimals = 3 if a >= 0.01 else 4
        else:
            mant, exp = f"{v:.2e}".split("e")
            return mant.replace(".", ",") + " × 10" + _superscript(int(exp))
    text = f"{a:.{decimals}f}"
    if float(text) == 0:
        return "0"
    whole, _, frac = text.partition(".")
    out = _group(whole, v < 0)
    return out + ("," + frac if frac else "")


def _group(digits: str, negative: bool) -> str:
    parts = []
    while len(digits) > 3:
        parts.insert(0, digits[-3:])
        digits = digits[:-3]
    parts.insert(0, digits)
    return ("-" if negative else "") + NNBSP.join(parts)


def _superscript(n: int) -> str:
    return str(n).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))


def percent(v) -> str:
    """0.11840 -> '11,8 %' (one decimal; two below 1 %)."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return number(v)
    p = float(v) * 100
    return number(p, 1 if abs(p) >= 1 or p == 0 else 2) + NNBSP + "%"


def is_rate(unit: str, domain: Optional[dict]) -> bool:
    """A dimensionless quantity declared within [0, 1]: a rate, shown as a percentage."""
    return (unit or "") in ("1", "") and bool(domain) and domain.get("lo") is not None \
        and domain.get("hi") is not None and domain["lo"] >= 0 and domain["hi"] <= 1


def _plural(words: str) -> str:
    head, sep, rest = words.partition(" ")
    if head.endswith(("s", "x", "z")) or head.endswith("%"):
        return words
    if "-" in head:  # cheval-vapeur -> chevaux-vapeur is too rare to handle; keep as declared
        return words
    return head + "s" + sep + rest


def _drop_parentheses(words: str) -> str:
    return re.sub(r"\s*\([^)]*\)", "", words).strip()


def _atom(code: str, words: Dict[str, str], plural: bool) -> str:
    """`t_CO2e` -> 'tonnes équivalent CO2'; `kg_N` -> "kilogrammes d'azote"; unknown -> the code."""
    unit, _, substance = code.strip().partition("_")
    u = words.get(unit)
    if u is None:
        return code.strip().replace("_", " ")
    u = _drop_parentheses(u)
    text = _plural(u) if plural else u
    if substance:
        s = words.get(substance)
        if s is None:
            return f"{text} {substance}"
        if s.startswith(("équivalent", "valeur")):
            return f"{text} {s}" if not s.startswith("valeur") else f"{text} de {s}"
        return f"{text} {'d’' if s[:1].lower() in 'aeiouyhéèêà' else 'de '}{s}"
    return text


def unit_words(unit: Optional[str], words: Dict[str, str]) -> str:
    """A spec unit code in words, from the spec's declarations: `t_CO2e / ha` -> 'tonnes
    équivalent CO2 par hectare'; '1' -> '' (no unit); '%' stays '%'."""
    unit = (unit or "").strip()
    if unit in ("", "1"):
        return ""
    if unit == "%":
        return "%"
    num, _, den = unit.partition("/")
    parts = [" × ".join(_atom(a, words, plural=True) for a in num.split("*") if a.strip() and a.strip() != "1")]
    for d in den.split("/") if den else []:
        parts.append("par " + " × ".join(_atom(a.strip(), words, plural=False) for a in d.split("*")))
    return " ".join(p.strip() for p in parts if p.strip())
