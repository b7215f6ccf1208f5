"""Hostile files: small on disk, huge once unpacked or walked. Each is reported and
skipped with a reason that names the limit (or, for deep HTML, read safely), in
bounded time and memory, and the rest of the folder is indexed.

The files are built here: a .docx zip bomb written with :mod:`zipfile`, a PDF whose
page tree declares far more pages than allowed, an HTML page of a million tags.
"""

from __future__ import annotations

import io
import json
import resource
import time
import zipfile
from pathlib import Path

import pytest

from searchapp.errors import ReadError
from searchapp.readers import MB, ReadLimits, read_bytes, read_file
from support import cli

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
    '"/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
    'document.main+xml"/></Types>')
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
    '2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx_bytes(paragraph: str, repeat: int, *, lie_about_size: bool = False) -> bytes:
    """A valid .docx whose body is ``paragraph`` ``repeat`` times, deflated in a stream
    (so a 0.2 GB body never sits in this test's memory)."""
    buf = io.BytesIO()
    para = f'<w:p><w:r><w:t>{paragraph}</w:t></w:r></w:p>'.encode()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _RELS)
        with zf.open("word/document.xml", "w", force_zip64=True) as fh:
            fh.write(f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{_W}"><w:body>'.encode())
            block = para * 1000
            for _ in range(repeat // 1000):
                fh.write(block)
            fh.write(para * (repeat % 1000))
            fh.write(b"</w:body></w:document>")
    data = buf.getvalue()
    if lie_about_size:  # declare a tiny inflated size in both headers of document.xml
        data = _patch_declared_size(data, "word/document.xml", 1000)
    return data


def _patch_declared_size(data: bytes, member: str, size: int) -> bytes:
    """Overwrite ``member``'s uncompressed size in the central directory (zip64 extra
    field included), as a hostile archiver would. (CPython's zipfile stops inflating at
    the declared size and then fails the CRC check; counting while streaming is the
    second guard, should a zip reader ever trust the data over the header.)"""
    out = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(member)
    # The central directory entry: find it by its signature and name.
    name = member.encode()
    pos = out.find(b"PK\x01\x02")
    while pos != -1:
        name_len = int.from_bytes(out[pos + 28:pos + 30], "little")
        extra_len = int.from_bytes(out[pos + 30:pos + 32], "little")
        if out[pos + 46:pos + 46 + name_len] == name:
            if int.from_bytes(out[pos + 24:pos + 28], "little") == 0xFFFFFFFF:  # zip64: size in the extra field
                extra = pos + 46 + name_len
                end = extra + extra_len
                while extra < end:
                    tag = int.from_bytes(out[extra:extra + 2], "little")
                    length = int.from_bytes(out[extra + 2:extra + 4], "little")
                    if tag == 1:
                        out[extra + 4:extra + 12] = size.to_bytes(8, "little")
                        break
                    extra += 4 + length
            else:
                out[pos + 24:pos + 28] = size.to_bytes(4, "little")
            break
        pos = out.find(b"PK\x01\x02", pos + 46)
    assert info.file_size != size
    return bytes(out)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_a_docx_zip_bomb_is_refused_while_inflating_with_a_reason_naming_the_limit() -> None:
    """About 0.2 GB of document.xml in well under a megabyte: refused in seconds,
    without ever holding the inflated body, naming indexing.max_file_mb."""
    bomb = docx_bytes("教育督导报告" * 10, 1_500_000)
    assert len(bomb) < 2 * MB
    assert zipfile.ZipFile(io.BytesIO(bomb)).getinfo("word/document.xml").file_size > 200 * MB
    before = peak_rss_mb()
    started = time.process_time()  # CPU time: bounded work, whatever else the machine runs
    with pytest.raises(ReadError, match=r"unpacks to more than indexing\.max_file_mb \(50 MB\)"):
        read_bytes(bomb, ".docx", "bomb.docx")
    assert time.process_time() - started < 10
    assert peak_rss_mb() - before < 150, "the inflated body must never be held in memory"


def test_a_docx_that_hides_its_inflated_size_is_stopped_by_counting_while_streaming() -> None:
    """The zip may declare a small size: the bytes that actually come out count."""
    limits = ReadLimits(max_bytes=1 * MB)
    honest = docx_bytes("报告正文", 100_000)
    with pytest.raises(ReadError, match="unpacks to more than"):
        read_bytes(honest, ".docx", "big.docx", limits)
    lying = docx_bytes("报告正文", 100_000, lie_about_size=True)
    assert zipfile.ZipFile(io.BytesIO(lying)).getinfo("word/document.xml").file_size == 1000
    with pytest.raises(ReadError):  # by our count, or by zipfile's CRC check when it stops at the lie
        read_bytes(lying, ".docx", "lying.docx", limits)


def test_a_docx_within_the_limit_is_read() -> None:
    raw = read_bytes(docx_bytes("教师交流轮岗", 3), ".docx", "ok.docx", ReadLimits(max_bytes=1 * MB))
    assert raw.text.split("\n") == ["教师交流轮岗"] * 3


def _pdf_with_pages(fanout: int) -> bytes:
    """A PDF of ``fanout``² pages in a few KB: the page tree lists one shared subtree
    ``fanout`` times, which lists one shared page ``fanout`` times. A reader that trusts
    it parses every one of those pages."""
    kids = " ".join(["4 0 R"] * fanout)
    leaves = " ".join(["3 0 R"] * fanout)
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {fanout * fanout} >>",
        "<< /Type /Page /Parent 4 0 R /MediaBox [0 0 612 792] >>",
        f"<< /Type /Pages /Parent 2 0 R /Kids [{leaves}] /Count {fanout} >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n{body}\nendobj\n".encode())
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def test_a_pdf_with_more_pages_than_allowed_is_refused_before_its_pages_are_read() -> None:
    pdf = _pdf_with_pages(150)
    assert len(pdf) < 20_000
    started = time.process_time()  # CPU time: bounded work, whatever else the machine runs
    with pytest.raises(ReadError, match=r"PDF with 22,500 pages, more than indexing\.max_pdf_pages \(5,000\)"):
        read_bytes(pdf, ".pdf", "pages.pdf")
    assert time.process_time() - started < 20


def test_a_pdf_declaring_too_many_objects_is_refused() -> None:
    pdf = _pdf_with_pages(1).replace(b"/Size 5", b"/Size 99999999")
    with pytest.raises(ReadError, match="objects, more than the limit"):
        read_bytes(pdf, ".pdf", "objects.pdf")


def test_an_html_page_of_a_million_tags_is_refused_quickly() -> None:
    page = ("<html><body>" + "<i></i>" * 1_000_000 + "<p>教育督导报告</p></body></html>").encode()
    started = time.process_time()  # CPU time: bounded work, whatever else the machine runs
    with pytest.raises(ReadError, match=r"HTML page with 1,000,00\d tags, more than the limit of 200,000"):
        read_bytes(page, ".html", "tags.html")
    assert time.process_time() - started < 10


def test_html_nested_deeper_than_the_parser_goes_keeps_its_deep_text() -> None:
    """libxml2 silently drops what lies below 255 levels; such a page is read by the
    flat tag stripper instead, in bounded time, and its deep text is kept."""
    depth = 50_000
    page = ("<html><head><title>深层页面</title></head><body>" + "<div>" * depth
            + "<p>城乡教师交流轮岗常态化。</p>" + "</div>" * depth + "</body></html>").encode()
    started = time.process_time()  # CPU time: bounded work, whatever else the machine runs
    raw = read_bytes(page, ".html", "deep.html")
    assert time.process_time() - started < 10
    assert "城乡教师交流轮岗常态化" in raw.text


def test_read_file_is_a_thin_wrapper_over_read_bytes(tmp_path: Path) -> None:
    path = tmp_path / "a.docx"
    path.write_bytes(docx_bytes("教师交流轮岗", 2))
    assert read_file(path) == read_bytes(path.read_bytes(), ".DOCX", "a.docx")


def test_indexing_skips_a_docx_bomb_with_its_reason_and_indexes_the_rest(tmp_path: Path) -> None:
    """Through `searchapp index`: the bomb is a failed file with its reason, the run
    goes on and the good file is indexed."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bomb.docx").write_bytes(docx_bytes("教育督导报告" * 10, 300_000))
    (corpus / "good.txt").write_text("关于城乡教师交流轮岗的报告\n\n全县推进教师交流轮岗。\n", encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text(f"index_dir: {json.dumps(str(tmp_path / 'index'))}\nindexing:\n  max_file_mb: 5\n",
                      encoding="utf-8")
    proc = cli("--config", str(config), "index", str(corpus), "--json", cwd=tmp_path)
    assert proc.returncode == 3, proc.stderr  # a file failed, the rest was indexed
    summary = json.loads(proc.stdout)
    assert summary["indexed"] == 1
    (failed,) = summary["failed"]
    assert Path(failed["path"]).name == "bomb.docx"
    assert failed["reason"].startswith("unpacks to more than indexing.max_file_mb (5 MB); a zip bomb")
