"""Word documents (.docx): paragraphs and table cells in document order.

Offices exchange reports as .docx more than anything else. We read the main body only,
in the order a reader sees it (a table between two paragraphs stays between them), one
paragraph or table cell per line. Headers and footers ("第 1 页", the unit's name) repeat
on every page and are chrome, so they are left out; so are comments and tracked
deletions, which python-docx does not expose as body text.

A file named .docx that is not one is common: an old binary .doc renamed, a
password-protected document (Word stores those in the same OLE container as .doc), or
a download that saved an HTML error page. These get a :class:`ReadError` saying which.
So does a zip bomb: a small file whose parts inflate past ``indexing.max_file_mb``
(see :func:`check_inflated_size`).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import TYPE_CHECKING

from searchapp.errors import ReadError
from searchapp.readers import MB, RawText, ReadLimits, register

if TYPE_CHECKING:
    from docx.table import Table

#: Magic number of OLE2 compound files: legacy .doc, and encrypted .docx.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _check_container(data: bytes) -> None:
    """Refuse files that are not a zip with a Word body, with the reason why."""
    if data.startswith(_OLE_MAGIC):
        raise ReadError("not a valid .docx file: it is an old Word .doc or a password-protected document")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ReadError("not a valid .docx file (not a zip archive; renamed or damaged?)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile as exc:
        raise ReadError(f"not a valid .docx file (damaged zip archive: {exc})") from None
    if "[Content_Types].xml" not in names or not any(n.startswith("word/") for n in names):
        raise ReadError("not a valid .docx file (a zip archive without a Word document inside)")


#: Members of a real .docx: a few dozen parts plus its images.
MAX_MEMBERS = 10_000
_CHUNK = 1024 * 1024


def check_inflated_size(data: bytes, limits: ReadLimits) -> None:
    """Refuse a .docx that unpacks to more than ``limits.max_bytes`` in all.

    python-docx inflates every part into memory and parses ``word/document.xml`` into
    a tree, so what costs memory is the inflated size; deflate packs repetitive XML
    up to a thousand to one. The sizes the zip declares are checked first (cheap), then
    every member is inflated in 1 MB chunks and counted, stopping at the limit: a
    member may declare less than it holds."""
    too_big = (f"unpacks to more than indexing.max_file_mb ({limits.max_mb_text}); "
               "a zip bomb, or a document too large to index")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise ReadError(f"not a valid .docx file ({len(members):,} zip members, more than {MAX_MEMBERS:,})")
        declared = sum(m.file_size for m in members)
        if declared > limits.max_bytes:
            raise ReadError(f"{too_big}: its zip declares {declared / MB:,.0f} MB")
        total = 0
        for member in members:
            with archive.open(member) as fh:
                while chunk := fh.read(_CHUNK):
                    total += len(chunk)
                    if total > limits.max_bytes:
                        raise ReadError(f"{too_big}: {member.filename} inflates past the limit")


def _table_lines(table: Table) -> Iterator[str]:
    """One line per cell, row by row. A merged cell spans several grid positions and
    python-docx returns it once per position (vertically merged ones too); we emit it once."""
    seen: set[object] = set()  # the cells' XML elements; holding them keeps identity stable
    for row in table.rows:
        for cell in row.cells:
            if cell._tc in seen:
                continue
            seen.add(cell._tc)
            yield from _block_lines(cell)


def _block_lines(container: object) -> Iterator[str]:
    """Paragraph and table lines of a document body or table cell, in order (nested
    tables included, as Chinese forms nest them)."""
    from docx.table import Table

    for item in container.iter_inner_content():  # type: ignore[attr-defined]
        if isinstance(item, Table):
            yield from _table_lines(item)
        else:
            text = item.text.strip()
            if text:
                yield text


@register(".docx")
def read_docx(data: bytes, name: str, limits: ReadLimits) -> RawText:  # noqa: ARG001
    _check_container(data)
    check_inflated_size(data, limits)
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ReadError(f"not a valid .docx file ({type(exc).__name__}: {exc})") from None
    lines = list(_block_lines(document))
    return RawText(text="\n".join(lines), encoding="docx")
