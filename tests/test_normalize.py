"""Normalization: Traditional → Simplified, full-width → half-width, case, spaces; offsets map back."""

from __future__ import annotations

from hypothesis import given, strategies as st

from searchapp.normalize import normalize


def test_traditional_full_width_and_case():
    assert normalize("教師交流ＡＢＣ２００８年").text == "教师交流abc2008年"


def test_spaces_inside_chinese_are_removed_but_kept_between_latin_words():
    assert normalize("本 文由第 一公文 网").text == "本文由第一公文网"
    assert normalize("Hello   World 教育").text == "hello world教育"


def test_offsets_map_back_to_the_original_characters():
    original = "推進城鄉 教師交流，促進"
    norm = normalize(original)
    start = norm.text.index("教师交流")
    a, b = norm.span_to_original(start, start + 4)
    assert original[a:b] == "教師交流"


@given(st.text(alphabet="教師交流 　ＡaB\n\u200b，。x1２", max_size=40))
def test_every_normalized_character_comes_from_an_original_one(text):
    norm = normalize(text)
    previous = -1
    for i, ch in enumerate(norm.text):
        o = norm.to_original(i)
        assert o > previous
        previous = o
        assert ch == " " or normalize(text[o]).text == ch
