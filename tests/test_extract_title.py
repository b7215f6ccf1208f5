"""Title extraction: the report's own title, not the page or file around it."""

from __future__ import annotations

from pathlib import Path

import pytest

from searchapp.extract.title import MAX_TITLE_CHARS, extract_title, is_first_sentence

SEEDS = Path(__file__).parent / "fixtures" / "seeds"


def seed(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


# --- the seed reports ---------------------------------------------------------


def test_seed_000_compilation_header_is_replaced_by_the_articles_own_title():
    # Line 1 is the compiler's "第一篇:切实履行政府职责促进教育优质均衡(精)"; the
    # article's title follows, with a subtitle broken over two lines. The main title
    # is a slogan that does not say what the document is, so the subtitle is kept.
    assert extract_title(seed("000")) == (
        "切实履行政府职责 促进教育优质均衡——2007年、2008年广州市荔湾区党政领导干部基础教育工作责任考核自查报告"
    )


def test_seed_001_keeps_traditional_script():
    # The first line is the title; 時間/導語 lines follow and must not be picked.
    assert extract_title(seed("001")) == "干部履行工作職責個人述職報告"


def test_seed_002_speech_title():
    assert extract_title(seed("002")) == "全市教育工作暨党风廉政建设工作会议讲话稿"


def test_seed_003_first_line():
    assert extract_title(seed("003")) == "区政府关于履行教育职责的汇报"


def test_seed_004_document_viewer_chrome():
    # The page starts with "….docx", "上传人:…", "…docx_第1页" lines.
    assert extract_title(seed("004")) == "关于我区义务教育高位均衡发展工作的情况汇报"


def test_seed_000_other_articles():
    lines = seed("000").splitlines()
    # "第二篇:如何履行政府职责" is followed by the article's own, similar title.
    assert extract_title("\n".join(lines[47:66])) == "履行政府职责 促进社会和谐"
    # A title broken into "…工作" / "汇" / "报" lines is joined.
    assert extract_title("\n".join(lines[66:98])) == "县级政府2014年履行教育职责工作汇报"
    # No own title: the header's text (prefix stripped) is the title.
    assert extract_title("\n".join(lines[130:140])) == "政府职责履行工作报告"


# --- chrome and structure -----------------------------------------------------


def test_site_name_upload_line_and_page_suffix_are_skipped():
    text = (
        "如来写作网\n首页 > 工作汇报 > 学校\n上传人:b****8 文档编号:11382649\n"
        "XX小学2019年安全工作总结.docx_第1页\n第1页 / 共7页\n"
        "今年以来，我校坚持安全第一、预防为主的方针，认真做好各项安全工作。\n"
    )
    assert extract_title(text) == "XX小学2019年安全工作总结"


def test_breadcrumbs_split_over_lines_are_skipped():
    # A provincial news page: "您的位置:" / "首页" / ">" / "云南要闻" / "云南要闻" / title.
    text = (
        "您的位置:\n首页\n>\n云南要闻\n云南要闻\n2026年政府工作报告\n"
        "来源：云南日报\n2026-02-03 09:02:33\n【字体：\n大\n"
    )
    assert extract_title(text) == "2026年政府工作报告"


def test_titles_that_start_like_menu_words_are_kept():
    # "关注", "阅读", "下载" start menus, but also real titles.
    assert extract_title("关注留守儿童健康成长的调研报告\n正文。") == "关注留守儿童健康成长的调研报告"
    assert extract_title("阅读推广活动方案\n正文。") == "阅读推广活动方案"
    assert extract_title("下载 相关 举报\n学校工作计划\n正文。") == "学校工作计划"


def test_intro_and_date_lines_are_skipped():
    text = (
        "导语：本文来源于网友上传，欢迎参考。\n时间：2022-12-02 08:27:00\n2016年3月9日\n"
        "全县教育工作会议讲话稿\n同志们：\n"
    )
    assert extract_title(text) == "全县教育工作会议讲话稿"


def test_compilation_header_without_own_title():
    text = "第三篇:2015年县级政府履行教育职责情况汇报\n督导团各位领导、同志们:\n根据安排，现汇报如下。\n"
    assert extract_title(text) == "2015年县级政府履行教育职责情况汇报"


def test_title_broken_over_two_lines_is_joined():
    text = "关于进一步加强中小学\n教师队伍建设的实施意见\n各区县教育局：\n为贯彻落实有关精神，现提出如下意见。\n"
    assert extract_title(text) == "关于进一步加强中小学教师队伍建设的实施意见"


def test_two_slogan_lines_before_a_subtitle_form_the_title():
    text = (
        "高举中国特色社会主义伟大旗帜\n为全面建设社会主义现代化国家而团结奋斗\n"
        "——在中国共产党第二十次全国代表大会上的报告\n（2022年10月16日）\n同志们：\n"
    )
    assert extract_title(text) == (
        "高举中国特色社会主义伟大旗帜 为全面建设社会主义现代化国家而团结奋斗——在中国共产党第二十次全国代表大会上的报告"
    )


def test_speech_salutation_without_colon_is_not_a_title():
    text = "同志们\n中国共产党第十一次全国代表大会，现在开幕了。\n"
    assert extract_title(text) == "中国共产党第十一次全国代表大会，现在开幕了"


def test_author_line_is_not_glued_to_a_complete_title():
    text = "关于我区义务教育均衡发展工作的情况汇报\n南长区教育局\n(2010.10)\n各位领导:\n"
    assert extract_title(text) == "关于我区义务教育均衡发展工作的情况汇报"


def test_self_describing_title_drops_its_delivery_subtitle():
    text = "2026年上海市政府工作报告\n——2026年2月3日在上海市第十六届人民代表大会第四次会议上\n各位代表：\n"
    assert extract_title(text) == "2026年上海市政府工作报告"


def test_markdown_heading_and_sections():
    text = (
        "# 《新闻联播》 (20230513)\n\n## 新闻摘要\n\n## 详细新闻\n\n"
        "### 丁薛祥出席活动 在论坛致辞\n\n<p>央视网消息</p>\n"
    )
    assert extract_title(text) == "《新闻联播》 (20230513)"


def test_sharing_site_tags_are_removed():
    assert extract_title("学校安全工作自查报告(精选5篇)\n正文。") == "学校安全工作自查报告"


def test_salutation_first_falls_back_to_first_sentence():
    text = "各位代表：\n现在，我代表国务院，向大会报告政府工作，请予审议。\n一、2018年工作回顾\n"
    assert extract_title(text) == "现在，我代表国务院，向大会报告政府工作，请予审议"


def test_falls_back_to_file_name():
    assert extract_title("", "uploads/XX县教育局工作汇报.docx") == "XX县教育局工作汇报"
    assert extract_title("\n \n", "XX县教育局工作汇报_第1页.pdf") == "XX县教育局工作汇报"
    assert extract_title("", None) == ""


@pytest.mark.parametrize(
    "text",
    [
        "这是一个很长的标题" * 20,
        "关于" + "进一步加强和改进" * 8 + "工作的意见\n——" + "在全市大会上" * 10 + "的讲话\n",
    ],
)
def test_titles_are_capped(text):
    assert 0 < len(extract_title(text)) <= MAX_TITLE_CHARS


def test_is_first_sentence():
    text = "各位代表：\n现在，我代表国务院，向大会报告政府工作，请予审议。\n"
    assert is_first_sentence(extract_title(text), text)
    assert not is_first_sentence("全县教育工作会议讲话稿", "全县教育工作会议讲话稿\n同志们：\n")
    # A title line that only lost its ".docx" suffix is still a title.
    assert not is_first_sentence("工作汇报", "工作汇报.docx\n正文")
    assert not is_first_sentence("", "正文")


# --- issue 11: titles of real scraped pages -------------------------------------------


def test_heading_right_above_the_body_beats_site_lines_above_it():
    text = (
        "某某县人民政府\n无障碍 长者模式\n政府信息公开\n"
        "某镇三项措施抓好控辍保学\n来源: 时间:2018-01-15\n"
        "控辍保学是教育扶贫的重要内容。为促进教育公平,某镇采取三项措施,取得明显成效。\n"
    )
    assert extract_title(text) == "某镇三项措施抓好控辍保学"


def test_heading_the_page_repeats_is_preferred():
    text = (
        "热门推荐\n名称: 某学区2025年年度工作进展情况\n索引号: 0001/2025-01\n"
        "某学区2025年年度工作进展情况\n"
        "2025年,在镇党委政府领导下,我们抓好控辍保学工作,各项指标均达到要求。\n"
    )
    assert extract_title(text) == "某学区2025年年度工作进展情况"


def test_compilation_article_numbers_and_new_tags_are_not_part_of_the_title():
    assert extract_title("教育扶贫工作总结1\n为了做好教育扶贫工作,我校成立了领导小组。\n") == "教育扶贫工作总结"
    assert extract_title("(新)学校师德师风自查报告\n一、基本情况\n") == "学校师德师风自查报告"
    assert extract_title("1 2019年立法会会议议案进度报告\n正文\n") == "2019年立法会会议议案进度报告"


def test_one_line_page_gives_the_heading_glued_to_its_body():
    text = "1、某镇2022年控辍保学工作情况的汇报2022年以来,某镇高度重视控辍保学工作,全面落实各项要求,取得了明显成效。\n"
    assert extract_title(text) == "某镇2022年控辍保学工作情况的汇报"


def test_page_without_a_heading_falls_back_to_the_name_a_blurb_gives_or_the_file():
    body = "6月11日,区教育局召开教育信息化推进会,全区各校负责人参加了会议。\n"
    assert extract_title(body, "news_0611.txt") == "news_0611"
    assert extract_title(body, "news_0611.txt", named="区教育信息化推进会") == "区教育信息化推进会"
