"""``/doc/<id>/original`` sends files whatever their names hold: newlines, quotes,
Chinese. The full name travels as RFC 5987 ``filename*``, with a sanitised ASCII
``filename`` fallback (RFC 6266)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from werkzeug.http import parse_options_header

from searchapp.query.service import open_service
from searchapp.indexing.run import index_paths
from searchapp.web.app import create_app
from searchapp.web.originals import content_disposition
from support import hardening_settings

NAMES = ["第一行\n第二行.txt", 'quote"and\\backslash.txt', "tab\tand\rreturn.txt", "报告.txt", "plain-report.txt"]


def filenames(header: str) -> tuple[str, str]:
    """(ASCII fallback, full name) as a browser reads them."""
    match = re.fullmatch(r'inline; filename="([^"\\]*)"; filename\*=UTF-8\'\'([A-Za-z0-9%._~-]+)', header)
    assert match, header
    _, options = parse_options_header(header)  # werkzeug, as a client, prefers the full name
    full = unquote(match.group(2), encoding="utf-8")
    assert options["filename"] == full
    return match.group(1), full


@pytest.mark.parametrize("name", NAMES)
def test_content_disposition_is_a_valid_header_with_the_full_name_encoded(name: str) -> None:
    header = content_disposition(name)
    assert header.isascii() and not any(ch in header for ch in "\r\n\t\0")
    fallback, full = filenames(header)
    assert fallback.isascii() and fallback.endswith(".txt") and '"' not in fallback and "\\" not in fallback
    assert full == "".join("_" if ord(ch) < 32 or ch in '"\\' else ch for ch in name)


@pytest.fixture(scope="module")
def client_and_ids(tmp_path_factory):
    work = tmp_path_factory.mktemp("names")
    docs = work / "docs"
    docs.mkdir()
    for i, name in enumerate(NAMES):
        (docs / name).write_text(f"文件名测试报告{i}\n\n城乡教师交流轮岗第{i}篇。\n", encoding="utf-8")
    settings = hardening_settings(work, work / "index")
    index_paths(settings, [docs], workers=1)
    engine = open_service(settings)
    ids = {Path(info.source).name: info.id for info in engine.backend.snapshot().docs.values()}
    return create_app(settings, engine=engine).test_client(), ids


@pytest.mark.parametrize("name", NAMES)
def test_original_with_an_awkward_name_is_sent_with_its_name(client_and_ids, name: str) -> None:
    client, ids = client_and_ids
    response = client.get(f"/doc/{ids[name]}/original")
    assert response.status_code == 200
    assert "城乡教师交流轮岗".encode() in response.data
    _, full = filenames(response.headers["Content-Disposition"])
    assert full.replace("_", "") == "".join(ch for ch in name if ord(ch) >= 32 and ch not in '"\\')
