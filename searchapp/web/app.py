"""The Flask application factory.

``create_app`` wires the pieces and owns the one :class:`SearchIndex` of the
process (tests pass ``engine=`` to share the session's index instead). The
index refreshes itself when ``searchapp index`` commits, so the app never
reopens it per request and never needs a restart after re-indexing.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from searchapp import __version__
from searchapp.config import Settings
from searchapp.engine import SearchIndex
from searchapp.web import errors
from searchapp.web.api import bp as api_bp
from searchapp.web.context import EXTENSION_KEY, WebContext
from searchapp.web.pages import bp as pages_bp
from searchapp.web.security import Guard


def create_app(settings: Settings, index_dir: Path | str | None = None, engine: SearchIndex | None = None) -> Flask:
    """A ready-to-serve app over ``index_dir`` (default: the configured index) or ``engine``."""
    if engine is None:
        engine = SearchIndex(settings, Path(index_dir) if index_dir else settings.index_path)
    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # raw UTF-8 Chinese, as the CLI prints
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep the query layer's field order
    app.jinja_env.autoescape = True
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.globals["version"] = __version__
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 3600
    app.extensions[EXTENSION_KEY] = WebContext(settings=settings, engine=engine)

    guard = Guard(settings.server)
    guard.install(app, errors.error_response)
    errors.install(app)
    app.register_blueprint(api_bp)
    app.register_blueprint(pages_bp)
    return app
