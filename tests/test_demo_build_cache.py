"""`compile` keeps an unchanged generated folder as it is (compiler/build.py write_folder), so
that Numba's on-disk cache of kernel.py (__pycache__, keyed by the source's path, mtime and
size) survives a recompile of the same spec — `make demo` on a warm machine then spends no
time in JIT compilation.  A changed spec still gets a fresh folder and never a stale cache."""
import os

from carbonspec.compiler.build import compile_model, write_folder
from carbonspec.compiler.model import check_spec_dir

SPEC = """\
method mini version "1"  title "Mini"  published 2024-01-01  source "mini.txt"
unit ha "hectare"
entity site "site" as site @ 1 L1
entity parcelle "parcelle" in site as parcelles @ 1 L2
input parcelle.surface : ha > 0 @ 1 L3
equation parcelle.double : ha @ 1 L4
  = surface * FACTOR
equation site.total : ha @ 1 L5
  = sum(parcelle: double)
"""


def _compile(tmp_path, factor: str):
    d = tmp_path / "spec"
    d.mkdir(exist_ok=True)
    (d / "00-mini.cspec").write_text(SPEC.replace("FACTOR", factor), encoding="utf-8")
    compile_model(check_spec_dir(d), tmp_path / "gen", None)
    return tmp_path / "gen" / "mini" / "v1"


def _fake_cache(folder):
    """What importing kernel.py with Numba's cache=True leaves beside it."""
    cache = folder / "__pycache__"
    cache.mkdir(exist_ok=True)
    nbi = cache / "kernel.stage_01_site-12.py311.nbi"
    nbi.write_bytes(b"index")
    return nbi


def test_unchanged_spec_keeps_the_folder_its_mtimes_and_cache(tmp_path):
    out = _compile(tmp_path, "2")
    kernel = out / "kernel.py"
    old = os.stat(kernel)
    os.utime(kernel, ns=(old.st_atime_ns, old.st_mtime_ns - 10**9))  # older than any rewrite
    before, inode = os.stat(kernel).st_mtime_ns, os.stat(out).st_ino
    nbi = _fake_cache(out)
    assert _compile(tmp_path, "2") == out
    assert os.stat(kernel).st_mtime_ns == before          # same file, Numba's stamp still valid
    assert os.stat(out).st_ino == inode                   # the folder itself was kept
    assert nbi.read_bytes() == b"index"
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no build folder left


def test_changed_spec_regenerates_without_the_old_cache(tmp_path):
    out = _compile(tmp_path, "2")
    kernel = out / "kernel.py"
    text = kernel.read_text(encoding="utf-8")
    old = os.stat(kernel)
    os.utime(kernel, ns=(old.st_atime_ns, old.st_mtime_ns - 10**9))
    before = os.stat(kernel).st_mtime_ns
    _fake_cache(out)
    _compile(tmp_path, "3")
    new = kernel.read_text(encoding="utf-8")
    assert new != text and "3" in new.replace(text, "")   # the new factor is in the kernel
    assert os.stat(kernel).st_mtime_ns != before
    assert not (out / "__pycache__").exists()             # never a cache of the previous kernel


def test_identical_module_keeps_its_cache_when_another_file_changes(tmp_path):
    """docs changed, kernel.py not: the new folder is swapped in, kernel.py carries its old mtime
    and its own cache files; a changed module carries nothing."""
    out = tmp_path / "v1"

    def build(doc: str, other: str):
        def write(tmp):
            (tmp / "kernel.py").write_text("X = 1\n", encoding="utf-8")
            (tmp / "other.py").write_text(other, encoding="utf-8")
            (tmp / "docs").mkdir()
            (tmp / "docs" / "index.html").write_text(doc, encoding="utf-8")
            return [tmp / "kernel.py", tmp / "other.py", tmp / "docs" / "index.html"]
        return write

    write_folder(out, build("a", "Y = 1\n"))
    st = os.stat(out / "kernel.py")
    os.utime(out / "kernel.py", ns=(st.st_atime_ns, st.st_mtime_ns - 10**9))
    before = os.stat(out / "kernel.py").st_mtime_ns
    cache = out / "__pycache__"
    cache.mkdir()
    (cache / "kernel.f-1.py311.nbi").write_bytes(b"k")
    (cache / "other.g-1.py311.nbi").write_bytes(b"o")
    write_folder(out, build("b", "Y = 2\n"))
    assert (out / "docs" / "index.html").read_text(encoding="utf-8") == "b"
    assert os.stat(out / "kernel.py").st_mtime_ns == before
    assert (cache / "kernel.f-1.py311.nbi").read_bytes() == b"k"
    assert not (cache / "other.g-1.py311.nbi").exists()
