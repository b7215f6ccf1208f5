"""``tidy_snippet`` skips each cleaning pass when its pattern cannot occur: the
answer must be what running every pass gives, for every kind of snippet."""

from __future__ import annotations

import re

import pytest

from searchapp.web import viewmodel
from searchapp.web.viewmodel import tidy_snippet


def every_pass(html: str) -> str:
    """The cleaning without the shortcuts."""
    html = viewmodel._ESCAPED_TAG.sub(" ", html)
    html = viewmodel._MARKDOWN.sub("", html)
    html = re.sub(r"[ \t]{2,}", " ", html)
    return viewmodel._ADJACENT_MARKS.sub(r"\1", html).strip()


@pytest.mark.parametrize("html", [
    "…全面加强<mark>教师</mark><mark>交流</mark>工作…",
    "<mark>教师</mark> <mark>交流</mark>",
    "&lt;p&gt;学校&lt;/p&gt;<mark>安全</mark>",
    "&LT;P&GT;大写标签&LT;/P&GT;",
    "a &amp; b，&lt;不是标签&gt;",
    "## 标题 **加粗** __下划线__ 正文",
    "#3号文件",
    "一\t\t二  三 \t四",
    "  前后空白  ",
    "没有任何需要清理的内容",
    "",
])
def test_tidy_snippet_equals_running_every_pass(html):
    assert tidy_snippet(html) == every_pass(html)
