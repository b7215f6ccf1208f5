"""The original text is stored as a difference from the normalized one: it must come back exactly."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from searchapp.normalize import normalize
from searchapp.backend.local.textdiff import decode_original, encode_original

from conftest import SEEDS


def roundtrip(text: str) -> str:
    norm = normalize(text)
    encoded = encode_original(text, norm.text, *norm.breakpoints)
    return decode_original(encoded, norm.text, *norm.breakpoints)


def test_sample_reports_come_back_byte_for_byte():
    for path in SEEDS.glob("*.txt"):
        text = path.read_text(encoding="utf-8")
        assert roundtrip(text) == text


def test_a_simplified_report_costs_far_less_than_its_compressed_text():
    import zlib

    text = (SEEDS / "004_7953d57669bfc55d.txt").read_text(encoding="utf-8")
    norm = normalize(text)
    encoded = encode_original(text, norm.text, *norm.breakpoints)
    assert len(encoded) < len(zlib.compress(text.encode("utf-8"), 6)) / 4


@settings(max_examples=400)
@given(st.text(alphabet=st.sampled_from(list("教師交流 　\t\u200b\ufeffＡaBｂ１2，。、\n臺灣x")) , max_size=60)
       | st.text(max_size=40))
def test_any_text_comes_back(text):
    assert roundtrip(text) == text
