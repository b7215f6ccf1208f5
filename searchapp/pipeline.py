"""From a file on disk to the documents we index: one code path for `index` and `inspect`.

read → repair mojibake → clean boilerplate → split compilations → per article:
title (original script), normalize, year, region, themes, type → sidecar overrides.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from searchapp.config import Settings
from searchapp.errors import ReadError
from searchapp.normalize import normalize
from searchapp.readers import ReadLimits, read_bytes, read_file
from searchapp.sidecar import SidecarError, read_sidecar, sidecar_path

#: Compilations with more parts than this are indexed as one document.
MAX_ARTICLES = 1000


@dataclass
class Document:
    """One searchable unit: a report, or one article of a compilation."""

    id: str
    source: str                 # absolute path of the file
    path: str                   # path as given to `index`, plus #N for article N
    article: int                # 0 = the whole file; 1..N = article of a compilation
    title: str
    text: str                   # cleaned original text (original script)
    norm: str                   # normalized text (the exact channel searches this)
    norm_map: tuple[list[int], list[int]] = ([], [])  # Normalized.breakpoints: back to `text`
    province: str | None = None
    city: str | None = None
    district: str | None = None
    year: int | None = None
    themes: list[str] = field(default_factory=list)
    doctype: str | None = None
    origin: str | None = None   # the site or folder the file came from (the origin facet)
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def region_path(self) -> str:
        return "/".join(p for p in (self.province, self.city, self.district) if p)


@dataclass
class FileResult:
    """What the pipeline made of one file."""

    source: str
    path: str
    encoding: str | None = None
    documents: list[Document] = field(default_factory=list)
    removed_lines: int = 0
    removed: list[str] = field(default_factory=list)
    removed_why: list[tuple[str, str]] = field(default_factory=list)  # (line, reason)
    inline_removed: list[str] = field(default_factory=list)  # chrome removed inside lines
    mojibake_repairs: int = 0
    mojibake_spans: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def doc_id(source: str, article: int) -> str:
    """Stable id: the same file (and article) keeps its id across re-indexing."""
    return hashlib.sha1(f"{source}#{article}".encode("utf-8")).hexdigest()[:16]


def _extract(title: str, norm_text: str, settings: Settings, stamps: list[str] | None = None) -> dict[str, Any]:
    from searchapp.extract.doctype import detect_type
    from searchapp.extract.region import extract_region
    from searchapp.extract.themes import score_themes
    from searchapp.extract.title import is_first_sentence
    from searchapp.extract.year import extract_year

    norm_title = normalize(title).text
    # Year and type both distrust a title that is only the body's first sentence: asked once.
    sentence = is_first_sentence(norm_title, norm_text)
    year = extract_year(norm_title, norm_text, stamps=[normalize(s).text for s in stamps or []],
                        title_is_sentence=sentence)
    region = extract_region(norm_title, norm_text, year.year)
    candidates = score_themes(norm_text, settings.themes, title=norm_title)
    themes = [(e.theme, e.score) for e in candidates if e.assigned]
    return {
        "year": year.year,
        "province": region.province,
        "city": region.city,
        "district": region.district,
        "themes": [t for t, _ in themes],
        "doctype": detect_type(norm_title, norm_text, title_is_sentence=sentence),
        "evidence": {
            "year": year.evidence,
            "region": region.evidence,
            "themes": {t: round(s, 3) for t, s in themes},
            # keywords behind the assigned themes and the best near misses
            "theme_keywords": {e.theme: e.as_json() for i, e in enumerate(candidates) if e.assigned or i < 5},
        },
    }


#: Texts longer than this are repaired piece by piece (see :func:`_repair_in_pieces`).
REPAIR_PIECE_CHARS = 256 * 1024


def _repair_in_pieces(text: str) -> tuple[str, int, list[tuple[str, str]]]:
    """Mojibake repair with a cost linear in the file size.

    The repair weighs each guess by how often a character pair occurs in the text,
    and counting over the whole text for every damaged span makes it quadratic: a
    10 MB file full of damage took minutes. Ordinary reports are far below
    :data:`REPAIR_PIECE_CHARS` and are repaired as a whole, exactly as before; a
    larger text is repaired in pieces of about that size cut at line breaks, each
    piece still ample context for the pair counts."""
    from searchapp.mojibake import repair_mojibake

    if len(text) <= REPAIR_PIECE_CHARS:
        rep = repair_mojibake(text)
        return rep.text, rep.repairs, rep.spans
    out: list[str] = []
    repairs = 0
    spans: list[tuple[str, str]] = []
    start = 0
    while start < len(text):
        end = text.find("\n", start + REPAIR_PIECE_CHARS)
        end = len(text) if end == -1 else end + 1
        rep = repair_mojibake(text[start:end])
        out.append(rep.text)
        repairs += rep.repairs
        spans.extend(rep.spans)
        start = end
    return "".join(out), repairs, spans


def _check_name(source: str) -> None:
    """Refuse a file whose name is not valid UTF-8 (made on a system with another
    locale, e.g. GBK names copied from an old Windows share): its path could be
    neither stored in the index nor shown, so say so instead of failing obscurely."""
    try:
        source.encode("utf-8")
    except UnicodeEncodeError:
        raise ReadError("the file name is not valid UTF-8 (made on a system with another locale?); "
                        "rename the file to index it") from None


def prepare_file(path: Path, display_path: str, settings: Settings,
                 manifest_row: dict[str, Any] | None = None, raw_text: str | None = None,
                 encoding: str | None = None, origin: str | None = None,
                 data: bytes | None = None) -> FileResult:
    """Run the whole pipeline on one file. Raises :class:`ReadError` if unreadable.

    ``origin`` is the collection the file belongs to (the folder under the indexed
    root); by default the name of the file's folder. ``data``: the file's bytes when
    the caller has read them already (the indexer hashes them), so the file is read
    once; ``raw_text``: its text, already read."""
    from searchapp.clean import clean_text
    from searchapp.extract.title import extract_title
    from searchapp.split import split_articles

    source = str(path.resolve())
    _check_name(source)
    result = FileResult(source=source, path=display_path)
    if raw_text is None:
        limits = ReadLimits.from_settings(settings.indexing)
        raw = read_file(path, limits) if data is None else read_bytes(data, path.suffix, path.name, limits)
        raw_text, encoding = raw.text, raw.encoding
    result.encoding = encoding
    text = raw_text.replace("\r\n", "\n").replace("\r", "\n")
    ix = settings.indexing
    if ix.repair_mojibake:
        text, result.mojibake_repairs, result.mojibake_spans = _repair_in_pieces(text)
    overrides: dict[str, Any] = dict(manifest_row or {})
    side = sidecar_path(path)
    if side is not None:
        try:
            overrides.update(read_sidecar(side))
        except SidecarError as exc:
            result.warnings.append(f"sidecar ignored: {exc}")
    articles = split_articles(text) if ix.split_compilations else []
    if len(articles) <= 1 or len(articles) > MAX_ARTICLES:
        parts = [(None, text)]
    else:
        parts = [(a.title_hint, a.text) for a in articles]
    patterns = ix.boilerplate_patterns
    for number, (title_hint, part) in enumerate(parts, start=1 if len(parts) > 1 else 0):
        named = None
        stamps: list[str] = []
        if ix.clean_boilerplate:
            cleaned = clean_text(part, patterns, title_hint=title_hint)
            part = cleaned.text
            result.removed_lines += cleaned.removed_lines
            result.removed.extend(cleaned.removed)
            result.removed_why.extend(cleaned.reasons)
            result.inline_removed.extend(cleaned.inline)
            named = cleaned.named_title
            stamps = cleaned.stamps
        if not part.strip():
            continue
        title = title_hint or extract_title(part, filename=path.name, named=named)
        normalized = normalize(part)
        norm = normalized.text
        fields = _extract(title, norm, settings, stamps)
        fields["origin"] = origin if origin is not None else Path(source).parent.name
        if overrides:
            if "title" in overrides and len(parts) == 1:
                title = overrides["title"]
            for key in ("province", "city", "district", "year", "themes", "origin"):
                if key in overrides:
                    fields[key] = overrides[key]
            if "type" in overrides:
                fields["doctype"] = overrides["type"]
            fields["evidence"]["sidecar"] = sorted(overrides)
        result.documents.append(Document(
            id=doc_id(source, number), source=source,
            path=display_path + (f"#{number}" if number else ""), article=number,
            title=title, text=part, norm=norm, norm_map=normalized.breakpoints, **fields))
    return result


def file_result_to_json(result: FileResult) -> dict[str, Any]:
    """The ``searchapp inspect --json`` shape."""
    return {
        "path": result.path,
        "encoding": result.encoding,
        "removed_lines": result.removed_lines,
        "removed": result.removed,
        "removed_why": [{"line": line, "reason": reason} for line, reason in result.removed_why],
        "removed_inside_lines": result.inline_removed,
        "mojibake_repairs": result.mojibake_spans,
        "warnings": result.warnings,
        "articles": [
            {
                "title": d.title,
                "region": {"province": d.province, "city": d.city, "district": d.district},
                "year": d.year,
                "themes": d.themes,
                "type": d.doctype,
                "origin": d.origin,
                "evidence": d.evidence,
                "text": d.text,
            }
            for d in result.documents
        ],
    }


__all__ = ["Document", "FileResult", "prepare_file", "doc_id", "file_result_to_json"]
