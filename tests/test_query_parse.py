"""The query language, and that parsing never fails."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from searchapp.query.parse import And, Not, Or, Phrase, Plain, parse_query


def test_plain_quoted_excluded_and_or():
    assert parse_query("教师交流").tree == Plain("教师交流")
    assert parse_query('"教师交流"').tree == Phrase("教师交流")
    assert parse_query("“教師交流”").tree == Phrase("教师交流")
    assert parse_query("教师 -民办").tree == And((Plain("教师"), Not(Plain("民办"))))
    assert parse_query("均衡 OR 督导").tree == Or((Plain("均衡"), Plain("督导")))
    assert parse_query("(均衡 | 督导) 考核").tree == And((Or((Plain("均衡"), Plain("督导"))), Plain("考核")))


def test_field_filters_are_pulled_out_of_the_text():
    parsed = parse_query("教师 region:荔湾区 year:2007-2010 theme:教师队伍 类型:自查报告")
    assert parsed.tree == Plain("教师")
    assert parsed.filters == {"region": ["荔湾区"], "year": ["2007-2010"], "theme": ["教师队伍"],
                              "type": ["自查报告"]}


def test_unknown_fields_and_hyphenated_numbers_stay_text():
    assert parse_query("10:30").tree == Plain("10:30")
    assert parse_query("2005-2020年").tree == Plain("2005-2020年")


def test_malformed_input_falls_back_with_a_note():
    parsed = parse_query('"教师交流 (均衡')
    assert parsed.notes and "普通文本" in parsed.notes[0]
    assert parsed.tree == And((Plain("教师交流"), Plain("均衡")))


@settings(max_examples=300)
@given(st.text(max_size=60))
def test_any_input_parses(text):
    parsed = parse_query(text)
    parsed.describe()
