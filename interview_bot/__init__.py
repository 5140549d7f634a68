"""The Symbiose web service: interview, facilitator workspace, CLI and digests."""
from __future__ import annotations

from flask import Flask

from . import auth, db, digest, errors, facilitator, interview, introductions, rights, views, web
from .settings import load_settings


def create_app(config: dict | None = None) -> Flask:
    """Build the Flask app; settings come from SYMBIOSE_* variables, then `config`."""
    app = Flask(__name__)
    load_settings(app, config)
    db.init_app(app)
    web.init_app(app)
    errors.init_app(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(interview.bp)
    app.register_blueprint(facilitator.bp)
    app.register_blueprint(introductions.bp)
    app.register_blueprint(digest.bp)
    app.register_blueprint(rights.bp)
    return app
