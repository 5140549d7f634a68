"""Checks made before the web service starts (gunicorn's `on_starting` hook, see gunicorn_conf.py).

Workers build the app lazily and would only fail request by request (a 503 page
per visitor) when the vault key is wrong; the master checks once and refuses to
start with one line saying what to fix.
"""
from __future__ import annotations

from data import Store, SymbioseError

from . import create_app


def startup_problem(config: dict | None = None) -> str | None:
    """Why the service must not start (settings, missing databases, a key that does not open the vault), or None."""
    try:
        app = create_app(config)
        Store.open(app.config["DATA_DIR"], app.config["KEYRING"]).close()
    except SymbioseError as exc:
        return str(exc)
    return None
