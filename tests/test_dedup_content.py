"""The characters sketches are made of: the NumPy path for long texts gives exactly the
string of the regular-expression path, so sketches (and which documents group as
copies) do not change with the text's length."""

from __future__ import annotations

import hashlib

from searchapp.dedup import _MIN_ARRAY_CHARS, content_chars, robust_content, sketch

MIXED = ("２０２３年ＡＢＣ区Ｘ县教育局 xx 同志 ×× 的讲话：abcXYZ 123，"
         "𠀀𠀁（扩展B）、\U00040000（第四平面，非汉字）、\U00010000、éİǅﬀ；")
DOUBLED = "教教育育工工作作总总结结，，学学校校安安全全工工作作会会议议。"


def _regex_path(text: str) -> str:
    """robust_content as it reads for short texts, applied to any length."""
    from searchapp.dedup import _DOUBLED_HAN, _MASK_CHARS, _MASKS, _NOT_HAN

    lowered = text.lower()
    if "x" in lowered or _MASK_CHARS.search(lowered):
        lowered = _MASKS.sub("", lowered)
    content = content_chars(lowered)
    han = len(_NOT_HAN.sub("", content))
    doubled = len(_DOUBLED_HAN.findall(content))
    if han and doubled * 2 >= 0.6 * han:
        content = _DOUBLED_HAN.sub(r"\1", content)
    return content


def test_long_texts_keep_the_content_characters_of_short_ones():
    for text in (MIXED * 20, DOUBLED * 20, (MIXED + DOUBLED) * 10, "教" * 600, "，。" * 300):
        assert len(text) >= _MIN_ARRAY_CHARS
        assert robust_content(text) == _regex_path(text)


def test_doubled_characters_are_collapsed_in_long_texts_only_when_most_are_doubled():
    assert robust_content(DOUBLED * 20) == _regex_path(DOUBLED * 20)
    assert "教育工作总结" in robust_content(DOUBLED * 20)
    assert "教教" in robust_content("教教" * 10 + "育工作总结学校" * 60)


def test_a_sketch_keeps_its_values():
    # Computed before the NumPy path existed: a change here regroups copies.
    text = (MIXED + DOUBLED + "关于加强中小学校园安全工作的通知。各区县教育局要高度重视。") * 30
    assert hashlib.sha1(repr(sketch(text)).encode()).hexdigest() == SKETCH_DIGEST


SKETCH_DIGEST = "7cd3e475486d73f417d6bc16b47f0afb702b1c4f"
