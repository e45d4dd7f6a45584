"""Which rules apply to a project: method section 1.8 (L555) and Annexe 2 (L3541).

- « Les mises à jour des équations de calcul sont rétroactives » (L555): every change a
  retroactivity row marks `oui` applies to every project.  A change marked `non` applies to the
  projects notified after the version (L3541: « Les mises à jour non rétroactives s'appliquent
  pour les Projets notifiés après la date de validation »); the version's `published` date is
  read as that validation date.  An earlier project keeps the parent's definition of those items:
  the compiler writes that variant as generated/<m>/v<V>/earlier-projects/model.json.
- L555: an annex update is non-retroactive only when it lowers the emission reductions compared with
  the version in force when the project was labelled.  For a project labelled before the version's
  annex set was published, the result the spec protects (`annexes "..." protect NAME`) is computed
  with both annex sets; the newer applies unless it lowers that result.

`run --notified DATE --labelled DATE` computes what matters, reports which applied and why, and the
results document and report carry it (key "retroactivity").
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

from carbonspec.compiler.errors import InputError

EARLIER = "earlier-projects"


def parse_date(text: Optional[str], option: str) -> Optional[dt.date]:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(option, f"expected a date YYYY-MM-DD, got {text!r}") from None


@dataclass
class Decision:
    """What applies to the project, and why (French: it is shown to the project holder)."""
    equations: str  # "version" or "earlier-projects"
    equations_reason: str
    non_retroactive: List[str] = field(default_factory=list)
    annex_dir: Optional[Path] = None
    annex_candidates: List[dict] = field(default_factory=list)  # [{set, directory, value}]
    annex_reason: str = ""

    def as_dict(self, notified, labelled) -> dict:
        return {"notified": notified.isoformat() if notified else None,
                "labelled": labelled.isoformat() if labelled else None,
                "equations": {"applied": self.equations, "reason": self.equations_reason,
                              "non_retroactive_items": self.non_retroactive},
                "annexes": {"applied": self.annex_dir.name if self.annex_dir else None,
                            "candidates": self.annex_candidates, "reason": self.annex_reason}}


def equations_for(model: dict, notified: Optional[dt.date]) -> tuple:
    """("version" | "earlier-projects", reason, items not applied)."""
    late = sorted({c["name"] for c in model.get("changes") or [] if c.get("retroactive") is False})
    version = f"v{model['version']}"
    if not late:
        return "version", (f"toutes les mises à jour d'équations de la {version} sont rétroactives "
                           "(1.8 L555) : elles s'appliquent à tout Projet"), []
    published = parse_date(model.get("published"), "model.json published")
    if notified is None or published is None or notified >= published:
        why = (f"Projet notifié le {notified.isoformat()}, après la {version} ({published})" if notified
               else "date de notification non donnée")
        return "version", f"{why} : toutes ses mises à jour s'appliquent, y compris les non rétroactives", []
    return EARLIER, (f"Projet notifié le {notified.isoformat()}, avant la {version} (publiée le {published}) : "
                     f"ses mises à jour non rétroactives ({', '.join(late)}) ne s'appliquent pas — Annexe 2 L3541 ; "
                     f"les autres, rétroactives, s'appliquent (1.8 L555)"), late


def earlier_annex_set(annex_dir: Path, labelled: Optional[dt.date]) -> Optional[Path]:
    """The annex set in application when the project was labelled: walking up the sets `annex_dir`
    extends, the first published on or before `labelled`.  None when `annex_dir` itself applies."""
    from carbonspec.runtime.engine.annex_sets import parent_dir, published

    if labelled is None:
        return None
    d = Path(annex_dir)
    own = parse_date(published(d), f"{d}/VERSION.json published")
    if own is None or labelled >= own:
        return None
    p = parent_dir(d)
    while p is not None:
        date = parse_date(published(p), f"{p}/VERSION.json published")
        if date is None or labelled >= date:
            return p
        p = parent_dir(p)
    return None
