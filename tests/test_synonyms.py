"""Synonyms at query time: the default file bridges mainland and Taiwan vocabulary,
with a lower weight than the user's own words, visible in the notes, and switchable."""

from __future__ import annotations

import pytest

from searchapp.config import settings_from_dict
from searchapp.errors import ConfigError
from searchapp.model import SearchRequest
from searchapp.query.service import open_service, search
from searchapp.query.synonyms import SynonymFileError, Synonyms, load_synonyms, parse_groups

from ranking_corpus import build, names


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    return build(tmp_path_factory.mktemp("synonyms"))


@pytest.fixture(scope="module")
def engine(indexed):
    return open_service(indexed[0])


def test_taiwan_regulation_is_found_by_the_mainland_term_through_the_default_synonyms(engine):
    response = search(engine, SearchRequest(q="课后服务"))
    assert "tw_after_school_care.txt" in names(response)
    assert any("也搜索了" in n and "课后照顾" in n for n in response.notes)


def test_the_users_own_word_ranks_above_its_synonym(engine):
    found = names(search(engine, SearchRequest(q="课后服务")))
    assert found.index("after_school_service_plan.txt") < found.index("tw_after_school_care.txt")


def test_synonyms_off_finds_only_the_words_as_typed(engine):
    response = search(engine, SearchRequest(q="课后服务", synonyms=False))
    assert "tw_after_school_care.txt" not in names(response)
    assert not any("也搜索了" in n for n in response.notes)


def test_traditional_query_in_taiwan_wording_finds_the_mainland_report(engine):
    assert "after_school_service_plan.txt" in names(search(engine, SearchRequest(q="課後照顧")))


def test_quoted_phrase_is_never_expanded(engine):
    assert names(search(engine, SearchRequest(q='"课后服务"'))) == ["after_school_service_plan.txt"]


def test_a_synonym_key_on_a_word_boundary_expands_inside_a_longer_query(engine):
    # 身心障碍 (Taiwan) ⇄ 残疾 (mainland): the Taiwan text is found for 残疾学生 课后服务
    assert "tw_after_school_care.txt" in names(search(engine, SearchRequest(q="残疾学生 课后服务")))


def test_an_empty_synonyms_setting_turns_them_off(indexed, tmp_path):
    settings, _ = indexed
    off = settings_from_dict({"index_dir": settings.index_dir, "search": {"synonyms": ""}}, base_dir=tmp_path)
    assert "tw_after_school_care.txt" not in names(search(open_service(off), SearchRequest(q="课后服务")))


def test_a_custom_synonym_file_named_in_the_config_is_used(indexed, tmp_path):
    settings, _ = indexed
    custom = tmp_path / "mine.yaml"
    custom.write_text("groups:\n  - source: our own reading\n    one_way:\n      托管: [课后照顾]\n", encoding="utf-8")
    mine = settings_from_dict({"index_dir": settings.index_dir, "search": {"synonyms": "mine.yaml"}},
                              base_dir=tmp_path)
    engine = open_service(mine)
    assert names(search(engine, SearchRequest(q="托管"))) == ["tw_after_school_care.txt"]
    assert "tw_after_school_care.txt" not in names(search(engine, SearchRequest(q="课后服务")))


def test_equivalent_terms_find_each_other_and_one_way_terms_do_not_come_back():
    table = parse_groups({"groups": [{"source": "test", "equivalent": [["欺凌", "霸凌"]],
                                      "one_way": {"控辍保学": ["辍学"]}}]})
    assert table.get("欺凌") == ("霸凌",) and table.get("霸凌") == ("欺凌",)
    assert table.get("控辍保学") == ("辍学",) and table.get("辍学") == ()


def test_terms_are_normalized_like_the_documents():
    table = parse_groups({"groups": [{"source": "test", "equivalent": [["課後照顧", "课后服务"]]}]})
    assert table.get("课后照顾") == ("课后服务",)


def test_keys_fire_only_on_word_boundaries_longest_first():
    table = Synonyms({"学生": ["学员"], "营养": ["膳食"], "学生营养餐": ["营养午餐"]})
    spans = table.spans("学生营养餐", {0, 2, 5})
    assert [(s.key, s.synonyms) for s in spans] == [("学生营养餐", ("营养午餐",))]
    assert table.spans("学生营养", {0, 4}) == []  # 学生 does not end on a boundary here


def test_every_default_group_names_its_source():
    table = load_synonyms(None)
    assert len(table) > 100
    assert "课后照顾" in table.get("课后服务") and "霸凌" in table.get("欺凌")


def test_a_group_without_a_source_is_refused(tmp_path):
    with pytest.raises(SynonymFileError, match="source"):
        parse_groups({"groups": [{"equivalent": [["甲", "乙"]]}]})
    bad = tmp_path / "bad.yaml"
    bad.write_text("groups:\n  - equivalent: [[甲, 乙]]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="search.synonyms"):
        settings_from_dict({"search": {"synonyms": str(bad)}}, base_dir=tmp_path)


def test_an_edited_synonym_file_applies_to_the_next_search_even_when_cached(indexed, tmp_path):
    import os

    settings, _ = indexed
    custom = tmp_path / "edited.yaml"
    custom.write_text("groups:\n  - source: ours\n    one_way:\n      托管: [课后照顾]\n", encoding="utf-8")
    mine = settings_from_dict({"index_dir": settings.index_dir, "search": {"synonyms": "edited.yaml"}},
                              base_dir=tmp_path)
    engine = open_service(mine)
    assert names(search(engine, SearchRequest(q="托管"))) == ["tw_after_school_care.txt"]
    custom.write_text("groups:\n  - source: ours\n    one_way:\n      托管: [课后服务]\n", encoding="utf-8")
    later = os.stat(custom).st_mtime + 5
    os.utime(custom, (later, later))
    assert names(search(engine, SearchRequest(q="托管"))) == ["after_school_service_plan.txt"]
