"""Compilation splitting: 第一篇…第五篇 pages become five articles; normal reports stay whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from searchapp.clean import clean_text
from searchapp.split import Article, split_articles

SEEDS = Path(__file__).parent / "fixtures" / "seeds"


def seed(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def assert_slices(text: str, articles: list[Article]) -> None:
    """Each article is the exact slice of the page at its offset, back to back."""
    for a, b in zip(articles, articles[1:]):
        assert a.start + len(a.text) == b.start
    for a in articles:
        assert text[a.start : a.start + len(a.text)] == a.text
    assert articles[-1].start + len(articles[-1].text) == len(text)


def test_seed_000_splits_into_five_titled_articles() -> None:
    text = seed("000")
    articles = split_articles(text)
    assert [a.title_hint for a in articles] == [
        "切实履行政府职责促进教育优质均衡",  # "(精)" tag dropped
        "如何履行政府职责",
        "2015年县级政府履行教育职责情况汇报",
        "浅论统筹优质教育资源促进教育均衡发展",
        "政府职责履行工作报告",
    ]
    assert_slices(text, articles)
    assert articles[0].start == 0
    assert articles[1].text.startswith("第二篇:如何履行政府职责\n履行政府职责 促进社会和谐\n")
    assert "2009年4月24日" in articles[0].text and "2009年4月24日" not in articles[1].text
    assert articles[4].text.rstrip().endswith("镇政府工作报告")


def test_seed_000_articles_clean_with_their_title_hint() -> None:
    first = split_articles(seed("000"))[0]
    cleaned = clean_text(first.text, title_hint=first.title_hint).text
    assert cleaned.startswith("切实履行政府职责 促进教育优质均衡\n——2007年、2008年广州市荔湾区")


@pytest.mark.parametrize("prefix", ["001", "002", "003", "004"])
def test_normal_reports_are_one_article(prefix: str) -> None:
    text = seed(prefix)
    assert split_articles(text) == [Article(title_hint=None, text=text, start=0)]


def test_bracketed_pian_yi_compilation_with_chrome_preamble() -> None:
    page = (
        "教师述职报告范文3篇\n"
        "以下是小编整理的教师述职报告,供大家参考。\n"
        "【篇一】\n班主任述职报告\n本学期我担任班主任工作。\n"
        "【篇二】教研组长述职报告\n本学期我负责教研组工作。\n"
        "【篇三】\n年级组长述职报告\n本学期我负责年级工作。\n"
    )
    articles = split_articles(page)
    assert [a.title_hint for a in articles] == [None, "教研组长述职报告", None]
    assert articles[0].start == page.index("【篇一】")  # the title + collector intro are dropped
    assert articles[0].text.startswith("【篇一】\n班主任述职报告")
    assert articles[2].text.endswith("本学期我负责年级工作。\n")


def test_pian_yi_and_fanwen_and_arabic_forms() -> None:
    for first, second in (("篇一:甲报告", "篇二:乙报告"), ("范文一 甲报告", "范文二 乙报告"),
                          ("第1篇 甲报告", "第2篇 乙报告"), ("範文一:甲報告", "範文二:乙報告")):
        page = f"{first}\n甲的正文。\n{second}\n乙的正文。\n"
        articles = split_articles(page)
        assert len(articles) == 2, first
        assert articles[1].text == f"{second}\n乙的正文。\n"
        assert articles[0].title_hint in ("甲报告", "甲報告")


def test_traditional_compilation() -> None:
    page = "第一篇:學校工作報告\n本學期工作順利。\n第二篇:教師述職報告\n本人認真履職。\n第三篇:校長講話稿\n同志們:\n"
    articles = split_articles(page)
    assert [a.title_hint for a in articles] == ["學校工作報告", "教師述職報告", "校長講話稿"]


def test_preamble_with_prose_stays_with_first_article() -> None:
    page = "本文汇编了我县近年来的三篇重要讲话,反映了全县教育事业发展的历程和成就,供学习参考。\n第一篇:甲\n正文。\n第二篇:乙\n正文。\n"
    articles = split_articles(page)
    assert len(articles) == 2 and articles[0].start == 0


def test_chapters_numbered_headings_and_single_mention_do_not_split() -> None:
    report = (
        "某某县教育发展规划\n第一章 总体要求\n一、指导思想\n二、基本原则\n第二章 主要任务\n"
        "第一篇:这是唯一的一处提及\n第一篇章已经写就,我们要续写新篇章。\n篇一律按照规定执行。\n"
    )
    assert len(split_articles(report)) == 1


def test_headers_must_count_up_from_one() -> None:
    out_of_order = "第二篇:乙\n正文。\n第三篇:丙\n正文。\n"
    assert len(split_articles(out_of_order)) == 1
    with_gap = "第一篇:甲\n正文。\n第三篇:丙\n正文。\n"
    assert len(split_articles(with_gap)) == 1
    stray = "第一篇:甲\n正文。\n第五篇论文提到第一篇:不是标题的长句子在这里继续写下去直到很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长\n第二篇:乙\n正文。\n"
    articles = split_articles(stray)
    assert [a.title_hint for a in articles] == ["甲", "乙"]


def test_empty_text() -> None:
    assert split_articles("") == [Article(title_hint=None, text="", start=0)]
