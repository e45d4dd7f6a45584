"""Batch path (runtime/batch/): Parquet in -> Parquet out gives the JSON path's results bit for bit,
on every example; Dask gives the single-process results; dossiers <-> batch round trip; bad batch
files get located errors (entity, row id, field), exit 2, and no results folder."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from carbonspec.compiler.cli import main
from carbonspec.runtime.batch import schema as S
from carbonspec.runtime.batch.convert import batch_to_dossiers, dossiers_to_batch
from carbonspec.runtime.batch.run import read_results, run_batch
from carbonspec.runtime.dossier.reader import load_json
from carbonspec.runtime.engine.core import evaluate, load_compiled

ROOT = Path(__file__).resolve().parents[1]
GENERATED = ROOT / "generated" / "lbc_gc" / "v2.0"
ANNEXES = ROOT / "annexes" / "lbc_gc" / "v2.0"
EXAMPLES = [ROOT / "examples" / "lbc_gc" / f for f in
            ("fertilisation-yonne.json", "yonne-120ha.json", "yonne-120ha.xlsx", "multi-systemes.json",
             "projet-collectif.json", "yonne-amg.json")]
CLI = ["--method", "lbc_gc", "--version", "2.0"]


@pytest.fixture(scope="module")
def compiled():
    return load_compiled(GENERATED)


@pytest.fixture(scope="module")
def batch_in(compiled, tmp_path_factory):
    folder = tmp_path_factory.mktemp("batch") / "in"
    dossiers_to_batch(compiled, EXAMPLES, folder)
    return folder


@pytest.fixture(scope="module")
def json_outputs(compiled):
    """Every equation per entity, the examples' rows one after the other, by the JSON (or xlsx) path."""
    from carbonspec.runtime.dossier.xlsx import read_dossier_xlsx

    per_entity = {}
    for f in EXAMPLES:
        raw = read_dossier_xlsx(compiled.schema, f)[0] if f.suffix == ".xlsx" else load_json(f)
        flat, out, _ = evaluate(compiled, raw, ANNEXES)
        for eq in compiled.model["equations"]:
            per_entity.setdefault(eq["entity"], {}).setdefault(eq["name"], []).append(out[eq["name"]])
    return {e: {n: np.concatenate(v) for n, v in cols.items()} for e, cols in per_entity.items()}


def _same_bits(a, b) -> bool:
    a, b = np.ascontiguousarray(a, dtype=np.float64), np.ascontiguousarray(b, dtype=np.float64)
    return a.shape == b.shape and np.array_equal(a.view(np.int64), b.view(np.int64))


# one chunk; one chunk per project on 2 threads: chunks of different sizes one after the other, each
# computed into the output arrays of the previous ones (kernel `buffers`), grown and shrunk
@pytest.mark.parametrize("budget,threads", [(1 << 30, 1), (1, 2)])
def test_batch_equals_json_path_bit_for_bit(compiled, batch_in, json_outputs, tmp_path, budget, threads):
    run_batch(batch_in, tmp_path / "out", GENERATED, ANNEXES, every_equation=True, budget=budget, threads=threads)
    res = read_results(tmp_path / "out")
    checked = 0
    for ent, cols in json_outputs.items():
        for name, want in cols.items():
            got = res[ent].column(name).to_numpy()
            assert _same_bits(got, want), f"{ent}.{name}"
            checked += 1
    assert checked == len(compiled.model["equations"])
    # the examples as the demo prints them (README): RE_certifiable of yonne-120ha, JSON and xlsx alike
    re_cert = res["project"].column("RE_certifiable").to_pylist()
    assert re_cert[1] == re_cert[2] == json_outputs["project"]["RE_certifiable"][1]


def test_line_items_by_default_with_eligibility(compiled, batch_in, json_outputs, tmp_path):
    run_batch(batch_in, tmp_path / "out", GENERATED, ANNEXES)
    res = read_results(tmp_path / "out")
    assert list(res) == ["project"]
    t = res["project"]
    assert t.column("id").to_pylist() == list(range(len(EXAMPLES)))
    assert _same_bits(t.column("RE_certifiable").to_numpy(), json_outputs["project"]["RE_certifiable"])
    from carbonspec.runtime.certification.certify import line_items

    assert [n for n in t.column_names if n not in ("id", "name", "eligible")] == \
        [i["name"] for i in line_items(compiled.model)]
    assert t.column("eligible").to_pylist() == [True] * len(EXAMPLES)


def test_dask_local_cluster_equals_single_process(batch_in, tmp_path):
    pytest.importorskip("dask.distributed")
    run_batch(batch_in, tmp_path / "one", GENERATED, ANNEXES, every_equation=True, budget=1)
    run_batch(batch_in, tmp_path / "dask", GENERATED, ANNEXES, every_equation=True, budget=1, local_cluster=2)
    one, dask = read_results(tmp_path / "one"), read_results(tmp_path / "dask")
    assert one.keys() == dask.keys()
    for ent in one:
        assert one[ent].equals(dask[ent]), ent
    assert len(list((tmp_path / "dask" / "project").glob("*.parquet"))) == len(EXAMPLES)  # one chunk per project


def test_round_trip_batch_to_dossiers(compiled, batch_in, json_outputs):
    docs = batch_to_dossiers(compiled, batch_in)
    assert [i for i, _ in docs] == list(range(len(EXAMPLES)))
    original = load_json(EXAMPLES[3])
    back = docs[3][1]
    assert back["name"] == original["name"] and back["method"] == "lbc_gc"
    _, out, _ = evaluate(compiled, back, ANNEXES)
    assert out["RE_certifiable"][0] == json_outputs["project"]["RE_certifiable"][3]


def test_cli_convert_and_batch(batch_in, tmp_path, capsys):
    assert main(["convert", str(EXAMPLES[0]), *CLI, "--out", str(tmp_path / "b")]) == 0
    assert main(["batch", str(tmp_path / "b"), *CLI, "--out", str(tmp_path / "r")]) == 0
    t = pq.read_table(tmp_path / "r" / "project")
    assert t.column("RE_certifiable")[0].as_py() == load_json_results(EXAMPLES[0])
    assert main(["convert", str(tmp_path / "b"), *CLI, "--out", str(tmp_path / "d.json")]) == 0
    assert load_json(tmp_path / "d.json")["project"]["farms"][0]["systems"]


def load_json_results(path):
    c = load_compiled(GENERATED)
    return float(evaluate(c, load_json(path), ANNEXES)[1]["RE_certifiable"][0])


def test_parquet_schema_comes_from_model_json(compiled):
    sch = S.batch_schema(compiled.model)
    assert list(sch) == [e["name"] for e in S.entities(compiled.model)]
    for inp in compiled.model["inputs"]:
        if inp.get("builtin"):
            continue
        f = sch[inp["entity"]].field(inp["name"])
        assert f.type == {"real": pa.float64(), "int": pa.int64(), "bool": pa.bool_(), "enum": pa.string()}[inp["dtype"]]
        assert f.metadata[b"unit"].decode() == (inp["unit"] or "1") if inp["dtype"] == "real" else True
    assert sch["system"].names[:2] == ["id", "parent_id"]


# ------------------------------------------------------------------ bad files --
def _edit(src: Path, dst: Path, entity: str, fn) -> Path:
    import shutil

    shutil.copytree(src, dst)
    t = pq.read_table(dst / f"{entity}.parquet")
    pq.write_table(fn(t), dst / f"{entity}.parquet")
    return dst


def _set(t: pa.Table, column: str, row: int, value, typ=None) -> pa.Table:
    values = t.column(column).to_pylist()
    values[row] = value
    if typ == pa.string():
        values = [None if v is None else str(v) for v in values]
    i = t.column_names.index(column)
    return t.set_column(i, pa.field(column, typ or t.schema.field(column).type), pa.array(values, type=typ or
                                                                                         t.schema.field(column).type))


def _year_row(t: pa.Table, k: int, parent: int) -> int:
    ks, ps = t.column("k").to_pylist(), t.column("parent_id").to_pylist()
    return next(r for r in range(t.num_rows) if ks[r] == k and ps[r] == parent)


BAD = [
    ("system", lambda t: t.rename_columns([("Sfinn" if c == "Sfin" else c) for c in t.column_names]),
     ["system.Sfinn", "unknown column", "did you mean 'Sfin'"]),
    ("year", lambda t: _set(t, "Surf", 3, "12", pa.string()), ["year.Surf", "column of type string", "a number"]),
    ("year", lambda t: _set(t, "Surf", 3, None), ["year[id=3].Surf", "value missing"]),
    ("year", lambda t: _set(t, "Surf", 5, -2.0), ["year[id=5].Surf", "outside its domain", "-2.0"]),
    ("year", lambda t: _set(t, "Surf", 6, float("nan")), ["year[id=6].Surf", "not a finite number"]),
    ("farm", lambda t: _set(t, "type_reference", 0, "specifiqe"),
     ["farm[id=0].type_reference", "not a value of enum type_reference", "did you mean 'specifique'"]),
    ("system", lambda t: _set(t, "parent_id", 0, 99), ["system[id=0].parent_id", "no farm row has this id", "99"]),
    ("farm", lambda t: _set(t, "id", 1, 0), ["farm[id=0].id", "is used by another farm row"]),
    ("year", lambda t: _set(t, "k", _year_row(t, -2, 0), -3), ["k = -3 is given twice", "year[id="]),
    ("culture", lambda t: _set(t, "espece", 0, "ble_tendr"),
     ["culture[id=0].espece", "'ble_tendr' is not in table", "closest known", "ble_tendre"]),
    ("project", lambda t: t.replace_schema_metadata({b"carbonspec.version": b"9.9"}), ["version '9.9'"]),
]


@pytest.mark.parametrize("entity,edit,fragments", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_batch_files_are_located(batch_in, tmp_path, capsys, entity, edit, fragments):
    bad = _edit(batch_in, tmp_path / "bad", entity, edit)
    code = main(["batch", str(bad), *CLI, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.replace("\n", " ")
    assert code == 2, err
    assert str(bad) in err  # the batch (or its entity file) is named
    for f in fragments:
        assert f in err, (f, err)
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]  # no temporary folder left


def test_project_without_farm_is_refused(batch_in, tmp_path, capsys):
    bad = _edit(batch_in, tmp_path / "bad", "farm", lambda t: _set(t, "parent_id", 0, 1))
    assert main(["batch", str(bad), *CLI, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "project[id=0].farms" in err and "at least one farm" in err


def test_missing_reference_year_is_located(batch_in, tmp_path, capsys):
    """The k = -2 year of system 0 removed (its crops and inputs moved to its k = -3 year)."""
    years = pq.read_table(batch_in / "year.parquet")
    gone = years.column("id")[_year_row(years, -2, 0)].as_py()
    keep = years.column("id")[_year_row(years, -3, 0)].as_py()
    bad = _edit(batch_in, tmp_path / "bad", "year", lambda t: t.filter(pa.array([i != gone for i in
                                                                                 t.column("id").to_pylist()])))
    for child in ("culture", "interculture", "mineral", "organique", "amendement"):
        t = pq.read_table(bad / f"{child}.parquet")
        pids = [keep if p == gone else p for p in t.column("parent_id").to_pylist()]
        pq.write_table(t.set_column(t.column_names.index("parent_id"), t.schema.field("parent_id"),
                                    pa.array(pids, type=t.schema.field("parent_id").type)), bad / f"{child}.parquet")
    assert main(["batch", str(bad), *CLI, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.replace("\n", " ")
    assert "system[id=0]: its year rows: the reference years (k = -3 .. -1) are all required; missing k = -2" in err
