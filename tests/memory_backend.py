"""A tiny in-memory :class:`~searchapp.backend.base.Backend`, written only against the
seam: no Whoosh, no text store, no NumPy. The query-layer tests run on it, which
shows that a second backend needs nothing from ``web/``, ``cli.py`` or ``query/``.

Matching is a substring test on the normalized text; ranking counts occurrences;
facets are counted with plain dicts. Good enough to pin what the query layer does
(planning, filters, paging, facets, snippets, the cache), not a search engine.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Hashable, Iterable

from searchapp.backend.base import Matches, Plan, RankedHit
from searchapp.model import FACETS, DocRecord
from searchapp.normalize import Normalized, normalize
from searchapp.query.parse import And, Node, Not, Or, Phrase, Plain, positive_texts


class MemoryBackend:
    def __init__(self, docs: list[tuple[DocRecord, str]]):
        self.load(docs)

    def load(self, docs: list[tuple[DocRecord, str]]) -> None:
        """Replace the collection (a new generation, as a commit would make)."""
        self.records = {rec.id: rec for rec, _ in docs}
        self.texts = {rec.id: text for rec, text in docs}
        self.norm = {rec.id: normalize(text) for rec, text in docs}
        self._generation = getattr(self, "_generation", 0) + 1
        self.executed = 0

    # -- matching -----------------------------------------------------------------

    def _matches(self, node: Node | None, doc_id: str, words: dict[str, list[str]]) -> bool:
        text = self.norm[doc_id].text
        if node is None:
            return True
        if isinstance(node, Phrase):
            return node.text in text
        if isinstance(node, Plain):
            return all(w in text for w in (words.get(node.text) or [node.text]))
        if isinstance(node, Not):
            return not self._matches(node.node, doc_id, words)
        if isinstance(node, And):
            return all(self._matches(i, doc_id, words) for i in node.items)
        if isinstance(node, Or):
            return any(self._matches(i, doc_id, words) for i in node.items)
        raise TypeError(node)

    def _passes(self, rec: DocRecord, facet_name: str, values: list[Any]) -> bool:
        facet = next(f for f in FACETS if f.name == facet_name)
        if facet.kind == "tree":
            levels = [rec.fields.get(n) for n in facet.fields]
            return any(v in levels or "/".join(x for x in levels if x) == v for v in values)
        if facet.kind == "range":
            year = rec.fields.get("year") or 0
            return any(year and lo <= year <= hi for lo, hi in values)
        if facet.kind == "multi":
            return bool(set(rec.fields.get(facet.fields[0]) or ()) & set(values))
        return rec.fields.get(facet.fields[0]) in values

    def _facet_values(self, rec: DocRecord) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {}
        for facet in FACETS:
            if facet.kind == "tree":
                levels = [rec.fields.get(n) for n in facet.fields]
                out[facet.name] = [tuple(levels[:i]) for i in range(1, len(levels) + 1) if all(levels[:i])]
            elif facet.kind == "multi":
                out[facet.name] = list(rec.fields.get(facet.fields[0]) or ())
            else:
                value = rec.fields.get(facet.fields[0])
                out[facet.name] = [value] if value else []
        return out

    # -- Backend ------------------------------------------------------------------

    def generation(self) -> Hashable:
        return self._generation

    def execute(self, plan: Plan) -> Matches:
        self.executed += 1
        matched = [d for d in sorted(self.records) if self._matches(plan.tree, d, plan.words)]

        def passing(skip: str | None) -> list[str]:
            return [d for d in matched if all(self._passes(self.records[d], name, values)
                                              for name, values in plan.filters.items() if values and name != skip)]

        final = passing(None)
        facets: dict[str, list[tuple[Any, int]]] = {}
        if plan.facets:
            for facet in FACETS:
                counts: Counter = Counter()
                for d in passing(facet.name):
                    counts.update(self._facet_values(self.records[d])[facet.name])
                facets[facet.name] = list(counts.items())
        phrases, plains = positive_texts(plan.tree)
        terms = phrases + [w for p in plains for w in plan.words.get(p, [p])]
        if plan.sort == "year":
            final.sort(key=lambda d: (-(self.records[d].fields.get("year") or 0), d))
            scored = [(d, None) for d in final]
        else:
            scored = sorted(((d, float(sum(self.norm[d].text.count(t) for t in terms))) for d in final),
                            key=lambda p: (-p[1], p[0]))
        page = scored[plan.offset:plan.offset + plan.limit]
        return Matches(total=len(final), hits=[RankedHit(d, s) for d, s in page], facets=facets)

    def documents(self, ids: Iterable[str]) -> dict[str, DocRecord]:
        return {i: self.records[i] for i in ids if i in self.records}

    def text(self, doc_id: str) -> tuple[str, Normalized] | None:
        if doc_id not in self.records:
            return None
        return self.texts[doc_id], self.norm[doc_id]

    def copies(self, doc_id: str) -> list[str]:
        return []

    def titles_containing(self, needle: str, limit: int) -> list[tuple[str, str]]:
        found = [(r.title, r.id) for r in self.records.values() if needle in normalize(r.title).text]
        return sorted(found, key=lambda t: not normalize(t[0]).text.startswith(needle))[:limit]

    def terms_starting(self, prefix: str, limit: int) -> list[str]:
        return []

    def info(self, sizes: bool = False) -> dict[str, Any]:
        return {"index_dir": ":memory:", "documents": len(self.records),
                "files": len({r.source for r in self.records.values()}), "analyzer": "memory", "created": None,
                **({"size_bytes": 0, "text_bytes": sum(len(t) for t in self.texts.values())} if sizes else {})}

    def close(self) -> None:
        pass


def record(doc_id: str, title: str, province: str = "", city: str = "", district: str = "",
           year: int | None = None, themes: tuple[str, ...] = (), doctype: str = "", origin: str = "") -> DocRecord:
    return DocRecord(id=doc_id, path=f"{doc_id}.txt", source=f"/corpus/{doc_id}.txt", title=title,
                     fields={"province": province, "city": city, "district": district, "year": year,
                             "themes": themes, "doctype": doctype, "origin": origin})
