"""The actor signed in on this browser (through their personal link), for every page of their space."""
from __future__ import annotations

from flask import abort, make_response, render_template, session
from flask_babel import gettext as _

from data import UnknownActor
from data.actors import get_actor
from data.types import Actor

from ..db import get_store


def signed_in_actor() -> Actor:
    """The session's actor, or a 401 page asking for the personal link.

    A session whose actor no longer exists (the account was erased from another
    browser, or by the retention rule) is forgotten and gets the same answer as no
    session at all: never a trace of the erased account.
    """
    actor_id = session.get("actor_id")
    if actor_id:
        try:
            return get_actor(get_store(), actor_id)
        except UnknownActor:
            session.clear()
    abort(make_response(render_template(
        "error.html", title=_("Please open your personal link"),
        message=_("This page belongs to an actor's personal space. Open the link you received by email, "
                  "or ask for a new one on the home page.")), 401))
