"""Actor personal links: the link signs the actor in for this browser session."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, session, url_for

from data.actors import get_actor, read_identity
from data.answers import list_answers

from ..db import get_store
from .tokens import LinkError, read_token

bp = Blueprint("auth", __name__)


@bp.get("/a/<token>")
def actor_link(token: str):
    try:
        payload = read_token(token, "interview")
    except LinkError as exc:
        return render_template("error.html", title="Lien invalide", message=str(exc)), 410 if exc.expired else 400
    actor = get_actor(get_store(), payload["a"])
    session.clear()
    session["actor_id"] = actor.id
    return redirect(url_for("auth.actor_home"))


@bp.get("/me")
def actor_home():
    actor_id = session.get("actor_id")
    if not actor_id:
        abort(401)
    store = get_store()
    identity = read_identity(store, actor_id, who=f"actor:{actor_id}")
    answers = list_answers(store, actor_id, who=f"actor:{actor_id}")
    return render_template("actor_home.html", identity=identity, answers=answers)
