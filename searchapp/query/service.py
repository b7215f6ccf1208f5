"""The query layer's one entry point: :class:`SearchService` over a backend, used by
the CLI, the JSON API, the pages and the widget.

``search`` checks and plans the request (:mod:`.plan`), lets the backend match,
count and rank, then fetches the page's documents and highlights them
(:mod:`.present`, :mod:`.highlight`). Responses are kept in a small LRU keyed by
the *whole* request and the backend's generation, so a new commit makes every
cached answer stale at once and a request field added later cannot be confused
with another request.
"""

from __future__ import annotations

import difflib
import threading
import time
from collections import OrderedDict
from dataclasses import replace
from typing import Any, Hashable

from searchapp.analysis import Segmenter
from searchapp.backend.base import Backend
from searchapp.config import Settings
from searchapp.model import FACETS, QueryError, SearchRequest, SearchResponse
from searchapp.query import present
from searchapp.query.highlight import OriginalMap, TextMap, highlight_all, snippets_from
from searchapp.query.plan import highlight_terms, make_plan, synonyms_for
from searchapp.query.synonyms import Synonyms


class ResultCache:
    """A bounded LRU of responses for one backend generation: a new commit empties it,
    so a cached answer is always the answer of the state the server currently serves."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple, SearchResponse] = OrderedDict()
        self._generation: Hashable = None

    def get(self, generation: Hashable, key: tuple) -> SearchResponse | None:
        with self._lock:
            if self._generation != generation:
                self._items.clear()
                self._generation = generation
                return None
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, generation: Hashable, key: tuple, response: SearchResponse) -> None:
        with self._lock:
            if self._generation != generation or not self.capacity:
                return
            self._items[key] = response
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


class SearchService:
    """Searches, documents, suggestions and statistics over one backend."""

    def __init__(self, backend: Backend, settings: Settings):
        self.backend = backend
        self.settings = settings
        self.segmenter = Segmenter(settings.analysis.user_words)
        self.cache = ResultCache(settings.search.cache_size)
        self._everything_cache: tuple[Hashable, dict[str, list[tuple[Any, int]]]] | None = None

    def search(self, request: SearchRequest) -> SearchResponse:
        """Run one search (or answer it from the cache of the current generation)."""
        t0 = time.perf_counter()
        generation = self.backend.generation()
        synonyms = synonyms_for(self.settings.search)
        key = (request.cache_key(), synonyms.version)   # an edited synonym file makes old answers stale
        if self.cache.capacity:
            hit = self.cache.get(generation, key)
            if hit is not None:
                return replace(hit, took_ms=round((time.perf_counter() - t0) * 1000, 2), cached=True)
        response = self._search(request, t0, synonyms)
        self.cache.put(generation, key, response)
        return response

    def _search(self, request: SearchRequest, t0: float, synonyms: Synonyms | None = None) -> SearchResponse:
        planned = make_plan(request, self.settings.search, self.segmenter, synonyms)
        matches = self.backend.execute(planned.plan)
        records = self.backend.documents(h.id for h in matches.hits)
        sources = self._snippet_sources([h.id for h in matches.hits if h.id in records]) if planned.snippets else {}
        hits = []
        for ranked in matches.hits:
            record = records.get(ranked.id)
            if record is None:
                continue
            snips: list[str] = []
            source = sources.get(ranked.id)
            if source is not None:
                snips = snippets_from(source, planned.terms, planned.snippets, self.settings.search.snippet_chars)
            hit = present.hit(record, ranked.score, snips, ranked.duplicate_ids)
            if request.explain and ranked.explain is not None:
                hit.explain = {k: round(v, 4) for k, v in ranked.explain.items()}
            hits.append(hit)
        total = matches.total
        notes = list(planned.notes)
        if total == 0 and planned.plan.filters:
            notes.extend(self._unknown_filter_notes(planned.plan.filters))
        if matches.partial:
            notes.append(f"含全部查询词的结果 {total - matches.partial} 条；另有 {matches.partial} 条只含大部分查询词，一并按相关度排列")
        return SearchResponse(
            query=request.q, understood=planned.parsed.describe(), total=total,
            took_ms=round((time.perf_counter() - t0) * 1000, 2), page=request.page, size=planned.size,
            pages=max(1, -(-total // planned.size)), sort=request.sort, hits=hits,
            facets=present.facet_lists(matches.facets, self.settings.search.facet_limit) if request.facets else {},
            filters=planned.filters, notes=notes, terms=planned.terms)

    def _snippet_sources(self, ids: list[str]) -> dict[str, OriginalMap]:
        """What the snippets of ``ids`` read, in one call when the backend offers
        ``text_for_snippets`` (the local index: only the spans shown are rebuilt from the
        stored difference), else from each whole :meth:`Backend.text`."""
        batch = getattr(self.backend, "text_for_snippets", None)
        if batch is not None:
            return batch(ids)
        out: dict[str, OriginalMap] = {}
        for doc_id in ids:
            text = self.backend.text(doc_id)
            if text is not None:
                out[doc_id] = TextMap(*text)
        return out

    def _everything(self) -> dict[str, list[tuple[Any, int]]]:
        """Every facet's raw counts over all documents (each copy counted), once per
        generation: ``stats`` and the hints for unknown filter values both read them."""
        generation = self.backend.generation()
        if self._everything_cache is None or self._everything_cache[0] != generation:
            planned = make_plan(SearchRequest(q="", size=1, snippets=0, collapse=False), self.settings.search,
                                self.segmenter)
            planned.plan.limit = 0
            self._everything_cache = (generation, self.backend.execute(planned.plan).facets)
        return self._everything_cache[1]

    def _known_values(self) -> dict[str, set[str]]:
        """Every value of every facet in the index (names and tree paths)."""
        known: dict[str, set[str]] = {}
        for facet in FACETS:
            values: set[str] = set()
            for value, _count in self._everything().get(facet.name, []):
                if isinstance(value, tuple):
                    values.update({value[-1], "/".join(value)})
                else:
                    values.add(str(value))
            known[facet.name] = values
        return known

    def _unknown_filter_notes(self, filters: dict[str, list[Any]]) -> list[str]:
        """For a search that found nothing: filter values no document has, with the
        closest names the index does have (a typo in --region must not look like
        "no reports")."""
        notes = []
        known = self._known_values()
        for facet in FACETS:
            if facet.kind == "range":
                continue
            names = known.get(facet.name, set())
            for value in filters.get(facet.name, []):
                value = str(value).strip().strip("/")
                if value in names or (facet.kind == "tree" and len(value) >= 2
                                      and any(n.startswith(value) for n in names)):
                    continue
                close = difflib.get_close_matches(value, sorted(n for n in names if "/" not in n), n=3, cutoff=0.3)
                hint = f"；相近的有：{'、'.join(close)}" if close else ""
                notes.append(f"索引中没有{facet.label}「{value}」{hint}")
        return notes

    def document(self, doc_id: str, q: str = "") -> dict[str, Any] | None:
        """A document with metadata, its full original text highlighted for ``q``."""
        record = self.backend.documents([doc_id]).get(doc_id)
        text = self.backend.text(doc_id) if record is not None else None
        if record is None or text is None:
            return None
        terms = highlight_terms(q, self.settings.search, self.segmenter)
        html, count = highlight_all(text[0], terms)
        return present.document(record, text[0], html, count, terms, self.backend.copies(doc_id))

    def facet_values(self) -> dict[str, Any]:
        """Every facet's values over the whole index (copies counted once each, as a
        search for everything counts them)."""
        return self.search(SearchRequest(q="", size=1, snippets=0)).facets

    def stats(self) -> dict[str, Any]:
        """Documents, files, size, analyzer, and every facet's values over all documents
        (each copy counted), from the same facet counting the searches use."""
        info = dict(self.backend.info(sizes=True))
        raw = self._everything()
        facets: dict[str, list[dict[str, Any]]] = {}
        for facet in FACETS:
            pairs = raw.get(facet.name, [])
            if facet.kind == "tree":
                for depth, field in enumerate(facet.fields, start=1):
                    counts: dict[str, int] = {}
                    for path, n in pairs:
                        if len(path) == depth:
                            counts[path[-1]] = counts.get(path[-1], 0) + n
                    facets[field] = _listed(counts.items())
            else:
                facets[facet.name] = _listed(pairs)
        info["facets"] = facets
        return info


def _listed(pairs: Any) -> list[dict[str, Any]]:
    return [{"value": v, "count": n} for v, n in sorted(pairs, key=lambda kv: (-kv[1], str(kv[0])))]


def search(service: SearchService, request: SearchRequest) -> SearchResponse:
    """``service.search(request)``: the one function the CLI, API and pages call."""
    return service.search(request)


def get_document(service: SearchService, doc_id: str, q: str = "") -> dict[str, Any] | None:
    return service.document(doc_id, q)


def open_service(settings: Settings, index_dir: Any = None) -> SearchService:
    """A service over the configured backend (the local index by default)."""
    from searchapp.backend import open_backend

    return SearchService(open_backend(settings, index_dir), settings)


__all__ = ["SearchService", "ResultCache", "search", "get_document", "open_service", "QueryError",
           "SearchRequest", "SearchResponse"]
