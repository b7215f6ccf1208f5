"""Choosing between decoders that all accept the bytes (issue 11)."""

from __future__ import annotations

import pytest

from searchapp.encoding import chinese_score, decode_bytes

# Written for this test: a Taiwanese-style record in Traditional script with full-width
# punctuation, as exported by a law or meeting database.
TRADITIONAL = (
    "花蓮縣某國民小學校務會議紀錄\n"
    "一、時間：民國一○四年十二月十八日（星期五）下午三時\n"
    "二、地點：本校會議室\n"
    "三、主席報告：本學期各處室工作順利推動，感謝全體教職員的辛勞。學校將持續推動閱讀教育，"
    "並加強與家長及社區的合作，讓每一位學生都能快樂學習、健康成長。\n"
    "四、教務處報告：期末評量將於一月中旬舉行，請各班導師提醒學生準時到校。\n"
)
SIMPLIFIED = (
    "某县教育局关于做好2024年秋季开学工作的通知\n"
    "各中小学、幼儿园：\n为确保秋季开学工作平稳有序，现将有关事项通知如下。"
    "一、做好校园安全排查，消除各类隐患。二、落实教材发放，保证课前到书。三、加强师德师风建设。\n"
)


def test_big5_export_is_read_as_big5_although_gb18030_also_accepts_it():
    data = TRADITIONAL.encode("big5")
    data.decode("gb18030")  # the trap: this succeeds, into nonsense
    text, encoding = decode_bytes(data)
    assert encoding == "big5"
    assert "校務會議紀錄" in text


def test_gbk_report_stays_gb18030():
    text, encoding = decode_bytes(SIMPLIFIED.encode("gbk"))
    assert encoding == "gb18030"
    assert text == SIMPLIFIED


@pytest.mark.parametrize("codec", ["utf-8", "utf-16"])
def test_unicode_files_of_both_scripts_decode(codec):
    for original in (TRADITIONAL, SIMPLIFIED):
        text, _ = decode_bytes(original.encode(codec))
        assert text == original


def test_the_right_decoding_reads_more_like_chinese():
    data = TRADITIONAL.encode("big5")
    assert chinese_score(data.decode("big5")) > chinese_score(data.decode("gb18030")) + 0.2
