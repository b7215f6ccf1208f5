"""The exact channel's store on its own: what a written segment answers."""

from __future__ import annotations

from pathlib import Path

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
