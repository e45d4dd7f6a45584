"""The docs site of a method version: several small static pages, offline.

Pages (all in generated/<m>/v<v>/docs/):
  index.html            the method, a search box, the index by Équation / Tableau / Annexe
                        number, the entities and the calendar
  equation-5.html ...   one page per number as the method numbers it (Équation 5 with all
                        its terms), tableau-5.html for eligibility criteria and co-benefit
                        tables, section-6.1.1.html for the items the method does not number;
                        each item shows its formula, the method's own lines it cites, what it
                        uses and what uses it
  symbols.html          the alphabetical list of symbols and the enumerations
  symbols-input.html …  one page per kind (inputs, constants, lookups, equations, builtins):
                        every symbol's definition, source, quoted text, used by
  annexes.html          the annex tables, with every row's value, source and status
  rules.html            reading choices, eligibility, co-benefits, invariants, retroactivity
  dossier.html          the dossier format
  docs.css, docs.js, search-index.js   shared style, the search and link behaviour, the index

Everything is deterministic (committed and checked against a fresh build) and nothing
refers to the network: search-index.js is a script, not a fetch, so it works from file://.
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from ..model import Model, Symbol
from . import excerpts as X
from . import views as V
from .formula import equation_mathml

ASSETS = Path(__file__).parent / "assets"

_NUMBERED = re.compile(r"^(Équations?|Tableaux?)\s+(\d+)(?:\s*-\s*(\d+))?$")
_ANNEX = re.compile(r"Annexe\s+(\d+(?:bis)?)")


# ---------------------------------------------------------------- groups --
def group_of(sym: Symbol) -> Tuple[str, str, tuple]:
    """(page slug, title, sort key) of the page an equation sits on: its number as the
    method prints it, else its section."""
    label = (sym.source.label if sym.source else None) or ""
    m = _NUMBERED.match(label.strip())
    if m:
        kind = "equation" if m.group(1).startswith("Équation") else "tableau"
        first, last = int(m.group(2)), m.group(3)
        if last:
            plural = "Équations" if kind == "equation" else "Tableaux"
            return f"{kind}s-{first}-{last}", f"{plural} {first}-{last}", (kind, first, 1)
        return f"{kind}-{first}", f"{'Équation' if kind == 'equation' else 'Tableau'} {first}", (kind, first, 0)
    sec = V.section(sym.source) or "autres"
    slug = "section-" + re.sub(r"[^A-Za-z0-9.]+", "-", _ascii(sec)).strip("-").lower()
    return slug, f"Section {sec}" if sec != "autres" else "Sans section", ("section", V._section_key(sec), 0)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _number_of(label: Optional[str]) -> Optional[Tuple[str, int]]:
    m = _NUMBERED.match((label or "").strip())
    if not m:
        return None
    return ("Équation" if m.group(1).startswith("Équation") else "Tableau", int(m.group(2)))


# ------------------------------------------------------------------ site --
class Site:
    """Everything the pages show, computed once."""

    def __init__(self, model: Model, annexes=None):
        self.model = model
        self.excerpts = X.load(model)
        self.used_by = V._used_by(model)
        self.groups: Dict[str, dict] = {}
        self.page_of: Dict[str, str] = {}
        for sym in model.equations():
            slug, title, key = group_of(sym)
            g = self.groups.setdefault(slug, {"slug": slug, "title": title, "key": key, "equations": []})
            g["equations"].append(sym)
            self.page_of[sym.name] = slug
        for g in self.groups.values():
            # the number's own formula first, then its terms: reverse evaluation order
            g["equations"].reverse()
        self.annexes = annexes
        # a choice shared by several equations is anchored (choix-A25) on the first card
        # that shows it, in page order; the other cards get choix-A25-<symbol>
        self.choice_first: Dict[str, str] = {}
        for g in self.ordered_groups():
            for sym in g["equations"]:
                for c in getattr(sym.decl, "choices", ()):
                    self.choice_first.setdefault(c.id, sym.name)

    def choice_href(self, cid: str) -> str:
        first = self.choice_first[cid]
        return f"{self.page_of[first]}.html#choix-{cid}"

    # ---- links
    def href(self, name: str) -> str:
        """Where a symbol is defined: its equation's card, else its row in the symbol
        page of its kind."""
        if name in self.page_of:
            return f"{self.page_of[name]}.html#eq-{name}"
        if name in self.model.symbols:
            return self.row_href(name)
        return ""

    def row_href(self, name: str) -> str:
        """A symbol's row in the symbol table of its kind (symbols-<kind>.html)."""
        kind = self.model.symbols[name].kind
        return f"{symbol_page(kind if kind in KNOWN_KINDS else 'other')}#sym-{name}"

    def quote(self, source) -> List[dict]:
        return X.quote(self.excerpts, source)

    def caption(self, title: str) -> Optional[dict]:
        """The method's own caption of a number ('Équation 5' -> its line and words)."""
        return self.excerpts.get("captions", {}).get(title)

    # ---- views
    def equation_card(self, sym: Symbol) -> dict:
        view = V._equation_view(self.model, sym)
        view["mathml"] = equation_mathml(self.model, sym, self.href)
        view["uses"] = [{"name": n, "href": self.href(n)} for n in view["uses"]]
        view["used_by"] = [{"name": n, "href": self.href(n)} for n in self.used_by.get(sym.name, [])]
        view["quote"] = self.quote(sym.source)
        view["label"] = (sym.source.label if sym.source else "") or ""
        choices = []
        for c in view["choices"]:
            first = self.choice_first[c["id"]]
            # one anchor per choice: its first equation; the others get their own id
            c = dict(c, anchor=f"choix-{c['id']}" if first == sym.name else f"choix-{c['id']}-{sym.name}",
                     quote=self.quote(next((x.source for x in sym.decl.choices if x.id == c["id"]), None)))
            choices.append(c)
        view["choices"] = choices
        return view

    def ordered_groups(self) -> List[dict]:
        order = {"equation": 0, "tableau": 1, "section": 2}
        return sorted(self.groups.values(), key=lambda g: (order[g["key"][0]], g["key"][1], g["key"][2]))

    def number_index(self) -> Dict[str, List[dict]]:
        """The index by number: Équations and Tableaux (pages, and symbols citing the
        number), Annexes (tables and the retroactivity table)."""
        eqs, tabs = [], []
        for g in self.ordered_groups():
            if g["key"][0] == "section":
                continue
            entry = {"title": g["title"], "href": g["slug"] + ".html", "count": len(g["equations"]),
                     "caption": (self.caption(g["title"]) or {}).get("text", ""), "symbols": [], "absent": False}
            (eqs if g["key"][0] == "equation" else tabs).append(entry)
        have = {e["title"] for e in eqs + tabs}
        # inputs, constants and lookups citing a table number the equations do not
        extra: Dict[str, List[str]] = defaultdict(list)
        for s in self.model.symbols.values():
            if s.kind == "equation" or s.source is None:
                continue
            num = _number_of(s.source.label)
            if num:
                extra[f"{num[0]} {num[1]}"].append(s.name)
        for title, names in extra.items():
            entries = eqs if title.startswith("Équation") else tabs
            found = next((e for e in entries if e["title"] == title), None)
            if found is None:
                found = {"title": title, "href": "", "count": 0,
                         "caption": (self.caption(title) or {}).get("text", ""), "symbols": [], "absent": False}
                entries.append(found)
            found["symbols"] = [{"name": n, "href": self.href(n)} for n in sorted(names, key=str.lower)]
        # numbers the method has and the spec does not cite: shown, so a gap is visible
        for title, cap in self.excerpts.get("captions", {}).items():
            if title.startswith("Équation ") and title not in have and title not in extra:
                eqs.append({"title": title, "href": "", "count": 0, "caption": cap["text"], "symbols": [],
                            "absent": True})
        key = lambda e: int(re.search(r"\d+", e["title"]).group())
        annexes: Dict[str, List[dict]] = defaultdict(list)
        for t in self.model.tables.values():
            for text in (t.description or "", V.section(t.source)):
                m = _ANNEX.search(text)
                if m:
                    annexes[m.group(1)].append({"name": t.name, "href": f"annexes.html#table-{t.name}",
                                                "description": t.description or ""})
                    break
        if self.model.retroactivity:
            annexes["2"].append({"name": "rétroactivité", "href": "rules.html#retroactivite",
                                 "description": "Annexe 2 — rétroactivité des mises à jour"})
        akey = lambda n: (int(re.match(r"\d+", n).group()), n)
        return {"equations": sorted(eqs, key=key), "tableaux": sorted(tabs, key=key),
                "annexes": [{"title": f"Annexe {n}", "tables": annexes[n]} for n in sorted(annexes, key=akey)]}

    def search_index(self) -> List[list]:
        """[text to match, name, label, kind, url] per entry: pages by number, equations,
        symbols, tables; the text holds the name (underscores as spaces), label,
        description and, for a page, the method's caption."""
        entries = []

        def add(name, label, kind, url, *texts):
            words = " ".join([name, name.replace("_", " "), label, *texts])
            entries.append([_fold(words), name, label, kind, url])

        for g in self.ordered_groups():
            cap = (self.caption(g["title"]) or {}).get("text", "")
            add(g["title"], cap, "page", g["slug"] + ".html")
        for s in self.model.symbols.values():
            label = (s.source.label if s.source else "") or ""
            add(s.name, label, V.KIND_NAMES.get(s.kind, s.kind), self.href(s.name), s.description or "",
                s.label or "")
        for t in self.model.tables.values():
            add(t.name, t.description or "", "table", f"annexes.html#table-{t.name}")
        return entries


def _first_lines(quote: List[dict], n: int) -> List[dict]:
    """A quote cut to n lines per cited range (the symbol table stays light; the
    equation pages quote in full)."""
    out = []
    for part in quote:
        rest = len(part["lines"]) - n
        out.append(dict(part, lines=part["lines"][:n] + ([(0, f"… {rest} ligne(s) de plus")] if rest > 0 else [])))
    return out


def _fold(text: str) -> str:
    """Lower case without accents: what the search compares (docs.js folds the query alike)."""
    return _ascii(text).lower()


# ----------------------------------------------------------------- write --
KNOWN_KINDS = {k for k, _ in V.KINDS}


def symbol_page(kind: str) -> str:
    return f"symbols-{kind}.html"


def write_site(model: Model, out_dir: Path, annexes=None) -> List[Path]:
    """Write every page and asset; return the paths (deterministic order)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    site = Site(model, annexes)
    env = V._environment(True)
    common = V.build_context(model)
    common.update({
        "site_groups": [{"slug": g["slug"], "title": g["title"], "kind": g["key"][0]} for g in site.ordered_groups()],
        "href": site.href,
        "row_href": lambda n: site.row_href(n) if n in model.symbols else "",
        "has_text": bool(site.excerpts.get("lines")),
        "text_source": site.excerpts.get("source", ""),
        "text_sha": site.excerpts.get("sha256", ""),
    })
    written: List[Path] = []

    def page(template: str, name: str, **extra) -> None:
        text = env.get_template(template).render({**common, **extra, "page": name})
        path = out_dir / name
        path.write_bytes((text.rstrip("\n") + "\n").encode("utf-8"))
        written.append(path)

    page("docs_home.html.j2", "index.html", index=site.number_index())
    for g in site.ordered_groups():
        cap = site.caption(g["title"])
        cards = [site.equation_card(s) for s in g["equations"]]
        page("docs_group.html.j2", g["slug"] + ".html", group=g, caption=cap, cards=cards)
    sym_groups = V._symbol_groups(model)
    for grp in sym_groups:
        for s in grp["symbols"]:
            # an equation's lines are quoted on its own page, beside its formula
            sym = model.symbols[s["name"]]
            s["quote"] = _first_lines(site.quote(sym.source), 8) if sym.kind != "equation" else []
    kinds = [{"kind": g["kind"], "title": g["title"], "count": len(g["symbols"]), "page": symbol_page(g["kind"])}
             for g in sym_groups]
    page("docs_symbols_index.html.j2", "symbols.html", symbol_kinds=kinds,
         symbol_links=[{"name": n, "href": site.row_href(n)} for n in common["symbol_index"]])
    for g in sym_groups:
        page("docs_symbols.html.j2", symbol_page(g["kind"]), group=g, symbol_kinds=kinds)
    page("docs_annexes.html.j2", "annexes.html", annex=V._annex_view(model, annexes))
    choices: Dict[str, dict] = {}
    for c in common["choices"]:
        ch = choices.setdefault(c["id"], dict(c, symbols=[], href=site.choice_href(c["id"])))
        ch["symbols"].append({"name": c["symbol"], "label": c["label"], "href": site.href(c["symbol"])})
    criteria = [{"name": s.name, "title": s.criterion.title, "evidence": list(s.criterion.evidence),
                 "href": site.href(s.name), "lines": V.lines(s.source), "section": V.section(s.source),
                 "quote": site.quote(s.source)}
                for s in model.equations() if s.criterion is not None]
    retro = [{"section": r.section, "change": r.change, "retroactive": r.retroactive, "lines": V.lines(r.source),
              "items": [{"name": n, "href": site.href(n)}
                        for n in (list(r.covers) if r.covers else model.items_of_section(r.section))]}
             for r in model.retroactivity]
    page("docs_rules.html.j2", "rules.html", choice_rows=list(choices.values()), criteria=criteria,
         cobenefits=V._cobenefits_view(model), retroactivity=retro)
    page("docs_dossier.html.j2", "dossier.html", dossier=V.dossier_view(model))
    index = json.dumps(site.search_index(), ensure_ascii=False, separators=(",", ":"))
    search = out_dir / "search-index.js"
    search.write_bytes(("window.CARBONSPEC_SEARCH = " + index + ";\n").encode("utf-8"))
    written.append(search)
    for asset in ("docs.css", "docs.js"):
        target = out_dir / asset
        target.write_bytes((ASSETS / asset).read_bytes())
        written.append(target)
    return written
