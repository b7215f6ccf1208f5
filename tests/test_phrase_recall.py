"""Exact recall as a property: a quoted phrase returns exactly the documents whose
normalized text contains it, whatever the segmenter did with it."""

from __future__ import annotations

import random

from searchapp.analysis import Segmenter
from searchapp.normalize import normalize
from searchapp.model import SearchRequest
from searchapp.query.service import search


def _normalized_texts(engine) -> dict[str, str]:
    snap = engine.backend.snapshot()
    return {info.id: normalize(snap.original_text(d)).text for d, info in snap.docs.items()}


def _sample_phrases(texts: dict[str, str], rng: random.Random, n: int) -> list[str]:
    seg = Segmenter()
    phrases: list[str] = []
    docs = list(texts.values())
    while len(phrases) < n:
        text = rng.choice(docs)
        if rng.random() < 0.5:
            length = rng.randint(2, 6)
            start = rng.randrange(0, max(1, len(text) - length))
            frag = text[start:start + length]
        else:
            start = rng.randrange(0, max(1, len(text) - 60))
            words = seg.words(text[start:start + 60])
            if len(words) < 3:
                continue
            k = rng.randint(2, 3)
            i = rng.randrange(0, len(words) - k + 1)
            frag = "".join(words[i:i + k])
        if frag.strip() and '"' not in frag and "\n" not in frag and frag == frag.strip():
            phrases.append(frag)
    return phrases


def test_quoted_phrases_match_substring_search_exactly(engine):
    texts = _normalized_texts(engine)
    rng = random.Random(20261125)
    phrases = _sample_phrases(texts, rng, 300)
    misses = false_hits = checked = 0
    for phrase in phrases:
        expected = {doc_id for doc_id, text in texts.items() if phrase in text}
        response = search(engine, SearchRequest(q=f'"{phrase}"', size=100, snippets=0, facets=False,
                                                collapse=False))
        got = {h.id for h in response.hits}
        misses += len(expected - got)
        false_hits += len(got - expected)
        checked += len(expected)
    assert checked > 300  # the sample really exercised the index
    assert misses == 0
    assert false_hits == 0


def test_phrases_cutting_through_jieba_words_are_found(engine):
    # 师交 cuts through 教师|交流; 育优 through 教育|优质: no segmenter keeps them whole.
    for fragment in ("师交", "育优质均"):
        response = search(engine, SearchRequest(q=f'"{fragment}"', size=50))
        assert response.total >= 1
        assert all(any(f"<mark>" in s for s in h.snippets) for h in response.hits)
