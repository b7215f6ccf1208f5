"""Site chrome recognised by its shape (searchapp.chrome through clean_text)."""

from __future__ import annotations

from searchapp.chrome import is_site_blurb, named_in_blurb, strip_inline
from searchapp.clean import clean_text

REPORT = (
    "一、基本情况\n"
    "本镇共有中小学12所,在校学生5600人,专任教师420人。今年以来,我们围绕控辍保学目标,逐校逐班排查,建立台账。\n"
    "二、主要做法\n"
    "一是压实责任,镇村校三级签订责任书;二是强化帮扶,对困难学生落实资助政策,确保不因贫失学。\n"
    "三、下步打算\n"
    "我们将继续加大宣传力度,完善长效机制,巩固义务教育成果。\n"
)


def page(header: str, footer: str = "") -> str:
    return header + "某镇2024年控辍保学工作汇报\n" + REPORT + footer


def removed(text: str) -> dict[str, str]:
    return {line: why for line, why in clean_text(text).reasons}


def test_header_menus_counters_and_breadcrumbs_above_the_title_go():
    header = (
        "繁体 | 无障碍 | 长者版 | 登录 | 注册\n"
        "您现在的位置:首页 > 信息公开 > 工作动态\n"
        "- 36\n"
        "约5.2千字\n"
        "2023-05-06 发布于江西\n"
    )
    result = clean_text(page(header))
    assert result.text.startswith("某镇2024年控辍保学工作汇报\n")
    assert "逐校逐班排查" in result.text
    why = removed(page(header))
    assert why["- 36"] == "counter"
    assert why["繁体 | 无障碍 | 长者版 | 登录 | 注册"] in ("link-list", "vocabulary")


def test_related_list_and_contact_lines_after_the_report_go():
    footer = "相关文章\n某县召开教育工作会议\n某县表彰优秀教师\n联系我们\n(电话)0791-12345678\n"
    result = clean_text(page("", footer))
    assert result.text.rstrip().endswith("巩固义务教育成果。")


def test_report_prose_that_uses_site_words_is_kept():
    prose = (
        "某镇2024年教育信息化工作总结\n"
        "全年建成资源下载平台1个,教师登录使用率达95%,浏览课件12万次,分享优质课例300节。\n"
        "我们还开展了网络安全宣传周活动,提高师生的版权意识。\n"
    )
    assert clean_text(prose).text == prose


def test_keyword_stuffing_and_emoji_lines_go_anywhere():
    spam = "甲乙丙丁戊己庚,子丑寅卯辰巳午,东南西北中发白,春夏秋冬年月日,金木水火土风雷,一二三四五六七\n"
    comment = "网友8848回复:说得真好👍来自远方\n"
    result = clean_text(page("", spam + comment))
    assert "甲乙丙丁" not in result.text and "👍" not in result.text


def test_collector_blurbs_go_and_name_the_document():
    blurb = "下面是小编为大家整理的某镇2024年控辍保学工作汇报,供大家参考,欢迎阅读与收藏。"
    assert is_site_blurb(blurb)
    assert named_in_blurb(blurb) == "某镇2024年控辍保学工作汇报"
    assert not is_site_blurb("全年建成资源下载平台1个,教师登录使用率达95%。")
    result = clean_text(blurb + "\n" + REPORT)
    assert result.named_title == "某镇2024年控辍保学工作汇报"
    assert "小编" not in result.text


def test_pinyin_glosses_and_field_codes_inside_sentences_are_removed():
    text, notes = strip_inline("工作總結(jié)如下:推進(jìn)控輟保學(xué)。詳見 HYPERLINK /a/b/ \\t _blank 附件")
    assert text.startswith("工作總結如下:推進控輟保學。")
    assert "HYPERLINK" not in text and "_blank" not in text
    assert any("pinyin" in n for n in notes)
    # Latin in brackets without tone marks is not a gloss.
    assert strip_inline("采用PPP(public)模式")[0] == "采用PPP(public)模式"


def test_publication_stamp_near_the_top_is_kept_for_the_year_but_upload_dates_are_not():
    news = "某县召开2023年教育工作会议\n2023-04-03 10:45 阅读人数:12\n" + REPORT
    assert clean_text(news).stamps == ["2023-04-03 10:45 阅读人数:12"]
    shared = "某某文库\n上传时间:2021-01-02 09:00\n" + page("VIP文档 下载 收藏\n")
    assert clean_text(shared).stamps == []


def test_custom_patterns_turn_the_shape_rules_off():
    text = page("繁体 | 无障碍 | 长者版 | 登录 | 注册\n")
    assert clean_text(text, [r"不会匹配的规则"]).text == text
