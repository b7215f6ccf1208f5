"""Word documents (.docx): paragraphs and table cells in document order.

Offices exchange reports as .docx more than anything else. We read the main body only,
in the order a reader sees it (a table between two paragraphs stays between them), one
paragraph or table cell per line. Headers and footers ("第 1 页", the unit's name) repeat
on every page and are chrome, so they are left out; so are comments and tracked
deletions, which python-docx does not expose as body text.

A file named .docx that is not one is common: an old binary .doc renamed, a
password-protected document (Word stores those in the same OLE container as .doc), or
a download that saved an HTML error page. These get a :class:`ReadError` saying which.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from searchapp.errors import ReadError
from searchapp.readers import RawText, register

if TYPE_CHECKING:
    from docx.table import Table

#: Magic number of OLE2 compound files: legacy .doc, and encrypted .docx.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _check_container(path: Path) -> None:
    """Refuse files that are not a zip with a Word body, with the reason why."""
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(_OLE_MAGIC):
        raise ReadError("not a valid .docx file: it is an old Word .doc or a password-protected document")
    if not zipfile.is_zipfile(path):
        raise ReadError("not a valid .docx file (not a zip archive; renamed or damaged?)")
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile as exc:
        raise ReadError(f"not a valid .docx file (damaged zip archive: {exc})") from None
    if "[Content_Types].xml" not in names or not any(n.startswith("word/") for n in names):
        raise ReadError("not a valid .docx file (a zip archive without a Word document inside)")


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
def read_docx(path: Path) -> RawText:
    _check_container(path)
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ReadError(f"not a valid .docx file ({type(exc).__name__}: {exc})") from None
    lines = list(_block_lines(document))
    return RawText(text="\n".join(lines), encoding="docx")
