"""The exact channel's store on its own: what a written segment answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import pytest

from searchapp.backend.local import textstore
from searchapp.backend.local.textstore import StoredDoc, TextStore, query_grams, write_segment
from searchapp.normalize import normalize


def stored(key: int, original: str) -> StoredDoc:
    norm = normalize(original)
    return StoredDoc(key, norm.text, original, *norm.breakpoints)


@pytest.fixture
def store(tmp_path: Path) -> TextStore:
    folder = tmp_path / textstore.STORE_DIRNAME
    folder.mkdir()
    first = write_segment(folder, [stored(1, "推进教师交流轮岗，教师交流制度化。"), stored(2, "教师培训\n交流会议")],
                          {"教师": 2, "交流": 2})
    second = write_segment(folder, [stored(5, "南長區推進教師交流機制"), stored(6, "ＡＢＣ全角字母与教育")], {"教育": 1})
    textstore.write_manifest(folder, [first, second], 7)
    opened = TextStore(folder)
    yield opened
    opened.close()


def test_a_phrase_is_found_exactly_with_its_count(store):
    assert store.find("教师交流") == {1, 5}
    per_segment = store.find_ordinals("教师交流")
    assert [counts.tolist() for _, counts in per_segment] == [[2], [1]]


def test_a_phrase_never_matches_across_a_line_break(store):
    # 教师培训 / 交流会议: 训交 is not a bigram of the text, so 培训交流 is not found.
    assert store.find("培训交流") == set()
    assert store.find("培训") == {2} and store.find("交流会议") == {2}


def test_one_and_two_character_phrases_come_from_one_posting_list(store):
    assert query_grams("教") == ["教"] and query_grams("教师") == ["教师"]
    assert store.find("教") == {1, 2, 5, 6}


def test_the_original_text_comes_back_as_written(store):
    assert store.original_text(5) == "南長區推進教師交流機制"
    assert store.original_text(6) == "ＡＢＣ全角字母与教育"
    norm = store.normalized(6)
    assert norm.text == "abc全角字母与教育"
    a, b = norm.span_to_original(0, 3)
    assert store.original_text(6)[a:b] == "ＡＢＣ"


def test_the_vocabulary_merges_segments_sorted(store):
    words, dfs = store.vocabulary()
    assert words == sorted(words)
    assert dict(zip(words, dfs)) == {"交流": 2, "教师": 2, "教育": 1}


def test_a_truncated_segment_is_refused(tmp_path):
    folder = tmp_path / textstore.STORE_DIRNAME
    folder.mkdir()
    name = write_segment(folder, [stored(1, "教师交流")], {})
    textstore.write_manifest(folder, [name], 2)
    norm_file = next(p for p in folder.iterdir() if p.name.startswith(name) and p.stat().st_size > 0
                     and p.read_bytes() == "教师交流".encode())
    norm_file.write_bytes(norm_file.read_bytes()[:-3])
    with pytest.raises(ValueError, match="damaged"):
        TextStore(folder)


def _brute_postings(texts: list[str]) -> dict[str, dict[int, int]]:
    """Every gram a query could ask for → {ordinal: occurrences}, counted the slow way."""
    out: dict[str, dict[int, int]] = {}
    for ordinal, text in enumerate(texts):
        grams = [c for c in text if c != "\n"] + [a + b for a, b in zip(text, text[1:]) if "\n" not in a + b]
        for gram in grams:
            per_doc = out.setdefault(gram, {})
            per_doc[ordinal] = per_doc.get(ordinal, 0) + 1
    return out


def test_every_posting_list_decodes_to_the_documents_and_counts_of_the_text(tmp_path):
    # Dense grams (bitmaps), clustered ones (one-byte gaps), scattered ones (raw
    # ordinals), counts of 1, 2–15 and above (the escape), a non-BMP character (the
    # uint64 gram table), line breaks: every encoding of the segment is exercised.
    rng = np.random.default_rng(7)
    alphabet = list("教师交流的是在一") + [chr(0x4E00 + i) for i in range(300)] + ["\U00020000", "\n", "a"]
    weights = np.array([40.0] * 8 + [1.0] * 300 + [0.5, 3.0, 2.0])
    texts = []
    for ordinal in range(700):
        size = int(rng.integers(1, 400))
        text = "".join(rng.choice(alphabet, size=size, p=weights / weights.sum()))
        if ordinal % 97 == 0:
            text += "乙" * 300          # a count above 255 is kept as 255
        texts.append(text)
    folder = tmp_path / textstore.STORE_DIRNAME
    folder.mkdir()
    name = write_segment(folder, [StoredDoc(i + 1, t, t) for i, t in enumerate(texts)])
    seg = textstore.Segment(folder, name)
    kinds = set((seg.gram_kind & 3).tolist())
    assert kinds == {0, 1, 2} and seg.codes64.size > 0
    truth = _brute_postings(texts)
    for gram, per_doc in truth.items():
        ords, counts = seg.postings_for(gram)
        assert ords.tolist() == sorted(per_doc), gram
        assert counts.tolist() == [min(per_doc[o], textstore.MAX_COUNT) for o in sorted(per_doc)], gram
    assert seg.postings_for("\U00020001")[0].size == 0


def test_posting_lists_of_a_segment_beyond_65535_documents_use_wider_ordinals():
    n_docs = 70_000
    ords = np.array([5, 69_999, 0, 1, 2, 300, 40_000] + list(range(0, n_docs, 2)), dtype=np.uint32)
    df = np.array([2, 5, n_docs // 2], dtype=np.uint32)
    counts = np.array([1, 2, 3, 1, 200, 16, 1] + [1] * (n_docs // 2), dtype=np.uint8)
    blob, kind, at = textstore._encode_postings(ords, counts, df, n_docs)
    odt = textstore._ord_dtype(n_docs)
    start = 0
    for g in range(3):
        got, cat = textstore._decode_ordinals(blob, int(kind[g]) & 3, int(at[g]), int(df[g]), n_docs, odt)
        assert got.tolist() == ords[start:start + df[g]].tolist()
        if kind[g] & 4:
            decoded = textstore._decode_counts(blob, cat, int(df[g]), bool(kind[g] & 8))
            assert decoded.tolist() == counts[start:start + df[g]].tolist()
        else:
            assert set(counts[start:start + df[g]].tolist()) == {1}
        start += int(df[g])


def test_merged_segments_answer_as_their_sources_did(store, tmp_path):
    folder = store.store_dir
    merged = textstore.merge_segments(folder, [(store.segment_names[0], [1, 0]), (store.segment_names[1], [1])],
                                      {"教师": 1})
    textstore.write_manifest(folder, [merged], store.next_key)
    after = TextStore(folder)
    assert after.segments[0].keys.tolist() == [2, 1, 6]
    for key in (1, 2, 6):
        assert after.original_text(key) == store.original_text(key)
        assert after.normalized(key).breakpoints == store.normalized(key).breakpoints
    for phrase in ("教师交流", "交流", "教", "全角字母"):
        assert after.find(phrase) == store.find(phrase) - {5}
    assert after.vocabulary() == (["教师"], [1])


def test_longer_phrases_are_found_with_exact_counts_whatever_their_grams_encoding(tmp_path):
    # Candidates intersect lists of every encoding (bitmaps probed bit by bit); the
    # verified result must be the brute-force substring count, document by document.
    rng = np.random.default_rng(11)
    alphabet = list("教师交流的是") + [chr(0x4E00 + i) for i in range(40)] + ["\n"]
    weights = np.array([30.0] * 6 + [1.0] * 40 + [2.0])
    texts = ["".join(rng.choice(alphabet, size=int(rng.integers(1, 300)), p=weights / weights.sum()))
             for _ in range(400)]
    folder = tmp_path / textstore.STORE_DIRNAME
    folder.mkdir()
    name = write_segment(folder, [StoredDoc(i + 1, t, t) for i, t in enumerate(texts)])
    textstore.write_manifest(folder, [name], 500)
    opened = TextStore(folder)
    phrases = {"教师交流", "的是的", "师交"}
    for _ in range(150):
        text = texts[int(rng.integers(len(texts)))]
        size = int(rng.integers(2, 6))
        start = int(rng.integers(max(1, len(text) - size)))
        if "\n" not in text[start:start + size]:
            phrases.add(text[start:start + size])
    for phrase in phrases:
        (ords, counts), = opened.find_ordinals(phrase)
        truth = {i: t.count(phrase) for i, t in enumerate(texts) if phrase in t}
        if len(phrase) > 2:
            assert dict(zip(ords.tolist(), counts.tolist())) == truth, phrase
        else:   # a one- or two-character phrase counts as its gram: overlapping occurrences
            grams = {i: sum(texts[i].startswith(phrase, k) for k in range(len(texts[i]))) for i in truth}
            assert dict(zip(ords.tolist(), counts.tolist())) == {i: min(c, 255) for i, c in grams.items()}


def test_counts_and_presence_in_place_agree_with_python_for_every_document(tmp_path):
    """``count_each`` searches the mapped text in place (StringZilla): the same non-overlapping
    counts as ``bytes.count`` for every document, including a document that starts with the
    phrase (offset 0), overlapping repeats (啊啊啊 holds 啊啊 once) and documents without it;
    with bounds of 1 it answers presence (0 or 1) only."""
    rng = np.random.default_rng(5)
    alphabet = list("教师交流啊啊")
    texts = ["".join(rng.choice(alphabet, size=int(rng.integers(1, 60)))) for _ in range(300)]
    texts[:3] = ["教师交流在前", "啊啊啊", "无关"]
    folder = tmp_path / textstore.STORE_DIRNAME
    folder.mkdir()
    name = write_segment(folder, [stored(k + 1, t) for k, t in enumerate(texts)])
    seg = textstore.Segment(folder, name)
    ordinals = np.arange(len(texts))
    for phrase in ("教师交流", "啊啊", "交流啊", "师"):
        needle = phrase.encode("utf-8")
        expected = [seg.normalized_bytes(o).count(needle) for o in ordinals.tolist()]
        assert seg.count_each(ordinals, needle).tolist() == expected
        present = seg.count_each(ordinals, needle, bounds=np.ones(ordinals.size, dtype=np.uint8))
        assert present.tolist() == [int(n > 0) for n in expected]
        mixed = (ordinals % 2 + 1).astype(np.uint8)  # bound 1 (presence) and 2 (count) interleaved
        assert seg.count_each(ordinals, needle, bounds=mixed).tolist() == [
            int(n > 0) if b == 1 else n for n, b in zip(expected, mixed.tolist())]
    assert seg.count_each(ordinals[:1], "教师交流".encode(), bounds=np.ones(1, np.uint8)).tolist() == [1]
