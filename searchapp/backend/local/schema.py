"""The Whoosh schema and the small JSON file that identifies an index.

Whoosh holds the metadata and stored fields of every document and the jieba
words of its title (with positions). The body is indexed by the exact channel in
:mod:`searchapp.backend.local.textstore` (matching, ranking term frequencies, and the body's
jieba vocabulary for suggestions), tied to Whoosh by the integer ``key``:
indexing body words in Whoosh as well cost 40% of indexing time and a third of
the index size for nothing the queries used.
"""

from __future__ import annotations

from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from searchapp.analysis import chinese_analyzer

#: Bumped when fields change; part of what an index must match to be opened.
SCHEMA_VERSION = 7
INDEX_META = "searchapp-index.json"


def build_schema(user_words: list[str] | tuple[str, ...]) -> Schema:
    analyzer = chinese_analyzer(user_words)
    return Schema(
        id=ID(stored=True, unique=True),          # stable: hash of source path + article number
        key=NUMERIC(int, bits=64, stored=True, signed=False),  # joins the text store
        source=ID(stored=True),                  # absolute path of the file (incremental updates)
        path=STORED(),                           # path as given to `index`, plus #N for article N
        article=STORED(),                        # article number in a compilation (0 = whole file)
        title=TEXT(analyzer=analyzer, stored=True, phrase=True),
        province=ID(stored=True),
        city=ID(stored=True),
        district=ID(stored=True),
        region=KEYWORD(stored=True, commas=True),  # "广东省/广州市/荔湾区" path and every level
        year=NUMERIC(int, stored=True, sortable=True),
        themes=KEYWORD(stored=True, commas=True, vector=None),
        doctype=ID(stored=True),
        origin=ID(stored=True),                  # the site or folder of the file (origin facet)
        hash=STORED(),                           # content hash of the file (and its sidecar)
        mtime=STORED(),
        size=STORED(),
        length=NUMERIC(int, stored=True),        # characters of normalized text
        encoding=STORED(),
        fingerprint=STORED(),                    # SimHash for near-duplicate clusters
        meta=STORED(),                           # evidence and theme scores, for `inspect` and pages
    )


