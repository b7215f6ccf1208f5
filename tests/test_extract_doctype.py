"""Document type detection: from the title's last type word, else the opening lines."""

from __future__ import annotations

from pathlib import Path

import opencc
import pytest

from searchapp.extract.doctype import DOC_TYPES, detect_type
from searchapp.extract.title import extract_title

SEEDS = Path(__file__).parent / "fixtures" / "seeds"
_T2S = opencc.OpenCC("t2s")


def seed(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def type_of(text: str) -> str | None:
    return detect_type(extract_title(text), text)


# --- the seed reports ---------------------------------------------------------


def test_seed_000_self_review():
    # The joined title ends with "…基础教育工作责任考核自查报告".
    assert type_of(seed("000")) == "自查报告"


def test_seed_000_subtitle_gives_the_type_when_the_title_is_only_the_slogan():
    # The splitter may hand over the compiler's "切实履行政府职责促进教育优质均衡" as the
    # title; the article's subtitle "…基础教育工作责任考核自查报告" still says what it is,
    # ahead of the body's "现将近两年的工作汇报如下".
    text = "\n".join(seed("000").splitlines()[1:47])
    assert detect_type("切实履行政府职责促进教育优质均衡", text) == "自查报告"


def test_seed_001_duty_report():
    # "干部履行工作職責個人述職報告", converted to Simplified like the pipeline does.
    text = _T2S.convert(seed("001"))
    assert detect_type(extract_title(text), text) == "述职报告"


def test_seed_001_traditional_title_as_extracted():
    # The title extractor keeps the script; the type is still recognised.
    assert detect_type(extract_title(seed("001")), "") == "述职报告"


def test_seed_002_speech():
    assert type_of(seed("002")) == "讲话"  # "…工作会议讲话稿"


def test_seed_003_and_004_reports_to_superiors():
    assert type_of(seed("003")) == "汇报"  # "区政府关于履行教育职责的汇报"
    assert type_of(seed("004")) == "汇报"  # "…情况汇报"


def test_seed_000_essay_article_has_no_type():
    # Article 4, "浅论统筹优质教育资源 促进教育均衡发展", is an essay: no type word, no
    # salutation. Saying nothing beats guessing.
    lines = seed("000").splitlines()
    assert type_of("\n".join(lines[98:130])) is None


# --- titles -------------------------------------------------------------------


@pytest.mark.parametrize(
    "title,expected",
    [
        ("在全县教育工作会议上的讲话", "讲话"),
        ("校长在开学典礼上的致辞", "讲话"),
        ("XX同志述职述廉报告", "述职报告"),
        ("XX镇中心小学安全工作自查报告", "自查报告"),
        ("县级政府2014年履行教育职责工作汇报", "汇报"),
        ("XX中学2015年度工作总结", "工作总结"),
        ("2015年工作总结和2016年工作计划", "工作总结"),
        ("XX区教育局2016年工作要点", "工作计划"),
        ("XX县职业教育发展规划(2016-2020年)", "规划"),
        ("XX县推进义务教育均衡发展实施方案", "方案"),
        ("关于印发《XX区教育局2016年工作要点》的通知", "通知"),
        ("关于全面深化新时代教师队伍建设改革的意见", "意见"),
        ("北京市人民代表大会常务委员会关于修改部分地方性法规的决定", "决定"),
        ("关于义务教育均衡发展情况的调研报告", "报告"),
        ("上海市学校卫生管理办法(试行)", "法规"),
        ("中华人民共和国教育法", "法规"),
        ("《新闻联播》 (20220924)", "新闻"),
        ("学习《政府工作报告》心得体会", "心得体会"),
    ],
)
def test_type_from_title(title, expected):
    assert detect_type(title, "") == expected


def test_quoted_titles_do_not_decide_the_type():
    # The document is a 通知 that forwards a 方案.
    assert detect_type("关于印发《学校安全工作实施方案》的通知", "") == "通知"


def test_words_that_only_look_like_types():
    assert detect_type("浅谈农村教育的方法", "") is None


# --- opening lines ------------------------------------------------------------


def test_comrades_salutation_means_speech():
    assert detect_type("凝心聚力 砥砺前行", "凝心聚力 砥砺前行\n同志们：\n今天我们召开全县教育工作会议。\n") == "讲话"


def test_leaders_salutation_with_self_review():
    text = "各位领导：\n根据市督导室安排，我校对照评估细则认真开展了自查，现将自查情况报告如下。\n"
    assert detect_type("", text) == "自查报告"


def test_leaders_salutation_with_duty_report():
    text = "尊敬的各位领导、同志们：\n根据安排，现将本人一年来履行职责情况述职如下。\n"
    assert detect_type("", text) == "述职报告"


def test_leaders_salutation_alone_means_report_to_superiors():
    assert detect_type("", "各位领导：\n欢迎各位领导莅临我校检查指导工作。\n") == "汇报"


def test_opening_refines_a_generic_report_title():
    text = "关于义务教育发展的报告\n市政府教育督导室：\n我区认真开展了自查，现将自查情况报告如下。\n"
    assert detect_type("关于义务教育发展的报告", text) == "自查报告"


def test_regulation_articles():
    text = "第一条 为了规范学校管理，根据有关法律，制定本办法。\n第二条 本办法适用于本市中小学。\n"
    assert detect_type("", text) == "法规"


def test_first_sentence_title_is_not_trusted():
    # No title line: the "title" is the first sentence, and its "报告" is a verb.
    text = "各位代表：\n现在，我代表国务院，向大会报告政府工作，请予审议。\n"
    title = extract_title(text)
    assert detect_type(title, text) == "报告"  # from "各位代表" and "向大会报告", not the title


def test_unsure_is_none():
    assert detect_type("", "") is None
    assert detect_type("一些想法", "今天天气很好。\n") is None


def test_every_result_is_a_declared_type():
    titles = ["讲话", "汇报", "述职", "自查", "总结", "计划", "规划", "方案"]
    titles += ["通知", "意见", "决定", "报告", "条例", "新闻", "心得"]
    for title in titles:
        assert detect_type(title, "") in DOC_TYPES
