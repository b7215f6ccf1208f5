"""Finding the files an indexing run reads."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Iterable

from searchapp.readers import is_supported, supported_suffixes
from searchapp.sidecar import sidecar_path

#: (file name, mtime, size) of a report's sidecar YAML; None when it has none.
SidecarSignature = tuple[str, float, int]


def sidecar_signature(path: Path) -> SidecarSignature | None:
    """What an incremental run compares to notice a sidecar added, changed or deleted.

    The sidecar's own mtime and size, not the newest of the two files' mtimes: a
    sidecar copied in with its old mtime (``cp -p``, ``rsync -t``, unzip) leaves
    the newest mtime unchanged, but not this signature (it was ``None``)."""
    side = sidecar_path(path)
    if side is None:
        return None
    try:
        st = side.stat()
    except OSError:
        return None
    return (side.name, st.st_mtime, st.st_size)


def under_any(source: str, roots: Iterable[str]) -> bool:
    """Whether the real path ``source`` lies in one of the real folders ``roots``."""
    return any(source.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def discover(paths: Iterable[Path]) -> tuple[list[tuple[Path, str, Path]], list[tuple[str, str]]]:
    """Supported files under ``paths`` (recursive), with the display path of each and
    the root it was found under.

    Hidden files and folders are skipped; symlink loops are detected by real path.
    Returns ``(files, problems)``.
    """
    files: list[tuple[Path, str, Path]] = []
    problems: list[tuple[str, str]] = []
    seen_dirs: set[str] = set()
    seen_files: set[str] = set()

    def add_file(p: Path, shown: str, root: Path) -> None:
        real = os.path.realpath(p)
        if real not in seen_files:
            seen_files.add(real)
            files.append((p, shown, root))

    for root in paths:
        root_s = str(root)
        if root.is_file():
            if is_supported(root):
                add_file(root, root_s, root)
            else:
                problems.append((root_s, f"unsupported file type {root.suffix or '(none)'}"))
            continue
        if not root.is_dir():
            problems.append((root_s, "no such file or folder"))
            continue
        for dirpath, dirnames, filenames in os.walk(root, followlinks=True,
                                                   onerror=lambda e: problems.append((e.filename, e.strerror))):
            real = os.path.realpath(dirpath)
            if real in seen_dirs:
                dirnames[:] = []
                continue
            seen_dirs.add(real)
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                p = Path(dirpath) / name
                if is_supported(p):
                    add_file(p, str(p), root)
                elif p.suffix.lower() in supported_suffixes():
                    problems.append((str(p), _not_a_document(p)))
    return files, problems


def _not_a_document(path: Path) -> str:
    """Why a file with a report's name is not read (for the summary)."""
    try:
        st = path.stat()
    except RuntimeError:  # pragma: no cover - some Pythons raise this for loops
        return "symbolic link loop"
    except OSError as exc:
        if path.is_symlink():
            return "symbolic link loop" if exc.errno == errno.ELOOP else "broken symbolic link"
        return f"cannot read: {exc.strerror}"
    if stat.S_ISDIR(st.st_mode):
        return "a folder with a file's name"
    kind = "FIFO" if stat.S_ISFIFO(st.st_mode) else "device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(
        st.st_mode) else "socket" if stat.S_ISSOCK(st.st_mode) else "special file"
    return f"not a regular file ({kind})"
