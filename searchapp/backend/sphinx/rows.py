"""One document as a row of the cluster's docs table, and back.

Facet values are filtered and grouped through signed 64-bit hashes (integers are
what SphinxQL's ``IN()`` and ``GROUP BY`` handle everywhere); the strings beside
them are what a group's row shows. The record (everything a hit and a document
page show) travels as JSON; the original text as a string attribute, so a web
node needs no copy of the corpus. Sphinx 2.2 cuts a string attribute at 4 MB
(silently, measured), so a longer text keeps its first :data:`CHUNK_BYTES` in the
row and the rest in rows of the parts table (``parts`` says how many). The normalized text is not stored: it is
:func:`searchapp.normalize.normalize` of the original (recorded as the
normalizer version in the cluster's meta row), recomputed for highlighting.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from searchapp.backend.base import PreparedDoc
from searchapp.backend.sphinx import tokens
from searchapp.backend.sphinx.sql import mva, quote
from searchapp.model import FACET_FIELDS, FACETS, DocRecord
from searchapp.normalize import normalize

#: Row ids: ``born << KEY_BITS | key`` — a document written again in a later
#: generation is a new row, so the old one stays visible until the switch.
KEY_BITS = 40
#: First token of every body: every document contains it, so a query made only of
#: exclusions (-民办) has something to exclude from.
ALL_TOKEN = "\ue100"

COLUMNS = ("id", "body", "title", "key", "born", "dead", "grp", "clustered", "year", "length", "docid_h",
           "source_h", "region1_h", "region2_h", "region3_h", "province_h", "city_h", "district_h", "type_h",
           "origin_h", "theme_h", "parts", "docid", "region", "doctype", "origin", "themes", "rec", "text")
PART_COLUMNS = ("id", "note", "owner", "part", "chunk")
#: Largest piece of original text in one string attribute (Sphinx 2.2 keeps 4 MB).
CHUNK_BYTES = 2_000_000
#: Stored columns read back when a row is copied (body and title are rebuilt from them).
STORED = tuple(c for c in COLUMNS if c not in ("body", "title"))


def h64(value: str | None) -> int:
    """A signed 64-bit hash of a facet value (0: no value)."""
    if not value:
        return 0
    n = int.from_bytes(hashlib.blake2b(value.encode("utf-8"), digest_size=8).digest(), "little", signed=True)
    return n or 1


def row_id(born: int, key: int) -> int:
    return (born << KEY_BITS) | key


def region_paths(fields: dict[str, Any]) -> list[str]:
    """Paths of the region tree a document counts under: 广东省, 广东省/广州市, …
    (a level counts only when every level above it is known, as in the local backend)."""
    levels = [fields.get(n) or "" for n in ("province", "city", "district")]
    out = []
    for depth in range(1, 4):
        if all(levels[:depth]):
            out.append("/".join(levels[:depth]))
        else:
            break
    return out


def record_json(doc: PreparedDoc) -> str:
    fields = {name: doc.fields.get(name) for name in FACET_FIELDS}
    for facet in FACETS:
        if facet.kind == "multi":
            fields[facet.fields[0]] = list(fields.get(facet.fields[0]) or ())
    return json.dumps({
        "id": doc.id, "key": doc.key, "path": doc.path, "source": doc.source, "article": doc.article,
        "title": doc.title, "fields": fields, "length": len(doc.norm), "encoding": doc.encoding,
        "hash": doc.hash, "mtime": doc.mtime, "size": doc.size, "fingerprint": doc.fingerprint,
        "evidence": doc.evidence, "indexed": time.time(),
        "sidecar": list(doc.sidecar) if doc.sidecar else None,
    }, ensure_ascii=False)


def record_from_json(text: str) -> DocRecord:
    d = json.loads(text)
    fields: dict[str, Any] = {}
    for facet in FACETS:
        for name in facet.fields:
            raw = d["fields"].get(name)
            if facet.kind == "multi":
                fields[name] = tuple(raw or ())
            elif facet.kind == "range":
                fields[name] = raw if isinstance(raw, int) and raw else None
            else:
                fields[name] = raw or ""
    return DocRecord(id=d["id"], path=d.get("path", ""), source=d.get("source", ""), title=d.get("title", ""),
                     fields=fields, length=d.get("length") or 0, encoding=d.get("encoding"), size=d.get("size"),
                     meta={"evidence": d.get("evidence") or {}}, mtime=d.get("mtime"), indexed_at=d.get("indexed"))


def doc_values(doc: PreparedDoc, born: int, grp: int, clustered: bool) -> dict[str, Any]:
    """The row of a freshly prepared document."""
    f = doc.fields
    paths = region_paths(f)
    themes = list(f.get("themes") or ())
    return {
        "id": row_id(born, doc.key), "key": doc.key, "born": born, "dead": 0, "grp": grp,
        "clustered": int(clustered), "year": int(f.get("year") or 0), "length": len(doc.norm),
        "docid_h": h64(doc.id), "source_h": h64(doc.source),
        "region1_h": h64(paths[0]) if len(paths) > 0 else 0, "region2_h": h64(paths[1]) if len(paths) > 1 else 0,
        "region3_h": h64(paths[2]) if len(paths) > 2 else 0,
        "province_h": h64(f.get("province")), "city_h": h64(f.get("city")), "district_h": h64(f.get("district")),
        "type_h": h64(f.get("doctype")), "origin_h": h64(f.get("origin")), "theme_h": sorted({h64(t) for t in themes}),
        "docid": doc.id, "region": "/".join(f.get(n) or "" for n in ("province", "city", "district")),
        "doctype": f.get("doctype") or "", "origin": f.get("origin") or "", "themes": "\x1f".join(themes),
        "parts": 0, "rec": record_json(doc), "text": doc.text,
        "body": ALL_TOKEN + tokens.encode(doc.norm), "title": tokens.encode(normalize(doc.title).text),
    }


def stored_values(row: dict[str, Any]) -> dict[str, Any]:
    """Complete a row read back with :data:`STORED` columns (to copy it): the full
    text fields are rebuilt from the original text and the record's title."""
    out = dict(row)
    if isinstance(out.get("theme_h"), str):
        out["theme_h"] = [int(x) for x in out["theme_h"].split(",") if x]
    out["body"] = ALL_TOKEN + tokens.encode(normalize(out["text"]).text)
    out["title"] = tokens.encode(normalize(json.loads(out["rec"]).get("title") or "").text)
    return out


def split_text(text: str) -> list[str]:
    """``text`` in pieces of at most :data:`CHUNK_BYTES` UTF-8 bytes (whole characters)."""
    if len(text) * 4 <= CHUNK_BYTES or len(text.encode("utf-8")) <= CHUNK_BYTES:
        return [text]
    pieces, start = [], 0
    while start < len(text):
        end = min(len(text), start + CHUNK_BYTES // 4)
        while end < len(text) and len(text[start:end + 1024].encode("utf-8")) <= CHUNK_BYTES:
            end = min(len(text), end + 1024)
        pieces.append(text[start:end])
        start = end
    return pieces


def part_id(owner: int, part: int) -> int:
    """Row id of a piece of a document's text (unique per owner row and piece)."""
    digest = hashlib.blake2b(f"{owner}:{part}".encode(), digest_size=8).digest()
    return (int.from_bytes(digest, "little") & ((1 << 63) - 1)) or 1


def split_row(row: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A row holding the full text → the row with its first piece, and the parts rows."""
    pieces = split_text(row["text"])
    out = dict(row, text=pieces[0], parts=len(pieces) - 1)
    parts = [{"id": part_id(row["id"], k), "note": "", "owner": row["id"], "part": k, "chunk": piece}
             for k, piece in enumerate(pieces[1:], start=1)]
    return out, parts


def insert_sql(table: str, rows: list[dict[str, Any]], columns: tuple[str, ...] = COLUMNS) -> str:
    values = []
    for r in rows:
        values.append("(" + ", ".join(mva(r[c]) if c == "theme_h" else quote(r[c]) for c in columns) + ")")
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES " + ", ".join(values)


__all__ = ["h64", "row_id", "doc_values", "stored_values", "insert_sql", "split_row", "split_text", "part_id", "record_from_json", "region_paths",
           "ALL_TOKEN", "COLUMNS", "STORED", "KEY_BITS"]
