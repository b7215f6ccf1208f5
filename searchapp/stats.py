"""Index statistics for ``searchapp stats`` and ``/api/facets``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from searchapp.config import Settings
from searchapp.engine import SearchIndex
from searchapp.indexer import read_index_meta


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def index_stats(settings: Settings, index_dir: Path) -> dict[str, Any]:
    engine = SearchIndex(settings, index_dir)
    snap = engine.snapshot()
    meta = read_index_meta(index_dir) or {}
    counts: dict[str, dict[Any, int]] = {k: {} for k in ("province", "city", "district", "year", "theme", "type")}
    for info in snap.docs.values():
        for facet, values in (("province", [info.province]), ("city", [info.city]), ("district", [info.district]),
                              ("year", [info.year]), ("theme", info.themes), ("type", [info.doctype])):
            for v in values:
                if v not in (None, ""):
                    counts[facet][v] = counts[facet].get(v, 0) + 1
    text_bytes = sum(len(seg.norm) for seg in snap.store.segments)
    return {
        "index_dir": str(index_dir),
        "documents": len(snap.docs),
        "files": len({i.source for i in snap.docs.values()}),
        "size_bytes": _dir_size(index_dir),
        "text_bytes": text_bytes,
        "analyzer": meta.get("analyzer"),
        "created": meta.get("created"),
        "facets": {k: [{"value": v, "count": n} for v, n in sorted(c.items(), key=lambda kv: (-kv[1], str(kv[0])))]
                   for k, c in counts.items()},
    }
