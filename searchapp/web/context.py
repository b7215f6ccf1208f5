"""The per-app services every view needs (settings, the shared index), found via ``current_app``.

A single :class:`WebContext` per app means one
:class:`~searchapp.query.service.SearchService` (one opened backend, one response
cache) per process: views never open the index themselves.

The index is opened lazily and retried: a server started before the first
``searchapp index`` run, or over an index that is damaged or was built by another
analyzer version, keeps running and answers 503 with the reason (``/healthz``
included), and starts answering searches as soon as an indexing run has put a
usable index in place — no restart, no crash loop under a service manager.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app

from searchapp.config import Settings
from searchapp.errors import SearchappError, explain_index_failure
from searchapp.query.service import SearchService, open_service

EXTENSION_KEY = "searchapp"
#: Seconds between attempts to open an index that could not be opened.
RETRY_INTERVAL = 2.0


class IndexOpener:
    """Opens the :class:`SearchService` on first use; after a failure, tries again at
    most every :data:`RETRY_INTERVAL` seconds and meanwhile raises the same error."""

    def __init__(self, settings: Settings, index_dir: Path):
        self.settings = settings
        self.index_dir = index_dir
        self._engine: SearchService | None = None
        self._error: SearchappError | None = None
        self._failed_at = 0.0
        self._lock = threading.Lock()

    def get(self) -> SearchService:
        engine = self._engine
        if engine is not None:
            return engine
        with self._lock:
            if self._engine is not None:
                return self._engine
            if self._error is not None and time.monotonic() - self._failed_at < RETRY_INTERVAL:
                raise self._error
            try:
                self._engine = open_service(self.settings, self.index_dir)
            except Exception as exc:
                explained = explain_index_failure(exc, self.index_dir, opening=True)
                if explained is None:
                    raise
                self._error, self._failed_at = explained, time.monotonic()
                raise explained from None
            self._error = None
            return self._engine


@dataclass
class WebContext:
    settings: Settings
    opener: IndexOpener
    _given: SearchService | None = field(default=None, repr=False)

    @classmethod
    def over(cls, settings: Settings, index_dir: Path | None = None,
             engine: SearchService | None = None) -> WebContext:
        """A context over an already open service ``engine`` or, lazily, the index at ``index_dir``."""
        given = getattr(engine.backend, "index_dir", None) if engine is not None else None
        folder = Path(index_dir or given or settings.index_path)
        return cls(settings=settings, opener=IndexOpener(settings, folder), _given=engine)

    @property
    def engine(self) -> SearchService:
        """The shared index; raises a :class:`SearchappError` (answered with 503) while
        there is no usable index."""
        return self._given if self._given is not None else self.opener.get()

    @property
    def index_dir(self) -> Path:
        return self.opener.index_dir

    def stats(self) -> dict[str, Any]:
        """Cheap index statistics (no directory walk, no reopening)."""
        info = self.engine.backend.info()
        return {k: info.get(k) for k in ("documents", "files", "analyzer", "created")}


def web_context() -> WebContext:
    return current_app.extensions[EXTENSION_KEY]
