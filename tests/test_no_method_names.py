"""compiler/ and runtime/ name no method (issue 10): no symbol, table, enum or spec file name of
any spec in spec/ appears in their code, as an identifier or inside a string literal.
Comments and docstrings may cite the method (they are where the why is written).

What counts as a name: every input, constant, lookup, equation, criterion, table, enum and enum
value of every compiled spec (generated/<method>/<version>/model.json, kept current by
test_pipeline), and every spec file name.  Matching, to catch real uses without flagging prose:
- identifiers: a name of 2 characters or more with an upper-case letter or an underscore (Sfin,
  RE_aval, type_reference), exactly; plain lower-case words (culture, irrigation) are ordinary words in code too;
- string literals: such a name of 3 characters or more as a word of the literal (f-strings
  included), and a spec file name or an enum value that is the whole literal ("60-rabais",
  "specifique");
- a constant named like a unit (t_C) is not looked for: unit strings are the language's;
- the builtin scenario enum (`scenario`, and the scenario names a timeline declares) is the
  language's own.

ALLOWED lists files another developer is removing; each entry names the file and who empties it."""
import ast
import io
import json
import re
import tokenize
from pathlib import Path

from conftest import ROOT

# files still owned by the parallel cas-type work (issue 10 item 4, developer h10b): their merge
# removes the file / moves the table into the spec, and empties this list
ALLOWED = {}
# words of the domain's common vocabulary that a spec also happens to use as a name: not method
# knowledge where the runtime says them (each with the reason)
COMMON_WORDS = {
    "moyenne": "French for 'mean': how the trace writes the mean(...) aggregate of the language",
    "SOC": "soil organic carbon, a field of the AMG library's own input format (runtime/models/amg/io.py)",
}
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _distinctive(name: str) -> bool:
    return len(name) >= 2 and ("_" in name or name != name.lower())


def spec_names():
    """(names, spec file names, enum values)."""
    names, whole, values = set(), set(), set()
    for model_json in sorted((ROOT / "generated").glob("*/*/model.json")):
        m = json.loads(model_json.read_text(encoding="utf-8"))
        builtin = {m["timelines"][0]["scenario_symbol"]} if m.get("timelines") else set()
        scen = {t["scenario_symbol"] for t in m.get("timelines", [])}
        scen_values = {s["name"] for t in m.get("timelines", []) for s in t["scenarios"]}
        found = {x["name"] for k in ("inputs", "constants", "lookups", "equations") for x in m[k]
                 if not x.get("builtin")}
        found |= set(m["tables"])
        found |= {e for e in m["enums"] if e not in scen | {"scenario"}}
        found |= {v for e, vs in m["enums"].items() if e not in scen | {"scenario"} for v in vs}
        found -= builtin | scen | scen_values
        # a constant named like a unit (t_C) is the language's unit vocabulary in unit strings
        units = {w for k in ("inputs", "constants", "lookups", "equations") for x in m[k]
                 for w in WORD.findall(str(x.get("unit") or ""))}
        names |= found - units
        values |= {v for e, vs in m["enums"].items() if e not in scen | {"scenario"} for v in vs} - scen_values
    for f in (ROOT / "spec").rglob("*.cspec"):
        whole |= {f.name, f.stem}
    return names, whole, values


def _docstring_lines(tree):
    lines = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and body \
                and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            lines.update(range(body[0].lineno, body[0].end_lineno + 1))
    return lines


def _literal_body(token: str) -> str:
    """The text of a string token without its prefix and quotes."""
    m = re.match(r"^[rbuRBUfF]*('{3}|\"{3}|'|\")", token)
    if not m:
        return token
    q = m.group(1)
    return token[m.end():len(token) - len(q)] if token.endswith(q) else token[m.end():]


def offenders():
    names, files, values = spec_names()
    out = []
    for py in sorted(list((ROOT / "compiler").rglob("*.py")) + list((ROOT / "runtime").rglob("*.py"))):
        rel = py.relative_to(ROOT).as_posix()
        src = py.read_text(encoding="utf-8")
        docs = _docstring_lines(ast.parse(src))
        for tok in tokenize.generate_tokens(io.StringIO(src).readline):
            line = tok.start[0]
            if tok.type == tokenize.NAME:
                if tok.string in names and _distinctive(tok.string):
                    out.append((rel, line, tok.string))
            elif tok.type == tokenize.STRING or tok.type == getattr(tokenize, "FSTRING_MIDDLE", -1):
                if line in docs:
                    continue
                body = _literal_body(tok.string)
                hits = {w for w in WORD.findall(body) if w in names and _distinctive(w) and len(w) >= 3}
                whole = body.strip()
                if len(whole) >= 3 and (whole in files or whole in values
                                        or (whole in names and _distinctive(whole))):
                    hits.add(whole)
                hits |= {f for f in files if "-" in f and f in body}
                out += [(rel, line, w) for w in sorted(hits)]
    return out


def test_compiler_and_runtime_name_no_method():
    found = offenders()
    bad = [o for o in found if o[0] not in ALLOWED and o[2] not in COMMON_WORDS]
    assert not bad, "method names in compiler/ or runtime/ (move them into the spec):\n" + \
        "\n".join(f"  {f}:{line}: {name}" for f, line, name in bad)


def test_the_scan_finds_a_planted_name(tmp_path, monkeypatch):
    """The scan is not vacuous: a method symbol in a string literal or as an identifier is found."""
    names, _, values = spec_names()
    assert {"RE_aval", "Sfin", "type_reference"} <= names and "specifique" in values
    src = 'x = {"Sfin_ref": 1}\nRE_aval = 2\n'
    toks = [t.string for t in tokenize.generate_tokens(io.StringIO(src).readline)]
    assert "RE_aval" in toks and any("Sfin_ref" in t for t in toks)


def test_the_allowlist_is_not_stale():
    """An allowed file that no longer names a method (or is gone) must leave ALLOWED."""
    found = {f for f, _, _ in offenders()}
    stale = [f for f in ALLOWED if f not in found]
    assert not stale, f"remove from ALLOWED (no method name left): {stale}"
