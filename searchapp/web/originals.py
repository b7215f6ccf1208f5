"""Which file ``/doc/<id>/original`` may send: the one that was indexed, and nothing else.

The route never takes a path from the request: it looks the document up by id
and sends the file the indexer read, recorded as an absolute, symlink-free path
(``source``). Between indexing and the request that file can change, and what
stands at that path may no longer be the document:

* it may be gone, or a folder, a FIFO or a device now;
* a symlink may now stand at the path or in one of its folders (pointing at
  ``/etc/shadow``, or anywhere outside the corpus);
* its size may differ: it was edited, or replaced by another file.

In each case the answer is 404 until the next ``searchapp index`` has looked at
it again. The file is opened without following a final symlink and checked
through the open descriptor, so a swap between the check and the send cannot
slip another file in.

A symlink *inside* the corpus that points outside it is followed by the indexer
(like any link an administrator put there); the document is then that target
file, its text is searchable, and the original is served — it is exactly what
was indexed. Keep such links out of the corpus to keep their targets private.
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
from typing import BinaryIO
from urllib.parse import quote

from searchapp.model import DocRecord


def open_indexed_file(record: DocRecord) -> tuple[BinaryIO, os.stat_result] | None:
    """The document's source file, opened for reading, if it is still the file that
    was indexed; ``None`` otherwise. The caller closes it (``send_file`` does)."""
    source = record.source
    if not source or os.path.realpath(source) != source:
        return None  # gone, or a link now stands at the path or in a folder on it
    try:
        fd = os.open(source, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    fh = os.fdopen(fd, "rb")
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_size != record.size:
        fh.close()
        return None
    return fh, st


def is_available(record: DocRecord) -> bool:
    """Whether :func:`open_indexed_file` would send the original (for the page's link)."""
    opened = open_indexed_file(record)
    if opened is None:
        return False
    opened[0].close()
    return True


#: Characters a quoted-string ``filename="..."`` cannot carry as they are: controls
#: (a newline in a header value is refused outright, which made the route answer 500),
#: the quote and the backslash.
_UNSAFE_IN_FILENAME = re.compile(r'[\x00-\x1f\x7f"\\]')


def content_disposition(name: str, disposition: str = "inline") -> str:
    """The ``Content-Disposition`` value for sending a file called ``name``.

    File names come from the corpus and may hold anything a file system allows,
    newlines included. Following RFC 6266, the header carries an ASCII fallback
    ``filename="..."`` (accents stripped, controls, quotes and backslashes replaced
    by ``_``, other non-ASCII characters dropped) and the full name as RFC 5987
    ``filename*=UTF-8''...``, which every current browser prefers. Control
    characters are replaced in both: they have no place in a saved file's name.
    """
    clean = _UNSAFE_IN_FILENAME.sub("_", name)
    ascii_name = unicodedata.normalize("NFKD", clean).encode("ascii", "ignore").decode("ascii").strip()
    _, dot, suffix = clean.rpartition(".")
    ascii_stem = ascii_name.rpartition(".")[0] if dot else ascii_name
    if not any(ch.isalnum() for ch in ascii_stem):  # nothing recognisable left (a Chinese name)
        ascii_name = "document" + (f".{suffix}" if dot and suffix.isascii() and suffix.isalnum() else "")
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(clean, safe='')}"
