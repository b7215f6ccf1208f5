"""Snippets read spans of the original straight from the stored difference: every span must
be exactly the slice of the whole decoded original that the normalized span maps to."""

from __future__ import annotations

import random

from hypothesis import given, settings, strategies as st

from searchapp.backend.local import LocalBackend
from searchapp.backend.local.textdiff import OriginalSpans, encode_original
from searchapp.normalize import normalize


def slice_of_original(original: str, start: int, end: int) -> str:
    """The straightforward way: map the span with Normalized, slice the whole original."""
    a, b = normalize(original).span_to_original(start, end)
    return original[a:b]


def spans_of(text: str) -> OriginalSpans:
    norm = normalize(text)
    return OriginalSpans(norm.text, encode_original(text, norm.text, *norm.breakpoints), *norm.breakpoints)


def test_every_span_of_every_indexed_report_matches_the_decoded_original(seeds_index):
    settings, _ = seeds_index
    backend = LocalBackend(settings)
    snap = backend.snapshot()
    rng = random.Random(12)
    for doc_id, docnum in snap.by_id.items():
        original, norm = snap.original_text(docnum), snap.normalized(docnum)
        spans = backend.text_for_snippets([doc_id])[doc_id]
        assert spans.normalized == norm.text
        size = len(norm.text)
        cases = [(0, size), (0, 1), (size - 1, size), (5, 5)]
        cases += [tuple(sorted((rng.randrange(size + 1), rng.randrange(size + 1)))) for _ in range(200)]
        for start, end in cases:
            a, b = norm.span_to_original(start, end)
            assert spans.span_to_original(start, end) == (a, b)
            assert spans.text(start, end) == original[a:b]


def test_a_traditional_report_with_deleted_spaces_gives_back_its_own_characters():
    text = "南長區  推進\n\n教師 交流\u3000機制。  臺灣 school  life  "
    spans = spans_of(text)
    norm = normalize(text)
    assert "教师交流" in norm.text
    start = norm.text.index("教师交流")
    assert spans.text(start, start + 4) == "教師 交流"
    assert spans.text(0, len(norm.text)) == slice_of_original(text, 0, len(norm.text))


def test_unknown_ids_are_left_out(seeds_index):
    settings, _ = seeds_index
    assert LocalBackend(settings).text_for_snippets(["no-such-id"]) == {}


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from(list("教師交流 　\t\u200b\ufeffＡaBｂ１2，。、\n臺灣x")), max_size=60),
       st.integers(0, 70), st.integers(0, 70))
def test_any_span_of_any_text_is_the_slice_of_the_original(text, i, j):
    start, end = sorted((i, j))
    norm = normalize(text)
    start, end = min(start, len(norm.text)), min(end, len(norm.text))
    assert spans_of(text).text(start, end) == slice_of_original(text, start, end)
