"""Mojibake repair: the damage in seed 001, UTF-8-read-as-GBK damage, and no change to clean text."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchapp.mojibake import MojibakeRepair, repair_mojibake

SEEDS = Path(__file__).parent / "fixtures" / "seeds"


def seed(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def shift_damage(text: str, at: str) -> str:
    """Reproduce seed 001's upstream damage at the first character of ``at``
    (one whose GBK trail byte is A3, like 校 D0A3): GBK bytes, a byte-level
    full-width -> ASCII replacement matching the A3 xx pair that straddles two
    characters, then a GBK decode printing '?' for the orphaned lead byte."""
    data = text.encode("gbk")
    i = len(text[: text.index(at) + 1].encode("gbk")) - 1
    assert data[i] == 0xA3 and data[i + 1] >= 0xA1
    damaged = data[:i] + bytes([data[i + 1] - 0x80]) + data[i + 2 :]
    return damaged.decode("gbk", errors="replace").replace("\ufffd", "?")


# --------------------------------------------------------------------------- seed 001


def test_seed_001_every_damaged_span_is_repaired() -> None:
    result = repair_mojibake(seed("001"))
    assert isinstance(result, MojibakeRepair)
    assert result.repairs == 7 == len(result.spans)
    text = result.text
    # 百?!毙袆佑媱潪槠鯔C -> 百校扶百校”行動計劃為契機 (both occurrences)
    assert text.count("百校扶百校”行動計劃") == 2
    assert "實施“百校扶百校”行動計劃為契機,大力推進對口幫扶" in text
    assert "解決。“創強”期間" in text
    assert "解決“擇校”問題的政策研究" in text
    assert "確保考試安全考場配備廣播系統" in text  # a dropped "，" between 安全 and 考場 is unknowable
    assert "逐步消除擇校現象" in text
    assert "市外國語學校?," in text  # the closing quote's trail byte is lost: left as '?'
    for junk in ("毙袆佑媱", "皠搹姟", "眴栴", "荚嚢踩", "?,F象"):
        assert junk not in text


def test_seed_001_lost_bytes_stay_visible_instead_of_guessed_wrongly() -> None:
    # "行動計劃，加快": the bytes of "，加" were lost upstream; the repair keeps a '?'
    # rather than inventing a character, and recovers the rest of the span.
    text = repair_mojibake(seed("001")).text
    assert "大力推進“百校扶百校”行動計劃?快義務教育規范化學校建設" in text


def test_seed_001_spans_report_before_and_after() -> None:
    spans = dict(repair_mojibake(seed("001")).spans)
    assert spans["?!眴栴}"] == "校”問題"
    assert spans["?,F"] == "校現"


def test_shift_damage_round_trip_on_new_text() -> None:
    # The lost lead byte of 校 and the trail byte of 作 (eaten next to the comma)
    # are restored because the page uses 学校 and 工作 elsewhere.
    original = "学校工作要抓实,学校工作要抓细。我们要全面推进学校”建设工作,落实各项任务。"
    damaged = shift_damage(original, "校”建设")
    assert damaged != original and "?" in damaged
    result = repair_mojibake(damaged)
    assert result.text == original
    assert result.repairs == 1


def test_shift_damage_without_evidence_keeps_a_placeholder() -> None:
    original = "我们要全面推进学校”建设工作,落实各项任务。"
    result = repair_mojibake(shift_damage(original, "校”建设"))
    # 学? could be 学校 or 学海; 工? could be 工作 or 工资: no guess, but the rest is back
    assert result.text == "我们要全面推进学?”建设工?,落实各项任务。"


def assert_restored(original: str, repaired: str, min_share: float) -> None:
    """Every character is recovered exactly or marked lost (U+FFFD), never invented."""
    assert len(repaired) == len(original)
    assert all(r in (o, "\ufffd") for r, o in zip(repaired, original))
    assert sum(r == o for r, o in zip(repaired, original)) >= min_share * len(original)


@pytest.mark.parametrize("original", ["履行教育职责的汇报", "义务教育均衡发展，提高质量"])
def test_utf8_read_as_gb18030_is_restored_exactly(original: str) -> None:
    damaged = original.encode("utf-8").decode("gb18030", errors="replace")
    assert damaged != original
    assert repair_mojibake(damaged).text == original


@pytest.mark.parametrize(
    "original",
    [
        "今天，我们在这里召开全市教育工作暨党风廉政建设工作会议。",
        "近日,我市以實施“百校扶百校”行動計劃為契機,大力推進對口幫扶。",
    ],
)
def test_utf8_read_as_gb18030_lost_bytes_become_placeholders(original: str) -> None:
    repaired = repair_mojibake(original.encode("utf-8").decode("gb18030", errors="replace")).text
    assert_restored(original, repaired, 0.9)
    assert "行動計劃為契機" in repaired or "召开全市教育工作暨党风廉政建设工作会议" in repaired


def test_utf8_read_as_gbk_with_replacement_keeps_lost_characters_marked() -> None:
    original = "全市教育工作暨党风廉政建设工作会议讲话稿\n同志们：\n我们的学校在这里。"
    damaged = original.encode("utf-8").decode("gbk", errors="replace")
    result = repair_mojibake(damaged)
    assert result.repairs >= 3
    repaired = result.text
    assert "全市教育工作暨党风廉政建设工作会" in repaired
    assert "同志" in repaired and "学校在这里" in repaired
    assert_restored(original, repaired, 0.75)


def test_lost_character_is_guessed_only_when_the_evidence_is_clear() -> None:
    # 学 loses a byte; only 学 makes a word with 校 -> restored.  In 履?教育 both
    # 履行 and 履职/职教 are words -> the placeholder stays.
    assert repair_mojibake("我们的学校".encode("utf-8").decode("gbk", errors="replace")).text == "我们的学校"
    repaired = repair_mojibake("履行教育职责的汇报".encode("utf-8").decode("gbk", errors="replace")).text
    assert repaired == "履\ufffd教育职责的汇报"


def test_mojibake_inside_clean_text_is_repaired_in_place() -> None:
    head = "一、基本情况\n"
    damaged_line = "义务教育均衡发展，提高质量".encode("utf-8").decode("gb18030", errors="replace")
    result = repair_mojibake(head + damaged_line + "\n二、存在问题\n")
    assert result.text == head + "义务教育均衡发展，提高质量\n二、存在问题\n"
    assert result.repairs == 1
    assert result.spans == [(damaged_line, "义务教育均衡发展，提高质量")]


# --------------------------------------------------------------------------- clean text stays unchanged


@pytest.mark.parametrize("prefix", ["000", "002", "003", "004"])
def test_clean_seeds_are_unchanged(prefix: str) -> None:
    text = seed(prefix)
    result = repair_mojibake(text)
    assert result.text == text
    assert result.repairs == 0 and result.spans == []


MIXED = (
    "尊敬的各位領導:我們要堅持依法治教?!這是我們的責任。\n"
    "真的做到了吗?!我们必须继续努力,確保教育經費“兩個提高”。\n"
    "涓涓细流汇成江海,娴熟的技能、鍥而不舍的精神,浜浜有声(2022年)。\n"
    "问卷共收回3000份??其中有效问卷2980份;ICP备案、QQ群、A级景区。\n"
    "第一篇:切实履行政府职责 促进教育优质均衡(精)\n"
)


def test_mixed_simplified_traditional_sample_is_unchanged() -> None:
    # contains ?!, ??, level-2 characters that look like mojibake leads (涓 娴 鍥 浜)
    assert repair_mojibake(MIXED).text == MIXED


_ALPHABET = sorted(set(seed("000") + seed("002") + seed("004") + MIXED) - {"\ufffd"})


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_ALPHABET, min_size=0, max_size=200))
def test_random_clean_text_is_never_changed(text: str) -> None:
    assert repair_mojibake(text).text == text


def test_clean_text_precheck_is_fast() -> None:
    text = (seed("002") * 2)[:20000]
    repair_mojibake(text)
    best = min(_timed(repair_mojibake, text) for _ in range(5))
    assert best < 0.005  # measured ~0.3 ms; generous bound for slow CI machines


def _timed(fn, arg) -> float:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    fn(arg)
    return time.perf_counter() - t0
