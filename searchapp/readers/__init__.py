"""Readers turn the bytes of one file into text. Each format is a small registered unit.

A reader is a function ``(data, name, limits) -> RawText`` registered for one or more
file suffixes with :func:`register`. It gets the file's bytes, not its path, so the
indexer reads each changed file once (to hash it and to parse it). Readers raise
:class:`~searchapp.errors.ReadError` with a human reason; the indexer reports it and
skips the file.

Readers also enforce :class:`ReadLimits`. A small file can describe a huge one: a
766 KB .docx whose ``word/document.xml`` inflates to 0.2 GB, a PDF of a million empty
pages, an HTML page of a million empty tags. Checking the size on disk
(``indexing.max_file_mb``) does not catch those, so each reader checks what it is about
to unpack or walk, and refuses past the limit with a :class:`ReadError` that names it,
before memory or time run away.

Adding a format is one new module here that calls ``@register(".ext")`` and one
import line at the bottom of this file.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from searchapp.errors import ReadError

if TYPE_CHECKING:
    from searchapp.config import IndexingSettings

MB = 1024 * 1024


@dataclass(frozen=True)
class RawText:
    """The text of one file as read, before cleaning or normalization."""

    text: str
    #: Character encoding detected for text formats; the container format otherwise
    #: (``"docx"``, ``"pdf"``).
    encoding: str


@dataclass(frozen=True)
class ReadLimits:
    """How much one file may make a reader unpack, parse or produce.

    ``max_bytes`` is ``indexing.max_file_mb``: the bytes a file may take on disk are
    also the most a container may inflate to (all members of a .docx together) and the
    most text a reader may return, because memory grows with what is parsed, not with
    what was compressed."""

    max_bytes: int = 50 * MB
    #: PDF pages; a page costs parsing time even when it holds no text.
    max_pdf_pages: int = 5000
    #: Indirect objects a PDF may declare (its cross-reference size).
    max_pdf_objects: int = 1_000_000
    #: Tags of an HTML page. Real pages have a few thousand; each costs about 2.5 KB
    #: of memory and 40 µs in extraction. (Nesting depth needs no limit: pages deeper
    #: than the tree parser goes are read by the flat tag stripper, see readers.html.)
    max_html_elements: int = 200_000

    @classmethod
    def from_settings(cls, indexing: IndexingSettings) -> ReadLimits:
        return cls(max_bytes=int(indexing.max_file_mb * MB), max_pdf_pages=indexing.max_pdf_pages)

    @property
    def max_mb_text(self) -> str:
        return f"{self.max_bytes / MB:g} MB"


DEFAULT_LIMITS = ReadLimits()

Reader = Callable[[bytes, str, ReadLimits], RawText]

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


def read_bytes(data: bytes, suffix: str, name: str = "", limits: ReadLimits = DEFAULT_LIMITS) -> RawText:
    """Turn ``data``, the bytes of a file ending in ``suffix``, into text.

    ``name`` is the file's name, for messages. Every failure (binary data, a damaged
    container, a limit of ``limits`` passed) becomes a :class:`ReadError` with a
    reason fit for the indexing summary.
    """
    suffix = suffix.lower()
    reader = _REGISTRY.get(suffix)
    if reader is None:
        raise ReadError(f"unsupported file type {suffix or '(none)'}")
    if len(data) > limits.max_bytes:
        raise ReadError(f"larger than indexing.max_file_mb ({limits.max_mb_text})")
    try:
        raw = reader(data, name, limits)
    except ReadError:
        raise
    except MemoryError:
        raise ReadError("out of memory while reading (a file that unpacks to far more than its size?)") from None
    except RecursionError:
        raise ReadError("nested too deeply to read") from None
    except Exception as exc:  # a third-party parser choking on a damaged file
        raise ReadError(f"cannot parse {suffix} file: {type(exc).__name__}: {exc}") from None
    if len(raw.text) > limits.max_bytes:
        raise ReadError(f"its text is longer than indexing.max_file_mb allows ({limits.max_mb_text})")
    return raw


def read_file(path: str | Path, limits: ReadLimits = DEFAULT_LIMITS) -> RawText:
    """Read ``path`` with the reader registered for its suffix: one read, then
    :func:`read_bytes`.

    Every failure (missing file, permission, binary data, a damaged container, a
    limit passed) becomes a :class:`ReadError` with a reason fit for the indexing
    summary.
    """
    path = Path(path)
    if path.suffix.lower() not in _REGISTRY:
        raise ReadError(f"unsupported file type {path.suffix or '(none)'}")
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise ReadError(f"larger than indexing.max_file_mb ({limits.max_mb_text})")
        data = path.read_bytes()
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
    return read_bytes(data, path.suffix, path.name, limits)


# Built-in readers register themselves on import.
from searchapp.readers import text as _text  # noqa: E402,F401
from searchapp.readers import html as _html  # noqa: E402,F401
from searchapp.readers import docx as _docx  # noqa: E402,F401
from searchapp.readers import pdf as _pdf  # noqa: E402,F401
