"""Writing to the cluster: every document to every mirror of its shard, published
by one switch of the generation number.

Rows carry ``born`` (the generation that wrote them) and ``dead`` (the generation
that removed them, 0 while live); readers see a row when
``born <= G AND (dead = 0 OR dead > G)`` for the published generation ``G``.
A run writing generation ``N = G + 1``:

1. workers insert new documents with ``born = N`` (invisible to readers);
2. the commit re-writes documents whose near-duplicate group changed (a new row
   with ``born = N``, the old one marked ``dead = N``) so a group's copies share
   a shard, and marks deleted and replaced documents ``dead = N``;
3. the meta row of every node is set to ``N``: readers switch to the whole new
   state at once (a reader sees G or N, never a mixture);
4. the next run removes rows dead before the previous generation and leftovers of
   runs that never published (``born > G``).

Sphinx 2.2 has no replication: a run needs every mirror up, and fails loudly when
one is not (the published state is untouched, see above).
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from searchapp.backend.base import PreparedDoc, SourceState
from searchapp.backend.sphinx import rows as R
from searchapp.backend.sphinx.sql import ClusterError, Session, quote
from searchapp.backend.sphinx.topology import Node, Topology
from searchapp.config import Settings
from searchapp.normalize import NORMALIZER_VERSION

#: Rows and bytes per INSERT statement (searchd's max_packet_size is 128 MB), rows per scan page.
INSERT_ROWS = 200
INSERT_BYTES = 16 * 1024 * 1024
SCAN_ROWS = 1000
#: Recorded in the meta row; a reader refuses a cluster written by another layout.
LAYOUT_VERSION = 2
ANALYZER = f"sphinx-ngram1-pua/normalizer-{NORMALIZER_VERSION}/layout-{LAYOUT_VERSION}"


#: Meta rows from this id on hold the word vocabulary (JSON word → documents, in pieces).
VOCABULARY_ID = 100
#: Words kept for suggestions (the most widespread).
VOCABULARY_WORDS = 300_000


def read_vocabulary(session: Session, topology: Topology, info: dict[str, Any],
                    table: str | None = None) -> dict[str, int]:
    """The published word → document count (merged from every run's batches; the
    counts of removed documents stay, as in the local index: close enough for suggestions)."""
    n = int(info.get("vocabulary_rows") or 0)
    if not n:
        return {}
    rows = session.one(f"SELECT id, info FROM {table or topology.meta_table} WHERE id >= {VOCABULARY_ID} "
                       f"AND id < {VOCABULARY_ID + n} ORDER BY id ASC LIMIT {n}")
    if len(rows) != n:
        return {}
    return json.loads("".join(r[1] for r in rows))


def visible(gen: int) -> str:
    """The SphinxQL expression of rows visible at generation ``gen``."""
    return f"(born <= {gen} AND (dead = 0 OR dead > {gen}))"


def read_generation(session: Session, topology: Topology) -> tuple[int, dict[str, Any]]:
    rows = session.one(f"SELECT gen, info FROM {topology.meta_table} WHERE id = 1")
    if not rows:
        return 0, {}
    return int(rows[0][0]), json.loads(rows[0][1] or "{}")


@dataclass
class Live:
    """What the commit needs to know of a visible row."""

    row_id: int
    key: int
    shard: int
    grp: int
    clustered: int
    source: str


@dataclass
class Written:
    """What a batch wrote: (id, key, shard) per document, and how many of its
    documents contain each word (for word suggestions)."""

    docs: list[tuple[str, int, int]] = field(default_factory=list)
    vocabulary: Counter = field(default_factory=Counter)


class SphinxBatchWriter:
    """Inserts a batch of documents (``born = N``) into every mirror of each
    document's shard. Picklable: it carries only addresses and numbers."""

    def __init__(self, topology: Topology, born: int, timeout: float, user_words: list[str]):
        self.topology = topology
        self.born = born
        self.timeout = timeout
        self.user_words = list(user_words)
        self._sessions: dict[Node, Session] = {}
        self._segmenter: Any = None

    def __getstate__(self) -> dict[str, Any]:
        return {"topology": self.topology, "born": self.born, "timeout": self.timeout,
                "user_words": self.user_words, "_sessions": {}, "_segmenter": None}

    def session(self, node: Node) -> Session:
        if node not in self._sessions:
            self._sessions[node] = Session(node, self.timeout)
        return self._sessions[node]

    def write(self, docs: list[PreparedDoc]) -> Written:
        """Insert ``docs``; returns where each went and the batch's word counts."""
        from searchapp.analysis import Segmenter

        if self._segmenter is None:
            self._segmenter = Segmenter(self.user_words)
        by_shard: dict[int, list[dict[str, Any]]] = defaultdict(list)
        out = Written()
        for d in docs:
            shard = self.topology.shard_of(d.key)
            by_shard[shard].append(R.doc_values(d, self.born, d.key, False))
            out.docs.append((d.id, d.key, shard))
            out.vocabulary.update(set(self._segmenter.words(d.norm)))
        for shard, rows in by_shard.items():
            insert_rows(self, shard, rows)
        return out


def insert_rows(writer: Any, shard: int, rows: list[dict[str, Any]]) -> None:
    """Insert full rows (long texts split into parts) into every mirror of ``shard``,
    in statements of about :data:`INSERT_BYTES`."""
    topo = writer.topology
    split = [R.split_row(r) for r in rows]
    statements = _batched(topo.docs_table, [r for r, _parts in split], R.COLUMNS)
    statements += _batched(topo.parts_table, [p for _r, parts in split for p in parts], R.PART_COLUMNS)
    for node in topo.shards[shard]:
        session = writer.session(node)
        for statement in statements:
            session.one(statement)


def _batched(table: str, rows: list[dict[str, Any]], columns: tuple[str, ...]) -> list[str]:
    out, batch, size = [], [], 0
    for r in rows:
        batch.append(r)
        size += sum(len(v) * 3 for v in r.values() if isinstance(v, str)) + 512
        if size >= INSERT_BYTES or len(batch) >= INSERT_ROWS:
            out.append(R.insert_sql(table, batch, columns))
            batch, size = [], 0
    if batch:
        out.append(R.insert_sql(table, batch, columns))
    return out


def delete_rows(session: Session, topology: Topology, ids: list[int]) -> None:
    """Delete document rows and the parts of their texts."""
    for i in range(0, len(ids), SCAN_ROWS):
        chunk = ",".join(map(str, ids[i:i + SCAN_ROWS]))
        parts = [r[0] for r in session.one(f"SELECT id FROM {topology.parts_table} WHERE owner IN ({chunk}) "
                                           f"LIMIT 100000 OPTION max_matches=100000")]
        for k in range(0, len(parts), SCAN_ROWS):
            session.one(f"DELETE FROM {topology.parts_table} WHERE id IN ({','.join(map(str, parts[k:k + SCAN_ROWS]))})")
        session.one(f"DELETE FROM {topology.docs_table} WHERE id IN ({chunk})")


def full_text(session: Session, parts_table: str, owner: int, first: str, parts: int) -> str:
    """The original text of a row: its first piece and its parts, in order."""
    if not parts:
        return first
    rows = session.one(f"SELECT part, chunk FROM {parts_table} WHERE owner = {owner} ORDER BY part ASC "
                       f"LIMIT {parts + 10} OPTION max_matches={max(1000, parts + 10)}")
    pieces = [chunk for _part, chunk in rows]
    if len(pieces) != parts:
        raise ClusterError(f"text of row {owner} is incomplete: {len(pieces)} of {parts} parts found")
    return first + "".join(pieces)


class SphinxWriter:
    """One write transaction on the cluster (the caller holds the write lock)."""

    def __init__(self, settings: Settings, topology: Topology, fresh: bool):
        self.settings = settings
        self.topology = topology
        self.timeout = settings.cluster.timeout_s
        self.fresh = fresh
        self._sessions: dict[Node, Session] = {}
        gens = []
        infos = []
        for node in topology.nodes:  # every mirror must be up to be written
            g, info = read_generation(self.session(node), topology)
            gens.append(g)
            infos.append(info)
        self.gen = max(gens)
        self.info = infos[gens.index(self.gen)]
        if self.info.get("analyzer") not in (None, ANALYZER):
            from searchapp.errors import IndexMismatchError

            raise IndexMismatchError(f"the cluster was written by {self.info.get('analyzer')}, this searchapp "
                                     f"writes {ANALYZER}: run `searchapp index --rebuild`")
        self.born = self.gen + 1
        self._live: dict[str, Live] | None = None
        self._collect_garbage()

    def session(self, node: Node) -> Session:
        if node not in self._sessions:
            self._sessions[node] = Session(node, self.timeout)
        return self._sessions[node]

    # -- reading the current state ------------------------------------------------

    def _scan(self, shard: int, columns: str, where: str) -> Iterator[tuple]:
        """Rows of one shard (its first mirror; all mirrors hold the same rows)."""
        session = self.session(self.topology.shards[shard][0])
        table = self.topology.docs_table
        last = 0
        while True:
            rows = session.one(f"SELECT id, {columns}, {where} AS ok FROM {table} WHERE ok = 1 AND id > {last} "
                               f"ORDER BY id ASC LIMIT {SCAN_ROWS} OPTION max_matches={SCAN_ROWS}")
            yield from rows
            if len(rows) < SCAN_ROWS:
                return
            last = rows[-1][0]

    def _collect_garbage(self) -> None:
        """Remove rows no reader can see any more: dead before the published
        generation, and rows of runs that never published."""
        cond = f"((dead > 0 AND dead < {self.gen}) OR born > {self.gen})"
        for shard, mirrors in enumerate(self.topology.shards):
            for node in mirrors:
                session = self.session(node)
                table = self.topology.docs_table
                while True:
                    ids = [r[0] for r in session.one(
                        f"SELECT id, {cond} AS ok FROM {table} WHERE ok = 1 LIMIT {SCAN_ROWS} "
                        f"OPTION max_matches={SCAN_ROWS}")]
                    if not ids:
                        break
                    delete_rows(session, self.topology, ids)

    def live(self) -> dict[str, Live]:
        if self._live is None:
            live: dict[str, Live] = {}
            for shard in range(len(self.topology.shards)):
                for row_id, docid, key, grp, clustered, rec, _ok in self._scan(
                        shard, "docid, key, grp, clustered, rec", visible(self.gen)):
                    source = json.loads(rec).get("source", "")
                    live[docid] = Live(row_id, key, shard, grp, clustered, source)
            self._live = live
        return self._live

    def state(self) -> dict[str, SourceState]:
        if self.fresh:
            return {}
        state: dict[str, SourceState] = {}
        for shard in range(len(self.topology.shards)):
            for _id, rec, _ok in self._scan(shard, "rec", visible(self.gen)):
                d = json.loads(rec)
                st = state.setdefault(d["source"], SourceState(
                    d.get("hash"), d.get("mtime"), d.get("size"),
                    sidecar=tuple(d["sidecar"]) if d.get("sidecar") else None))
                fp = d.get("fingerprint")
                st.docs.append((d["id"], d["key"], tuple(fp) if isinstance(fp, list) else fp))
        return state

    #: Set by :class:`SphinxIndexFolder`: the indexing machine's folder (lock, failed-file records).
    local_dir: Path | None = None

    def failures(self) -> dict[str, dict[str, Any]]:
        """Files that failed in earlier runs (kept on the indexing machine, like the lock)."""
        from searchapp.backend.local import layout

        if self.fresh or self.local_dir is None:
            return {}
        return layout.read_failures(self.local_dir)

    def record_failures(self, records: dict[str, dict[str, Any]]) -> None:
        from searchapp.backend.local import layout

        if self.local_dir is not None:
            layout.write_json_atomic(layout.failures_file(self.local_dir), records)

    def next_key(self) -> int:
        return int(self.info.get("next_key", 0)) or 1

    def batch_writer(self) -> SphinxBatchWriter:
        return SphinxBatchWriter(self.topology, self.born, self.timeout, self.settings.analysis.user_words)

    # -- publishing ------------------------------------------------------------------

    def commit(self, batches: list[Any], delete_sources: list[str], clusters: dict[str, str],
               next_key: int, fresh: bool) -> None:
        live = self.live()
        written: dict[str, tuple[int, int]] = {}
        vocabulary: Counter = Counter() if fresh else Counter(read_vocabulary(self.session(self.topology.nodes[0]),
                                                                              self.topology, self.info))
        for batch in batches:
            if batch is None:
                continue
            for doc_id, key, shard in batch.docs:
                written[doc_id] = (key, shard)
            vocabulary.update(batch.vocabulary)
        gone_sources = set(delete_sources)
        dead: dict[int, list[int]] = defaultdict(list)  # shard → row ids to mark dead = N
        survivors: dict[str, Live] = {}
        for doc_id, row in live.items():
            if fresh or row.source in gone_sources or doc_id in written:
                dead[row.shard].append(row.row_id)
            else:
                survivors[doc_id] = row
        key_of = {doc_id: row.key for doc_id, row in survivors.items()}
        key_of.update({doc_id: key for doc_id, (key, _shard) in written.items()})

        def wanted(doc_id: str, own: int) -> tuple[int, int]:
            rep = clusters.get(doc_id)
            return (key_of.get(rep, own), 1) if rep is not None else (own, 0)

        # New rows whose group differs from the one they were written with.
        moves: list[tuple[int, int, int, int, int]] = []  # (old shard, row id, new shard, grp, clustered)
        for doc_id, (key, shard) in written.items():
            grp, clustered = wanted(doc_id, key)
            if (grp, clustered) != (key, 0):
                moves.append((shard, R.row_id(self.born, key), self.topology.shard_of(grp), grp, clustered))
        # Live rows whose group changed: a new row for generation N, the old one dies.
        for doc_id, row in survivors.items():
            grp, clustered = wanted(doc_id, row.key)
            if (grp, clustered) != (row.grp, row.clustered):
                moves.append((row.shard, row.row_id, self.topology.shard_of(grp), grp, clustered))
                dead[row.shard].append(row.row_id)
        self._apply_moves(moves)
        for shard, ids in dead.items():
            for node in self.topology.shards[shard]:
                for i in range(0, len(ids), SCAN_ROWS):
                    chunk = ",".join(map(str, ids[i:i + SCAN_ROWS]))
                    self.session(node).one(f"UPDATE {self.topology.docs_table} SET dead = {self.born} "
                                           f"WHERE id IN ({chunk})")
        self._publish(next_key, vocabulary)
        self._live = None

    def _apply_moves(self, moves: list[tuple[int, int, int, int, int]]) -> None:
        table = self.topology.docs_table
        for old_shard, row_id, new_shard, grp, clustered in moves:
            key = row_id & ((1 << R.KEY_BITS) - 1)
            new_id = R.row_id(self.born, key)
            if new_id == row_id and old_shard == new_shard:  # written by this run: update in place
                for node in self.topology.shards[old_shard]:
                    self.session(node).one(f"UPDATE {table} SET grp = {grp}, clustered = {clustered} "
                                           f"WHERE id = {row_id}")
                continue
            source = self.session(self.topology.shards[old_shard][0])
            cols = ", ".join(R.STORED)
            found = source.one(f"SELECT {cols} FROM {table} WHERE id = {row_id}")
            if not found:
                raise ClusterError(f"row {row_id} vanished from shard {old_shard} during the run")
            stored = dict(zip(R.STORED, found[0]))
            stored["text"] = full_text(source, self.topology.parts_table, row_id, stored["text"],
                                       int(stored.get("parts") or 0))
            row = R.stored_values(stored)
            row.update(id=new_id, born=self.born, dead=0, grp=grp, clustered=clustered)
            if new_id == row_id:  # a row of this run changes shard: remove it from the old one
                for node in self.topology.shards[old_shard]:
                    delete_rows(self.session(node), self.topology, [row_id])
            insert_rows(self, new_shard, [row])

    def _publish(self, next_key: int, vocabulary: Counter) -> None:
        created = (None if self.fresh else self.info.get("created")) or time.strftime("%Y-%m-%dT%H:%M:%S")
        words = dict(vocabulary.most_common(VOCABULARY_WORDS))
        blob = json.dumps(words, ensure_ascii=False, sort_keys=True)
        pieces = R.split_text(blob)
        info = json.dumps({"analyzer": ANALYZER, "created": created, "next_key": next_key,
                           "published": time.time(), "vocabulary_rows": len(pieces)})
        table = self.topology.meta_table
        for node in self.topology.nodes:
            session = self.session(node)
            for k, piece in enumerate(pieces):  # suggestions only: a reader may see them early
                session.one(f"REPLACE INTO {table} (id, note, gen, info) "
                            f"VALUES ({VOCABULARY_ID + k}, '', {self.born}, {quote(piece)})")
            session.one(f"REPLACE INTO {table} (id, note, gen, info) VALUES (1, '', {self.born}, {quote(info)})")
        self.gen = self.born
        self.born += 1

    def cancel(self) -> None:
        """Nothing was published; rows of this run are removed by the next one."""

    def document_count(self) -> int:
        total = 0
        for shard in range(len(self.topology.shards)):
            session = self.session(self.topology.shards[shard][0])
            rows = session.one(f"SELECT COUNT(*), {visible(self.gen)} AS ok FROM {self.topology.docs_table} "
                               f"WHERE ok = 1")
            total += int(rows[0][0]) if rows else 0
        return total

    def close(self) -> None:
        for s in self._sessions.values():
            s.close()


class SphinxIndexFolder:
    """The write side of the sphinx backend, as :func:`searchapp.backend.open_index_folder`
    returns it. The lock is a file lock in ``index_dir`` on the indexing machine: run
    `searchapp index` for a cluster from one machine."""

    def __init__(self, settings: Settings, index_dir: Path):
        self.settings = settings
        self.index_dir = Path(index_dir)

    @contextmanager
    def transaction(self, rebuild: bool) -> Iterator[tuple[SphinxWriter, bool]]:
        from searchapp.backend.local.lock import IndexLock

        self.index_dir.mkdir(parents=True, exist_ok=True)
        with IndexLock(self.index_dir):
            writer = SphinxWriter(self.settings, Topology.from_settings(self.settings.cluster), rebuild)
            writer.local_dir = self.index_dir
            try:
                yield writer, rebuild
            finally:
                writer.close()


__all__ = ["Written", "read_vocabulary", "SphinxWriter", "SphinxBatchWriter", "SphinxIndexFolder", "visible", "read_generation", "ANALYZER"]
