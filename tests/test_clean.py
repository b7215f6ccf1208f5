"""Chrome cleaning: the seeds' site furniture goes, report text never does."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from searchapp.clean import (
    DEFAULT_BOILERPLATE_PATTERNS,
    CleanResult,
    CompiledPatterns,
    clean_text,
    compile_patterns,
)

SEEDS = Path(__file__).parent / "fixtures" / "seeds"


def seed(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def kept_lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip()]


def assert_only_removed(original: str, result: CleanResult) -> None:
    """Kept lines are unchanged and in order; removed + kept = all non-blank lines."""
    kept = kept_lines(result.text)
    it = iter(kept_lines(original))
    assert all(line in it for line in kept), "kept lines must be a subsequence of the input"
    assert len(kept) + result.removed_lines == len(kept_lines(original))
    assert result.removed_lines == len(result.removed)


# --------------------------------------------------------------------------- seeds


def test_seed_004_docx_viewer_chrome_is_gone_and_report_intact() -> None:
    original = seed("004")
    result = clean_text(original)
    assert_only_removed(original, result)
    text = result.text
    for chrome in ("上传人", "文档编号", "下载 相关 举报", ".docx_第1页", "第1页 / 共7页", "点击查看更多",
                   "下载资源", "资源描述", "由会员分享", "冰豆网", "展开阅读全文", "猜你喜欢", "相关搜索",
                   "当前位置", "ICP备", "copyright"):
        assert chrome not in text, chrome
    assert text.count("关于我区义务教育高位均衡发展工作的情况汇报") == 1  # five copies -> one
    assert ".docx" not in text
    assert text.startswith("关于我区义务教育高位均衡发展工作的情况汇报\n\n南长区教育局\n\n(2010.10)\n\n各位领导:\n")
    # every line of the report survives, the last one included
    body = original[original.index("南长区教育局") : original.index("展开阅读全文")]
    assert body.strip() in text
    assert text.rstrip().endswith("助推南长经济社会的和谐发展。")


def test_seed_002_spaced_site_credit_and_footer_removed() -> None:
    original = seed("002")
    result = clean_text(original)
    assert_only_removed(original, result)
    assert "本 文由第 一公文 网 收集整 理来源" in result.removed
    assert "收集整 理" not in result.text
    for chrome in ("浏览次数", "上一篇", "下一篇", "网友评论", "评论功能已关闭"):
        assert chrome not in result.text
    assert result.text.count("全市教育工作暨党风廉政建设工作会议讲话稿") == 1
    assert result.text.rstrip().endswith("谢谢大家!")
    assert "同志们:" in result.text


def test_seed_001_traditional_header_and_navigation_removed() -> None:
    original = seed("001")
    result = clean_text(original)
    assert_only_removed(original, result)
    assert result.removed == [
        "時間:2022-12-02 08:27:00",
        "導語:干部履行工作職責個人述職報告一文來源于網友上傳,不代表本站觀點,若需要原創文章可咨詢客服老師,歡迎參考。",
        "- 上一篇:語文老師期末具體工作小結",
        "- 下一篇:觀看廣州亞運會心得體會",
    ]
    assert result.text.startswith("干部履行工作職責個人述職報告\n尊敬的各位領導,各位專家:\n")


def test_seed_003_paywall_and_related_list_trimmed() -> None:
    original = seed("003")
    result = clean_text(original)
    assert_only_removed(original, result)
    text = result.text
    assert text.count("区政府关于履行教育职责的汇报") == 1
    assert text.rstrip().endswith("在“一师一优课、一课一")  # the page's own truncation
    for chrome in ("试读结束", "微信", "相关推荐", "2022年10月27日", "扫码", "返回顶部", "如若转载"):
        assert chrome not in text
    assert "四是加强名师培养" in text and "一是建立领导决策机制" in text


def test_seed_000_compilation_keeps_all_articles() -> None:
    original = seed("000")
    result = clean_text(original)
    assert_only_removed(original, result)
    for header in ("第二篇:如何履行政府职责", "第三篇:2015年县级政府履行教育职责情况汇报", "第五篇:政府职责履行工作报告"):
        assert header in result.text
    assert "相关政府工作报告资源,请阅读" not in result.text
    assert "以下提供一篇工作报告给大家参考!" in result.removed
    assert "汇\n报\n" in result.text  # one-character lines of a broken title stay


# --------------------------------------------------------------------------- inline pages

SCRAPED_PAGE = """\
首页 > 工作总结 > 述职报告
2023年度教育局局长述职报告
2023年度教育局局长述职报告
发布时间:2024-01-05 10:12  浏览次数:1203
各位领导、同志们:
一年来,在市委、市政府的正确领导下,我认真履行职责,全面完成了各项工作任务。现将履职情况报告如下。
一、加强学习,提高政治素质
我坚持把学习放在首位,认真学习党的二十大精神,不断提高政治站位。
二、下载中心建设
全年建成教育资源下载中心1个,师生下载优质课件12万次。
今年的下载量比去年增长30%。
时间:2023年3月15日,地点:市教育局三楼会议室。
版权所有人的合法权益受法律保护,我们开展了版权宣传周活动。
以上报告,请审议。
上一篇:2022年度述职报告
下一篇:教育局工作计划
相关推荐
• 教育局长述职报告范文
• 2023年个人述职报告
Copyright © 2015-2024 某某范文网 All Rights Reserved
京ICP备12345678号-1
"""


def test_scraped_page_chrome_removed_and_prose_with_keywords_kept() -> None:
    result = clean_text(SCRAPED_PAGE)
    assert_only_removed(SCRAPED_PAGE, result)
    assert result.text == (
        "2023年度教育局局长述职报告\n"
        "各位领导、同志们:\n"
        "一年来,在市委、市政府的正确领导下,我认真履行职责,全面完成了各项工作任务。现将履职情况报告如下。\n"
        "一、加强学习,提高政治素质\n"
        "我坚持把学习放在首位,认真学习党的二十大精神,不断提高政治站位。\n"
        "二、下载中心建设\n"
        "全年建成教育资源下载中心1个,师生下载优质课件12万次。\n"
        "今年的下载量比去年增长30%。\n"
        "时间:2023年3月15日,地点:市教育局三楼会议室。\n"
        "版权所有人的合法权益受法律保护,我们开展了版权宣传周活动。\n"
        "以上报告,请审议。\n"
    )
    assert result.removed_lines == 10


def test_traditional_page_chrome_removed() -> None:
    page = (
        "當前位置:首頁 > 範文 > 工作報告\n"
        "學校年度工作報告\n"
        "發布時間:2021-07-01 09:00:00\n"
        "本學期,我校堅持立德樹人,全面推進素質教育,各項工作取得新進展。\n"
        "展開閱讀全文\n"
        "相關推薦\n"
        "• 學校工作總結\n"
        "• 教師述職報告\n"
        "掃碼關注\n"
        "版權所有:某某網\n"
    )
    result = clean_text(page)
    assert result.text == "學校年度工作報告\n本學期,我校堅持立德樹人,全面推進素質教育,各項工作取得新進展。\n"


def test_full_width_and_spaced_variants_match() -> None:
    page = "上一篇：工作总结\n本　文　由　范文网　收集　整理\n浏 览 次 数：35\n正文第一段，内容完整。\n"
    assert clean_text(page).text == "正文第一段，内容完整。\n"


def test_long_prose_line_is_never_chrome() -> None:
    line = "下载" + "全市教育系统认真贯彻落实市委市政府工作部署和省教育厅年度工作要求主动适应新形势" * 2
    assert len(line) > 60
    assert clean_text(line).text == line


def test_meeting_minutes_fields_stay_outside_the_header() -> None:
    minutes = (
        "校务会议纪要\n"
        "会议于本周召开,全体校委会成员参加,会议研究了下学期的重点工作安排和经费预算等事项。\n"
        "时间:2023-03-15\n"
        "来源:校长办公室\n"
    )
    assert clean_text(minutes).text == minutes


def test_trailing_list_is_kept_when_it_is_report_text() -> None:
    report = (
        "一、工作回顾\n"
        "今年我们完成了以下工作,成效明显,得到了上级部门和社会各界的充分肯定和好评。\n"
        "相关推荐\n"
        "我们推荐的三项做法已在全市推广,下一步将继续完善并形成长效机制,确保取得实效。\n"
    )
    assert clean_text(report).text.count("\n") == 3  # only the bare 相关推荐 line goes


def test_blank_lines_around_removed_lines_collapse() -> None:
    page = "标题\n\n上一篇:甲\n\n下一篇:乙\n\n正文内容。\n"
    assert clean_text(page).text == "标题\n\n正文内容。\n"


def test_title_hint_dedupes_compilation_header_against_plain_title() -> None:
    article = "第一篇:切实履行政府职责促进教育优质均衡(精)\n切实履行政府职责 促进教育优质均衡\n正文。\n"
    result = clean_text(article, title_hint="切实履行政府职责促进教育优质均衡")
    assert result.text == "切实履行政府职责 促进教育优质均衡\n正文。\n"


def test_repeated_law_heading_is_not_deduplicated() -> None:
    law = "# 某某条例\n\n目录\n第一章 总则\n第二章 附则\n\n第一章 总则\n第一条 为了规范管理,制定本条例。\n"
    assert clean_text(law).text == law


# --------------------------------------------------------------------------- configuration


def test_custom_patterns_replace_the_defaults() -> None:
    page = "某某网独家\n上一篇:甲\n正文。\n"
    result = clean_text(page, [r"某某网独家"])
    assert result.text == "上一篇:甲\n正文。\n"
    assert result.removed == ["某某网独家"]


def test_compile_patterns_accepts_defaults_and_can_be_reused() -> None:
    compiled = compile_patterns(DEFAULT_BOILERPLATE_PATTERNS)
    assert isinstance(compiled, CompiledPatterns)
    assert clean_text(seed("002"), compiled).text == clean_text(seed("002")).text


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("(unclosed", "not a valid regular expression"),
        ("", "empty"),
        (".*", "matches an empty line"),
        (r"[一二三四五六七八九十]、.{1,20}", "matches ordinary report text"),
    ],
)
def test_compile_patterns_names_the_bad_pattern(bad: str, reason: str) -> None:
    with pytest.raises(ValueError) as info:
        compile_patterns(["上一篇.*", bad])
    assert reason in str(info.value)
    if bad:
        assert repr(bad) in str(info.value)


def test_every_default_pattern_compiles_on_its_own() -> None:
    for pattern in DEFAULT_BOILERPLATE_PATTERNS:
        compile_patterns([pattern])


def test_speed_on_a_20000_character_page() -> None:
    text = (seed("004") + seed("002"))[:20000]
    clean_text(text)
    best = min(_timed(text) for _ in range(5))
    assert best < 0.02  # measured ~1.5 ms; generous bound for slow CI machines


def _timed(text: str) -> float:
    t0 = time.perf_counter()
    clean_text(text)
    return time.perf_counter() - t0
