"""Plain text and Markdown: decode with encoding detection, nothing else."""

from __future__ import annotations

from pathlib import Path

from searchapp.encoding import decode_bytes
from searchapp.readers import RawText, register


@register(".txt", ".md", ".text", ".markdown")
def read_text(path: Path) -> RawText:
    text, encoding = decode_bytes(path.read_bytes())
    return RawText(text=text.replace("\r\n", "\n").replace("\r", "\n"), encoding=encoding)
