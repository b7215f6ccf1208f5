"""Year extraction: which year a report belongs to, and which years are traps."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import opencc
import pytest

from searchapp.extract.title import extract_title
from searchapp.extract.year import YearGuess, extract_year

SEEDS = Path(__file__).parent / "fixtures" / "seeds"
_T2S = opencc.OpenCC("t2s")


def seed(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def year_of(text: str, title: str | None = None) -> int | None:
    return extract_year(extract_title(text) if title is None else title, text).year


# --- the seed reports ---------------------------------------------------------


def test_seed_000_self_review_of_2007_and_2008_is_2008():
    # Title "…——2007年、2008年广州市荔湾区党政领导干部基础教育工作责任考核自查报告":
    # the review covers two years, the latest is the report's. The signature says
    # 2009年4月24日 (it was written the spring after), but the title outranks it.
    text = seed("000")
    guess = extract_year(extract_title(text), text)
    assert guess.year == 2008
    assert guess.evidence[0].startswith("title:")


def test_seed_001_blanked_years_and_site_date_give_unknown():
    # The report's own years were blanked ("我自年6月開始", "粵辦發〔〕9號"); the only
    # full year left is the site's "時間:2022-12-02 08:27:00", the re-publication
    # date, and a 《…(-2020)》 citation. Unknown is the right answer.
    text = _T2S.convert(seed("001"))
    assert extract_year(_T2S.convert(extract_title(seed("001"))), text).year is None


def test_seed_002_damaged_digits_are_repaired_and_the_speech_is_dated_2016():
    # Every "1" was lost: "回顾总结205年工作…部署206年工作任务", "205-2020年". The body
    # has 40+ digits and not one "1", so "205年" is read as 2015 (the only year that
    # re-inserting one "1" allows). The speech reviews 2015 and deploys 2016 tasks,
    # so it was given in 2016 (the site's 更新时间:2016-03-09 agrees): like the
    # State Council reports, a review-plus-plan report is dated by its plan year.
    text = seed("002")
    guess = extract_year(extract_title(text), text)
    assert guess.year == 2016
    assert "2016年工作任务" in guess.evidence[0]
    assert any("repaired digits" in e for e in guess.evidence)


def test_seed_003_anonymised_years_and_related_links_give_unknown():
    # Numbers are starred out ("*名新教师"); the 2022 dates all belong to the
    # site's related-article list after "试读结束", not to this report.
    assert year_of(seed("003")) is None


def test_seed_004_opening_date_line():
    # Document-viewer chrome ("上传时间:2023-02-28", "copyright@ 2008-2022") around a
    # report whose own date line under the author is "(2010.10)".
    guess = extract_year(extract_title(seed("004")), seed("004"))
    assert guess.year == 2010
    assert "(2010.10)" in guess.evidence[0]


def test_seed_000_subtitle_years_count_when_the_title_is_only_the_slogan():
    # The article alone, with only its main title: the "——2007年、2008年…" subtitle
    # line is part of the title and outranks the signature "2009年4月24日".
    text = "\n".join(seed("000").splitlines()[1:47])
    guess = extract_year("切实履行政府职责 促进教育优质均衡", text)
    assert guess.year == 2008
    assert guess.evidence[0].startswith("subtitle: ——2007年、2008年")


def test_seed_000_articles_split_apart():
    lines = seed("000").splitlines()
    # Article 3: "县级政府2014年履行教育职责工作汇报", a report on 2014's work.
    assert year_of("\n".join(lines[66:98])) == 2014


# --- formats ------------------------------------------------------------------


def test_chinese_numeral_signature_date():
    text = "关于学校安全工作的汇报\n各位领导：\n今年以来，我校认真落实安全责任。\n\nXX县第一中学\n二〇一〇年十月\n"
    guess = extract_year("关于学校安全工作的汇报", text)
    assert guess.year == 2010
    assert guess.evidence[0].startswith("signature")


def test_mixed_numeral_signature_date():
    text = "教育局工作总结\n今年以来，全局上下团结一致。\n县教育局\n二00八年十二月二十日\n"
    assert extract_year("教育局工作总结", text).year == 2008


def test_letter_o_numerals_and_circle_zero():
    assert extract_year("", "XX镇中心校\n二OO九年六月\n").year == 2009
    assert extract_year("", "报告正文。\n一九六○年三月\n").year == 1960


def test_dotted_date_in_opening_lines():
    text = "关于义务教育均衡发展的情况汇报\n南长区教育局\n(2010.10)\n各位领导:\n今天，区人大常委会听取汇报。\n"
    assert extract_year("关于义务教育均衡发展的情况汇报", text).year == 2010


def test_iso_date_in_signature():
    text = "学习心得体会\n通过这次学习，我深刻认识到了师德的重要性。\n王老师\n2016-03-09\n"
    assert extract_year("学习心得体会", text).year == 2016


def test_full_date_in_signature_with_organisation():
    text = "教育工作会议讲话\n同志们：\n我讲三点意见。\nXX市教育局 2016年3月9日\n"
    assert extract_year("教育工作会议讲话", text).year == 2016


def test_title_year_list_takes_latest():
    assert extract_year("2007年、2008年基础教育工作自查报告", "正文").year == 2008


def test_compact_date_in_title():
    assert extract_year("《新闻联播》 (20220924)", "# 《新闻联播》 (20220924)\n本期节目主要内容：").year == 2022


def test_planning_range_in_title_is_not_the_year():
    # "(2005-2020年)" is the period a plan covers; the title gives no year, the
    # signature does.
    text = "XX市教育布局规划(2005-2020年)\n一、规划背景\n略。\nXX市人民政府\n2005年6月\n"
    guess = extract_year("XX市教育布局规划(2005-2020年)", text)
    assert guess.year == 2005
    assert guess.evidence[0].startswith("signature")


def test_planning_range_in_body_is_ignored():
    text = "会议纪要\n会议研究了2016-2020年教育发展规划，要求到2020年基本实现教育现代化。\n"
    assert extract_year("会议纪要", text).year is None


def test_five_year_plan_period_anchors_this_year():
    text = "在全县教育工作会议上的讲话\n同志们：\n今年是“十二五”规划的收官之年，也是谋划“十三五”的关键之年。\n"
    guess = extract_year("在全县教育工作会议上的讲话", text)
    assert guess.year == 2015
    assert "十二五" in guess.evidence[0]


def test_minguo_date():
    text = "教育部辦法\n沿革\n中華民國一百零八年六月十一日教育部令修正發布\n第一條 本辦法依法訂定。\n"
    assert extract_year("", text).year == 2019


def test_spaced_digits_from_pdf_extraction():
    text = "各位代表：\n一、1 9 9 6 年国内工作的回顾\n今年要保持经济持续、快速、健康发展。\n"
    assert extract_year("", text).year == 1997


# --- evidence by place --------------------------------------------------------


def test_review_then_plan_is_dated_by_the_plan_year():
    text = (
        "各位代表：\n现在，我代表国务院，向大会报告政府工作。\n"
        "一、2014年工作回顾\n过去一年，我国发展面临多重困难和严峻挑战。\n"
        "二、2015年工作总体部署\n今年是全面深化改革的关键之年。\n"
    )
    assert extract_year("", text).year == 2015


def test_just_past_year_means_the_year_after():
    text = "各位代表：\n刚刚过去的2017年，经济社会发展主要目标任务全面完成。\n下面，我就今年工作提出建议。\n"
    assert extract_year("", text).year == 2018


def test_review_without_plan_is_the_reviewed_year():
    # A year-end summary: it reviews 2014 and plans "明年", so it is about 2014.
    text = "教育局工作总结\n现将2014年教育工作总结如下。\n明年，我们将继续努力。\n"
    assert extract_year("教育局工作总结", text).year == 2014


def test_review_with_plans_for_this_year_is_the_next_year():
    # A start-of-year report: reviews 1996 and says what "今年要" do.
    text = "各位代表：\n一、1996年国内工作的回顾\n略。\n二、今年的主要任务\n今年要保持国民经济持续健康发展。\n"
    assert extract_year("", text).year == 1997


def test_title_outranks_signature():
    text = "2015年工作总结\n一年来，我们做了大量工作。\nXX学校\n2016年1月5日\n"
    assert extract_year("2015年工作总结", text).year == 2015


def test_signature_outranks_body():
    text = (
        "工作汇报\n各位领导：\n2014年，我县新建校舍三万平方米。\n现将2013年工作回顾如下。\nX县教育局\n2015年5月16日\n"
    )
    assert extract_year("工作汇报", text).year == 2015


def test_first_sentence_title_fallback_is_not_trusted_as_a_title():
    # Without a title line, extract_title returns the first sentence; its year is a
    # body statement ("本届政府从1998年3月就职") and must not be read as the title's.
    text = "各位代表：\n本届政府1998年3月就职，任期即将结束。\n"
    title = extract_title(text)
    assert title.startswith("本届政府")
    assert extract_year(title, text).year is None


# --- traps ------------------------------------------------------------------


def test_document_number_years_are_ignored():
    text = (
        "关于做好教育督导工作的通知\n"
        "根据《国务院关于加强教育督导的意见》(国发〔2008〕9号)和粤办发[2009]12号文件精神，现通知如下。\n"
    )
    assert extract_year("关于做好教育督导工作的通知", text).year is None


def test_announcement_number_is_ignored():
    text = "公告\n根据2019年第3号公告，现将有关事项说明如下。\n"
    assert extract_year("公告", text).year is None


def test_years_in_cited_titles_are_ignored():
    text = (
        "关于推进教育现代化的意见\n为贯彻《国家中长期教育改革和发展规划纲要(2010-2020年)》"
        "和《中华人民共和国义务教育法》(2006年修订)，提出如下意见。\n"
    )
    assert extract_year("关于推进教育现代化的意见", text).year is None


def test_historical_years_are_not_the_report_year():
    text = "学校简介\n我校始建于1952年，1978年以来先后培养了数万名学生。\n"
    assert extract_year("学校简介", text).year is None


def test_website_dates_are_ignored():
    text = "干部述职报告\n发布时间：2022-12-02 08:27:00\n来源：网友上传\n尊敬的各位领导：\n我自年6月开始担任副市长。\n"
    assert extract_year("干部述职报告", text).year is None


def test_related_links_after_the_article_are_ignored():
    body = "区政府关于履行教育职责的汇报\n" + "我区认真履行教育职责，各项工作取得明显成效。\n" * 20
    tail = "上一篇 2022年10月22日\n相关推荐\n市水利局2022年上半年工作汇报材料\n2022年10月22日\n"
    assert extract_year("区政府关于履行教育职责的汇报", body + tail).year is None


def test_future_target_years_are_not_the_report_year():
    text = "教育发展思路\n力争到2020年，全市基本实现教育现代化，2025年前建成教育强市。\n"
    assert extract_year("教育发展思路", text).year is None


def test_years_after_this_year_are_implausible():
    future = dt.date.today().year + 5
    assert extract_year(f"{future}年工作计划", "正文").year is None


def test_digit_repair_needs_the_one_to_be_missing_everywhere():
    # "205年" in a text that does contain "1" is a number, not a damaged year.
    text = "学校简介\n公元205年的遗址位于校园内，现有学生1200人，教师85人，占地35亩，建筑面积24000平方米。\n"
    guess = extract_year("学校简介", text)
    assert guess.year is None
    assert not any("repaired" in e for e in guess.evidence)


# --- API --------------------------------------------------------------------


def test_to_dict_is_json_ready():
    guess = extract_year("2015年工作总结", "正文")
    assert guess.to_dict() == {"year": 2015, "evidence": ["title: 2015年 → 2015"]}
    assert isinstance(YearGuess(None).to_dict()["evidence"], list)


def test_unknown_year_explains_itself():
    guess = extract_year("工作汇报", "各位领导：\n我们做了很多工作。\n")
    assert guess.year is None
    assert guess.evidence


@pytest.mark.parametrize("title,text", [("", ""), ("", "\n\n"), ("标题", "年年年")])
def test_empty_and_odd_input(title, text):
    assert extract_year(title, text).year is None


def test_speed_on_a_long_report():
    text = (seed("000") + seed("002")) * 1
    text = text[:20000]
    start = time.perf_counter()
    for _ in range(10):
        extract_year("标题", text)
    per_call_ms = (time.perf_counter() - start) / 10 * 1000
    assert per_call_ms < 50  # a few ms in practice; this bound only catches blow-ups


# --- issue 11: evidence from real scraped pages ------------------------------------


def test_teachers_day_ordinal_dates_a_speech():
    text = "在庆祝第三十四个教师节大会上的讲话\n同志们:\n今天我们隆重集会,庆祝第34个教师节,表彰先进。\n"
    guess = extract_year("在庆祝教师节大会上的讲话", text)
    assert guess.year == 2018
    assert guess.evidence[0].startswith("ordinal")


def test_roc_years_on_a_taiwanese_page():
    text = "本校104學年度第1學期校務會議紀錄\n會議於104年12月2日召開,國小各處室報告。\n"
    assert extract_year("校務會議紀錄", text).year == 2015


def test_seo_year_on_the_title_of_a_text_that_masks_its_years_is_ignored():
    text = "2023年度某某园区信息化工作总结\nXX年是信息化建设年。我们完成了平台建设,培训教师300人次。\n"
    assert extract_year("2023年度某某园区信息化工作总结", text).year is None


def test_news_publication_stamp_is_the_weakest_evidence():
    text = "县里召开教育工作推进会\n近日,县教育局召开推进会,部署下一阶段工作。\n"
    assert extract_year("县里召开教育工作推进会", text, stamps=["2019-05-06 10:30"]).year == 2019
    # A report's page date is only when it was posted.
    assert extract_year("教育工作总结", text, stamps=["2019-05-06 10:30"]).year is None
    # The text's own years come first.
    dated = "县里召开教育工作推进会\n2018年5月6日,县教育局召开推进会。\n"
    assert extract_year("县里召开教育工作推进会", dated, stamps=["2019-05-06 10:30"]).year == 2018


def test_a_year_that_opens_a_sentence_dates_the_text():
    text = "学区工作进展情况\n2025年,在镇党委领导下,我们抓好控辍保学工作。\n一、基本情况\n"
    assert extract_year("学区工作进展情况", text).year == 2025
