"""PDF (.pdf): the text layer, pages joined, with Chinese hard line wraps undone.

A PDF stores positioned lines, not paragraphs. pypdf gives one line per visual line,
so a sentence typeset across two lines comes out as "…全市上下坚持稳中求进工作总\\n
基调…", and a phrase query for 工作总基调 would miss it. Chinese needs no space where
lines join, so we rejoin such lines, but only where it is clearly a wrap:

* the line does not end a sentence (。！？；：… possibly followed by a closing quote
  or bracket), and
* the next line starts with a CJK character (a Han character, CJK punctuation, or a
  digit after a Han character: "增长" / "5.8%"), and the boundary is not between two
  Latin letters, where a space would be needed, and
* the line is *full*: at least 80 % of the document's typical line width. This
  spares headings and the short last line of a paragraph ("一、过去一年的工作回顾"
  followed by "过去一年，…" stays two lines). Lines ending inside a clause (with "，"
  or "、", or an opening bracket) are continued whatever their width.

Also, because they would break phrase matches:

* page numbers printed as the first or last line of a page ("— 3 —", "第3页 共9页")
  are dropped, so that the sentence running across the page break rejoins;
* spaces between two Han characters are removed: they are letter-spacing in headings
  ("通  知") or an artefact of per-character positioning, never Chinese prose;
* Kangxi radicals and CJK compatibility ideographs are mapped to the ordinary
  characters. Word's PDF export with some fonts writes "⽣" (U+2F63) for "生" (U+751F);
  they look identical but would never match a query.

A PDF without any text (a scanned image) and an encrypted PDF that needs a password
raise :class:`ReadError`: indexing them would silently yield an empty document.
So does a PDF past the limits of :class:`~searchapp.readers.ReadLimits` (pages, objects,
text length): see :func:`check_structure`.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING

from searchapp.errors import ReadError
from searchapp.readers import RawText, ReadLimits, register

if TYPE_CHECKING:
    from pypdf import PdfReader

# pypdf logs every oddity of a damaged file ("EOF marker not found", "Advanced encoding
# ... not implemented") at WARNING on stderr; over a folder of thousands of PDFs that
# drowns the indexing summary, which reports unreadable files through ReadError instead.
logging.getLogger("pypdf").setLevel(logging.ERROR)

# --------------------------------------------------------------------------- characters

_HAN_RANGES = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_HAN = re.compile(f"[{_HAN_RANGES}]")
#: CJK punctuation and full-width forms ("，", "（", "“", "％").
_CJK_PUNCT = re.compile(r"[\u3000-\u303f\uff00-\uffef\u2018-\u201d\u2014\u2026]")
_SENTENCE_END = frozenset("。！？!?；;：:…")
_CLOSERS = "”’」』）)》〉】］]\"'"
#: A line ending with one of these is inside a clause: the text must go on.
_CLAUSE_OPEN_END = frozenset("，,、“‘「『（(《〈【［")

_SPACE_BETWEEN_HAN = re.compile(f"(?<=[{_HAN_RANGES}])[ \u3000\t]+(?=[{_HAN_RANGES}])")

#: Share of the typical line width from which a line counts as "full".
_FULL_LINE_SHARE = 0.8


def _compatibility_table() -> dict[int, str]:
    """Kangxi radicals, CJK radicals supplement and compatibility ideographs that NFKC
    maps to ordinary characters."""
    table: dict[int, str] = {}
    for start, end in ((0x2E80, 0x2EFF), (0x2F00, 0x2FDF), (0xF900, 0xFAFF)):
        for cp in range(start, end + 1):
            mapped = unicodedata.normalize("NFKC", chr(cp))
            if mapped != chr(cp):
                table[cp] = mapped
    return table


_COMPATIBILITY = _compatibility_table()


def _is_han(ch: str) -> bool:
    return _HAN.match(ch) is not None


def _is_cjk(ch: str) -> bool:
    return _is_han(ch) or _CJK_PUNCT.match(ch) is not None


def display_width(line: str) -> int:
    """Columns the line takes when typeset: CJK and full-width characters two, others
    one. Comparable across lines that mix Han characters and digits."""
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in line)


# --------------------------------------------------------------------------- page cleanup

_PAGE_NUMBER = re.compile(
    r"^[\s\-—–－_·•]*(?:"
    r"(?:第\s*)?\d{1,4}\s*页?\s*(?:[/／]\s*\d{1,4}\s*页?|[,，]?\s*共\s*\d{1,4}\s*页)?"
    r"|共\s*\d{1,4}\s*页\s*第\s*\d{1,4}\s*页"
    r"|page\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?"
    r")[\s\-—–－_·•]*$",
    re.IGNORECASE,
)


def page_lines(page_text: str) -> list[str]:
    """The non-empty lines of one page, without a page number as first or last line."""
    lines = [line.strip() for line in page_text.splitlines()]
    lines = [line for line in lines if line]
    if lines and _PAGE_NUMBER.match(lines[-1]):
        lines.pop()
    if lines and _PAGE_NUMBER.match(lines[0]):
        lines.pop(0)
    return lines


# --------------------------------------------------------------------------- unwrapping


def typical_width(lines: Iterable[str]) -> int:
    """The width of a full line: the 80th percentile of line widths. Most lines of a
    body text are full; headings and paragraph ends are the short minority."""
    widths = sorted(display_width(line) for line in lines)
    if not widths:
        return 0
    return widths[int(0.8 * (len(widths) - 1))]


def _ends_sentence(line: str) -> bool:
    core = line.rstrip(_CLOSERS)
    return not core or core[-1] in _SENTENCE_END


def _boundary_joins(last: str, first: str) -> bool:
    """Whether the characters either side of a line break belong to one Chinese run:
    CJK on at least one side, and CJK or a digit on the other."""
    if _is_cjk(last):
        return _is_cjk(first) or first.isdigit()
    return _is_cjk(first) and _is_han(first) and (last.isdigit() or last in "%％")


def is_wrapped(line: str, next_line: str, full_width: int) -> bool:
    """Whether ``next_line`` continues ``line`` after a hard wrap (see the module doc)."""
    if not line or not next_line or _ends_sentence(line):
        return False
    if not _boundary_joins(line[-1], next_line[0]):
        return False
    if line[-1] in _CLAUSE_OPEN_END:
        return True
    return display_width(line) >= _FULL_LINE_SHARE * full_width


def unwrap_lines(lines: list[str]) -> list[str]:
    """Join hard-wrapped lines back into paragraphs."""
    full_width = typical_width(lines)
    out: list[str] = []
    previous = ""  # the previous *visual* line: widths are judged per line, not paragraph
    for line in lines:
        if out and is_wrapped(previous, line, full_width):
            out[-1] += line
        else:
            out.append(line)
        previous = line
    return out


def clean_pdf_text(pages: Iterable[str]) -> str:
    """Turn pypdf's per-page text into searchable text (see the module docstring)."""
    lines: list[str] = []
    for page in pages:
        page = page.translate(_COMPATIBILITY)
        lines.extend(_SPACE_BETWEEN_HAN.sub("", line) for line in page_lines(page))
    return "\n".join(unwrap_lines(lines))


# --------------------------------------------------------------------------- reader


def _open(data: bytes) -> PdfReader:
    """Parse the PDF; an encrypted one is opened if it needs no password."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
    except PyPdfError as exc:
        raise ReadError(f"damaged PDF (truncated or corrupt): {exc}") from None
    if reader.is_encrypted:
        try:
            decrypted = reader.decrypt("")  # many PDFs only restrict printing/copying
        except DependencyError:
            raise ReadError("encrypted PDF: decrypting it needs the 'cryptography' package") from None
        except PyPdfError as exc:
            raise ReadError(f"encrypted PDF that cannot be decrypted: {exc}") from None
        if not decrypted:
            raise ReadError("encrypted PDF: it needs a password to open")
    return reader


def check_structure(reader: PdfReader, limits: ReadLimits) -> None:
    """Refuse a PDF with more pages or objects than ``limits`` allow, before any page is
    read. Each page is parsed even when empty, and a few KB of PDF can declare a
    million of them (a page tree that shares one page object, a huge cross-reference
    size); pypdf itself already caps how far one stream may inflate."""
    from pypdf.errors import PyPdfError

    try:
        declared_objects = int(reader.trailer.get("/Size", 0) or 0)
    except (TypeError, ValueError):
        declared_objects = 0
    if declared_objects > limits.max_pdf_objects:
        raise ReadError(f"PDF declares {declared_objects:,} objects, more than the limit of "
                        f"{limits.max_pdf_objects:,}")
    try:
        pages = len(reader.pages)
    except PyPdfError as exc:
        raise ReadError(f"damaged PDF (cannot read its page tree): {exc}") from None
    if pages > limits.max_pdf_pages:
        raise ReadError(f"PDF with {pages:,} pages, more than indexing.max_pdf_pages ({limits.max_pdf_pages:,})")


def _page_texts(reader: PdfReader, limits: ReadLimits) -> list[str]:
    """Text of each page. A damaged page is skipped; the PDF fails only if all are.
    Stops with :class:`ReadError` once the text passes ``limits.max_bytes``."""
    from pypdf.errors import PyPdfError

    texts: list[str] = []
    failures: list[str] = []
    length = 0
    try:
        pages = list(reader.pages)
    except PyPdfError as exc:
        raise ReadError(f"damaged PDF (cannot read its page tree): {exc}") from None
    for page in pages:
        try:
            text = page.extract_text() or ""
        except (PyPdfError, KeyError, ValueError, TypeError, AttributeError) as exc:
            failures.append(f"{type(exc).__name__}: {exc}")
            continue
        length += len(text)
        if length > limits.max_bytes:
            raise ReadError(f"its text is longer than indexing.max_file_mb allows ({limits.max_mb_text})")
        texts.append(text)
    if failures and not texts:
        raise ReadError(f"damaged PDF (no page could be read): {failures[0]}")
    return texts


@register(".pdf")
def read_pdf(data: bytes, name: str, limits: ReadLimits) -> RawText:  # noqa: ARG001
    if b"%PDF-" not in data[:1024]:
        raise ReadError("not a PDF file (no %PDF- header)")
    from pypdf.errors import PdfReadWarning

    with warnings.catch_warnings():
        # Damaged files make pypdf warn; we report them through ReadError or not at all.
        warnings.simplefilter("ignore", PdfReadWarning)
        reader = _open(data)
        check_structure(reader, limits)
        pages = _page_texts(reader, limits)
    text = clean_pdf_text(pages)
    if not text.strip():
        raise ReadError("PDF has no text layer (scanned image?)")
    return RawText(text=text, encoding="pdf")
