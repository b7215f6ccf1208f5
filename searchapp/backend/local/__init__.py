"""The local backend: Whoosh for stored and facet fields, our text store for the
exact channel, NumPy for matching, facets and ranking, all in one index folder.

:class:`LocalBackend` is the process-wide handle on that folder: it hands out the
current :class:`~.snapshot.Snapshot` (reopened when a new commit appears) and
executes plans on it.
"""

from __future__ import annotations

import bisect
import heapq
import logging
import struct
import threading
import time
from pathlib import Path
from typing import Any, Hashable, Iterable

from whoosh import index as whoosh_index

from searchapp.backend.base import Matches, Plan
from searchapp.backend.local import engine, layout
from searchapp.backend.local.snapshot import Snapshot
from searchapp.backend.local.textdiff import OriginalSpans
from searchapp.config import Settings
from searchapp.errors import IndexDamagedError, IndexMissingError, SearchappError
from searchapp.model import DocRecord
from searchapp.normalize import Normalized

log = logging.getLogger("searchapp.index")

#: Seconds between checks for a new commit.
REFRESH_INTERVAL = 0.5
#: Term dictionary entries examined per suggestion request (bounds a 1-character prefix).
MAX_TERMS_SCANNED = 20000


class LocalBackend:
    """Reads the local index at ``index_dir``; safe to share between threads."""

    def __init__(self, settings: Settings, index_dir: Path | None = None):
        self.settings = settings
        self.index_dir = Path(index_dir or settings.index_path)
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._checked = 0.0
        self._failed: str | None = None
        self.snapshot()  # fail early with a clear message

    # -- snapshots --------------------------------------------------------------

    def _generation(self) -> tuple[str, int]:
        live = layout.live_dir(self.index_dir)
        meta = layout.read_index_meta(live)
        if meta is None:
            raise IndexMissingError(f"no search index at {self.index_dir}: run `searchapp index` first")
        try:
            gen = whoosh_index.open_dir(str(live)).latest_generation()
        except Exception as exc:
            raise SearchappError(f"the index at {self.index_dir} cannot be opened ({exc}); "
                                 "run `searchapp index --rebuild`") from None
        return meta.get("build_id", ""), gen

    def snapshot(self) -> Snapshot:
        """The current snapshot, reopened if a newer commit exists (checked at most
        every :data:`REFRESH_INTERVAL` seconds)."""
        snap = self._snapshot
        if snap is not None and time.monotonic() - self._checked < REFRESH_INTERVAL:
            return snap
        with self._lock:
            if self._snapshot is not None and time.monotonic() - self._checked < REFRESH_INTERVAL:
                return self._snapshot
            try:
                gen = self._generation()
                if self._snapshot is None or gen != self._snapshot.generation:
                    layout.check_compatible(layout.live_dir(self.index_dir), self.settings)
                    self._snapshot = self._open(gen)
                self._failed = None
            except SearchappError as exc:
                if self._snapshot is None:
                    raise
                # Keep answering from the last good snapshot (e.g. during a rebuild swap),
                # and say so once per problem: a server silently stuck on old data is worse.
                if str(exc) != self._failed:
                    log.warning("serving the previous index state: %s", exc)
                    self._failed = str(exc)
            self._checked = time.monotonic()
            return self._snapshot

    def _open(self, gen: tuple[str, int]) -> Snapshot:
        last_exc: Exception | None = None
        for _ in range(3):  # a commit may land while we open; retry once or twice
            try:
                return Snapshot(layout.live_dir(self.index_dir), gen)
            except (FileNotFoundError, KeyError, ValueError, EOFError, struct.error, OSError) as exc:
                last_exc = exc
                time.sleep(0.05)
                gen = self._generation()
        raise IndexDamagedError(f"the index at {self.index_dir} could not be opened ({type(last_exc).__name__}: "
                                f"{last_exc}); run `searchapp index --rebuild`")

    # -- Backend ------------------------------------------------------------------

    def generation(self) -> Hashable:
        return self.snapshot().generation

    def execute(self, plan: Plan) -> Matches:
        return engine.execute(self.snapshot(), plan, self.settings.search.title_boost)

    def documents(self, ids: Iterable[str]) -> dict[str, DocRecord]:
        snap = self.snapshot()
        out = {}
        for doc_id in ids:
            docnum = snap.by_id.get(doc_id)
            if docnum is not None:
                out[doc_id] = snap.docs[docnum]
        return out

    def text(self, doc_id: str) -> tuple[str, Normalized] | None:
        snap = self.snapshot()
        docnum = snap.by_id.get(doc_id)
        if docnum is None:
            return None
        return snap.original_text(docnum), snap.normalized(docnum)

    def text_for_snippets(self, ids: Iterable[str]) -> dict[str, OriginalSpans]:
        """Per id, the normalized text and the original characters of its spans (unknown ids
        left out): snippets show three short spans, so the whole original is not rebuilt."""
        snap = self.snapshot()
        out = {}
        for doc_id in ids:
            docnum = snap.by_id.get(doc_id)
            if docnum is not None:
                out[doc_id] = snap.spans(docnum)
        return out

    def copies(self, doc_id: str) -> list[str]:
        snap = self.snapshot()
        docnum = snap.by_id.get(doc_id)
        return [] if docnum is None else [snap.table.ids[d] for d in snap.copies(docnum)]

    def titles_containing(self, needle: str, limit: int) -> list[tuple[str, str]]:
        snap = self.snapshot()
        table = snap.table
        starts: list[tuple[str, str]] = []
        contains: list[tuple[str, str]] = []
        for docnum in snap.all_docs.tolist():
            title = table.titles[docnum]
            if not title:
                continue
            pos = snap.norm_titles[docnum].find(needle)
            if pos == 0:
                starts.append((title, table.ids[docnum]))
                if len(starts) >= limit:
                    break
            elif pos > 0 and len(contains) < limit:
                contains.append((title, table.ids[docnum]))
        return (starts + contains)[:limit]

    def terms_starting(self, prefix: str, limit: int) -> list[str]:
        if not prefix:
            return []
        words, dfs = self.snapshot().store.vocabulary()
        start = bisect.bisect_left(words, prefix)
        end = min(start + MAX_TERMS_SCANNED, bisect.bisect_left(words, prefix + "\U0010ffff", lo=start))
        best = heapq.nlargest(limit + 1, zip(dfs[start:end], words[start:end]))
        return [w for _, w in best if w != prefix and len(w) > 1][:limit]

    def info(self, sizes: bool = False) -> dict[str, Any]:
        snap = self.snapshot()
        meta = layout.read_index_meta(snap.index_dir) or {}
        out: dict[str, Any] = {
            "index_dir": str(self.index_dir),
            "documents": len(snap.docs),
            "files": snap.files,
            "analyzer": meta.get("analyzer"),
            "created": meta.get("created"),
        }
        if sizes:  # walks the folder: for `stats`, not for every health check
            out["size_bytes"] = layout.dir_size(snap.index_dir)
            out["text_bytes"] = sum(len(seg.norm) for seg in snap.store.segments)
        return out

    def close(self) -> None:
        if self._snapshot is not None:
            self._snapshot.close()


__all__ = ["LocalBackend"]
