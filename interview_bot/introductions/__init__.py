"""The actor's side of an introduction (double opt-in), at /me/introductions.

An actor signed in through their personal link (`session["actor_id"]`) sees the
introductions the facilitator asked them about, and accepts or declines each.
Until every party has accepted, the counterparty is described only by sector and
rough distance; once all have accepted, names and contacts are shown to each.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from data import UnknownActor
from data import decisions as dec
from data.actors import get_actor, read_identity
from data.proposals import load_proposal
from data.taxonomy import load_taxonomy
from matcher import explain

from ..auth.actor import signed_in_actor
from ..auth.tokens import LinkError, read_token
from ..db import get_store
from ..ingest import extra_synonyms
from ..matching import territory_actors

bp = Blueprint("introductions", __name__, url_prefix="/me/introductions")


@bp.get("/t/<token>")
def from_email(token: str):
    """The link in the introduction email: signs the actor in and opens that introduction."""
    try:
        payload = read_token(token, "introduction")
    except LinkError as exc:
        return render_template("error.html", title=_("Invalid link"), message=str(exc)), 410 if exc.expired else 400
    store = get_store()
    try:
        actor = get_actor(store, payload["a"])
    except UnknownActor:
        return render_template("error.html", title=_("Invalid link"),
                               message=_("This link belongs to an account that no longer exists.")), 410
    if session.get("actor_id") != actor.id:
        session.clear()
        session["actor_id"] = actor.id
        session["actor_lang"] = actor.lang
    return redirect(url_for("introductions.index", _anchor=f"p-{payload.get('p', '')}"))


@bp.get("/")
def index():
    actor = signed_in_actor()
    actor_id = actor.id
    store = get_store()
    lang = str(get_locale() or "fr")
    facts = {a.id: a for a in territory_actors(store, actor.territory_id)}
    taxonomy = load_taxonomy().with_synonyms(extra_synonyms(store))
    items = []
    for entry in dec.actor_introductions(store, actor_id):
        proposal = entry["proposal"]
        if proposal["status"] == "withdrawn":  # a party left Symbiose: nothing more to show
            entry["state"] = "withdrawn"
        revealed = entry["state"] == "accepted"
        others = [o["actor_id"] for o in entry["others"]]
        reveal = {actor_id, *others} if revealed else {actor_id}
        contacts = []
        if revealed:  # both said yes: each sees the other's name and contacts (audited as the actor's read)
            for other in others:
                try:
                    contacts.append(read_identity(store, other, who=f"actor:{actor_id}"))
                except UnknownActor:  # erased their account since
                    continue
        items.append({"proposal": proposal, "state": entry["state"], "mine": entry["intro"]["status"],
                      "text": explain(load_proposal(proposal), taxonomy, facts, lang=lang, reveal=reveal),
                      "contacts": contacts})
    return render_template("introductions/index.html", items=items)


@bp.post("/<proposal_id>")
def respond(proposal_id: str):
    actor_id = signed_in_actor().id
    choice = request.form.get("choice")
    if choice not in ("accept", "decline"):
        abort(400)
    try:
        state = dec.respond(get_store(), proposal_id, actor_id, choice == "accept")
    except dec.UnknownProposal:
        abort(404)
    if state == "withdrawn":
        flash(_("This introduction will not happen."))
    elif state == "accepted":
        flash(_("Everyone accepted: you can now see each other's contacts."))
    elif choice == "accept":
        flash(_("Thank you. We are waiting for the other party's answer."))
    else:
        flash(_("You declined this introduction. Nobody will be told who you are."))
    return redirect(url_for("introductions.index"))
