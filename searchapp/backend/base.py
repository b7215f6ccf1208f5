"""The two seams between searchapp and a search engine: :class:`Backend` (read) and
:class:`Writer` (write).

The query layer (:mod:`searchapp.query`) parses what users type and turns a
request into a :class:`Plan`: the query tree with every unquoted chunk already
split into its words, the filters already checked, the page wanted. A backend
executes plans — matching, filtering, folding near-duplicate copies, counting
facets, ranking — and hands back document ids; the query layer pages, fetches the
documents and highlights them. The indexing run (:mod:`searchapp.indexing`)
prepares documents and writes them only through a :class:`Writer`.

So a second engine (a cluster, an in-memory test double) is one module behind
these protocols: ``web/``, ``cli.py`` and ``query/`` do not change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Hashable, Iterable, Protocol, runtime_checkable

from searchapp.model import DocRecord
from searchapp.normalize import Normalized
from searchapp.query.parse import Node


@dataclass(frozen=True)
class Slot:
    """One thing an unquoted chunk requires, and the ways a document can satisfy it.

    A document satisfies the slot when it contains ``word`` itself (or, for a key of
    several ``words``, every one of those), or every one of ``parts`` (the sub-words of a dictionary word: 校园安全 → 校园, 安全; a document
    that words it 校园的安全 is about it too), or any of ``synonyms`` (课后服务 →
    课后照顾). Parts and synonyms widen recall only; ranking scores them with the
    lower weights they carry, so the user's own word ranks first.
    """

    word: str
    parts: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()
    part_weight: float = 0.5
    synonym_weight: float = 0.7
    #: A synonym key of several words (教师交流 ⇄ 教师轮岗): the words, each a slot of its own
    #: that is required and scored in full; the key's synonyms may stand in for all of them.
    words: tuple["Slot", ...] = ()

    def alternatives(self) -> tuple[str, ...]:
        """Every string the slot may be found by (the word first)."""
        inner = tuple(a for w in self.words for a in w.alternatives())
        return tuple(dict.fromkeys((self.word, *self.parts, *inner, *self.synonyms)))


@dataclass
class Plan:
    """A request the query layer has checked and analysed, ready to execute."""

    tree: Node | None                                   # None: no text, every document matches
    words: dict[str, list[str]]                         # unquoted chunk → the words it requires
    filters: dict[str, list[Any]] = field(default_factory=dict)  # facet → values (year: (lo, hi) ranges)
    sort: str = "relevance"
    offset: int = 0
    limit: int = 10
    facets: bool = True
    facet_limit: int = 50
    collapse: bool = True
    explain: bool = False
    #: Fewer full matches than this: also list documents holding most of the words (0: never).
    partial_below: int = 0
    #: Unquoted chunk → its slots (words with their parts and synonyms). A backend that
    #: ignores it (or a chunk missing from it) requires ``words`` literally.
    slots: dict[str, tuple[Slot, ...]] = field(default_factory=dict)


@dataclass
class RankedHit:
    id: str
    score: float | None
    duplicate_ids: list[str] = field(default_factory=list)
    explain: dict[str, float] | None = None


@dataclass
class Matches:
    """What a backend answers for a plan.

    ``facets`` maps a facet name to ``(value, count)`` pairs over the matches
    (each facet counted with every *other* facet's filter applied); a tree facet's
    values are tuples of the levels (``("广东省",)``, ``("广东省", "广州市")`` …).
    """

    total: int
    hits: list[RankedHit]
    facets: dict[str, list[tuple[Any, int]]] = field(default_factory=dict)
    #: Of ``total``, the documents that hold most of the query's words but not all (a
    #: backend's recall fallback for plain queries of several words; 0 when it has none).
    partial: int = 0


@runtime_checkable
class Backend(Protocol):
    """An opened index that answers plans. Implementations are safe to share between threads."""

    def generation(self) -> Hashable:
        """Changes whenever a new commit becomes visible (response caches key on it)."""

    def execute(self, plan: Plan) -> Matches:
        """Match, filter, fold copies, count facets, rank and cut the page."""

    def documents(self, ids: Iterable[str]) -> dict[str, DocRecord]:
        """The stored records of the given ids (unknown ids are left out)."""

    def text(self, doc_id: str) -> tuple[str, Normalized] | None:
        """The original text and its normalized form with the map back (for highlighting)."""

    def copies(self, doc_id: str) -> list[str]:
        """Ids of the document's near-duplicate copies."""

    def titles_containing(self, needle: str, limit: int) -> list[tuple[str, str]]:
        """(title, id) of documents whose normalized title contains ``needle``; prefixes first."""

    def terms_starting(self, prefix: str, limit: int) -> list[str]:
        """Indexed words starting with ``prefix``, most widespread first."""

    def info(self, sizes: bool = False) -> dict[str, Any]:
        """documents, files, analyzer, created; with ``sizes`` also size_bytes and text_bytes."""

    def close(self) -> None:
        ...


@dataclass
class SourceState:
    """What the index remembers of one source file, to decide what a run must redo."""

    hash: str | None
    mtime: float | None
    size: int | None
    docs: list[tuple[str, int, tuple[int, ...] | None]] = field(default_factory=list)  # (id, key, sketch)
    #: The sidecar YAML's own (name, mtime, size) when the file was indexed, None without one:
    #: a sidecar copied in with an older mtime, or deleted, still counts as a change.
    sidecar: tuple[str, float, int] | None = None


@dataclass
class PreparedDoc:
    """A document ready to be written: text, metadata, fingerprint."""

    id: str
    key: int
    source: str
    path: str
    article: int
    title: str
    text: str
    norm: str
    norm_map: tuple[list[int], list[int]]
    fields: dict[str, Any]          # facet fields (see model.FACET_FIELDS)
    evidence: dict[str, Any]
    fingerprint: tuple[int, ...] | None   # near-duplicate sketch (searchapp.dedup.sketch)
    hash: str
    mtime: float
    size: int
    encoding: str | None
    sidecar: tuple[str, float, int] | None = None   # see SourceState.sidecar


class BatchWriter(Protocol):
    """Writes prepared documents in a worker process; what it returns is published by
    :meth:`Writer.commit` (nothing is visible before)."""

    def write(self, docs: list[PreparedDoc]) -> Any:
        ...


class Writer(Protocol):
    """An open write transaction on an index (one at a time: the caller holds the lock)."""

    def state(self) -> dict[str, SourceState]:
        """Per source file (absolute path): its state at the last commit."""

    def next_key(self) -> int:
        """The first integer key not used by the index yet."""

    def batch_writer(self) -> BatchWriter:
        """A picklable writer for worker processes."""

    def commit(self, batches: list[Any], delete_sources: list[str], clusters: dict[str, str],
               next_key: int, fresh: bool) -> None:
        """Publish the batches, delete the documents of ``delete_sources`` and record
        the near-duplicate clusters, in one atomic step."""

    def cancel(self) -> None:
        ...

    def document_count(self) -> int:
        ...

    def failures(self) -> dict[str, dict[str, Any]]:
        """Files whose worker died, per source: ``{"mtime", "size", "sidecar", "reason"}``.
        A run skips such a file (reporting the reason) until one of these changes."""

    def record_failures(self, records: dict[str, dict[str, Any]]) -> None:
        """Replace the failed-file records (kept even when the run commits nothing)."""


__all__ = ["Slot", "Plan", "RankedHit", "Matches", "Backend", "SourceState", "PreparedDoc", "BatchWriter", "Writer"]
