"""Digest pages: unsubscribing (from a link in every digest) and the facilitator's preview."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from data import UnknownTerritory
from data.digests import set_subscribed, state
from data.territories import get_territory

from ..auth.tokens import LinkError, read_token
from ..db import get_store
from ..web import csrf, limiter
from .run import preview as preview_digest

ONE_CLICK = "One-Click"

bp = Blueprint("digest", __name__)


def _recipient_territory(recipient: str) -> int | None:
    kind, _sep, ident = recipient.partition(":")
    store = get_store()
    if kind == "actor":
        row = store.public.execute("SELECT territory_id FROM actor WHERE id = ?", [ident]).fetchone()
    elif kind == "user" and ident.isdigit():
        row = store.public.execute("SELECT territory_id FROM user WHERE id = ?", [int(ident)]).fetchone()
    else:
        row = None
    if row is None:
        abort(404)
    return row[0]


# CSRF exemption, narrowed by hand: RFC 8058 one-click unsubscription is a POST that a
# mail client sends without cookies or form token, with the body
# "List-Unsubscribe=One-Click". The signed, purpose-bound token in the URL is the proof
# of intent a CSRF token would give (a forger cannot produce it), and that POST can only
# unsubscribe. Every other POST to this page (the buttons) goes through csrf.protect().
@bp.route("/digest/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
@limiter.limit("30 per minute", methods=["POST"])
def unsubscribe(token: str):
    try:
        recipient = read_token(token, "unsubscribe")["a"]
    except LinkError as exc:
        return render_template("error.html", title=_("Invalid link"), message=str(exc)), 410 if exc.expired else 400
    territory_id = _recipient_territory(recipient)
    store = get_store()
    if request.method == "POST":
        if request.form.get("List-Unsubscribe") == ONE_CLICK:
            set_subscribed(store, recipient, territory_id, False)
            return "", 204
        csrf.protect()
        action = request.form.get("action")
        if action not in ("unsubscribe", "resubscribe"):
            abort(400)
        set_subscribed(store, recipient, territory_id, action == "resubscribe")
    subscribed = state(store, recipient).unsubscribed_at is None
    return render_template("digest/unsubscribe.html", subscribed=subscribed, changed=request.method == "POST")


@bp.get("/t/<slug>/digest/preview")
@login_required
def preview(slug: str):
    """Any person's next digest (an actor of the territory or one of its facilitators)."""
    store = get_store()
    try:
        territory = get_territory(store, slug)
    except UnknownTerritory:
        abort(404)
    if not current_user.may_see(territory["id"]):
        abort(404)
    actor_id, user_id = request.args.get("actor"), request.args.get("user")
    actors = list(store.public["actor"].rows_where("territory_id = ?", [territory["id"]], order_by="ref",
                                                   select="id, ref, kind, lang, status"))
    users = list(store.public["user"].rows_where("territory_id = ? AND role = 'facilitator'", [territory["id"]],
                                                 order_by="id", select="id, email"))
    digest = rendered = None
    if actor_id:
        if not any(a["id"] == actor_id for a in actors):
            abort(404)
        digest, rendered = preview_digest(store, territory, actor_id=actor_id)
    elif user_id:
        user = next((u for u in store.public["user"].rows_where(
            "id = ? AND territory_id = ? AND role = 'facilitator'", [user_id, territory["id"]])), None)
        if user is None:
            abort(404)
        digest, rendered = preview_digest(store, territory, user=user)
    return render_template("digest/preview.html", territory=territory, actors=actors, users=users,
                           digest=digest, rendered=rendered, actor_id=actor_id, user_id=user_id)
