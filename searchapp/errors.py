"""Exceptions that carry a message meant for the user, not a traceback."""


class SearchappError(Exception):
    """Base class: the CLI prints ``str(exc)`` and exits non-zero; the API returns a 4xx."""


class ConfigError(SearchappError):
    """config.yaml is unreadable, has an unknown key or a value of the wrong type."""


class ReadError(SearchappError):
    """A file could not be turned into text (binary, undecodable, damaged, unsupported)."""


class IndexMismatchError(SearchappError):
    """The index on disk was built by another analyzer version or schema."""


class IndexMissingError(SearchappError):
    """No index exists where one was expected."""


class IndexLockedError(SearchappError):
    """Another indexing run holds the index's write lock."""
