"""Actor personal links: the link signs the actor in for this browser session; the actor's home page."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.routing import BuildError

from data.actors import find_by_email, get_actor, read_identity
from data.answers import list_answers
from data.errors import UnknownActor
from data.interviews import get_progress

from ..db import get_store
from ..interview.emails import send_new_link
from ..interview.flow import STEPS
from ..web import limiter
from .actor import signed_in_actor
from .tokens import LinkError, read_token

bp = Blueprint("auth", __name__)


@bp.get("/a/<token>")
def actor_link(token: str):
    try:
        payload = read_token(token, "interview")
        actor = get_actor(get_store(), payload["a"])
    except LinkError as exc:
        return render_template("error.html", title=_("Invalid link"), message=str(exc)), 410 if exc.expired else 400
    except UnknownActor:
        return render_template("error.html", title=_("Invalid link"),
                               message=_("This link belongs to an account that no longer exists.")), 410
    session.clear()
    session["actor_id"] = actor.id
    session["actor_lang"] = actor.lang
    # A link may name the page it opens (e.g. a digest item); it is signed, and only
    # a path on this site is followed.
    target = payload.get("n")
    if isinstance(target, str) and target.startswith("/") and not target.startswith(("//", "/\\")):
        return redirect(target)
    return redirect(url_for("auth.actor_home"))


@bp.get("/me")
def actor_home():
    actor_id = signed_in_actor().id
    store = get_store()
    identity = read_identity(store, actor_id, who=f"actor:{actor_id}")
    answers = list_answers(store, actor_id, who=f"actor:{actor_id}")
    progress = get_progress(store, actor_id)
    try:
        introductions_url = url_for("introductions.index")
    except BuildError:
        introductions_url = None
    return render_template("actor_home.html", identity=identity, answers=answers, progress=progress,
                           done=len([s for s in STEPS if s in progress.steps_done]), total=len(STEPS),
                           introductions_url=introductions_url)


@bp.post("/link")
@limiter.limit("5 per hour; 20 per day")
def request_link():
    """Email a new personal link; the answer is the same whether the address is known or not."""
    email = (request.form.get("email") or "").strip()[:200]
    if "@" not in email:
        flash(_("Please enter the email address the facilitator invited."), "error")
        return redirect(url_for("main.index") + "#new-link")
    store = get_store()
    for actor_id in find_by_email(store, email):
        delivery = send_new_link(store, actor_id)
        if delivery.error:
            current_app.logger.warning("link email for actor %s not sent yet: %s", actor_id, delivery.error)
    flash(_("If this address is known, a new personal link has just been sent to it. Check your inbox "
            "(and your spam folder)."), "success")
    return redirect(url_for("main.index"))
