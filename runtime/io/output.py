"""Every file carbonspec writes for a user (--output, --report, --out) goes through here.

Why one place: a report that looks complete but is half written, or a write that follows a
symlink or replaces a device or a folder, would be trusted by an auditor.  So a target must
be absent or a regular file; the bytes are written to a fresh temporary file beside it
(created exclusively, never through a planted link), flushed, then renamed over the target
in one step.  Several files of one result are rendered before the first is written.
"""
from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import Iterable, List, Tuple, Union

from carbonspec.compiler.errors import InputError

Data = Union[bytes, str]


def check_target(path: Path, option: str = "") -> Path:
    """Refuse anything but a regular file or a free name as an output target (located)."""
    path = Path(path)
    where = f"{option} {path}".strip()
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise InputError(where, f"cannot write here: {exc.strerror or exc}") from None
    if st is not None:
        if stat.S_ISLNK(st.st_mode):
            raise InputError(where, "is a symbolic link; carbonspec writes only regular files "
                                    "(give the real path, or remove the link)")
        if stat.S_ISDIR(st.st_mode):
            raise InputError(where, "is a folder; give a file name")
        if not stat.S_ISREG(st.st_mode):
            raise InputError(where, "is not a regular file (a device, a pipe or a socket); "
                                    "carbonspec writes only regular files")
    parent = path.parent
    if parent.exists() and not parent.is_dir():
        raise InputError(where, f"'{parent}' is not a folder")
    return path


def write_files(items: Iterable[Tuple[Path, Data]], option: str = "") -> List[Path]:
    """Write every (path, data) atomically: every target is checked first, every file is
    fully written under a temporary name next to its target, and only then are they
    renamed over their targets (a failure before the renames touches no target; the
    temporaries are always removed)."""
    items = [(Path(p), d.encode("utf-8") if isinstance(d, str) else bytes(d)) for p, d in items]
    for p, _ in items:
        check_target(p, option)
    temps: List[Tuple[Path, Path]] = []
    try:
        for p, data in items:
            try:
                p.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".part", dir=p.parent)
            except OSError as exc:
                raise InputError(f"{option} {p}".strip(), f"cannot write: {exc.strerror or exc}") from None
            temps.append((Path(tmp), p))
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644 & ~_umask())
        for tmp, p in temps:
            check_target(p, option)  # still a regular file or free name just before the swap
            os.replace(tmp, p)
    except OSError as exc:
        raise InputError(option or str(items[0][0]), f"cannot write: {exc.strerror or exc}") from None
    finally:
        for tmp, _ in temps:
            if tmp.exists():
                tmp.unlink()
    return [p for p, _ in items]


def write_file(path: Path, data: Data, option: str = "") -> Path:
    """One file, atomically, only as a regular file (see module doc)."""
    return write_files([(path, data)], option)[0]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
