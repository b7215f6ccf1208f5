"""Theme keywords are found wherever they occur, overlapping and nested ones too: the
NumPy prefilter of the keyword index finds exactly what an Aho-Corasick automaton finds."""

from __future__ import annotations

import random

import ahocorasick

from searchapp.extract.themes import DEFAULT_TAXONOMY, _KeywordIndex, score_themes

KEYWORDS = {
    "教": (("x", 1.0),), "教育": (("x", 2.0),), "教育局": (("x", 3.0),), "育局长": (("z", 1.0),),
    "𠀀": (("y", 1.0),), "𠀀教": (("y", 2.0),), "教𠀁": (("z", 1.0),), "aa": (("a", 1.0),),
}


def _automaton_matches(entries, text):
    automaton = ahocorasick.Automaton()
    for word, values in entries.items():
        automaton.add_word(word, (word, values))
    automaton.make_automaton()
    return sorted((end - len(word) + 1, word, values) for end, (word, values) in automaton.iter(text))


def test_overlapping_nested_and_one_character_keywords_are_all_found():
    index = _KeywordIndex(KEYWORDS)
    text = "市教育局长说，教育局𠀀教𠀁aaa。"
    found = sorted(index.iter(text))
    assert [(start, word) for start, word, _ in found] == [
        (1, "教"), (1, "教育"), (1, "教育局"), (2, "育局长"), (7, "教"), (7, "教育"), (7, "教育局"),
        (10, "𠀀"), (10, "𠀀教"), (11, "教"), (11, "教𠀁"), (13, "aa"), (14, "aa")]
    assert found == _automaton_matches(KEYWORDS, text)


def test_random_texts_give_the_automatons_matches():
    index = _KeywordIndex(KEYWORDS)
    rnd = random.Random(7)
    alphabet = list("教育局长a𠀀𠀁x，\n")
    for _ in range(2000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 25)))
        assert sorted(index.iter(text)) == _automaton_matches(KEYWORDS, text)


def test_default_taxonomy_matches_in_a_report_are_the_automatons():
    entries: dict[str, list[tuple[str, float]]] = {}
    for theme, keywords in DEFAULT_TAXONOMY.items():
        for word, weight in keywords.items():
            entries.setdefault(word, []).append((theme, weight))
    frozen = {word: tuple(values) for word, values in entries.items()}
    text = ("关于做好2023年中小学校园安全工作的通知。各区县教育局：为加强学校安全管理，落实立德树人，"
            "推进双减和课后服务，保障教师培训经费预算，现将有关事项通知如下。") * 3
    assert sorted(_KeywordIndex(frozen).iter(text)) == _automaton_matches(frozen, text)
    assert [e.theme for e in score_themes(text) if e.assigned]
