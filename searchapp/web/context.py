"""The per-app services every view needs (settings, the shared index), found via ``current_app``.

A single :class:`WebContext` per app means one :class:`~searchapp.engine.SearchIndex`
per process: views never open the index themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app

from searchapp.config import Settings
from searchapp.engine import SearchIndex, Snapshot
from searchapp.indexer import read_index_meta

EXTENSION_KEY = "searchapp"


@dataclass
class WebContext:
    settings: Settings
    engine: SearchIndex

    @property
    def index_dir(self) -> Path:
        return self.engine.index_dir

    def snapshot(self) -> Snapshot:
        return self.engine.snapshot()

    def stats(self) -> dict[str, Any]:
        """Cheap index statistics from the current snapshot (no directory walk, no reopening)."""
        snap = self.snapshot()
        meta = read_index_meta(self.index_dir) or {}
        return {
            "documents": len(snap.docs),
            "files": len({info.source for info in snap.docs.values()}),
            "analyzer": meta.get("analyzer"),
            "created": meta.get("created"),
        }


def web_context() -> WebContext:
    return current_app.extensions[EXTENSION_KEY]
