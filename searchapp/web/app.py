"""The Flask application factory.

``create_app`` wires the pieces and owns the one :class:`SearchService` of the
process (tests pass ``engine=`` to share the session's index instead). The
index refreshes itself when ``searchapp index`` commits, so the app never
reopens it per request and never needs a restart after re-indexing. It is
opened on first use (see :class:`~searchapp.web.context.IndexOpener`): while
there is no usable index, requests get a 503 with the reason, not a crash.

Request limits (:mod:`searchapp.web.limits`) are set here too: the app reads
nothing but short GET parameters, so anything large is refused early.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from searchapp import __version__
from searchapp.config import Settings
from searchapp.model import FACET_NAMES
from searchapp.query.service import SearchService
from searchapp.web import errors
from searchapp.web.api import bp as api_bp
from searchapp.web.context import EXTENSION_KEY, WebContext
from searchapp.web.contract import install as install_contract
from searchapp.web.export import bp as export_bp
from searchapp.web.feeds import bp as feeds_bp
from searchapp.web.limits import install as install_limits
from searchapp.web.origins import install as install_origins
from searchapp.web.pages import bp as pages_bp
from searchapp.web.security import Guard


def create_app(settings: Settings, index_dir: Path | str | None = None, engine: SearchService | None = None) -> Flask:
    """A ready-to-serve app over ``index_dir`` (default: the configured index) or ``engine``.

    The index is not opened here but on the first request that needs it, so the app
    can start (and say what is wrong on ``/healthz``) before an index exists."""
    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # raw UTF-8 Chinese, as the CLI prints
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep the query layer's field order
    app.jinja_env.autoescape = True
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.globals["version"] = __version__
    app.jinja_env.globals["facet_names"] = FACET_NAMES
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 3600
    app.extensions[EXTENSION_KEY] = WebContext.over(settings, Path(index_dir) if index_dir else None, engine)

    install_limits(app, settings, errors.error_response)  # before anything else: cheap refusals first
    install_origins(app, settings)  # before the Guard (see origins.install)
    guard = Guard(settings.server)
    guard.install(app, errors.error_response)
    install_contract(app, settings.search.max_page_size, errors.error_response)  # after the access checks
    errors.install(app)
    app.register_blueprint(api_bp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(export_bp)
    app.register_blueprint(feeds_bp)
    return app
