"""Snippets choose their windows by bisection over matches kept as sorted lists: they must be
the fragments the plain computation gives (every window scored over every unshown match)."""

from __future__ import annotations

from bisect import bisect_left
from html import escape

import pytest

from searchapp.backend.local import LocalBackend
from searchapp.normalize import Normalized, normalize
from searchapp.query.highlight import MAX_ANCHORS, find_matches, snippets, snippets_from


def plain_matches(text: str, terms: list[str], limit: int) -> list[tuple[int, int, str]]:
    """Longest term first, each occurrence kept when no character of it is taken yet."""
    taken = [False] * len(text)
    found = []
    for term in sorted(dict.fromkeys(t for t in terms if t), key=len, reverse=True):
        at = text.find(term)
        while at != -1 and len(found) < limit:
            if not any(taken[at:at + len(term)]):
                found.append((at, at + len(term), term))
                taken[at:at + len(term)] = [True] * len(term)
            at = text.find(term, at + 1)
    return sorted(found)


def plain_render(original: str, norm: Normalized, a: int, b: int, marks: list[tuple[int, int, str]]) -> str:
    oa, ob = norm.span_to_original(a, b)
    out, pos = [], oa
    for start, end, _term in marks:
        ma, mb = norm.span_to_original(start, end)
        if ma < pos or mb > ob:
            continue
        out += [escape(original[pos:ma]), f"<mark>{escape(original[ma:mb])}</mark>"]
        pos = mb
    out.append(escape(original[pos:ob]))
    return "".join(out).replace("\n", " ")


def plain_snippets(original: str, terms: list[str], count: int, width: int) -> list[str]:
    norm = normalize(original)
    text = norm.text
    matches = plain_matches(text, terms, 300)
    if not matches:
        if count == 0 or not text.strip():
            return []
        start = len(text) - len(text.lstrip())
        end = min(len(text), start + width)
        return [plain_render(original, norm, start, end, []) + ("…" if end < len(text) else "")]
    chosen: list[tuple[int, int]] = []
    remaining = list(matches)
    while remaining and len(chosen) < count:
        firsts: dict[str, tuple[int, int, str]] = {}
        for m in remaining:
            firsts.setdefault(m[2], m)
        best = None
        for m in [*firsts.values(), *remaining[::max(1, len(remaining) // MAX_ANCHORS)]]:
            b = min(len(text), max(0, m[0] - width // 4) + width)
            a = max(0, min(max(0, m[0] - width // 4), b - width))
            inside = [x for x in remaining if x[0] >= a and x[1] <= b]
            if inside:
                score = sum(10 * len(t) ** 1.5 for t in sorted({x[2] for x in inside})) + len(inside)
                if best is None or score > best[0]:
                    best = (score, a, b)
        if best is None:
            break
        chosen.append(best[1:])
        remaining = [x for x in remaining if not (x[0] < best[2] and x[1] > best[1])]
    return [("…" if a > 0 else "")
            + plain_render(original, norm, a, b, [m for m in matches if m[0] >= a and m[1] <= b]).strip()
            + ("…" if b < len(text) else "") for a, b in chosen]


TERM_LISTS = [["教育"], ["教师", "交流"], ["教育督导", "督导", "评估", "教育"], ["学校", "的"], ["一"],
              ["义务教育", "义务", "教育", "均衡发展", "发展"], ["不存在的词"], ["。"]]


@pytest.mark.parametrize("terms", TERM_LISTS)
def test_snippets_of_indexed_reports_are_those_of_the_plain_computation(seeds_index, terms):
    settings, _ = seeds_index
    backend = LocalBackend(settings)
    snap = backend.snapshot()
    for doc_id, docnum in snap.by_id.items():
        original = snap.original_text(docnum)
        spans = backend.text_for_snippets([doc_id])[doc_id]
        for count, width in ((3, 100), (1, 30), (5, 12)):
            expected = plain_snippets(original, terms, count, width)
            assert snippets_from(spans, terms, count, width) == expected
            assert snippets(original, terms, count, width) == expected


def test_overlapping_occurrences_of_one_term_are_marked_once_each_without_overlap():
    assert [(m.start, m.end) for m in find_matches("哈哈哈哈哈", ["哈哈"])] == [(0, 2), (2, 4)]
    assert [(m.start, m.end, m.term) for m in find_matches("甲乙乙乙甲乙", ["乙乙", "甲乙"])] == \
        [(1, 3, "乙乙"), (4, 6, "甲乙")] == plain_matches("甲乙乙乙甲乙", ["乙乙", "甲乙"], 300)


def test_matches_stop_at_the_limit():
    assert len(find_matches("教育" * 50, ["教育", "育"], limit=7)) == 7
    assert [(m.start, m.end, m.term) for m in find_matches("教育" * 50, ["教育", "育"], limit=7)] == \
        plain_matches("教育" * 50, ["教育", "育"], 7)


def test_a_window_with_a_later_rarer_term_can_win_over_many_occurrences():
    text = "教育。" * 40 + "推进教育督导评估工作。" + "教育。" * 40
    first = snippets(text, ["教育督导", "教育"], count=3, width=20)[0]
    assert "<mark>教育督导</mark>" in first
    assert snippets(text, ["教育督导", "教育"], 3, 20) == plain_snippets(text, ["教育督导", "教育"], 3, 20)


def test_windows_with_markup_characters_are_escaped_as_the_plain_computation_escapes_them():
    text = "第一段<b>教育</b>督导 & \"评估\" 'x'。" + "无关内容。" * 20 + "教育督导没有记号。"
    for width in (12, 30, 100):
        got = snippets(text, ["教育督导", "教育", "<b>"], 3, width)
        assert got == plain_snippets(text, ["教育督导", "教育", "<b>"], 3, width)
    assert "&lt;b&gt;" in "".join(snippets(text, ["教育"], 3, 100))
