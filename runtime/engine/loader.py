"""Which compiled method folder may be loaded: only generated/<method>/v<version>/ as made by
`carbonspec compile`, for a method and version named by plain identifiers.

Why: loading a method imports its kernel.py, i.e. runs Python.  A `--method ../../tmp/x`
(or a version '2.0/../../x', or a symlink leading out of generated/) would run whatever
kernel.py sits there.  So the names are checked against the same rules the spec parser
applies, the resolved folder must stay inside generated/, and its model.json must name the
same method and version.
"""
from __future__ import annotations

from pathlib import Path

from carbonspec.compiler.errors import InputError
from carbonspec.compiler.names import IDENT_RE, version_problem


EARLIER_PROJECTS = "earlier-projects"


def check_names(method: str, version: str) -> None:
    if not IDENT_RE.match(method or ""):
        raise InputError("--method", f"{method!r} is not a method id: letters, digits and '_' only "
                                     "(e.g. lbc_gc), never a path")
    problem = version_problem(version or "")
    if problem:
        raise InputError("--version", problem)


def compiled_dir(generated: Path, method: str, version: str) -> Path:
    """generated/<method>/v<version>, checked (see module doc)."""
    try:
        check_names(method, version)
    except InputError as exc:  # say what can be run instead
        from .catalog import methods_text

        raise InputError(exc.where, f"{exc.message}; {methods_text(Path(generated).parent)}") from None
    d = Path(generated) / method / f"v{version}"
    if not (d / "model.json").is_file():
        from .catalog import methods_text

        spec = Path(generated).parent / "spec" / method / f"v{version}"
        hint = f"; the spec exists: run 'carbonspec compile spec/{method}/v{version}'" if spec.is_dir() else ""
        raise InputError("--method/--version", f"no compiled method '{method}' version '{version}'; "
                                               f"{methods_text(Path(generated).parent)}{hint}")
    try:
        inside = d.resolve().relative_to(Path(generated).resolve())
    except ValueError:
        inside = None
    if inside is None or inside.parts != (method, f"v{version}"):
        raise InputError("--method/--version", f"{d} leads outside {generated} (a symbolic link?); "
                                               "only folders made by 'carbonspec compile' are loaded")
    return d


def check_compiled(directory: Path, model: dict) -> None:
    """model.json must be the one `compile` wrote for this folder: plain names that match
    the folder (a kernel is imported under a module name made of them)."""
    method, version = str(model.get("method", "")), str(model.get("version", ""))
    if not IDENT_RE.match(method) or version_problem(version):
        raise InputError(str(directory / "model.json"), "not a model.json written by 'carbonspec compile' "
                                                        "(method or version is not a plain name)")
    d = Path(directory)
    if d.name == EARLIER_PROJECTS:  # the rules of projects notified before this version (runtime/versions)
        d = d.parent
    if d.name != f"v{version}" or d.parent.name != method:
        raise InputError(str(directory), f"holds the model of {method} v{version}, not of the folder's "
                                         "method and version; recompile with 'carbonspec compile'")
