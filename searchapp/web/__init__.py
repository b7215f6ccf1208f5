"""The web front end: search and document pages, the JSON API and the embeddable widget.

``create_app(settings, index_dir=None, engine=None)`` builds the Flask app;
``searchapp serve`` runs it with waitress (:mod:`searchapp.web.server`).
"""

from __future__ import annotations

from searchapp.web.app import create_app

__all__ = ["create_app"]
