"""One Store per request (flaskr's `get_db` pattern), closed on teardown."""
from __future__ import annotations

from flask import Flask, current_app, g

from data import Store


def get_store() -> Store:
    if "store" not in g:
        g.store = Store.open(current_app.config["DATA_DIR"], current_app.config["KEYRING"])
    return g.store


def close_store(_exc: BaseException | None = None) -> None:
    store = g.pop("store", None)
    if store is not None:
        store.close()


def init_app(app: Flask) -> None:
    app.teardown_appcontext(close_store)
