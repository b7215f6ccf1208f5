"""The query language users type, parsed into a small tree.

    教师交流            plain text: all words required (a dictionary word also by its
                        parts or synonyms); the phrase and the words near each other rank higher
    教师 交流           two chunks, both required (AND)
    "教师交流"          exact phrase only (also “…”, 「…」, 『…』)
    -民办  -"民办教育"   exclude
    均衡 OR 督导        either (also |, 或)
    (A OR B) C          grouping
    region:荔湾区  year:2008  year:2007-2010  theme:教师队伍  type:自查报告  origin:站点
                        filters (also 地区: 年份: 主题: 类型: 来源:; see model.FACETS)

Parsing never fails: input we cannot parse (unbalanced quotes or brackets,
an operator alone) is read as plain text, and ``notes`` says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Union

from searchapp.model import FIELD_ALIASES
from searchapp.normalize import normalize_query


_QUOTES = {'"': '"', "“": "”", "「": "」", "『": "』", "”": "”"}


@dataclass(frozen=True)
class Phrase:
    """Exact phrase (quoted)."""
    text: str


@dataclass(frozen=True)
class Plain:
    """Unquoted chunk: words required, exact phrase and proximity rank higher."""
    text: str


@dataclass(frozen=True)
class Not:
    node: "Node"


@dataclass(frozen=True)
class And:
    items: tuple["Node", ...]


@dataclass(frozen=True)
class Or:
    items: tuple["Node", ...]


Node = Union[Phrase, Plain, Not, And, Or]


@dataclass
class ParsedQuery:
    tree: Node | None                     # None: no text, filters only (or nothing)
    filters: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """How the query was understood, in the query language itself."""
        parts = [describe(self.tree)] if self.tree is not None else []
        for name, values in self.filters.items():
            parts.extend(f"{name}:{v}" for v in values)
        return " ".join(p for p in parts if p)


def describe(node: Node | None) -> str:
    if node is None:
        return ""
    if isinstance(node, Phrase):
        return f'"{node.text}"'
    if isinstance(node, Plain):
        return node.text
    if isinstance(node, Not):
        return f"-{describe(node.node)}"
    if isinstance(node, And):
        return " ".join(describe(i) for i in node.items)
    inner = " OR ".join(describe(i) for i in node.items)
    return f"({inner})"


class _Malformed(Exception):
    pass


_WORD_RE = re.compile(r"""[^\s()"“”「」『』]+""")
#: Deeper bracket nesting than any person types; beyond it the query is read as text
#: (a recursive-descent parser must not be driven into a stack overflow).
MAX_DEPTH = 32




def _lex(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch in _QUOTES:
            close = _QUOTES[ch]
            j = text.find(close, i + 1)
            if j == -1 and close != '"':
                j = text.find('"', i + 1)
            if j == -1:
                raise _Malformed("引号不成对")
            tokens.append(("PHRASE", text[i + 1:j]))
            i = j + 1
            continue
        if ch in "()":
            tokens.append((ch, ch))
            i += 1
            continue
        if ch == "-" and i + 1 < n and not text[i + 1].isspace() and (not tokens or tokens[-1][0] != "WORD"
                                                                       or text[i - 1].isspace()):
            tokens.append(("NOT", "-"))
            i += 1
            continue
        m = _WORD_RE.match(text, i)
        if m is None:  # a closing 」 or 』 with no opening one
            raise _Malformed("引号不成对")
        word = m.group()
        i = m.end()
        if word in ("OR", "|", "或"):
            tokens.append(("OR", word))
        elif word == "AND":
            continue
        else:
            tokens.append(("WORD", word))
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], filters: dict[str, list[str]]):
        self.tokens = tokens
        self.i = 0
        self.depth = 0
        self.filters = filters

    def peek(self) -> str | None:
        return self.tokens[self.i][0] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def parse(self) -> Node | None:
        node = self.expr()
        if self.i != len(self.tokens):
            raise _Malformed("括号不成对")
        return node

    def expr(self) -> Node | None:
        items = [self.conj()]
        while self.peek() == "OR":
            self.take()
            items.append(self.conj())
        if any(i is None for i in items):
            if len(items) > 1:
                raise _Malformed("OR 两边需要搜索词")
            return None
        return items[0] if len(items) == 1 else Or(tuple(items))  # type: ignore[arg-type]

    def conj(self) -> Node | None:
        items: list[Node] = []
        while self.peek() not in (None, "OR", ")"):
            node = self.unary()
            if node is not None:
                items.append(node)
        if not items:
            return None
        return items[0] if len(items) == 1 else And(tuple(items))

    def unary(self) -> Node | None:
        if self.peek() == "NOT":
            self.take()
            if self.peek() in (None, "OR", ")"):
                raise _Malformed("减号后需要搜索词")
            inner = self.atom()
            return Not(inner) if inner is not None else None
        return self.atom()

    def atom(self) -> Node | None:
        kind, value = self.take()
        if kind == "(":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise _Malformed("括号嵌套过深")
            node = self.expr()
            self.depth -= 1
            if self.peek() != ")":
                raise _Malformed("括号不成对")
            self.take()
            return node
        if kind == ")":
            raise _Malformed("括号不成对")
        if kind == "PHRASE":
            text = normalize_query(value)
            return Phrase(text) if text else None
        # WORD: maybe a field filter
        name, sep, rest = value.partition(":")
        if sep and name.lower() in FIELD_ALIASES:
            if not rest and self.peek() == "PHRASE":
                rest = self.take()[1]
            if rest:
                self.filters.setdefault(FIELD_ALIASES[name.lower()], []).append(rest.strip())
                return None
        text = normalize_query(value)
        return Plain(text) if text else None


def parse_query(text: str) -> ParsedQuery:
    """Parse user input; never raises."""
    filters: dict[str, list[str]] = {}
    notes: list[str] = []
    # Full-width brackets, colons and the like become ASCII first; quotes are kept.
    prepared = text.translate({0xFF08: "(", 0xFF09: ")", 0xFF1A: ":", 0xFF02: '"', 0xFF5C: "|",
                               0xFF0D: "-", 0x3000: " "})
    prepared = "".join(ch if ch.isprintable() else " " for ch in prepared)
    try:
        tree = _Parser(_lex(prepared), filters).parse()
    except _Malformed as exc:
        filters = {}
        words = re.sub(r"""["“”「」『』()\-|]+""", " ", prepared).split()
        tree = _fallback(words, filters)
        notes.append(f"查询语法有误（{exc}），已按普通文本搜索")
    return ParsedQuery(tree, filters, notes)


def _fallback(words: list[str], filters: dict[str, list[str]]) -> Node | None:
    items: list[Node] = []
    for w in words:
        if w in ("OR", "AND", "或"):
            continue
        name, sep, rest = w.partition(":")
        if sep and rest and name.lower() in FIELD_ALIASES:
            filters.setdefault(FIELD_ALIASES[name.lower()], []).append(rest)
            continue
        t = normalize_query(w)
        if t:
            items.append(Plain(t))
    if not items:
        return None
    return items[0] if len(items) == 1 else And(tuple(items))


def positive_texts(node: Node | None) -> tuple[list[str], list[str]]:
    """``(phrases, plains)`` that a matching document contains (not under a Not)."""
    phrases: list[str] = []
    plains: list[str] = []

    def walk(n: Node | None) -> None:
        if n is None or isinstance(n, Not):
            return
        if isinstance(n, Phrase):
            phrases.append(n.text)
        elif isinstance(n, Plain):
            plains.append(n.text)
        else:
            for i in n.items:
                walk(i)

    walk(node)
    return phrases, plains
