"""Shared machinery of the fuzz suite: run the CLI in-process, classify the outcome, check
the promises every outcome must keep, and count outcomes per input kind.

Promises (issue 13): exit code 0, 1 or 2 only (never 3, never a traceback); on 2 a located
message (the input file, a sheet/cell or an option is named); no NaN/Infinity in any
results written; nothing written (not even a temporary file) when the run failed.

Speed: the compiled model and the annex tables are loaded once per session (memoised
around `carbonspec.runtime.engine.core`); everything else — reading and validating the
mutated input, computing, rendering, writing — runs as in `carbonspec` itself.
"""
from __future__ import annotations

import contextlib
import functools
import io
import json
import math
import os
import random
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, List, Optional

import pytest

ROOT = Path(__file__).resolve().parents[2]
LONG = os.environ.get("CARBONSPEC_FUZZ", "") == "long"
# cases per input kind: the long mode (make fuzz) and the bounded sample of make test
N_LONG = int(os.environ.get("CARBONSPEC_FUZZ_N", "2000"))
N_SAMPLE = {"spec": 10, "dossier_json": 20, "dossier_xlsx": 10, "results_json": 15, "results_xlsx": 6, "amg": 20}
SEED = int(os.environ.get("CARBONSPEC_FUZZ_SEED", "1313"))


def n_cases(kind: str) -> int:
    return N_LONG if LONG else N_SAMPLE[kind]


@dataclass
class Outcome:
    code: int
    out: str
    err: str


@pytest.fixture(autouse=True)
def memoised_loading():
    """Load the compiled model and annex tables once per fuzz test (they are not what is
    fuzzed); the originals are put back afterwards, so other tests see no cache."""
    from carbonspec.runtime.engine import annex_cache, core

    saved = core.load_compiled, annex_cache.load_annexes_cached
    cache = {}

    def load_annexes(directory, model):
        key = (str(directory), model.get("spec_hash"))
        if key not in cache:
            cache[key] = saved[1](directory, model)
        return cache[key]

    core.load_compiled = functools.lru_cache(maxsize=8)(saved[0])
    annex_cache.load_annexes_cached = load_annexes
    try:
        yield
    finally:
        core.load_compiled, annex_cache.load_annexes_cached = saved


def run_cli(argv: List[str]) -> Outcome:
    """`carbonspec ARGV` in this process (its main(), as the console script calls it)."""
    from carbonspec.compiler.cli import main

    out, err = io.StringIO(), io.StringIO()
    env_debug = os.environ.pop("CARBONSPEC_DEBUG", None)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    finally:
        if env_debug is not None:
            os.environ["CARBONSPEC_DEBUG"] = env_debug
    return Outcome(code, out.getvalue(), err.getvalue())


def _no_nan(text: str) -> bool:
    def bad(_):
        raise ValueError
    try:
        json.loads(text, parse_constant=bad)
    except ValueError:
        return False
    return True


class Tally:
    """Outcome counts of one input kind, printed at the end (and asserted clean)."""

    def __init__(self, kind: str):
        self.kind = kind
        self.counts: Counter = Counter()
        self.problems: List[str] = []

    def check(self, case: str, o: Outcome, located_by: Iterable[str], outputs: Iterable[Path] = (),
              out_dir: Optional[Path] = None, json_stdout: bool = False) -> None:
        """Record `o` and check every promise; a broken one is kept with the case's name."""
        self.counts[o.code] += 1
        flat = " ".join(o.err.split())
        where = f"{self.kind}/{case}: exit {o.code}"
        if o.code not in (0, 1, 2):
            self.problems.append(f"{where}: not 0/1/2: {o.err[-600:]}")
            return
        if "Traceback" in o.err or "internal error" in o.err:
            self.problems.append(f"{where}: {o.err[-600:]}")
            return
        outputs = list(outputs)
        if o.code == 2:
            if "error" not in o.err:
                self.problems.append(f"{where}: no error message: {o.err[-300:]}")
            elif not any(n in o.err or n in flat for n in located_by):
                self.problems.append(f"{where}: message not located (none of {list(located_by)}): {o.err[-400:]}")
            for p in outputs:
                if p.exists():
                    self.problems.append(f"{where}: {p.name} written although the run failed")
        else:
            for p in outputs:
                if p.suffix == ".json" and p.exists() and not _no_nan(p.read_text(encoding="utf-8")):
                    self.problems.append(f"{where}: NaN/Infinity in {p.name}")
            if json_stdout and o.code == 0 and not _no_nan(o.out):
                self.problems.append(f"{where}: NaN/Infinity on stdout")
        if out_dir is not None:
            left = [p.name for p in out_dir.iterdir() if p.name.endswith((".part", ".tmp"))]
            if left:
                self.problems.append(f"{where}: temporary files left: {left}")

    def report(self) -> str:
        names = {0: "exit 0 (accepted)", 1: "exit 1 (negative verdict)", 2: "exit 2 (located error)"}
        parts = [f"{names.get(c, f'exit {c}')}: {n}" for c, n in sorted(self.counts.items())]
        return f"fuzz {self.kind}: {sum(self.counts.values())} cases — " + ", ".join(parts) + \
            f" — {len(self.problems)} broken promise(s)"

    def finish(self) -> None:
        line = self.report()
        print("\n" + line)
        log = os.environ.get("CARBONSPEC_FUZZ_LOG")
        if log:
            with open(log, "a", encoding="utf-8") as fh:
                fh.write(line + "\n")
                for p in self.problems[:20]:
                    fh.write("  " + p.replace("\n", " | ")[:800] + "\n")
        assert not self.problems, line + "\n" + "\n".join(self.problems[:10])


# --------------------------------------------------------------- mutations --
WEIRD_NUMBERS = ["1e309", "-1e309", "1e400", "123456789012345678901234567890", "-0", "1e-400", "NaN",
                 "Infinity", "-Infinity", "9007199254740993", "0", "-1", "1e308", "-1e308", "4.9e-324"]
WEIRD_VALUES = [None, True, False, "", "abc", "=HYPERLINK(\"http://x\")", "+1", "@SUM(A1)", "\u0000",
                "é" * 3, "x" * 5000, [], {}, [1, 2], {"a": 1}, 0, -1, 1e308, -1e308, 5e-324, 2 ** 53,
                -(2 ** 53), 10 ** 6, 0.5, 3, "2.0", "lbc_gc", "../../x", "1,5", "oui", "TRUE"]


def leaves(doc, path=()):
    """Every (path, value) of a JSON document, objects and lists included."""
    yield path, doc
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from leaves(v, path + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from leaves(v, path + (i,))


def _parent(doc, path):
    obj = doc
    for p in path[:-1]:
        obj = obj[p]
    return obj


def mutate_structure(doc, rng: random.Random):
    """One structural change of a parsed JSON document (in place); returns its name."""
    paths = [p for p, _ in leaves(doc) if p]
    if not paths:
        return "empty"
    path = rng.choice(paths)
    parent, key = _parent(doc, path), path[-1]
    op = rng.randrange(9)
    if op == 0:
        del parent[key]
        return f"delete {path}"
    if op == 1:
        parent[key] = rng.choice(WEIRD_VALUES)
        return f"set {path}"
    if op == 2 and isinstance(parent[key], list) and parent[key]:
        parent[key].append(json.loads(json.dumps(rng.choice(parent[key]))))
        return f"duplicate an element of {path}"
    if op == 3 and isinstance(parent[key], list):
        parent[key].clear()
        return f"empty {path}"
    if op == 4 and isinstance(parent, dict):
        parent[str(key) + rng.choice(["_", "x", "s", ""]) + "typo"] = parent.pop(key)
        return f"rename {path}"
    if op == 5 and isinstance(parent[key], (int, float)) and not isinstance(parent[key], bool):
        parent[key] = parent[key] * rng.choice([-1, 0, 10, 1e6, 1e300, 0.5, 1 + 1e-12])
        return f"scale {path}"
    if op == 6:
        v = parent[key]
        for _ in range(rng.choice([3, 70, 200])):
            v = [v]
        parent[key] = v
        return f"nest {path}"
    if op == 7 and isinstance(parent, dict):
        parent[rng.choice(["unknown", "Surf2", "methode", "k "])] = rng.choice(WEIRD_VALUES)
        return f"add a key next to {path}"
    parent[key] = rng.choice(WEIRD_VALUES)
    return f"set {path}"


def mutate_text(text: str, rng: random.Random) -> bytes:
    """One textual change of a JSON file: numbers, duplicate keys, cuts, bad bytes."""
    data = text.encode("utf-8")
    op = rng.randrange(8)
    nums = list(re.finditer(r"(?<![\w.])-?\d+(\.\d+)?([eE][-+]?\d+)?", text))
    if op == 0 and nums:
        m = rng.choice(nums)
        return (text[:m.start()] + rng.choice(WEIRD_NUMBERS) + text[m.end():]).encode("utf-8")
    if op == 1:
        keys = list(re.finditer(r'\n(\s*)("[^"\n]+":\s*[^,\n{\[]+),', text))
        if keys:
            m = rng.choice(keys)
            return (text[:m.end()] + "\n" + m.group(1) + m.group(2) + "," + text[m.end():]).encode("utf-8")
    if op == 2:
        return data[:rng.randrange(len(data))]
    if op == 3:
        i = rng.randrange(len(data))
        return data[:i] + bytes([rng.randrange(256)]) + data[i + 1:]
    if op == 4:
        i = rng.randrange(len(data))
        return data[:i] + rng.choice([b"\xff", b"\xc3", b"\x00", b"\xe2\x82", b"\xef\xbb\xbf"]) + data[i:]
    if op == 5:
        return b"[" * rng.choice([100, 1000, 100000]) + data
    if op == 6:
        return re.sub(r'"(method|version)":\s*"[^"]*",?', "", text, count=1).encode("utf-8")
    if op == 7:
        chars = "é€\u2028\u0000\t\r"
        i = rng.randrange(len(text))
        return (text[:i] + rng.choice(chars) + text[i:]).encode("utf-8")
    return data


def mutate_json_file(base: str, rng: random.Random) -> bytes:
    """A mutated JSON file: structural changes (1-3), then sometimes a textual one."""
    doc = json.loads(base)
    if rng.random() < 0.3:  # a plausible edit (a number changed): reaches the computation
        nums = [p for p, v in leaves(doc) if p and isinstance(v, (int, float)) and not isinstance(v, bool)]
        if nums:
            path = rng.choice(nums)
            parent = _parent(doc, path)
            parent[path[-1]] = parent[path[-1]] * rng.choice([0.5, 0.9, 1.1, 2, 0])
            return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")
    for _ in range(rng.randint(1, 3)):
        mutate_structure(doc, rng)
    try:
        text = json.dumps(doc, ensure_ascii=False, indent=1)
    except ValueError:
        text = base
    if rng.random() < 0.4:
        return mutate_text(text, rng)
    return text.encode("utf-8")


def mutate_xlsx(data: bytes, rng: random.Random) -> bytes:
    """A mutated workbook, at the zip/XML level (fast, and reaches what a spreadsheet
    program would never write): cell values, formulas without values, broken XML,
    missing members, renamed sheets."""
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    names = src.namelist()
    sheets = [n for n in names if n.startswith("xl/worksheets/sheet")]
    target = rng.choice(sheets) if sheets else None
    op = rng.randrange(9)
    drop = None
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for n in names:
            body = src.read(n)
            if n == target:
                body = _mutate_sheet(body.decode("utf-8"), op, rng).encode("utf-8")
            elif op == 7 and n == "xl/workbook.xml":
                text = body.decode("utf-8")
                sh = list(re.finditer(r'<sheet [^>]*name="([^"]*)"', text))
                if sh:
                    m = rng.choice(sh)
                    text = text[:m.start(1)] + rng.choice(["", "x", m.group(1) + "s", "farms"]) + text[m.end(1):]
                body = text.encode("utf-8")
            if op == 8 and drop is None and rng.random() < 0.08:
                drop = n
                continue
            dst.writestr(n, body)
    result = out.getvalue()
    if op == 8 and drop is None:
        return result[:rng.randrange(len(result))]
    return result


def _mutate_sheet(x: str, op: int, rng: random.Random) -> str:
    cells = list(re.finditer(r'<c r="([A-Z]+)(\d+)"([^>]*?)(/>|>(.*?)</c>)', x))
    data_cells = [m for m in cells if int(m.group(2)) >= 3] or cells
    if op in (0, 1, 2, 3) and data_cells:
        m = rng.choice(data_cells)
        ref = f'{m.group(1)}{m.group(2)}'
        new = {
            0: lambda: f'<c r="{ref}"><v>{rng.choice(WEIRD_NUMBERS)}</v></c>',
            1: lambda: f'<c r="{ref}"><f>{rng.choice(["1+1", "A1", "1/0", "SUM(A:A)"])}</f></c>',
            2: lambda: f'<c r="{ref}" t="inlineStr"><is><t>{rng.choice(["=1+1", "abc", "", "1,5", "-1", "NaN", "oui", "x" * 300])}</t></is></c>',
            3: lambda: "",
        }[op]()
        return x[:m.start()] + new + x[m.end():]
    if op == 4:
        rows = list(re.finditer(r"<row [^>]*>.*?</row>", x))
        if rows:
            m = rng.choice(rows)
            return x[:m.end()] + m.group(0) + x[m.end():]
    if op == 5:
        return x[:rng.randrange(len(x))]
    if op == 6:
        i = rng.randrange(len(x))
        return x[:i] + rng.choice(["<", "&", "\x00", "]]>", "<c>", "é"]) + x[i:]
    return x


def mutate_spec_text(text: str, rng: random.Random) -> bytes:
    """One change of a spec file: literals, strings, names, lines, bytes."""
    lines = text.split("\n")
    op = rng.randrange(12)
    if op == 0:
        nums = list(re.finditer(r"(?<![\w.])\d+(\.\d+)?([eE][-+]?\d+)?", text))
        if nums:
            m = rng.choice(nums)
            return (text[:m.start()] + rng.choice(["1e309", "1e400", "0", "1e-400", "99999999999999999999",
                                                   "1e308", "4.9e-324", "00", "1.", ".5"]) + text[m.end():]).encode()
    if op == 1:
        strs = list(re.finditer(r'"[^"\n]*"', text))
        if strs:
            m = rng.choice(strs)
            inner = rng.choice(["a\x00b", "2.0/../../x", "x\u2028y", "\\", "'''", '\\"', "{{ x }}", "é\x7f",
                                "", "2.0\r", "a\tb", "${x}", "%s", "\x1b[31m"])
            return (text[:m.start()] + '"' + inner + '"' + text[m.end():]).encode("utf-8")
    if op == 2 and len(lines) > 1:
        i = rng.randrange(len(lines))
        del lines[i]
        return "\n".join(lines).encode("utf-8")
    if op == 3 and lines:
        i = rng.randrange(len(lines))
        lines.insert(i, lines[rng.randrange(len(lines))])
        return "\n".join(lines).encode("utf-8")
    if op == 4:
        names = list(re.finditer(r"\b[A-Za-z_]\w*\b", text))
        if names:
            m = rng.choice(names)
            return (text[:m.start()] + rng.choice(["x", m.group(0) + "_", "inf", "nan", "import", "__import__",
                                                   "os", "lambda", "None", "in", "sum"]) + text[m.end():]).encode()
    if op == 5:
        doms = list(re.finditer(r"in \[[^\]\n]*\]|>=? -?\d[\d.e]*|<=? -?\d[\d.e]*", text))
        if doms:
            m = rng.choice(doms)
            return (text[:m.start()] + rng.choice(["in [1e400, 14]", "in [14, 0]", "in ]5, 5[", "> inf",
                                                   "< -inf", "in [0, 1e309]", "in [5, 5]", ">= 1e308"])
                    + text[m.end():]).encode()
    data = text.encode("utf-8")
    if op == 6:
        return data[:rng.randrange(len(data))]
    if op == 7:
        i = rng.randrange(len(data))
        return data[:i] + bytes([rng.randrange(256)]) + data[i + 1:]
    if op == 8:
        mb = [m.start() for m in re.finditer(rb"[\xc3\xe2]", data)]
        if mb:
            return data[:rng.choice(mb) + 1]
    if op == 9:
        i = rng.randrange(len(text))
        return (text[:i] + rng.choice(["\x00", "\x0c", "\u2029", "\x85", "\r", "\t", "(", ")", "[", "]", "@",
                                       "\"", "#", "=", "..", "^", "%"]) + text[i:]).encode("utf-8")
    if op == 10:
        return text.replace('version "1.0"', rng.choice(['version "1.0\\n"', 'version "1.0/../../x"',
                                                          'version ".."', 'version ""', 'version "1 0"',
                                                          'version "a/b"', 'version "' + "9" * 40 + '"']), 1).encode()
    return (text + rng.choice(["\nconstant Z = 1e200 * 1e200 [1] @ 1 L1\n", "\nconstant Z = 10 ^ 400 @ 1 L1\n",
                               "\nconstant Z = exp(1000) @ 1 L1\n", "\nconstant Z = log(0) @ 1 L1\n",
                               "\nconstant Z = (-8) ^ 0.5 @ 1 L1\n", "\nconstant Z = 1 / 0 @ 1 L1\n"])).encode()
