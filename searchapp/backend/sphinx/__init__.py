"""The sphinx backend: the same search on a sharded, replicated Sphinx 2.2 /
Manticore cluster over SphinxQL.

Web nodes are stateless: :class:`SphinxBackend` sends every plan to the search
node's distributed table, which asks one mirror of every shard and merges. One
round trip per search carries the page, the total and every facet's counts
(batched GROUP BY), each statement followed by ``SHOW META``: when a shard did not
answer (no live mirror, or one that died mid-query) the search is repeated, then
refused with :class:`~.sql.ClusterError` — never answered with silently fewer hits.

Near-duplicate copies share a group key (``grp``) and a shard (:mod:`.writer`), so
folding them is ``GROUP BY grp`` (the representative: the longest copy, then the
smallest id, as locally), the folded total is ``COUNT(DISTINCT grp)``, and a facet
counts documents without copies with ``GROUP BY`` and each group of copies once, by
its representative's values — exact on every shard and in the sum.
"""

from __future__ import annotations

import bisect
import heapq
import json
import logging
import threading
import time
from typing import Any, Hashable, Iterable

from searchapp.backend.base import Matches, Plan, RankedHit
from searchapp.backend.sphinx import query as Q
from searchapp.backend.sphinx.rows import h64, record_from_json
from searchapp.backend.sphinx.sql import ClusterError, SessionPool, split_meta, with_meta
from searchapp.backend.sphinx.tokens import phrase
from searchapp.backend.sphinx.topology import Topology
from searchapp.backend.sphinx.writer import ANALYZER, full_text, read_vocabulary, visible
from searchapp.config import Settings
from searchapp.errors import IndexMismatchError, IndexMissingError
from searchapp.model import FACETS, DocRecord
from searchapp.normalize import Normalized, normalize

log = logging.getLogger("searchapp.cluster")

#: Seconds between checks for a newly published generation.
REFRESH_INTERVAL = 0.5
#: Facet values counted per facet (and groups kept per agent while counting).
FACET_ROWS = 5000
#: Vocabulary entries examined per suggestion request (as in the local backend).
MAX_TERMS_SCANNED = 20000
#: Files counted by ``info`` (the search node keeps one group per file while merging).
MAX_FILES = 1_000_000
#: Smallest max_matches asked for (searchd allocates that many entries per statement).
MIN_MATCHES = 50
#: Copies listed per group, and titles examined per suggestion.
COPIES_ROWS = 1000
TITLE_ROWS = 500
#: Values per IN() list (the agent protocol of Sphinx 2.2 refuses sets over 4,096).
IN_VALUES = 1000
#: Groups of copies whose representatives are counted per facet and search.
REP_ROWS = 100000
#: Seconds before a batch that a shard did not answer is repeated (times the attempt).
RETRY_PAUSE = 0.1
#: Ranking: BM25 with proximity (longest common run of the query's characters).
#: Matching is restricted to the body (as locally), so the title field does not
#: take part in the score: search.title_boost is not applied on the cluster.
RANKER = "proximity_bm25"


class SphinxBackend:
    """Reads the cluster through its search node; safe to share between threads."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.topology = Topology.from_settings(settings.cluster)
        self.retries = max(0, settings.cluster.retries)
        self.pool = SessionPool(self.topology.search, settings.cluster.timeout_s)
        self._lock = threading.Lock()
        self._gen: tuple[int, dict[str, Any]] | None = None
        self._checked = 0.0
        self._region_names: tuple[int, list[str]] | None = None
        self._words: tuple[int, tuple[list[str], list[int]]] | None = None
        self._group_sizes: tuple[int, dict[str, int]] | None = None
        #: Batches repeated because a shard did not answer completely (for operators and tests).
        self.repeated = 0
        self.current()  # fail early with a clear message

    # -- generations ---------------------------------------------------------------

    def current(self) -> tuple[int, dict[str, Any]]:
        """The published generation and its info (re-read at most every REFRESH_INTERVAL)."""
        if self._gen is not None and time.monotonic() - self._checked < REFRESH_INTERVAL:
            return self._gen
        with self._lock:
            rows = self._run([f"SELECT gen, info FROM {self.topology.search_meta_table} WHERE id = 1"])
            if not rows[0]:
                raise IndexMissingError("the cluster holds no index yet: run `searchapp index`")
            gen, info = int(rows[0][0][0]), json.loads(rows[0][0][1] or "{}")
            if info.get("analyzer") != ANALYZER:
                raise IndexMismatchError(f"the cluster was written by {info.get('analyzer')}; this searchapp reads "
                                         f"{ANALYZER}: run `searchapp index --rebuild`")
            self._gen = (gen, info)
            self._checked = time.monotonic()
            return self._gen

    def generation(self) -> Hashable:
        return self.current()[0]

    def _run(self, statements: list[str]) -> list[list[tuple]]:
        """Run a batch; repeat it when a shard did not answer, then refuse."""
        warnings: list[str] = []
        for attempt in range(self.retries + 1):
            try:
                rows, warnings = split_meta(self.pool.get().run(with_meta(statements)))
            except ClusterError as exc:
                if not exc.transient:
                    raise
                warnings = [str(exc)]
                rows = []
            if not warnings:
                return rows
            log.warning("cluster answered incompletely (attempt %d): %s", attempt + 1, warnings[0])
            self.repeated += 1
            if attempt < self.retries:
                time.sleep(RETRY_PAUSE * (attempt + 1))  # the search node's ping marks the mirror dead
        raise ClusterError(f"the cluster could not answer completely (a shard has no live mirror?): {warnings[0]}")

    # -- plans ------------------------------------------------------------------------

    def _region_name_list(self, gen: int) -> list[str]:
        cached = self._region_names
        if cached is not None and cached[0] == gen:
            return cached[1]
        t = self.topology.search_table
        rows = self._run([f"SELECT region, {visible(gen)} AS ok FROM {t} WHERE ok = 1 GROUP BY {c} "
                          f"LIMIT {FACET_ROWS} OPTION max_matches={FACET_ROWS}"
                          for c in ("province_h", "city_h", "district_h")])
        names = sorted({part for result in rows for r in result for part in str(r[0]).split("/") if part})
        self._region_names = (gen, names)
        return names

    def _sizes(self, gen: int) -> dict[str, int]:
        """Per GROUP BY column, at most how many groups a search can produce (distinct
        values summed over shards; groups of copies, exact), once per generation.

        searchd allocates ``max_matches`` entries for every statement up front: asking
        for 100,000 rows costs 300 ms even on a tiny index (measured), so each
        statement asks for what this index can actually hold."""
        cached = self._group_sizes
        if cached is not None and cached[0] == gen:
            return cached[1]
        t = self.topology.search_table
        columns = ["region1_h", "region2_h", "region3_h", "year", "type_h", "origin_h"]
        statements = [f"SELECT COUNT(DISTINCT {c}) AS n, {visible(gen)} AS ok FROM {t} WHERE ok = 1" for c in columns]
        statements.append(f"SELECT COUNT(DISTINCT grp) AS n, {visible(gen)} AS ok FROM {t} WHERE ok = 1 "
                          f"AND clustered = 1")
        statements.append(f"SELECT GROUPBY() AS g, {visible(gen)} AS ok FROM {t} WHERE ok = 1 GROUP BY theme_h "
                          f"LIMIT {FACET_ROWS} OPTION max_matches={FACET_ROWS}")
        results = self._run(statements)
        sizes = {c: int(r[0][0]) if r else 0 for c, r in zip(columns, results)}
        sizes["grp"] = int(results[len(columns)][0][0]) if results[len(columns)] else 0
        sizes["theme_h"] = len(results[-1])
        self._group_sizes = (gen, sizes)
        return sizes

    def _where(self, plan: Plan, gen: int, skip: str | None = None) -> tuple[str, str]:
        """(select expression ``ok``, WHERE clause) for the plan's text and filters but ``skip``'s."""
        conds = [visible(gen)]
        for facet, values in plan.filters.items():
            if values and facet != skip:
                conds.append(Q.facet_filter(facet, values, lambda: self._region_name_list(gen)))
        where = "ok = 1"
        match = Q.match_expr(plan.tree, plan.words)
        if match is not None:
            where = f"MATCH({_q(match)}) AND ok = 1"
        return " AND ".join(conds) + " AS ok", where

    def execute(self, plan: Plan) -> Matches:
        gen = self.current()[0]
        t = self.topology.search_table
        ok, where = self._where(plan, gen)
        count = "COUNT(DISTINCT grp)" if plan.collapse else "COUNT(*)"
        group = " GROUP BY grp WITHIN GROUP ORDER BY length DESC, docid ASC" if plan.collapse else ""
        order = "year DESC, docid ASC" if plan.sort == "year" else "w DESC, docid ASC"
        limit = max(0, plan.limit)
        depth = max(MIN_MATCHES, plan.offset + limit)
        sizes = self._sizes(gen) if plan.facets else {}
        statements = [
            f"SELECT docid, grp, clustered, WEIGHT() AS w, {ok} FROM {t} WHERE {where}{group} ORDER BY {order} "
            f"LIMIT {plan.offset}, {max(limit, 1)} OPTION max_matches={depth}, ranker={RANKER}",
            f"SELECT {count} AS n, {ok} FROM {t} WHERE {where}",
        ]
        facet_slots: list[tuple[str, int]] = []
        rep_slots: list[tuple[str, int]] = []
        if plan.facets:
            for facet in FACETS:
                f_ok, f_where = self._where(plan, gen, skip=facet.name)
                # Folded: documents without copies are counted by the engine; each group of
                # copies by its representative (the copy a result shows), as the local backend does.
                single = " AND clustered = 0" if plan.collapse else ""
                for column, label in _facet_groups(facet.name):
                    facet_slots.append((facet.name, _slot(
                        statements, f"SELECT GROUPBY() AS g, {label}, COUNT(*) AS n, {f_ok} FROM {t} "
                                    f"WHERE {f_where}{single} GROUP BY {column} LIMIT {_cap(sizes, column, FACET_ROWS)} "
                                    f"OPTION max_matches={_cap(sizes, column, FACET_ROWS)}")))
                if plan.collapse:
                    # Without filters every facet asks the same: sent once.
                    rep_slots.append((facet.name, _slot(
                        statements, f"SELECT grp, region, year, themes, doctype, origin, {f_ok} FROM {t} "
                                    f"WHERE {f_where} AND clustered = 1 GROUP BY grp WITHIN GROUP ORDER BY "
                                    f"length DESC, docid ASC LIMIT {_cap(sizes, 'grp', REP_ROWS)} "
                                    f"OPTION max_matches={_cap(sizes, 'grp', REP_ROWS)}")))
        results = self._run(statements)
        page = results[0] if limit > 0 else []
        total = int(results[1][0][0]) if results[1] else 0
        facets: dict[str, list[tuple[Any, int]]] = {}
        for name, slot in facet_slots:
            facets.setdefault(name, []).extend(_facet_pairs(name, results[slot]))
        for name, slot in rep_slots:
            if len(results[slot]) >= REP_ROWS:  # sizes say how many: more means the cap cut them
                log.warning("facet %s: more than %d groups of copies match; their counts are cut", name, REP_ROWS)
            facets[name] = _merge(facets.get(name, []), _rep_pairs(name, results[slot]))
        hits = [RankedHit(id=r[0], score=None if plan.sort == "year" else float(r[3])) for r in page]
        if plan.collapse:
            self._fill_duplicates(plan, gen, hits, {r[0]: int(r[1]) for r in page if int(r[2])})
        return Matches(total=total, hits=hits, facets=facets)

    def _fill_duplicates(self, plan: Plan, gen: int, hits: list[RankedHit], groups: dict[str, int]) -> None:
        """Other copies of each hit's group among the matched, filtered documents."""
        if not groups:
            return
        ok, where = self._where(plan, gen)
        keys = sorted(set(groups.values()))
        statements = [f"SELECT docid, grp, {ok} FROM {self.topology.search_table} WHERE {where} AND grp IN "
                      f"({', '.join(map(str, keys[i:i + IN_VALUES]))}) ORDER BY docid ASC LIMIT {COPIES_ROWS} "
                      f"OPTION max_matches={COPIES_ROWS}" for i in range(0, len(keys), IN_VALUES)]
        members: dict[int, list[str]] = {}
        for rows in self._run(statements):
            for docid, grp, _ok in rows:
                members.setdefault(int(grp), []).append(docid)
        for hit in hits:
            grp = groups.get(hit.id)
            if grp is not None:
                hit.duplicate_ids = [d for d in members.get(grp, []) if d != hit.id]

    # -- documents ----------------------------------------------------------------------

    def _rows_by_id(self, ids: list[str], columns: str) -> list[tuple]:
        """Rows of ``ids``: the one visible now, else the newest one still kept.

        A page's hits come from one generation; when the next is published between
        the search and this lookup, a hit's row may already be marked dead. Dead rows
        are kept until the run after next (:mod:`.writer`), so the hit still shows,
        as it was when it matched, and a page never loses hits to a switch."""
        if not ids:
            return []
        gen = self.current()[0]
        statements = []
        for i in range(0, len(ids), IN_VALUES):
            part = ids[i:i + IN_VALUES]
            hashes = ", ".join(str(h64(d)) for d in part)
            statements.append(f"SELECT docid, {columns}, {visible(gen)} AS now, born, born <= {gen} AS kept "
                              f"FROM {self.topology.search_table} WHERE kept = 1 AND docid_h IN ({hashes}) "
                              f"ORDER BY now DESC, born DESC LIMIT {4 * len(part)} "
                              f"OPTION max_matches={max(MIN_MATCHES, 4 * len(part))}")
        wanted = set(ids)
        best: dict[str, tuple] = {}
        for rows in self._run(statements):
            for row in rows:
                if row[0] in wanted and row[0] not in best:
                    best[row[0]] = row[:-3]
        return list(best.values())

    def documents(self, ids: Iterable[str]) -> dict[str, DocRecord]:
        wanted = list(dict.fromkeys(ids))
        found = {r[0]: record_from_json(r[1]) for r in self._rows_by_id(wanted, "rec")}
        return {i: found[i] for i in wanted if i in found}

    def text(self, doc_id: str) -> tuple[str, Normalized] | None:
        rows = [r for r in self._rows_by_id([doc_id], "text, parts, id") if r[0] == doc_id]
        if not rows:
            return None
        _docid, first, parts, row_id = rows[0][:4]
        original = full_text(self.pool.get(), self.topology.parts_table, int(row_id), first, int(parts))
        return original, normalize(original)

    def copies(self, doc_id: str) -> list[str]:
        rows = [r for r in self._rows_by_id([doc_id], "grp, clustered") if r[0] == doc_id]
        if not rows or not int(rows[0][2]):
            return []
        gen = self.current()[0]
        found = self._run([f"SELECT docid, {visible(gen)} AS ok FROM {self.topology.search_table} WHERE ok = 1 "
                           f"AND grp = {int(rows[0][1])} ORDER BY docid ASC LIMIT {COPIES_ROWS} "
                           f"OPTION max_matches={COPIES_ROWS}"])[0]
        return [r[0] for r in found if r[0] != doc_id]

    def titles_containing(self, needle: str, limit: int) -> list[tuple[str, str]]:
        needle = needle.strip()
        if not needle or limit <= 0:
            return []
        gen = self.current()[0]
        rows = self._run([f"SELECT docid, rec, {visible(gen)} AS ok FROM {self.topology.search_table} "
                          f"WHERE MATCH({_q('@title ' + phrase(needle))}) AND ok = 1 ORDER BY docid ASC "
                          f"LIMIT {TITLE_ROWS} OPTION max_matches={TITLE_ROWS}"])[0]
        starts, contains = [], []
        for docid, rec, _ok in rows:
            title = json.loads(rec).get("title") or ""
            pos = normalize(title).text.find(needle)
            if pos == 0:
                starts.append((title, docid))
            elif pos > 0:
                contains.append((title, docid))
        return (starts + contains)[:limit]

    def _vocabulary(self) -> tuple[list[str], list[int]]:
        """The published words (sorted) and their document counts, loaded once per generation."""
        gen, info = self.current()
        cached = self._words
        if cached is not None and cached[0] == gen:
            return cached[1]
        merged = read_vocabulary(self.pool.get(), self.topology, info, self.topology.search_meta_table)
        words = sorted(merged)
        vocab = (words, [merged[w] for w in words])
        self._words = (gen, vocab)
        return vocab

    def terms_starting(self, prefix: str, limit: int) -> list[str]:
        """Indexed words starting with ``prefix``, most widespread first (the words the
        writer's batches found with the same segmenter as the local index)."""
        if not prefix:
            return []
        words, dfs = self._vocabulary()
        start = bisect.bisect_left(words, prefix)
        end = min(start + MAX_TERMS_SCANNED, bisect.bisect_left(words, prefix + "\U0010ffff", lo=start))
        best = heapq.nlargest(limit + 1, zip(dfs[start:end], words[start:end]))
        return [w for _, w in best if w != prefix and len(w) > 1][:limit]

    def info(self, sizes: bool = False) -> dict[str, Any]:
        gen, meta = self.current()
        rows = self._run([f"SELECT COUNT(*) AS n, {visible(gen)} AS ok FROM {self.topology.search_table} WHERE ok = 1",
                          # A file's articles may sit on several shards: count its groups after the merge.
                          f"SELECT source_h, {visible(gen)} AS ok FROM {self.topology.search_table} WHERE ok = 1 "
                          f"GROUP BY source_h LIMIT {MAX_FILES} OPTION max_matches={MAX_FILES}"])
        out: dict[str, Any] = {
            "index_dir": f"sphinx://{self.topology.search.sql}/{self.topology.search_table}",
            "backend": "sphinx", "cluster": self.topology.search.sql, "generation": gen,
            "shards": len(self.topology.shards), "documents": int(rows[0][0][0]) if rows[0] else 0,
            "files": len(rows[1]), "analyzer": meta.get("analyzer"),
            "created": meta.get("created"),
        }
        if sizes:
            total = self._run([f"SELECT SUM(length) AS n, {visible(gen)} AS ok FROM {self.topology.search_table} "
                               f"WHERE ok = 1"])[0]
            out["text_bytes"] = int(total[0][0] or 0) if total else 0
            out["size_bytes"] = self._cluster_bytes()
        return out

    def _cluster_bytes(self) -> int:
        """Memory and disk of the docs table on every data node (all mirrors: what
        the cluster holds); nodes that do not answer are left out."""
        from searchapp.backend.sphinx.sql import Session

        total = 0
        for node in self.topology.nodes:
            session = Session(node, 5)
            try:
                status = dict(session.one(f"SHOW INDEX {self.topology.docs_table} STATUS"))
                total += sum(int(status.get(k) or 0) for k in ("ram_bytes", "disk_bytes"))
            except (ClusterError, ValueError):
                continue
            finally:
                session.close()
        return total

    def close(self) -> None:
        self.pool.close()


def _q(text: str) -> str:
    from searchapp.backend.sphinx.sql import quote

    return quote(text)


def _facet_groups(facet: str) -> list[tuple[str, str]]:
    """(GROUP BY column, the column showing the group's value) per facet."""
    return {"region": [("region1_h", "region"), ("region2_h", "region"), ("region3_h", "region")],
            "year": [("year", "year")], "theme": [("theme_h", "themes")],
            "type": [("type_h", "doctype"), ], "origin": [("origin_h", "origin")]}[facet]


def _cap(sizes: dict[str, int], column: str, most: int) -> int:
    """max_matches for grouping by ``column``: the groups this index can hold, bounded."""
    return max(MIN_MATCHES, min(most, sizes.get(column, most) + 10))


def _slot(statements: list[str], statement: str) -> int:
    """The position of ``statement`` in the batch, added once."""
    if statement not in statements:
        statements.append(statement)
    return statements.index(statement)


def _rep_pairs(facet: str, rows: list[tuple]) -> list[tuple[Any, int]]:
    """Counts over the representatives of groups of copies (one row each)."""
    from collections import Counter

    counts: Counter = Counter()
    for _grp, region, year, themes, doctype, origin, _ok in rows:
        if facet == "region":
            levels = str(region).split("/")
            for depth in (1, 2, 3):
                if not all(levels[:depth]):
                    break
                counts[tuple(levels[:depth])] += 1
        elif facet == "year":
            if int(year):
                counts[int(year)] += 1
        elif facet == "theme":
            counts.update(t for t in dict.fromkeys(str(themes).split("\x1f")) if t)
        else:
            value = str(doctype if facet == "type" else origin)
            if value:
                counts[value] += 1
    return list(counts.items())


def _merge(a: list[tuple[Any, int]], b: list[tuple[Any, int]]) -> list[tuple[Any, int]]:
    out: dict[Any, int] = {}
    for value, n in a + b:
        out[value] = out.get(value, 0) + n
    return list(out.items())


def _facet_pairs(facet: str, rows: list[tuple]) -> list[tuple[Any, int]]:
    out: list[tuple[Any, int]] = []
    for row in rows:
        g, label, n = row[0], row[1], int(row[2])
        if not n or not int(g):
            continue
        if facet == "year":
            out.append((int(label), n))
        elif facet == "region":
            levels = str(label).split("/")
            depth = next(d for d in (1, 2, 3) if h64("/".join(levels[:d])) == int(g))
            out.append((tuple(levels[:depth]), n))
        elif facet == "theme":
            names = [t for t in str(label).split("\x1f") if h64(t) == int(g)]
            if names:
                out.append((names[0], n))
        else:
            out.append((str(label), n))
    return out


__all__ = ["SphinxBackend"]
