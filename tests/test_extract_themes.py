"""Theme tagging: what a report is mainly about, not every word it mentions."""

from __future__ import annotations

import time
from pathlib import Path

import opencc
import pytest

from searchapp.extract import themes
from searchapp.extract.themes import DEFAULT_TAXONOMY, assign_themes, validate_taxonomy

SEEDS = Path(__file__).parent / "fixtures" / "seeds"
_T2S = opencc.OpenCC("t2s")


def seed(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def names(result: list[tuple[str, float]]) -> list[str]:
    return [theme for theme, _ in result]


PRESCHOOL_REPORT = (
    "关于全县学前教育发展情况的汇报\n"
    "近年来，我县把发展学前教育作为重要民生工程，认真实施学前教育三年行动计划。"
    "全县现有幼儿园86所，其中公办园32所、普惠性民办园41所，在园幼儿1.2万人，学前三年毛入园率达到91%。"
    "我们新建和改扩建乡镇中心幼儿园12所，有效缓解了入园难问题。"
    "加强幼儿教师队伍建设，公开招聘幼儿教师120名，组织保教人员全员培训。"
    "开展幼儿园保教质量评估，坚决纠正幼儿园小学化倾向。\n"
) * 3

# A long report on teachers that mentions a kindergarten once, in passing.
TEACHER_REPORT = (
    "关于加强教师队伍建设的情况汇报\n" + "我县始终把教师队伍建设作为教育发展的第一资源，深入推进县域内教师交流轮岗，"
    "完善教师培训体系，实施乡村教师支持计划，落实教师工资待遇，师德师风建设成效明显。"
    "组织骨干教师送教下乡，开展名师工作室活动，青年教师专业成长加快。\n"
    * 12
    + "此外，县第一幼儿园也参加了本次培训活动。\n"
)


# --- the seed reports ---------------------------------------------------------


def test_seed_004_is_about_balanced_development():
    # "关于我区义务教育高位均衡发展工作的情况汇报": 高位均衡/均衡发展 throughout.
    result = assign_themes(seed("004"))
    assert result[0][0] == "均衡发展"
    assert result[0][1] > 2 * result[1][1]


def test_seed_002_speech_leads_with_party_building():
    # A "教育工作暨党风廉政建设工作会议" speech: party conduct is its first subject.
    assert names(assign_themes(seed("002")))[0] == "党建与廉政"


def test_seed_003_inspection_of_government_duties():
    # "区政府关于履行教育职责的汇报": an inspection report on the district's duties.
    assert names(assign_themes(seed("003")))[0] == "督导与考核"


def test_seed_001_duty_report_on_basic_education():
    # The vice mayor reports on teachers, vocational schools and balanced development.
    result = names(assign_themes(_T2S.convert(seed("001"))))
    assert "教师队伍" in result
    assert "学前教育" not in result


def test_seed_000_article_on_teachers_and_balance():
    # Article 4 is about balancing teacher resources (名师, 交流, 校长轮岗).
    lines = seed("000").splitlines()
    assert names(assign_themes("\n".join(lines[98:130]))) == ["教师队伍", "均衡发展"]


# --- mainly about vs mentioned ------------------------------------------------


def test_text_mainly_about_preschool_is_tagged_preschool():
    result = assign_themes(PRESCHOOL_REPORT)
    assert result[0][0] == "学前教育"


def test_one_mention_of_kindergarten_is_not_a_theme():
    result = names(assign_themes(TEACHER_REPORT))
    assert result[0] == "教师队伍"
    assert "学前教育" not in result


def test_a_single_repeated_word_is_not_a_theme():
    assert assign_themes("学前教育。" * 200) == []


def test_generic_words_alone_are_not_a_theme():
    # 考核/整改/评估 appear in any government text; only anchors such as 教育督导 make
    # the 督导与考核 theme.
    assert assign_themes("年终考核，整改落实，评估验收，问责追责。" * 50) == []


def test_unrelated_text_has_no_theme():
    assert assign_themes("今天天气晴朗，市民纷纷外出踏青。" * 100) == []


def test_short_texts_are_scored_as_1500_characters():
    # Scores are weight per 1,000 characters; a snippet counts as 1,500 characters
    # so two keywords in one line do not score like a whole report on the subject.
    assert assign_themes("学前教育、幼儿园", min_score=0) == [("学前教育", round((2.5 + 1.5) / 1.5, 3))]


# --- options and determinism ----------------------------------------------------


def test_scores_sorted_and_capped():
    result = assign_themes(seed("000"), max_themes=2)
    assert len(result) == 2
    assert result[0][1] >= result[1][1]
    assert assign_themes(seed("000"), max_themes=0) == []


def test_min_score_filters():
    assert assign_themes(seed("004"), min_score=1000) == []
    assert len(assign_themes(seed("000"), min_score=0.0, max_themes=10)) > 3


def test_deterministic():
    text = seed("002")
    assert assign_themes(text) == assign_themes(text) == assign_themes(str(text))


def test_overlapping_keywords_of_a_theme_count_once():
    # "教育督导" must not also count as "督导": the longest match wins.
    taxonomy = {"督导": {"教育督导": 2.0, "督导": 2.0, "督学": 2.0}}
    text = "教育督导，督学。" + "。" * 1992
    assert assign_themes(text, taxonomy, min_score=0) == [("督导", round(4.0 / 2.0, 3))]


# --- custom taxonomies --------------------------------------------------------


def test_custom_taxonomy_from_config():
    taxonomy = validate_taxonomy({"体育": {"体育课": 2.0, "运动会": 1.5, "体质健康": 2.0}})
    text = "本学期学校开足开齐体育课，举办了秋季运动会，学生体质健康测试合格率达到95%。" * 20
    assert names(assign_themes(text, taxonomy)) == ["体育"]
    assert assign_themes(PRESCHOOL_REPORT, taxonomy) == []


def test_automaton_is_cached_by_content_not_identity():
    themes._automaton.cache_clear()
    first = {"学前": {"幼儿园": 2.0, "入园": 2.0}}
    second = {"学前": {"入园": 2.0, "幼儿园": 2.0}}  # same content, other dict
    assign_themes(PRESCHOOL_REPORT, first)
    assign_themes(PRESCHOOL_REPORT, second)
    assert themes._automaton.cache_info().misses == 1
    assign_themes(PRESCHOOL_REPORT, {"学前": {"幼儿园": 3.0, "入园": 2.0}})
    assert themes._automaton.cache_info().misses == 2  # an edited taxonomy is rebuilt


def test_default_taxonomy_is_valid_and_rich_enough():
    assert validate_taxonomy(DEFAULT_TAXONOMY) == DEFAULT_TAXONOMY
    required = {
        "均衡发展",
        "教师队伍",
        "经费投入",
        "办学条件",
        "学前教育",
        "职业教育",
        "素质教育与课程",
        "党建与廉政",
        "督导与考核",
        "校园安全",
        "教育信息化",
        "入学与招生",
    }
    assert required <= set(DEFAULT_TAXONOMY)
    for theme, keywords in DEFAULT_TAXONOMY.items():
        assert 10 <= len(keywords) <= 30, theme
        assert max(keywords.values()) >= themes.ANCHOR_WEIGHT, theme


# --- validation -----------------------------------------------------------------


@pytest.mark.parametrize(
    "bad,named",
    [
        ({"": {"幼儿园": 1.0}}, "''"),
        ({"学前教育": {"幼儿园": -1}}, "幼儿园"),
        ({"学前教育": {"幼儿园": 0}}, "幼儿园"),
        ({"学前教育": {"幼儿园": "high"}}, "幼儿园"),
        ({"学前教育": {"幼儿园": True}}, "幼儿园"),
        ({"学前教育": {"幼儿园": float("nan")}}, "幼儿园"),
        ({"学前教育": {"": 1.0}}, "学前教育"),
        ({"学前教育": {}}, "学前教育"),
        ({"学前教育": ["幼儿园"]}, "学前教育"),
        ({1: {"幼儿园": 1.0}}, "1"),
        (["学前教育"], "mapping"),
        ({}, "no themes"),
    ],
)
def test_validate_taxonomy_names_the_bad_key(bad, named):
    with pytest.raises(ValueError, match=named):
        validate_taxonomy(bad)


def test_validate_taxonomy_normalises():
    assert validate_taxonomy({" 学前 ": {" 幼儿园 ": 2}}) == {"学前": {"幼儿园": 2.0}}


def test_speed_on_a_long_report():
    text = (seed("000") + seed("002"))[:20000]
    assign_themes(text)  # build the automaton
    start = time.perf_counter()
    for _ in range(10):
        assign_themes(text)
    assert (time.perf_counter() - start) / 10 * 1000 < 50  # ~1 ms in practice
