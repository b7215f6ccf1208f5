"""The query layer: what users type → a checked :class:`~searchapp.backend.base.Plan` →
a backend → a page of highlighted hits. One code path for the CLI, the JSON API,
the pages and the widget.

* :mod:`.parse` — the query language (phrases, NOT, OR, groups, ``field:value``);
* :mod:`.plan` — request checks, filters and terms;
* :mod:`.present` — hits, snippets, the facet tree;
* :mod:`.service` — :class:`~.service.SearchService` (with its response cache), ``search()``.

Nothing here imports a backend implementation or the indexing side.
"""
