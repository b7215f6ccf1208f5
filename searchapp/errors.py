"""Exceptions that carry a message meant for the user, not a traceback."""


class SearchappError(Exception):
    """Base class: the CLI prints ``str(exc)`` and exits non-zero; the web app answers
    with the error shape (503 for problems of the index)."""


class ConfigError(SearchappError):
    """config.yaml is unreadable, has an unknown key or a value of the wrong type."""


class ReadError(SearchappError):
    """A file could not be turned into text (binary, undecodable, damaged, unsupported)."""


class IndexMismatchError(SearchappError):
    """The index on disk was built by another analyzer version or schema."""


class IndexMissingError(SearchappError):
    """No index exists where one was expected."""


class IndexLockedError(SearchappError):
    """Another indexing run holds the index's write lock."""


class IndexDamagedError(SearchappError):
    """An index file is truncated, garbled or missing: only a rebuild repairs it."""


class IndexWriteError(SearchappError):
    """The index could not be written (disk full, file size limit, no permission).

    Raised while indexing; the previous committed index is untouched, because a
    run publishes nothing until its last step."""


#: errno values that mean "the disk or the account will not take more data".
_FULL = {"ENOSPC": "the disk is full", "EDQUOT": "the disk quota is exhausted",
         "EFBIG": "a file grew over the size limit of this account or file system"}
#: errno values of reading a file of the index that is missing, cut short or garbled
#: (mapping a garbled length gives EINVAL).
_DAMAGE_ERRNOS = {"ENOENT", "EIO", "EINVAL", "ENOTDIR", "EISDIR", "ESTALE", "ENXIO", "EOVERFLOW", "EBADF"}
#: errno values that mean "this user may not write here".
_DENIED = {"EACCES": "permission denied", "EPERM": "operation not permitted",
           "EROFS": "the file system is read-only"}


def _errno_name(exc: OSError) -> str:
    import errno

    return errno.errorcode.get(exc.errno or 0, "")


def storage_error_types() -> tuple[type[BaseException], ...]:
    """What the storage libraries raise when an index file is truncated or garbled.

    Whoosh reads with ``struct`` and raises ``EOFError`` at a premature end; the text
    store decompresses with ``zlib`` and maps files (``OSError``). Listed once, so the
    command line and the web app give the same advice."""
    import struct
    import zlib

    from whoosh.index import IndexError as WhooshIndexError

    return (EOFError, struct.error, zlib.error, WhooshIndexError, UnicodeDecodeError, OSError)


#: Raised by the readers of a garbled file too (a bad length read from it, a missing
#: entry), but also by plain bugs: counted as damage only where the index is being
#: opened or updated, never for an ordinary search request.
_OPENING_ERRORS = (ValueError, KeyError, IndexError, TypeError)


def explain_index_failure(exc: BaseException, index_dir: object, *, writing: bool = False,
                          opening: bool = False) -> SearchappError | None:
    """The user-facing error for ``exc`` raised while using the index at ``index_dir``,
    or ``None`` when ``exc`` does not look like a problem of the index (a bug: let it show).

    ``writing``: an indexing run was going on, so a full disk or a missing permission
    is the likely story, and the previous index is intact. ``opening``: the index was
    being opened or updated, where any failure to parse a file means damage.
    """
    if isinstance(exc, SearchappError):
        return exc
    if isinstance(exc, OSError) and exc.filename and not str(exc.filename).startswith(str(index_dir)):
        return None  # about some other file (a document, a template): not the index's problem
    if isinstance(exc, OSError):
        name = _errno_name(exc)
        where = f" ({exc.filename})" if exc.filename else ""
        if name in _FULL or (writing and name in _DENIED):
            reason = _FULL.get(name) or _DENIED[name]
            if writing:
                return IndexWriteError(
                    f"could not write the index at {index_dir}: {reason}{where}. Nothing was published: the previous "
                    "index is unchanged and keeps answering. Fix the cause and run `searchapp index` again.")
            return IndexWriteError(f"could not use the index at {index_dir}: {reason}{where}")
        if name in _DENIED:
            return IndexDamagedError(f"cannot read the index at {index_dir}: {_DENIED[name]}{where}; "
                                     "the user running searchapp needs read access to the index folder")
    if isinstance(exc, OSError) and _errno_name(exc) not in _DAMAGE_ERRNOS:
        return None  # a closed pipe, a reset connection, …: not about the index
    if isinstance(exc, storage_error_types()) or (opening and isinstance(exc, _OPENING_ERRORS)):
        return IndexDamagedError(
            f"the index at {index_dir} is damaged and cannot be read ({type(exc).__name__}: {exc}); "
            "run `searchapp index --rebuild` to build it again from the documents")
    return None
