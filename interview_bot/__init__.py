"""The Symbiose web service: interview, facilitator workspace, CLI and digests."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: dict | None = None) -> Flask:
    """Build the Flask app; settings come from SYMBIOSE_* variables, then `config`."""
    # Imported here, not at the top: importing `interview_bot.gunicorn_conf` runs this
    # file first, and the blueprints pull in spaCy, which loads torch's OpenMP runtime.
    # That runtime reads OMP_NUM_THREADS once, when it loads; gunicorn_conf sets it to one
    # thread per worker and must run before it (see gunicorn_conf.py).
    from flask import Flask  # noqa: PLC0415

    from . import auth, db, digest, errors, facilitator, interview, introductions, rights, views, web  # noqa: PLC0415
    from .settings import load_settings  # noqa: PLC0415

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
