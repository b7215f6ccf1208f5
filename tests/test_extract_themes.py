"""Theme tagging: what a report is mainly about, not every word it mentions."""

from __future__ import annotations

import time
from pathlib import Path

import opencc
import pytest

from searchapp.extract import themes
from searchapp.extract.themes import (
    DEFAULT_TAXONOMY,
    THEME_ABOUT,
    assign_themes,
    matching_text,
    score_themes,
    taxonomy_markdown,
    validate_taxonomy,
)

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
    result = score_themes(seed("004"))
    assert result[0].theme == "均衡发展" and result[0].assigned
    assert result[0].score > 2 * result[1].score  # far ahead of the runner-up


def test_seed_002_speech_leads_with_party_building():
    # A "教育工作暨党风廉政建设工作会议" speech: party conduct is its first subject, and
    # its title says so.
    title = "全市教育工作暨党风廉政建设工作会议讲话稿"
    assert names(assign_themes(seed("002"), title=title))[0] == "党建与廉政"


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
    assert names(assign_themes("\n".join(lines[98:130])))[:2] == ["教师队伍", "均衡发展"]


# --- mainly about vs mentioned ------------------------------------------------


def test_text_mainly_about_preschool_is_tagged_preschool():
    result = assign_themes(PRESCHOOL_REPORT)
    assert result[0][0] == "学前教育"


def test_one_mention_of_kindergarten_is_not_a_theme():
    result = names(assign_themes(TEACHER_REPORT))
    assert result[0] == "教师队伍"
    assert "学前教育" not in result


def test_one_strong_keyword_repeated_is_a_theme():
    # A report that keeps saying 教师队伍 is about the teaching staff, even if it
    # uses no other keyword of the theme.
    assert names(assign_themes("加强教师队伍建设，稳定农村学校。" * 40)) == ["教师队伍"]


def test_one_ordinary_keyword_repeated_often_is_a_theme_but_a_weak_one_is_not():
    # 预算 (weight 1.5) repeated through a budget review is its topic; 经费 (0.5) is
    # said in passing by every report.
    assert names(assign_themes("议会审议明年度预算，校长到场说明。" * 30)) == ["经费与财务"]
    assert assign_themes("工作经费有保障，年度考核。" * 30) == []


def test_one_or_two_mentions_are_not_a_theme():
    text = "本镇学校开展读书活动，" * 60 + "幼儿园小朋友也参加。"
    assert assign_themes(text) == []
    assert names(assign_themes(text + "幼儿园小朋友也参加。" * 2)) == ["学前教育"]


def test_generic_words_alone_are_not_a_theme():
    # 考核/整改/评估 appear in any government text; only anchors such as 教育督导 make
    # the 督导与考核 theme.
    assert assign_themes("年终考核，整改落实，评估验收，问责追责。" * 50) == []


def test_documents_not_about_education_get_no_builtin_theme():
    # A property-management regulation says 维修 and 收费 throughout; it is not a
    # report on school buildings or fees. A taxonomy of one's own has no such gate.
    law = "业主大会决定共用部位的维修和更新改造，物业服务收费应当公示，维修资金专户存储。" * 20
    assert assign_themes(law) == []
    own = {"物业": {"维修": 2.0, "收费": 2.0}}
    assert names(assign_themes(law, own)) == ["物业"]
    school = law + "全县中小学校舍维修由教育局统筹，学校收费接受学生家长监督。" * 20
    assert "办学条件" in names(assign_themes(school))


def test_unrelated_text_has_no_theme():
    assert assign_themes("今天天气晴朗，市民纷纷外出踏青。" * 100) == []


def test_short_texts_are_scored_as_1500_characters():
    # Scores are weight per 1,000 characters; a snippet counts as 1,500 characters
    # so three keywords in one line do not score like a whole report on the subject.
    taxonomy = {"学前": {"学前教育": 3.0, "幼儿园": 2.0, "入园": 1.5}}
    assert assign_themes("学前教育、幼儿园、入园", taxonomy, min_score=0) == [("学前", round(6.5 / 1.5, 3))]


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


def test_a_keyword_nested_in_a_longer_one_of_its_theme_counts_once():
    # "教育督导" must not also count as "督导": the longest match wins.
    taxonomy = {"督导": {"教育督导": 2.0, "督导": 2.0, "督学": 2.0}}
    text = "教育督导，督学，督学。" + "。" * 1989
    assert assign_themes(text, taxonomy, min_score=0) == [("督导", round(6.0 / 2.0, 3))]


def test_overlapping_keywords_both_count():
    # In 优质均衡发展 the match 优质均衡 must not swallow 均衡发展.
    taxonomy = {"均衡": {"优质均衡": 2.0, "均衡发展": 2.0}}
    (evidence,) = score_themes("推进义务教育优质均衡发展。" * 3, taxonomy)
    assert evidence.keywords == {"优质均衡": 3, "均衡发展": 3}


def test_short_keywords_match_whole_words_only():
    # 保教 is a preschool word, but 确保教育 is 确保 + 教育; 集中考试 is not 中考.
    taxonomy = {"学前": {"保教": 2.0}, "质量": {"中考": 2.0}}
    assert score_themes("确保教育经费投入，集中考试时间。" * 5, taxonomy) == []
    found = {e.theme: e.keywords for e in score_themes("提高保教质量，中考成绩优异。" * 3, taxonomy)}
    assert found == {"学前": {"保教": 3}, "质量": {"中考": 3}}


def test_pinyin_glosses_do_not_break_keywords():
    glossed = "大力发(fā)展学(xué)前教育，新建幼儿园(yuán)，扩大普惠性资(zī)源。" * 3
    assert names(assign_themes(glossed)) == ["学前教育"]
    assert "学前教育" in matching_text(glossed)


def test_site_names_are_not_evidence():
    # A page of a site called 德育素材网 is not about moral education.
    page = "校园欺凌专项治理自查报告_德育素材网\n" + "学校开展防范学生欺凌排查，制定欺凌处置预案。" * 3
    assert names(assign_themes(page)) == ["校园安全"]
    assert "德育" not in matching_text("下载自德育素材网")
    assert matching_text("推进互联网+教育") == "推进互联网+教育"


def test_honour_lists_are_not_evidence():
    roll = "优秀教师名单：\n" + "、".join(f"第{n}幼儿园王老师" for n in range(12)) + "\n"
    report = "庆祝教师节大会隆重召开，表彰了一批先进个人。\n" * 5
    assert "学前教育" not in names(assign_themes(report + roll))
    assert "学前教育" in names(assign_themes(report + roll.replace("、", "举办开放日。")))


def test_prose_lines_are_not_taken_for_lists():
    # A line cut off before its full stop is still a run of clauses, not an honour roll.
    line = "全县新建幼儿园五所,改扩建幼儿园八所,公办园覆盖所有乡镇,普惠性幼儿园占比提高,入园难得到缓解"
    assert matching_text(line) == line
    assert matching_text("首页>政务公开>教育动态>学前教育>正文") == ""


def test_the_title_weighs_more_than_the_body():
    body = "全镇中小学召开会议，部署春季开学工作，做好辍学学生劝返。" + "会议强调学校要压实责任，教师要关心学生。" * 40
    plain = dict(assign_themes(body))
    titled = dict(assign_themes(body, title="某镇控辍保学工作汇报"))
    assert "控辍保学" not in plain
    assert "控辍保学" in titled


def test_score_themes_shows_the_evidence_of_every_candidate():
    result = score_themes(PRESCHOOL_REPORT, title="关于全县学前教育发展情况的汇报")
    top = result[0]
    assert top.theme == "学前教育" and top.assigned
    assert top.keywords["幼儿园"] >= 3 and top.title_keywords == ["学前教育"]
    assert [e.theme for e in result if e.assigned] == names(assign_themes(PRESCHOOL_REPORT, title="关于全县学前教育发展情况的汇报"))


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


def test_default_taxonomy_is_valid_and_covers_what_districts_report_on():
    assert validate_taxonomy(DEFAULT_TAXONOMY) == DEFAULT_TAXONOMY
    required = {
        "均衡发展", "教师队伍", "经费与财务", "办学条件", "学前教育", "职业与成人教育", "党建与廉政",
        "督导与考核", "校园安全", "教育信息化", "入学与招生", "民办教育", "特殊教育",
        # issue 15: topics whole district reports are written on
        "控辍保学", "教育质量与教学", "学生资助与教育扶贫", "双减与课后服务", "德育与思政", "体育卫生艺术",
    }
    assert required <= set(DEFAULT_TAXONOMY)
    assert 15 <= len(DEFAULT_TAXONOMY) <= 20  # short enough to scan in a sidebar
    for theme, keywords in DEFAULT_TAXONOMY.items():
        assert 8 <= len(keywords) <= 40, theme
        assert max(keywords.values()) >= themes.ANCHOR_WEIGHT, theme
        assert THEME_ABOUT[theme], theme


def test_vocabulary_that_reports_use_is_in_the_taxonomy():
    for theme, words in {
        "办学条件": ["办园条件", "扩建工程"],
        "经费与财务": ["财务", "审计"],
        "民办教育": ["私立学校", "民办义务教育"],
        "学生资助与教育扶贫": ["营养改善计划", "学生资助"],
        "教育质量与教学": ["中考", "高考", "学业质量"],
        "职业与成人教育": ["成人教育", "扫盲"],
    }.items():
        assert set(words) <= set(DEFAULT_TAXONOMY[theme]), theme


def test_docs_list_every_theme_with_its_keywords():
    docs = (Path(__file__).resolve().parents[1] / "docs" / "config.md").read_text(encoding="utf-8")
    section = docs.split("<!-- themes:begin -->")[1].split("<!-- themes:end -->")[0].strip()
    assert section == taxonomy_markdown(), "docs/config.md is out of date: paste `searchapp config --markdown`"


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
