"""The actor's own data rights, from their space (signed in through their personal link).

    GET  /me/data.json   everything Symbiose holds about them, one JSON file
    GET  /me/delete      what deleting the account does, and a form to confirm it
    POST /me/delete      erase the account (both partitions), tell the facilitator, sign out
    GET  /me/deleted     the confirmation, shown after the session is cleared
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from data import UnknownActor
from data.actors import delete_actor, get_actor
from data.types import Actor

from ..db import get_store
from ..facilitator.notices import notify_erasure
from ..web import limiter
from .download import export_file

bp = Blueprint("rights", __name__, url_prefix="/me")


def signed_in_actor() -> Actor:
    """The actor of this browser session, or a clear page asking for the personal link."""
    actor_id = session.get("actor_id")
    if actor_id:
        try:
            return get_actor(get_store(), actor_id)
        except UnknownActor:  # erased meanwhile (from another browser, or by the retention rule)
            session.clear()
    abort(make_response(render_template(
        "error.html", title=_("Please open your personal link"),
        message=_("This page belongs to an actor's personal space. Open the link you received by email, "
                  "or ask for a new one on the home page.")), 401))


@bp.get("/data.json")
@limiter.limit("20 per hour")
def download():
    actor = signed_in_actor()
    return export_file(get_store(), actor.id, who=f"actor:{actor.id}")


@bp.route("/delete", methods=["GET", "POST"])
def delete():
    actor = signed_in_actor()
    if request.method == "GET":
        return render_template("rights/delete.html")
    if not request.form.get("confirm"):
        flash(_("Tick the box to confirm that you want to delete your account."), "error")
        return render_template("rights/delete.html"), 400
    store = get_store()
    erasure = delete_actor(store, actor.id, who=f"actor:{actor.id}")
    lang = session.get("lang") or actor.lang
    session.clear()
    if lang:
        session["lang"] = lang  # the confirmation page stays in the actor's language
    try:
        notify_erasure(store, erasure)
    except Exception:  # noqa: BLE001 - the erasure is done; a mail problem must not hide that from the actor
        current_app.logger.exception("the facilitator could not be told of an account deletion")
    return redirect(url_for("rights.deleted"))


@bp.get("/deleted")
def deleted():
    return render_template("rights/deleted.html")
