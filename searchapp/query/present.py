"""What a response shows: facet lists (the region tree), hits with highlighted
snippets, the document page's dict. Backend-independent: it reads only the
backend's :class:`~searchapp.backend.base.Matches` and documents."""

from __future__ import annotations

from typing import Any

from searchapp.model import FACETS, DocRecord, Hit


def _by_count(pairs: list[tuple[Any, int]]) -> list[tuple[Any, int]]:
    return sorted(pairs, key=lambda kv: (-kv[1], str(kv[0])))


def _tree(pairs: list[tuple[tuple[str, ...], int]], limit: int) -> list[dict[str, Any]]:
    """Nested ``{value, path, count, children}`` from counts of every path prefix: grouped
    by parent, each parent's children sorted alone (most first, then by path) when the
    parent is shown, so the children of values past ``limit`` are never sorted."""
    children: dict[tuple[str, ...], list[tuple[tuple[str, ...], int]]] = {}
    for pair in pairs:
        children.setdefault(pair[0][:-1], []).append(pair)

    def level(parent: tuple[str, ...]) -> list[dict[str, Any]]:
        below = children.get(parent)
        if not below:  # most nodes are leaves (districts): nothing to sort
            return []
        return [{"value": path[-1], "path": "/".join(path), "count": n, "children": level(path)}
                for path, n in (_by_count(below) if len(below) > 1 else below)[:limit]]

    return level(())


def facet_lists(raw: dict[str, list[tuple[Any, int]]], limit: int) -> dict[str, Any]:
    """The response's ``facets``: per facet, values with counts (most first; years newest first)."""
    out: dict[str, Any] = {}
    for facet in FACETS:
        pairs = raw.get(facet.name)
        if pairs is None:
            continue
        if facet.kind == "tree":
            out[facet.name] = _tree(pairs, limit)
        elif facet.kind == "range":
            out[facet.name] = [{"value": v, "count": n} for v, n in sorted(pairs, reverse=True)][:limit]
        else:
            out[facet.name] = [{"value": v, "count": n} for v, n in _by_count(pairs)[:limit]]
    return out


def hit(record: DocRecord, score: float | None, snippets: list[str], duplicate_ids: list[str]) -> Hit:
    return Hit(id=record.id, path=record.path, title=record.title, region=record.region, year=record.year,
               themes=record.themes, type=record.doctype, origin=record.fields.get("origin") or None,
               score=None if score is None else round(score, 4), snippets=snippets,
               duplicates=len(duplicate_ids), duplicate_ids=duplicate_ids)


def document(record: DocRecord, text: str, html: str, matches: int, terms: list[str],
             copies: list[str]) -> dict[str, Any]:
    return {
        "id": record.id, "path": record.path, "source": record.source, "title": record.title,
        "region": record.region, "year": record.year, "themes": record.themes, "type": record.doctype,
        "origin": record.fields.get("origin") or None,
        "encoding": record.encoding, "length": record.length, "evidence": record.meta.get("evidence", {}),
        "text": text, "html": html, "matches": matches, "terms": terms, "duplicate_ids": copies,
    }
