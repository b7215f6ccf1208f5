"""A :class:`~searchapp.backend.base.Plan` in SphinxQL: the full-text expression
and the filter expressions.

Matching is the local backend's rule on the engine: a quoted phrase, and every
word of an unquoted chunk, must occur as a substring of the normalized body; with
one token per character (:mod:`.tokens`) that is a phrase query of its
characters. Exclusions need something to exclude from: :data:`rows.ALL_TOKEN`,
which every body starts with.
"""

from __future__ import annotations

from typing import Any, Callable

from searchapp.backend.sphinx.rows import ALL_TOKEN, h64
from searchapp.backend.sphinx.tokens import phrase
from searchapp.query.parse import And, Node, Not, Or, Phrase, Plain


def match_expr(tree: Node | None, words: dict[str, list[str]]) -> str | None:
    """The MATCH() text for ``tree`` (None: no text, every document)."""
    if tree is None:
        return None
    return "@body " + _expr(tree, words)


def _expr(node: Node, words: dict[str, list[str]]) -> str:
    if isinstance(node, Phrase):
        return phrase(node.text)
    if isinstance(node, Plain):
        parts = [phrase(w) for w in (words.get(node.text) or [node.text]) if w]
        return "(" + " ".join(parts) + ")" if len(parts) > 1 else parts[0]
    if isinstance(node, Not):
        return f"({ALL_TOKEN} -{_expr(node.node, words)})"
    if isinstance(node, And):
        pos = [_expr(i, words) for i in node.items if not isinstance(i, Not)]
        neg = [f"-{_expr(i.node, words)}" for i in node.items if isinstance(i, Not)]
        if not pos:
            pos = [ALL_TOKEN]
        return "(" + " ".join(pos + neg) + ")"
    if isinstance(node, Or):
        return "(" + " | ".join(_expr(i, words) for i in node.items) + ")"
    raise TypeError(node)  # pragma: no cover


def _in(column: str, hashes: list[int]) -> str:
    return f"IN({column}, {', '.join(map(str, hashes))})" if hashes else "0"


def facet_filter(facet: str, values: list[Any], region_names: Callable[[], list[str]]) -> str:
    """The expression of one facet's filter (OR within a facet), as the local backend reads it."""
    if facet == "year":
        return "(" + " OR ".join(f"(year >= {int(lo)} AND year <= {int(hi)} AND year > 0)" for lo, hi in values) + ")"
    if facet == "region":
        parts = []
        for v in values:
            v = str(v).strip().strip("/")
            if "/" in v:
                levels = v.split("/")[:3]
                parts.append(f"region{len(levels)}_h = {h64('/'.join(levels))}")
            else:
                names = [n for n in region_names() if n == v or (len(v) >= 2 and n.startswith(v))]
                ids = [h64(n) for n in names]
                parts.append("(" + " OR ".join(_in(c, ids) for c in ("province_h", "city_h", "district_h")) + ")")
        return "(" + " OR ".join(parts) + ")"
    column = {"theme": "theme_h", "type": "type_h", "origin": "origin_h"}[facet]
    return _in(column, [h64(str(v)) for v in values if v])


__all__ = ["match_expr", "facet_filter"]
