"""Comparing an index with a fresh rebuild of the same folder (this module holds no tests).

An incremental run is correct when nobody could tell its index from one built
from scratch: the same document ids, the same stored metadata, the same answers.
Keys, docnums and segment layout may differ; nothing a reader sees may.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from searchapp.config import Settings
from searchapp.indexing.run import index_paths
from searchapp.model import SearchRequest
from searchapp.query.service import open_service, search

#: Phrases present in the seed reports, and a word query: matching, ranking order and
#: near-duplicate folding all take part.
QUERIES = ['"教师交流"', "均衡发展", '"教育局"', "督导 OR 考核", "学校"]


def index_view(settings: Settings, index_dir: Path | None = None,
               queries: list[str] = QUERIES) -> dict[str, Any]:
    """Everything a reader of the index sees: per id the stored record (without the
    indexing bookkeeping in ``meta``) and its text, and per query the hits (score,
    id, copies folded into it) in ranking order."""
    service = open_service(settings, index_dir)
    snap = service.backend.snapshot()
    try:
        records = {}
        for rec in snap.docs.values():
            meta = {k: v for k, v in rec.meta.items() if k != "sidecar"}
            records[rec.id] = (rec.path, rec.source, rec.title, sorted(rec.fields.items()), rec.length,
                               rec.encoding, rec.size, repr(meta))
        for rec_id, docnum in snap.by_id.items():
            records[rec_id] += (snap.original_text(docnum),)
    finally:
        snap.close()
    answers = {}
    for q in queries:
        r = search(service, SearchRequest(q=q, size=100, snippets=0, facets=False))
        # Hits with equal scores are compared in id order: the engine breaks ties by
        # docnum, which differs between an incremental and a rebuilt index.
        hits = sorted(((-round(h.score or 0.0, 6), h.id, sorted(h.duplicate_ids)) for h in r.hits))
        answers[q] = (r.total, hits)
    service.backend.close()
    return {"records": records, "answers": answers}


def rebuilt_view(settings: Settings, corpus: Path, folder: Path) -> dict[str, Any]:
    """The view of a fresh index of ``corpus`` built in ``folder``."""
    index_paths(settings, [corpus], index_dir=folder, rebuild=True, workers=1)
    return index_view(settings, folder)


def differences(got: dict[str, Any], want: dict[str, Any]) -> str:
    """What differs, readably (empty when the views are equal)."""
    lines = []
    extra = sorted(set(got["records"]) - set(want["records"]))
    missing = sorted(set(want["records"]) - set(got["records"]))
    if extra:
        lines.append(f"ids only in the incremental index: {extra}")
    if missing:
        lines.append(f"ids only in the rebuild: {missing}")
    for rec_id in sorted(set(got["records"]) & set(want["records"])):
        if got["records"][rec_id] != want["records"][rec_id]:
            lines.append(f"{rec_id}: incremental {got['records'][rec_id][:8]} != rebuild {want['records'][rec_id][:8]}")
    for q, answer in want["answers"].items():
        if got["answers"].get(q) != answer:
            lines.append(f"query {q}: incremental {got['answers'].get(q)} != rebuild {answer}")
    return "\n".join(lines)
