"""searchapp: a search engine for Chinese government and education reports.

The package is a library first: the CLI (``searchapp.cli``), the JSON API and the
pages (``searchapp.web``) all call the same functions in ``searchapp.search``.
"""

__version__ = "0.1.0"
