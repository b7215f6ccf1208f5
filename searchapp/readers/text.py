"""Plain text and Markdown: decode with encoding detection, nothing else."""

from __future__ import annotations

from searchapp.encoding import decode_bytes
from searchapp.readers import RawText, ReadLimits, register

TEXT_SUFFIXES = (".txt", ".md", ".text", ".markdown")


def text_from_bytes(data: bytes) -> RawText:
    """Decode the bytes of a text file (the indexer hashes them first, then decodes
    them here instead of reading the file a second time)."""
    text, encoding = decode_bytes(data)
    return RawText(text=text.replace("\r\n", "\n").replace("\r", "\n"), encoding=encoding)


@register(*TEXT_SUFFIXES)
def read_text(data: bytes, name: str, limits: ReadLimits) -> RawText:  # noqa: ARG001 - size checked by read_bytes
    return text_from_bytes(data)
