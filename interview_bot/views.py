"""Public pages: the landing page and a health check."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template

from .db import get_store

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    return render_template("index.html")


@bp.get("/healthz")
def healthz():
    store = get_store()
    store.public.execute("SELECT 1").fetchone()
    return jsonify(status="ok", vault=store.has_vault)
