"""Web pages (.html, .htm): the article text, without the site's chrome.

Government and education sites wrap every report in the same navigation menu,
breadcrumbs, "上一篇/下一篇" links and a footer with 版权所有 and an ICP number. Indexed
as-is, that chrome would match queries for the site's name on every page and bury the
report. The pipeline is:

1. **Decode.** Many such pages are GBK and say so in ``<meta charset=...>`` or
   ``<meta http-equiv="Content-Type" content="...; charset=gb2312">``; see
   :func:`decode_html`.
2. **Prepare the tree** (lxml, which trafilatura already depends on): old sites lay pages
   out with nested ``<table>``s, which trafilatura would keep as one giant data table with
   the menus inside, so layout tables are turned into plain ``<div>``s; blocks whose class
   or id names chrome (``nav``, ``crumb``, ``footer``, pinyin ``daohang``/``weizhi``/…)
   and short blocks carrying chrome markers (上一篇, 当前位置, ICP备, …) are removed.
3. **Extract** the main text with trafilatura in recall mode, tables kept, paragraphs on
   their own lines. Its minimum-length threshold is lowered to 100 characters: the default
   of 250 is tuned for alphabetic text, and a short Chinese notice below it made trafilatura
   fall back to a whole-page dump that loses every paragraph break.
4. **Fall back** to our own tag stripper (stdlib :mod:`html.parser`) when trafilatura
   finds nothing, e.g. a page that is only a few short lines.
5. **Filter lines** that are chrome by their wording (see :data:`_CHROME_LINE`), whichever
   extractor produced them.

The page ``<title>`` is kept: its headline (the title minus the site name, e.g.
"关于…的报告_江南省教育厅" → "关于…的报告") becomes the first line unless one of the first
lines of the extracted text already carries it. We prepend the *cleaned* headline, not the
raw title, because the site name is chrome too.
"""

from __future__ import annotations

import codecs
import logging
import re
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

from searchapp.encoding import decode_bytes
from searchapp.errors import ReadError
from searchapp.readers import RawText, ReadLimits, register

if TYPE_CHECKING:
    from lxml.html import HtmlElement

# --------------------------------------------------------------------------- decoding

#: Where to look for a ``<meta>`` charset. Browsers stop at 1024 bytes, but Chinese CMS
#: templates often put long scripts and keyword lists first.
_META_SCAN_BYTES = 16384

_META_CHARSET = re.compile(
    rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""",
    re.IGNORECASE,
)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)

#: Pages that declare GB2312 or GBK routinely contain characters outside it (names such as
#: 喆 or 镕); GB18030 is a superset that decodes both, so a declaration of the smaller
#: set is read with the larger one. Likewise Big5 pages from Hong Kong use HKSCS.
_SUPERSET = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "gb18030": "gb18030",
    "big5": "big5hkscs",
    "big5hkscs": "big5hkscs",
}

#: WHATWG labels that Python's codec registry does not know.
_LABEL_ALIASES = {"x-gbk": "gbk", "gb_2312-80": "gb2312", "csgb2312": "gb2312", "x-big5": "big5"}

#: Single-byte Western codecs decode *any* bytes, so a wrong declaration of one of them
#: (templates that keep an editor's default) would turn a GBK page into mojibake silently.
_SINGLE_BYTE_WESTERN = {"ascii", "iso8859-1", "cp1252", "iso8859-15"}


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in its first bytes (``<meta>`` or XML prolog), as a
    Python codec name, or ``None`` when there is no usable declaration."""
    head = data[:_META_SCAN_BYTES]
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    if match is None:
        return None
    label = match.group(1).decode("ascii", "ignore").strip().lower()
    label = _LABEL_ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return _SUPERSET.get(name, name)


def decode_html(data: bytes) -> tuple[str, str]:
    """Decode a page, honouring its declared charset when the declaration is plausible.

    Order: a BOM wins (via :func:`decode_bytes`); bytes that are valid UTF-8 are UTF-8
    whatever the page claims (a non-ASCII byte sequence that happens to be valid UTF-8
    is almost never GBK, while a GBK declaration on a UTF-8 page is a common template
    bug); then the declared charset if it decodes strictly; finally detection.
    """
    if data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return decode_bytes(data)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    declared = declared_charset(data)
    if declared is not None and declared not in ("utf_8", "utf-8"):
        try:
            text = data.decode(declared)
        except UnicodeDecodeError:
            text = None
        if text is not None and not _western_declaration_is_wrong(declared, data):
            return text, declared
    return decode_bytes(data)


def _western_declaration_is_wrong(declared: str, data: bytes) -> bool:
    """True when a page declared Latin-1/cp1252 but its bytes are clearly GB18030 Chinese."""
    if declared not in _SINGLE_BYTE_WESTERN:
        return False
    try:
        chinese = data.decode("gb18030")
    except UnicodeDecodeError:
        return False
    non_ascii = [ch for ch in chinese if ord(ch) > 127]
    han = sum(1 for ch in non_ascii if "\u4e00" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f")
    return bool(non_ascii) and han / len(non_ascii) > 0.9


# --------------------------------------------------------------------------- chrome

#: A line or short block that is site chrome by its wording. The first group must open
#: the line (these words can occur inside report prose); the second may occur anywhere
#: (they do not occur in prose).
_CHROME_LINE = re.compile(
    r"^[\s【\[（(<《]*(?:上一篇|下一篇|上一条|下一条|上一页|下一页|当前位置|当前的位置|您现在的位置|"
    r"你现在的位置|您的位置|你的位置|您当前的位置|所在位置|分享到|打印本页|关闭窗口|返回顶部|"
    r"字体[:：]|字号[:：]|责任编辑|发布时间[:：]|发布日期[:：]|信息来源[:：]|来源[:：]|作者[:：]|编辑[:：]|扫一扫|"
    r"相关链接|相关阅读|相关文章|相关新闻|网站地图|联系我们)"
    r"|ICP备|ICP证|网站标识码|公网安备|版权所有|Copyright|\u00a9|主办单位[:：]|承办单位[:：]|"
    r"技术支持[:：]|浏览次数|点击数[:：]|点击率[:：]|阅读次数|访问次数|浏览量[:：]|【字体|【打印|【关闭",
    re.IGNORECASE,
)

#: Longer than this, a block or line is content even if it contains a chrome word.
_CHROME_MAX_CHARS = 200


def is_chrome_line(line: str) -> bool:
    """Whether ``line`` is navigation/footer chrome rather than report text."""
    stripped = line.strip()
    return len(stripped) <= _CHROME_MAX_CHARS and _CHROME_LINE.search(stripped) is not None


#: Class/id tokens that name chrome on Chinese sites (English and pinyin).
_CHROME_ATTR = re.compile(
    r"(?:^|[\s_\-])(?:nav|navbar|navigation|menu|breadcrumbs?|crumbs?|position|location|weizhi|"
    r"daohang|footer|foot|copyright|banquan|share|bdshare|print|prevnext|prev_next|pre_next|"
    r"sidebar|topbar|toolbar|header|search|login|related|xglj|xgxx)(?:$|[\s_\-])",
    re.IGNORECASE,
)

#: A block named like chrome is only removed when it holds at most this share of the
#: page's text: guards against a wrapper such as ``<div class="main-nav-content">``.
_CHROME_MAX_SHARE = 0.3

#: Blocks judged by their wording. Inline elements are not: removing the ``<span>`` that
#: holds "上一篇：" would leave the linked title behind.
_BLOCK_TAGS = ("p", "div", "li", "ul", "ol", "dl", "dt", "dd", "td", "th", "tr", "table", "section", "center")
_TABLE_PARTS = ("tr", "td", "th", "tbody", "thead", "tfoot", "caption")


def _text_len(el: HtmlElement) -> int:
    return len("".join(el.itertext()).strip())


def _drop(el: HtmlElement) -> None:
    """Remove ``el`` but keep its tail text, which belongs to the parent."""
    el.drop_tree()


def _remove_named_chrome(root: HtmlElement) -> None:
    page_len = max(_text_len(root), 1)
    for el in list(root.iter("div", "ul", "ol", "table", "td", "p", "span", "section", "aside", "dl")):
        if el.getparent() is None:
            continue  # already removed with an ancestor
        names = f"{el.get('class', '')} {el.get('id', '')}"
        if not _CHROME_ATTR.search(names):
            continue
        if _text_len(el) <= _CHROME_MAX_SHARE * page_len:
            _drop(el)


def _remove_marked_chrome(root: HtmlElement) -> None:
    """Innermost-first: the smallest short block carrying a chrome marker goes, and its
    parents are judged on what remains, so a report paragraph next to a breadcrumb in
    the same ``<div>`` survives."""
    for el in reversed(list(root.iter(*_BLOCK_TAGS))):
        parent = el.getparent()
        if parent is None:
            continue
        if is_chrome_line("".join(el.itertext())) and not _has_block_child(el):
            _drop(el)


def _has_block_child(el: HtmlElement) -> bool:
    """Blocks with block children are judged after those children (innermost first);
    judging them on their whole text would remove content along with the chrome."""
    return any(isinstance(child.tag, str) and child.tag in ("p", "div", "li", "table", "ul", "ol", "tr", "td")
               for child in el)  # fmt: skip


def _owning_table(el: HtmlElement) -> HtmlElement | None:
    for ancestor in el.iterancestors("table"):
        return ancestor
    return None


def _is_layout_table(table: HtmlElement) -> bool:
    """Tables used for page layout rather than data: nested tables, a single column,
    cells holding paragraphs or long text. Data tables (statistics in a report) have
    several short cells per row and stay tables."""
    if next(table.iterdescendants("table"), None) is not None:
        return True
    rows = [tr for tr in table.iter("tr") if _owning_table(tr) is table]
    if not rows:
        return True
    if max(len([c for c in row if c.tag in ("td", "th")]) for row in rows) <= 1:
        return True
    for cell in table.iter("td", "th"):
        if _text_len(cell) > 150 or len(cell.findall(".//br")) >= 3:
            return True
        if next(cell.iterdescendants("p", "div", "ul", "ol", "h1", "h2", "h3"), None) is not None:
            return True
    return False


def _unwrap_layout_tables(root: HtmlElement) -> None:
    layout = [t for t in root.iter("table") if _is_layout_table(t)]
    for table in layout:
        parts = [el for el in table.iter(*_TABLE_PARTS) if _owning_table(el) is table]
        for el in parts:
            el.tag = "div"
        table.tag = "div"


def prepare_tree(root: HtmlElement) -> HtmlElement:
    """Strip chrome from a parsed page in place (see the module docstring) and return it."""
    for el in list(root.iter("script", "style", "noscript", "template")):
        if el.getparent() is not None:
            _drop(el)
    _unwrap_layout_tables(root)
    _remove_named_chrome(root)
    _remove_marked_chrome(root)
    return root


# --------------------------------------------------------------------------- extraction


@lru_cache(maxsize=1)
def _trafilatura_config() -> Any:
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "100")
    config.set("DEFAULT", "EXTENSIVE_DATE_SEARCH", "off")
    return config


@lru_cache(maxsize=1)
def _trafilatura_missing(reason: str) -> None:
    """Say once, not once per page, that extraction is degraded."""
    logging.getLogger(__name__).warning(
        "trafilatura cannot be imported (%s); HTML pages are read with the simple tag stripper", reason
    )


def _extract_with_trafilatura(html: str) -> str:
    """Main text via trafilatura on the prepared tree; ``""`` if it finds nothing."""
    try:
        import trafilatura
    except ImportError as exc:  # e.g. lxml >= 5.2 without the separate lxml_html_clean
        _trafilatura_missing(str(exc))
        return ""

    root = trafilatura.load_html(html)
    if root is None:
        return ""
    if tree_depth(root) >= PARSER_MAX_DEPTH:
        raise _TooDeep
    prepare_tree(root)
    text = trafilatura.extract(
        root,
        output_format="txt",
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        favor_recall=True,
        with_metadata=False,
        deduplicate=False,
        config=_trafilatura_config(),
    )
    return text or ""


_SKIP_TAGS = frozenset({"script", "style", "nav", "header", "footer", "noscript", "template", "head",
                        "select", "button", "iframe", "svg", "aside"})  # fmt: skip
_BREAK_TAGS = frozenset({
    "p", "div", "br", "li", "ul", "ol", "dl", "dt", "dd", "tr", "table", "h1", "h2", "h3", "h4", "h5",
    "h6", "section", "article", "blockquote", "pre", "center", "form", "hr", "main", "caption", "address",
})  # fmt: skip
_CELL_TAGS = frozenset({"td", "th"})
_VOID_TAGS = frozenset({"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "embed",
                        "source", "track", "wbr", "param"})  # fmt: skip


_WORD_CHAR = re.compile(r"[^\W_]")


def _word_chars(text: str) -> int:
    """Letters, digits and Han characters in ``text``: menus separated by " | " or "·"
    are still all-link by this count."""
    return len(_WORD_CHAR.findall(text))


class _TagStripper(HTMLParser):
    """Our fallback: visible text with a line per block, skipping scripts and the
    semantic chrome elements, and dropping lines that are nothing but link text
    (menus, "related articles" lists)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._skip_depth = 0
        self._link_depth = 0
        self._parts: list[str] = []
        self._link_chars = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth += 1
        elif tag in _BREAK_TAGS:
            self._flush()
        elif tag in _CELL_TAGS:
            self._parts.append(" ")
        elif tag == "a":
            self._link_depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BREAK_TAGS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _BREAK_TAGS:
            self._flush()
        elif tag == "a":
            self._link_depth = max(0, self._link_depth - 1)

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        self._parts.append(data)
        if self._link_depth:
            self._link_chars += _word_chars(data)

    def close(self) -> None:
        super().close()
        self._flush()

    def _flush(self) -> None:
        line = " ".join("".join(self._parts).split())
        words = _word_chars(line)
        if line and not (words < 80 and self._link_chars >= 0.8 * words):
            self.lines.append(line)
        self._parts = []
        self._link_chars = 0


def strip_tags(html: str) -> str:
    """Plain text of ``html`` by tag stripping, one block per line."""
    parser = _TagStripper()
    parser.feed(html)
    parser.close()
    return "\n".join(parser.lines)


# --------------------------------------------------------------------------- title

_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
#: Separators between headline and site name in ``<title>``. A bare "-" is only a
#: separator with spaces around it: "2023-2024学年" must stay whole.
_TITLE_SEPARATOR = re.compile(r"\s*(?:_+|\||｜|-{2,}|—{1,2}|――|\s[-–]\s)\s*")
_NOT_WORD = re.compile(r"[\W_]+")


def page_title(html: str) -> str:
    """The text of the page's ``<title>``, whitespace collapsed, or ``""``."""
    match = _TITLE.search(html)
    if match is None:
        return ""
    from html import unescape

    return " ".join(unescape(match.group(1)).split())


def headline_of(title: str) -> str:
    """The headline in a page title: the longest part between separators, on the
    grounds that site names ("江南省教育厅") are shorter than report titles and sites put
    them on either side."""
    parts = [p.strip() for p in _TITLE_SEPARATOR.split(title) if p and p.strip()]
    return max(parts, key=len) if parts else ""


def _key(text: str) -> str:
    return _NOT_WORD.sub("", text)


def with_headline(text: str, headline: str) -> str:
    """Prepend ``headline`` unless one of the first three lines already carries it."""
    key = _key(headline)
    if not key:
        return text
    first_lines = [ln for ln in text.split("\n") if ln.strip()][:3]
    if any(key in _key(line) for line in first_lines):
        return text
    return f"{headline}\n{text}" if text else headline


# --------------------------------------------------------------------------- reader


def _clean_lines(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line and not is_chrome_line(line))


#: libxml2 (lxml, trafilatura) stops nesting elements at this depth and silently drops
#: the text below it. Old pages reach it with thousands of unclosed ``<font>`` tags.
PARSER_MAX_DEPTH = 255

_START_TAG = re.compile(r"<[A-Za-z]")


def count_start_tags(html: str) -> int:
    """Start tags in ``html`` (a cheap upper bound on its elements, in one pass)."""
    return sum(1 for _ in _START_TAG.finditer(html))


def check_size(html: str, max_elements: int) -> None:
    """Refuse a page with more than ``max_elements`` tags before building its tree:
    parsing and chrome removal take about 2.5 KB of memory and 40 µs per element,
    so a page of millions of empty tags (a few MB) would take gigabytes and minutes."""
    tags = count_start_tags(html)
    if tags > max_elements:
        raise ReadError(f"HTML page with {tags:,} tags, more than the limit of {max_elements:,} "
                        "(see docs/operations.md, §9 Limits)")


def tree_depth(root: HtmlElement) -> int:
    """Nesting depth of the parsed tree, walked without recursion."""
    deepest = 0
    stack = [(root, 1)]
    while stack:
        el, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in el)
    return deepest


class _TooDeep(Exception):
    """The tree parser reached its depth limit: part of the page is missing from the tree."""


def html_to_text(html: str) -> str:
    """The report text of a decoded page: see the module docstring.

    A page nested deeper than the tree parser goes (:data:`PARSER_MAX_DEPTH`) would
    lose its deeper text without a word, so it is read by the flat tag stripper,
    whose time and memory grow only with the page's length."""
    try:
        text = _clean_lines(_extract_with_trafilatura(html))
    except Exception as exc:  # noqa: BLE001 - a parser crash (or a page too deep) must not lose the page
        logging.getLogger(__name__).warning(
            "trafilatura failed on a page (%s: %s); reading it with the simple tag stripper", type(exc).__name__, exc)
        text = ""
    if not text:
        text = _clean_lines(strip_tags(html))
    return with_headline(text, headline_of(page_title(html)))


@register(".html", ".htm")
def read_html(data: bytes, name: str, limits: ReadLimits) -> RawText:  # noqa: ARG001
    html, encoding = decode_html(data)
    check_size(html, limits.max_html_elements)
    return RawText(text=html_to_text(html), encoding=encoding)
