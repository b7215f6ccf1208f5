"""The Whoosh schema and the small JSON file that identifies an index.

Whoosh holds the stored fields of every document (metadata, facet fields, per-file
state). The body is indexed by the exact channel in
:mod:`searchapp.backend.local.textstore` (matching, ranking term frequencies, and the body's
jieba vocabulary for suggestions), tied to Whoosh by the integer ``key``:
indexing body words in Whoosh as well cost 40% of indexing time and a third of
the index size for nothing the queries used.
"""

from __future__ import annotations

from whoosh.fields import ID, STORED, Schema

from searchapp.model import FACET_FIELDS

#: Bumped when fields change; part of what an index must match to be opened.
SCHEMA_VERSION = 10  # 10: the document table beside each commit (doctable.py)
INDEX_META = "searchapp-index.json"


def build_schema() -> Schema:
    """Whoosh keeps the stored fields of every document; only ``id`` and ``source``
    are indexed (deletions by source, uniqueness). Matching, filters, facets and
    ranking read the snapshot's columns and the text store, so postings for titles
    or metadata would be written and never read."""
    fields = dict(
        id=ID(stored=True, unique=True),         # stable: hash of source path + article number
        key=STORED(),                            # joins the text store
        source=ID(stored=True),                  # absolute path of the file (incremental updates)
        path=STORED(),                           # path as given to `index`, plus #N for article N
        article=STORED(),                        # article number in a compilation (0 = whole file)
        title=STORED(),
        hash=STORED(),                           # content hash of the file (and its sidecar)
        mtime=STORED(),
        indexed=STORED(),                        # time this version was indexed (feeds)
        size=STORED(),
        length=STORED(),                         # characters of normalized text
        encoding=STORED(),
        fingerprint=STORED(),                    # MinHash sketch for near-duplicate clusters
        meta=STORED(),                           # evidence and theme scores, for `inspect` and pages
    )
    fields.update({name: STORED() for name in FACET_FIELDS})   # the facet registry's fields
    return Schema(**fields)
