"""Snippets and whole-text highlighting on the original characters."""

from __future__ import annotations

from searchapp.query.highlight import find_matches, highlight_all, snippets


def test_matches_are_marked_in_the_original_script():
    html, count = highlight_all("南長區推進教師交流機制。", ["教师交流"])
    assert count == 1 and '<mark id="m1">教師交流</mark>' in html


def test_text_and_matches_are_escaped():
    html, _ = highlight_all("<script>alert(1)</script> 教师", ["教师", "<script>"])
    assert "<script>" not in html.replace("<mark", "").replace("</mark>", "")
    assert "&lt;" in html


def test_the_fragment_with_the_whole_phrase_comes_first():
    text = "教师培训。" + "无关内容。" * 30 + "推进教师交流轮岗。" + "其他内容。" * 30 + "交流合作。"
    first = snippets(text, ["教师交流", "教师", "交流"], count=3, width=30)[0]
    assert "<mark>教师交流</mark>" in first


def test_no_match_shows_the_opening_of_the_text():
    assert snippets("  开头的文字，没有命中。", ["不存在"], count=1, width=6) == ["开头的文字，…"]


def test_count_zero_gives_no_snippets():
    assert snippets("教师交流", ["教师"], count=0) == []


def test_find_matches_prefers_longer_terms_at_the_same_place():
    matches = find_matches("推进教师交流", ["教师", "教师交流"])
    assert [(m.start, m.end, m.term) for m in matches] == [(2, 6, "教师交流")]


def test_of_two_overlapping_terms_as_long_the_one_listed_first_is_marked():
    from searchapp.query.highlight import find_matches

    assert [m.term for m in find_matches("省教育督导评估监测", ["教育督导", "督导评估"])] == ["教育督导"]
    assert [m.term for m in find_matches("省教育督导评估监测", ["督导评估", "教育督导"])] == ["督导评估"]


def test_snippets_are_the_same_in_every_process_whatever_its_hash_seed():
    import subprocess
    import sys

    code = ("from searchapp.query.highlight import snippets; "
            "print(snippets('第三条 教育督导评估监测制度。' * 3 + '督导评估工作。教育督导机构。', "
            "['教育', '督导', '督导评估', '教育督导', '评估监测'], 2, 20))")
    outputs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              env={"PYTHONHASHSEED": str(seed), "PATH": ""}).stdout for seed in (1, 2, 3, 4)}
    assert len(outputs) == 1
