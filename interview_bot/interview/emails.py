"""The email an actor receives when they ask for a new personal link (through interview_bot.mail)."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from data import Store
from data.actors import get_actor

from ..auth.tokens import actor_link
from ..mail import Delivery, send_email
from ..web import LOCALES


def send_new_link(store: Store, actor_id: str) -> Delivery:
    """Send a fresh personal link; at most one email per actor and hour, however often it is asked."""
    actor = get_actor(store, actor_id)
    lang = actor.lang if actor.lang in LOCALES else current_app.config.get("DEFAULT_LOCALE", "fr")
    hour = datetime.now(timezone.utc).strftime("%Y%m%dT%H")
    with force_locale(lang):
        subject = _("Your personal Symbiose link")
        text = _(
            "Hello,\n\nHere is a new personal link to your Symbiose space, where you can continue or correct "
            "your interview:\n%(link)s\n\nDo not share it: it opens your space without a password. "
            "It stays valid for %(days)s days.\n\nIf you did not ask for it, you can ignore this email.\n",
            link=actor_link(actor_id), days=current_app.config["LINK_MAX_AGE_DAYS"])
    return send_email(store, current_app.config, to_actor=actor_id, subject=subject, text=text, kind="link",
                      key=f"link:{actor_id}:{hour}", lang=lang, territory_id=actor.territory_id)
