"""Readers turn one file into text. Each format is a small registered unit.

A reader is a function ``(path) -> RawText`` registered for one or more file
suffixes with :func:`register`. Readers raise :class:`~searchapp.errors.ReadError`
with a human reason; the indexer reports it and skips the file.

Adding a format is one new module here that calls ``@register(".ext")`` and one
import line at the bottom of this file.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from searchapp.errors import ReadError


@dataclass(frozen=True)
class RawText:
    """The text of one file as read, before cleaning or normalization."""

    text: str
    #: Character encoding detected for text formats; the container format otherwise
    #: (``"docx"``, ``"pdf"``).
    encoding: str


Reader = Callable[[Path], RawText]

_REGISTRY: dict[str, Reader] = {}


def register(*suffixes: str) -> Callable[[Reader], Reader]:
    """Register ``func`` as the reader for files ending in ``suffixes`` (e.g. ``".txt"``)."""

    def deco(func: Reader) -> Reader:
        for suffix in suffixes:
            _REGISTRY[suffix.lower()] = func
        return func

    return deco


def supported_suffixes() -> frozenset[str]:
    """The file suffixes some reader handles, lower-case with the dot."""
    return frozenset(_REGISTRY)


def is_supported(path: Path) -> bool:
    """Whether ``path`` is something to read: a suffix some reader handles, on a
    regular file (symlinks followed).

    Anything else with such a name is not a document and must not reach a reader:
    a FIFO (``mkfifo report.txt``) blocks the read forever, a link to a device such
    as ``/dev/zero`` never ends, a symlink loop or a dangling link has nothing to
    read (and makes ``Path.resolve`` raise), a folder named ``x.txt`` is a folder.
    """
    if path.suffix.lower() not in _REGISTRY:
        return False
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except (OSError, ValueError):  # loop, dangling link, no permission on the folder, NUL in the name
        return False


def read_file(path: str | Path) -> RawText:
    """Read ``path`` with the reader registered for its suffix.

    Every failure (missing file, permission, binary data, a damaged container)
    becomes a :class:`ReadError` with a reason fit for the indexing summary.
    """
    path = Path(path)
    reader = _REGISTRY.get(path.suffix.lower())
    if reader is None:
        raise ReadError(f"unsupported file type {path.suffix or '(none)'}")
    try:
        return reader(path)
    except ReadError:
        raise
    except PermissionError:
        raise ReadError("permission denied") from None
    except FileNotFoundError:
        raise ReadError("file not found") from None
    except IsADirectoryError:
        raise ReadError("is a directory") from None
    except OSError as exc:
        raise ReadError(f"cannot read: {exc.strerror or exc}") from None
    except Exception as exc:  # a third-party parser choking on a damaged file
        raise ReadError(f"cannot parse {path.suffix} file: {type(exc).__name__}: {exc}") from None


# Built-in readers register themselves on import.
from searchapp.readers import text as _text  # noqa: E402,F401
from searchapp.readers import html as _html  # noqa: E402,F401
from searchapp.readers import docx as _docx  # noqa: E402,F401
from searchapp.readers import pdf as _pdf  # noqa: E402,F401
