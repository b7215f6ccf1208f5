"""Sub-word matching of unquoted text: a dictionary word also matches its parts, the
whole word ranks higher, and quoted phrases stay exact."""

from __future__ import annotations

import pytest

from searchapp.analysis import Segmenter
from searchapp.config import DEFAULT_USER_WORDS, SearchSettings
from searchapp.model import SearchRequest
from searchapp.query.plan import chunk_slots, tile
from searchapp.query.service import search

from ranking_corpus import names, service


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return service(tmp_path_factory.mktemp("subwords"))


def test_dictionary_word_also_finds_a_report_that_has_only_its_parts(engine):
    # 校园安全 is one word of the user dictionary; the rules say 校园 … 安全, never 校园安全
    found = names(search(engine, SearchRequest(q="校园安全", synonyms=False, size=50)))
    assert "school_grounds_rules.txt" in found


def test_reports_with_the_whole_word_rank_above_reports_with_only_its_parts(engine):
    found = names(search(engine, SearchRequest(q="校园安全", synonyms=False, size=50)))
    assert found.index("campus_safety_report.txt") < found.index("school_grounds_rules.txt")
    assert found.index("government_work_report.txt") < found.index("school_grounds_rules.txt")


def test_quoted_phrase_is_never_split_into_parts(engine):
    found = names(search(engine, SearchRequest(q='"校园安全"', size=50)))
    assert "school_grounds_rules.txt" not in found
    assert set(found) == {"campus_safety_report.txt", "government_work_report.txt"}


def test_a_dictionary_word_is_tiled_by_its_search_mode_sub_words():
    seg = Segmenter(DEFAULT_USER_WORDS)
    assert tile("校园安全", seg.sub_words("校园安全")) == ("校园", "安全")
    assert tile("中华人民共和国", seg.sub_words("中华人民共和国")) == ("中华", "人民", "共和国")
    assert tile("教师", seg.sub_words("教师")) == ()  # nothing to split


def test_a_word_whose_sub_words_overlap_is_not_split():
    # 毕业生 → 毕业, 业生: no tiling without overlap, so the word stays whole
    assert tile("毕业生", ["毕业", "业生"]) == ()


def test_slots_of_a_plain_chunk_carry_parts_and_weights():
    settings = SearchSettings(part_weight=0.4)
    slots = chunk_slots(Segmenter(DEFAULT_USER_WORDS), "校园安全", settings)
    assert [(s.word, s.parts, s.part_weight) for s in slots] == [("校园安全", ("校园", "安全"), 0.4)]
