"""Dossier workbooks (xlsx): the same dossier as the JSON, laid out for a spreadsheet.

Many project holders keep their farm data in Excel, so `run` also reads a workbook and
`template` writes an empty one.  The layout is derived from the compiled model (like the
pydantic models), so it follows the spec without hand-written sheet code:

- one sheet per entity, named by the entity's collection (`farms`, `systems`, `years`,
  `cultures`, ...); the root's sheet (`project`) holds `method`, `version`, `name` and the
  project's own inputs on its one data row;
- row 1: field names; row 2: the unit of each number exactly as the spec writes it (checked:
  a workbook in other units is refused), or the kind of value (`int`, `bool`, `enum NAME`,
  `key TABLE`, `id`); data from row 3 on, empty rows skipped;
- column `id`: a row id, unique in its sheet (the writer numbers rows 1, 1_2, 1_2_5 along
  the tree); column `<parent>_id` (e.g. `farm_id` in `systems`): the id of the parent row in
  the parent sheet (sheets directly under the project have none); children keep the order
  of their rows;
- an empty cell is an absent field (its default applies, or it stays empty if optional);
- a `README` sheet explains this; sheets named README or starting with `_` are ignored.

Reading builds the nested dict the JSON path reads, then the same pydantic validation runs.
The reader keeps where every row and cell came from (`Locator`), so any error located at a
field path (`project.farms[0].systems[0].years[4].Surf`) is reported at its cell
(`sheet 'years' cell D7 (Surf)`).  `write_dossier_xlsx` writes a JSON dossier in this
layout; JSON -> xlsx -> JSON gives the same dossier, hence the same results.
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from carbonspec.compiler.errors import InputError, suggest

from carbonspec.runtime.dossier.reader import DossierSchema
from carbonspec.runtime.dossier.fields import domain_text, method_reference, presence_text, type_text
from carbonspec.runtime.io.xlsx_exact import exact_floats

README = "README"
ID = "id"
ID_KIND = "id"
ID_SEP = "_"
TEXT_KIND = "text"
DOCUMENT_FIELDS = ("method", "version", "name")   # top-level keys, on the root's sheet
FIRST_DATA_ROW = 3
LAST_ROW = 1048576                                 # Excel's last row, for data validation ranges

TRUE_WORDS = {"true", "vrai", "oui", "yes", "1"}
FALSE_WORDS = {"false", "faux", "non", "no", "0"}
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


@dataclass
class Column:
    name: str
    kind: str                  # "id", "parent", "document" or "input"
    row2: str                  # what row 2 says (unit or kind of value)
    inp: Optional[dict] = None


@dataclass
class Sheet:
    """The layout of one entity's sheet."""
    entity: str
    name: str
    parent: Optional[str]          # parent entity, None for the root
    parent_sheet: Optional[str]    # sheet of the parent rows, None when the parent is the root
    columns: List[Column]

    @property
    def parent_column(self) -> Optional[str]:
        return f"{self.parent}_id" if self.parent_sheet else None


def layout(schema: DossierSchema) -> List[Sheet]:
    """Sheets in tree order (a parent's sheet before its children's)."""
    sheets: List[Sheet] = []

    def visit(ent: str) -> None:
        e = schema.entities[ent]
        parent = e["parent"]
        cols: List[Column] = []
        parent_sheet = None
        if parent is None:
            cols += [Column(n, "document", TEXT_KIND) for n in DOCUMENT_FIELDS]
        else:
            cols.append(Column(ID, "id", ID_KIND))
            if parent != schema.root:
                parent_sheet = schema.entities[parent]["collection"]
                cols.append(Column(f"{parent}_id", "parent", f"id → {parent_sheet}"))
        cols += [Column(i["name"], "input", type_text(i), i) for i in schema.inputs[ent]]
        sheets.append(Sheet(ent, e["collection"], parent, parent_sheet, cols))
        for child in schema.children[ent]:
            visit(child)

    visit(schema.root)
    return sheets


def _same_unit(a: Any, b: str) -> bool:
    """Units compare without spaces (as in the annex workbooks): 'kg_N/ha' == 'kg_N / ha'."""
    return isinstance(a, str) and a.replace(" ", "") == b.replace(" ", "")


# ----------------------------------------------------------------- writing --
_HEAD_FONT = Font(bold=True)
_UNIT_FONT = Font(italic=True, color="555555")
_HEAD_FILL = PatternFill("solid", fgColor="DDE7F0")
_UNIT_FILL = PatternFill("solid", fgColor="F2F2F2")


def _field_comment(schema: DossierSchema, col: Column, sheet: Sheet) -> str:
    if col.kind == "id":
        return "identifiant de la ligne, unique dans la feuille (texte ou nombre)"
    if col.kind == "parent":
        return f"id de la ligne parente ({sheet.parent}) dans la feuille '{sheet.parent_sheet}'"
    if col.kind == "document":
        return {"method": f"identifiant de la méthode : {schema.model['method']}",
                "version": f"version de la méthode : {schema.model['version']}",
                "name": "libellé libre du dossier"}[col.name]
    inp = col.inp
    lines = [inp.get("description") or inp["name"], f"{type_text(inp)} {domain_text(inp.get('domain'))}".strip(),
             presence_text(inp)]
    if inp["dtype"] == "enum" and not inp["enum"].startswith("key:"):
        lines.append("valeurs : " + ", ".join(schema.model["enums"][inp["enum"]]))
    ref = method_reference(inp)
    if ref:
        lines.append("méthode " + ref)
    return "\n".join(lines)


def _validation(schema: DossierSchema, col: Column, sheet: Sheet, letter: str) -> Optional[DataValidation]:
    """Excel data validation where openpyxl can express it: enum and bool lists, numeric
    bounds, and parent ids from the parent sheet's id column."""
    rng = f"{letter}{FIRST_DATA_ROW}:{letter}{LAST_ROW}"
    dv = None
    if col.kind == "parent":
        dv = DataValidation(type="list", formula1=f"'{sheet.parent_sheet}'!$A${FIRST_DATA_ROW}:$A${LAST_ROW}",
                            allow_blank=False)
    elif col.kind == "input":
        inp = col.inp
        if inp["dtype"] == "bool":
            dv = DataValidation(type="list", formula1='"TRUE,FALSE"', allow_blank=True)
        elif inp["dtype"] == "enum" and not inp["enum"].startswith("key:"):
            values = ",".join(schema.model["enums"][inp["enum"]])
            if len(values) <= 250:  # Excel's limit on an inline list
                dv = DataValidation(type="list", formula1=f'"{values}"', allow_blank=True)
        elif inp["dtype"] in ("real", "int"):
            dom = inp.get("domain") or {}
            kind = "decimal" if inp["dtype"] == "real" else "whole"
            lo, hi = dom.get("lo"), dom.get("hi")
            if lo is not None and hi is not None:
                dv = DataValidation(type=kind, operator="between", formula1=f"{lo:g}", formula2=f"{hi:g}",
                                    allow_blank=True)
            elif lo is not None:
                dv = DataValidation(type=kind, operator="greaterThanOrEqual" if dom["lo_closed"] else "greaterThan",
                                    formula1=f"{lo:g}", allow_blank=True)
            elif hi is not None:
                dv = DataValidation(type=kind, operator="lessThanOrEqual" if dom["hi_closed"] else "lessThan",
                                    formula1=f"{hi:g}", allow_blank=True)
    if dv is not None:
        dv.error = f"{col.name} : {col.row2}"
        dv.errorTitle = "valeur refusée"
        dv.showErrorMessage = True
        dv.add(rng)
    return dv


def _readme_rows(schema: DossierSchema, sheets: List[Sheet]) -> List[Tuple[str, str]]:
    m = schema.model
    rows = [
        ("carbonspec — dossier", f"{m.get('title') or m['method']} v{m['version']} (spec {m.get('spec_hash', '')})"),
        ("", ""),
        ("Disposition", "Une feuille par entité du dossier, nommée comme sa collection ; la feuille "
                        f"'{sheets[0].name}' porte method, version, name et les entrées du Projet (ligne 3)."),
        ("Ligne 1", "noms des champs (ne pas les modifier ; l'ordre des colonnes est libre)."),
        ("Ligne 2", "unité de chaque nombre, exactement comme la spec l'écrit (vérifiée à la lecture), "
                    "ou le type : int, bool, enum NOM, key TABLE (clé d'une table d'annexe), id."),
        ("Lignes 3 et suivantes", "une ligne par élément ; les lignes vides sont ignorées."),
        ("Colonne id", "identifiant de la ligne, unique dans sa feuille."),
        ("Colonne <parent>_id", "id de la ligne parente dans la feuille parente (ex. farm_id dans 'systems' "
                                "renvoie à une ligne de 'farms') ; les enfants gardent l'ordre des lignes."),
        ("Cellule vide", "champ absent : sa valeur par défaut s'applique, ou il reste vide s'il est facultatif ; "
                         "un champ obligatoire vide est une erreur."),
        ("Booléens", "VRAI/FAUX (TRUE/FALSE) ; aussi oui/non."),
        ("Nombres", "cellules numériques ; un texte '0,24' est lu 0.24."),
        ("Erreurs", "chaque erreur nomme la feuille, la cellule et le chemin du champ dans le dossier."),
        ("Commentaires", "le commentaire de chaque en-tête donne la description, le domaine, le défaut et la "
                         "ligne de la méthode."),
        ("", ""),
        ("Feuille", "Entité (parent)"),
    ]
    for sh in sheets:
        e = schema.entities[sh.entity]
        parent = f" — parent : feuille '{sh.parent_sheet}' par {sh.parent_column}" if sh.parent_sheet else ""
        rows.append((sh.name, f"{e['description']} (entité {sh.entity}){parent}"))
    return rows


def _new_workbook(schema: DossierSchema) -> Tuple[Workbook, List[Sheet]]:
    sheets = layout(schema)
    wb = Workbook()
    readme = wb.active
    readme.title = README
    for r, (a, b) in enumerate(_readme_rows(schema, sheets), start=1):
        readme.cell(r, 1, a).font = _HEAD_FONT
        readme.cell(r, 2, b).alignment = Alignment(wrap_text=True, vertical="top")
    readme.column_dimensions["A"].width = 24
    readme.column_dimensions["B"].width = 110
    for sh in sheets:
        ws = wb.create_sheet(sh.name)
        for c, col in enumerate(sh.columns, start=1):
            letter = get_column_letter(c)
            head = ws.cell(1, c, col.name)
            head.font, head.fill = _HEAD_FONT, _HEAD_FILL
            head.comment = Comment(_field_comment(schema, col, sh), "carbonspec", width=320, height=160)
            unit = ws.cell(2, c, col.row2)
            unit.font, unit.fill = _UNIT_FONT, _UNIT_FILL
            ws.column_dimensions[letter].width = max(10, min(28, len(col.name) + 4))
            dv = _validation(schema, col, sh, letter)
            if dv is not None:
                ws.add_data_validation(dv)
        ws.freeze_panes = ws.cell(FIRST_DATA_ROW, 1)
    return wb, sheets


def write_template(schema: DossierSchema, path: Path) -> Path:
    """An empty dossier workbook for this method version (method and version filled in)."""
    wb, sheets = _new_workbook(schema)
    ws = wb[sheets[0].name]
    ws.cell(FIRST_DATA_ROW, 1, schema.model["method"])
    ws.cell(FIRST_DATA_ROW, 2, schema.model["version"])
    return _save(wb, path)


def write_dossier_xlsx(schema: DossierSchema, raw: dict, path: Path, where: str = "<dossier>") -> Path:
    """A JSON dossier (the nested dict) written in the workbook layout.  The dossier is
    validated first, so a workbook is never written from an invalid dossier; values are
    written as given (numbers stay numbers, so the round trip is exact)."""
    schema.validate(raw, where)
    wb, sheets = _new_workbook(schema)
    by_entity = {sh.entity: sh for sh in sheets}
    next_row = {sh.name: FIRST_DATA_ROW for sh in sheets}
    root_sheet = sheets[0]
    ws = wb[root_sheet.name]
    root_coll = schema.entities[schema.root]["collection"]
    root_obj = raw[root_coll]
    for c, col in enumerate(root_sheet.columns, start=1):
        src = raw if col.kind == "document" else root_obj
        if src.get(col.name) is not None:
            ws.cell(FIRST_DATA_ROW, c, src[col.name])

    def write(ent: str, obj: dict, row_id: str, parent_id: Optional[str]) -> None:
        sh = by_entity[ent]
        ws = wb[sh.name]
        r = next_row[sh.name]
        next_row[sh.name] += 1
        for c, col in enumerate(sh.columns, start=1):
            if col.kind == "id":
                ws.cell(r, c, row_id)
            elif col.kind == "parent":
                ws.cell(r, c, parent_id)
            elif obj.get(col.name) is not None:
                ws.cell(r, c, obj[col.name])
        children(ent, obj, row_id)

    def children(ent: str, obj: dict, row_id: Optional[str]) -> None:
        for child in schema.children[ent]:
            coll = schema.entities[child]["collection"]
            for i, item in enumerate(obj.get(coll) or [], start=1):
                # hierarchical ids (1, 1_2, 1_2_5): a reader sees which farm a crop belongs to;
                # '_' rather than '.', which a spreadsheet would turn 1.10 into the number 1.1
                cid = f"{row_id}{ID_SEP}{i}" if row_id else str(i)
                write(child, item, cid, row_id)

    children(schema.root, root_obj, None)
    return _save(wb, path)


def _save(wb: Workbook, path: Path) -> Path:
    """Texts as text, numbers at full precision (the xlsx twin gives the JSON's results),
    written atomically to a regular file only (runtime/io)."""
    from carbonspec.runtime.io.output import write_file
    from carbonspec.runtime.io.workbook import workbook_bytes

    return write_file(Path(path), workbook_bytes(wb, exact=True))


# ----------------------------------------------------------------- reading --
@dataclass
class Locator:
    """Where each dossier row and field came from in the workbook."""
    rows: Dict[str, Tuple[str, int]] = field(default_factory=dict)        # row path -> (sheet, row)
    columns: Dict[str, Dict[str, str]] = field(default_factory=dict)      # sheet -> field -> letter
    ids: Dict[str, str] = field(default_factory=dict)                     # row path -> row id
    child_sheets: Dict[str, str] = field(default_factory=dict)            # collection -> sheet
    root: str = "project"

    def __call__(self, path: str) -> Optional[str]:
        if path in DOCUMENT_FIELDS:
            return self._cell(self.root, path)
        if path in self.rows:
            sheet, r = self.rows[path]
            return f"sheet '{sheet}' row {r}"
        m = re.match(r"^(.*)\.([A-Za-z_][A-Za-z_0-9]*)$", path)
        if not m or m.group(1) not in self.rows:
            return None
        prefix, name = m.groups()
        if name in self.child_sheets:  # a whole child list (e.g. the years of a system)
            sheet, r = self.rows[prefix]
            rid = self.ids.get(prefix)
            if rid is None:  # children of the root: the whole sheet
                return f"sheet '{self.child_sheets[name]}'"
            return f"sheet '{self.child_sheets[name]}', rows with parent id '{rid}' (sheet '{sheet}' row {r})"
        return self._cell(prefix, name)

    def _cell(self, row_path: str, name: str) -> Optional[str]:
        if row_path not in self.rows:
            return None
        sheet, r = self.rows[row_path]
        letter = self.columns.get(sheet, {}).get(name)
        if letter is None:
            return f"sheet '{sheet}' row {r} (no column '{name}')"
        return f"sheet '{sheet}' cell {letter}{r} ({name})"


def read_dossier_xlsx(schema: DossierSchema, path: Path) -> Tuple[dict, Locator]:
    """The nested dossier dict of a workbook, and the Locator of its rows and cells.
    Layout errors (sheets, headers, units, ids) are located InputErrors; values are only
    converted where a spreadsheet differs from JSON (integral floats, TRUE/FALSE words,
    decimal commas) and otherwise left for the pydantic validation to judge."""
    file = str(path)
    wb = _open(path)
    try:
        sheets = layout(schema)
        _check_sheet_names(wb.sheetnames, sheets, file)
        loc = Locator(root=sheets[0].name)
        loc.child_sheets = {sh.name: sh.name for sh in sheets[1:]}
        root_coll = schema.entities[schema.root]["collection"]
        doc: Dict[str, Any] = {}
        root_obj: Dict[str, Any] = {}
        objects: Dict[str, Dict[str, Tuple[dict, str]]] = {}   # sheet -> id -> (object, path)
        for sh in sheets:
            rows = wb.rows(sh.name)  # broken XML, NaN, formula without a value: located (runtime/io)
            letters = _header(rows, sh, file)
            loc.columns[sh.name] = letters
            objects[sh.name] = {}
            if sh.parent is None:
                _read_root(rows, sh, letters, doc, root_obj, loc, root_coll, file)
                continue
            coll = sh.name
            for r, values in enumerate(rows[FIRST_DATA_ROW - 1:], start=FIRST_DATA_ROW):
                cells = {name: _cell_value(values, letters[name]) for name in letters}
                if all(v is None for v in cells.values()):
                    continue
                rid = _id(cells.get(ID))
                where_id = f"{file}: sheet '{sh.name}' cell {letters[ID]}{r} ({ID})"
                if rid is None:
                    raise InputError(where_id, "every row needs an id (unique in its sheet)")
                if rid in objects[sh.name]:
                    first = loc.rows[objects[sh.name][rid][1]][1]
                    raise InputError(where_id, f"id '{rid}' is already the id of row {first}")
                if sh.parent_sheet is None:
                    parent_obj, parent_path = root_obj, root_coll
                else:
                    pid = _id(cells.get(sh.parent_column))
                    where_p = f"{file}: sheet '{sh.name}' cell {letters[sh.parent_column]}{r} ({sh.parent_column})"
                    if pid is None:
                        raise InputError(where_p, f"empty; give the id of a row of sheet '{sh.parent_sheet}'")
                    if pid not in objects[sh.parent_sheet]:
                        known = list(objects[sh.parent_sheet])
                        hint = suggest(pid, known)
                        raise InputError(where_p, f"no row with id '{pid}' in sheet '{sh.parent_sheet}'"
                                                  + (f"; {hint}" if hint else ""))
                    parent_obj, parent_path = objects[sh.parent_sheet][pid]
                siblings = parent_obj.setdefault(coll, [])
                obj: Dict[str, Any] = {}
                for col in sh.columns:
                    if col.kind == "input":
                        v = _convert(col.inp, cells.get(col.name))
                        if v is not None:
                            obj[col.name] = v
                obj_path = f"{parent_path}.{coll}[{len(siblings)}]"
                siblings.append(obj)
                objects[sh.name][rid] = (obj, obj_path)
                loc.rows[obj_path] = (sh.name, r)
                loc.ids[obj_path] = rid
        doc[root_coll] = root_obj
        return doc, loc
    finally:
        wb.close()


def _open(path: Path):
    from carbonspec.runtime.io.xlsx_read import Workbook as CheckedWorkbook

    return CheckedWorkbook(path, "dossier workbook")


def _check_sheet_names(names: List[str], sheets: List[Sheet], file: str) -> None:
    wanted = [sh.name for sh in sheets]
    for name in names:
        if name in wanted or name.upper() == README or name.startswith("_"):
            continue
        hint = suggest(name, wanted)
        raise InputError(f"{file}: sheet '{name}'", "not a sheet of this dossier layout"
                         + (f"; {hint}" if hint else f"; the sheets are {', '.join(wanted)}"))
    missing = [w for w in wanted if w not in names]
    if missing:
        raise InputError(file, f"missing sheet(s) {', '.join(repr(m) for m in missing)}: a dossier workbook has "
                               "every sheet of 'carbonspec template' (an entity without rows keeps its two header rows)")


def _header(rows: List[tuple], sh: Sheet, file: str) -> Dict[str, str]:
    """Field name -> column letter, after checking row 1 (names) and row 2 (units)."""
    if not rows:
        raise InputError(f"{file}: sheet '{sh.name}'", "empty sheet: row 1 must hold the field names, row 2 the units")
    head = rows[0]
    units = rows[1] if len(rows) > 1 else ()
    known = {c.name: c for c in sh.columns}
    letters: Dict[str, str] = {}
    for i, name in enumerate(head):
        letter = get_column_letter(i + 1)
        where = f"{file}: sheet '{sh.name}' cell {letter}1"
        if name is None or (isinstance(name, str) and not name.strip()):
            if any(len(r) > i and r[i] not in (None, "") for r in rows[FIRST_DATA_ROW - 1:]):
                raise InputError(where, "a column with values has no field name in row 1")
            continue
        name = str(name).strip()
        if name not in known:
            hint = suggest(name, known)
            raise InputError(where, f"unknown field '{name}' for sheet '{sh.name}'" + (f"; {hint}" if hint else ""))
        if name in letters:
            raise InputError(where, f"field '{name}' is already in column {letters[name]}")
        letters[name] = letter
        col = known[name]
        unit = units[i] if i < len(units) else None
        if col.kind == "input" and col.inp["dtype"] == "real" and not _same_unit(unit, col.row2):
            raise InputError(f"{file}: sheet '{sh.name}' cell {letter}2 ({name})",
                             f"unit {unit!r} in row 2, this method version expects '{col.row2}' "
                             "(row 2 holds the units; data start on row 3)")
        if col.kind == "document" and unit != TEXT_KIND:
            raise InputError(f"{file}: sheet '{sh.name}' cell {letter}2 ({name})",
                             f"row 2 must say '{TEXT_KIND}' (row 2 holds the units; data start on row 3), got {unit!r}")
        if col.kind == "id" and unit != ID_KIND:
            raise InputError(f"{file}: sheet '{sh.name}' cell {letter}2 ({name})",
                             f"row 2 must say '{ID_KIND}' (row 2 holds the units; data start on row 3), got {unit!r}")
    for required in (ID, sh.parent_column):
        if required and sh.parent is not None and required not in letters:
            raise InputError(f"{file}: sheet '{sh.name}'", f"no column '{required}' in row 1")
    return letters


def _read_root(rows, sh: Sheet, letters, doc, root_obj, loc: Locator, root_coll: str, file: str) -> None:
    data = [(r, v) for r, v in enumerate(rows[FIRST_DATA_ROW - 1:], start=FIRST_DATA_ROW)
            if any(x not in (None, "") for x in v)]
    if len(data) > 1:
        raise InputError(f"{file}: sheet '{sh.name}' row {data[1][0]}",
                         f"the '{sh.name}' sheet has one data row (row {FIRST_DATA_ROW})")
    r, values = data[0] if data else (FIRST_DATA_ROW, ())
    loc.rows[root_coll] = (sh.name, r)
    for col in sh.columns:
        if col.name not in letters:
            continue
        v = _cell_value(values, letters[col.name])
        if col.kind == "document":
            if v is not None:
                doc[col.name] = _text(v)
        else:
            v = _convert(col.inp, v)
            if v is not None:
                root_obj[col.name] = v


def _cell_value(values: tuple, letter: str) -> Any:
    i = _column_index(letter)
    v = values[i] if i < len(values) else None
    if isinstance(v, str) and not v.strip():
        return None
    return v


def _column_index(letter: str) -> int:
    n = 0
    for ch in letter:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def _id(v: Any) -> Optional[str]:
    """Ids compare as text; a numeric cell 3 (or 3.0) is the id '3'."""
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip() or None


def _text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v)) if abs(v) < 1e15 else str(v)
    return str(v).strip()


def _convert(inp: dict, v: Any) -> Any:
    """A cell value as the JSON dossier would hold it.  Only unambiguous conversions; a
    value that does not fit is passed on unchanged, for validation to refuse, located."""
    if v is None:
        return None
    dtype = inp["dtype"]
    if dtype == "real":
        if isinstance(v, str) and _NUMBER.match(v.strip()):
            return float(v.strip().replace(",", "."))
        return v
    if dtype == "int":
        if isinstance(v, float) and v.is_integer():
            return int(v)
        if isinstance(v, str) and re.fullmatch(r"[+-]?\d+", v.strip()):
            return int(v.strip())
        return v
    if dtype == "bool":
        if isinstance(v, bool):
            return v
        if isinstance(v, (int, float)) and v in (0, 1):
            return bool(v)
        if isinstance(v, str) and v.strip().lower() in TRUE_WORDS:
            return True
        if isinstance(v, str) and v.strip().lower() in FALSE_WORDS:
            return False
        return v
    # enum or key: text
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return _text(v)
    return v.strip() if isinstance(v, str) else v
