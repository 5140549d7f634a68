"""The emails the facilitator workspace sends, through interview_bot.mail.

Each message is written in the recipient's language and carries a personal,
single-purpose link. Keys make every send idempotent: the same invitation or
introduction request is one email, ever (a resend uses a new key on purpose).
"""
from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from data import Store
from data.actors import get_actor

from ..auth.tokens import actor_link, make_token
from ..mail import Delivery, send_email
from ..web import LOCALES


def _lang(actor_lang: str | None) -> str:
    return actor_lang if actor_lang in LOCALES else current_app.config.get("DEFAULT_LOCALE", "fr")


def introduction_link(actor_id: str, proposal_id: str) -> str:
    token = make_token(actor_id, "introduction", p=proposal_id)
    return f"{current_app.config['BASE_URL'].rstrip('/')}/me/introductions/t/{token}"


def _send(store: Store, actor_id: str, territory: dict, kind: str, key: str,
          write: Callable[[], tuple[str, str]]) -> Delivery:
    """Write the message in the actor's language (`write` returns subject and text) and send it."""
    lang = _lang(get_actor(store, actor_id).lang)
    with force_locale(lang):
        subject, text = write()
    return send_email(store, current_app.config, to_actor=actor_id, subject=subject, text=text, kind=kind,
                      key=key, lang=lang, territory_id=territory["id"])


def send_invitation(store: Store, actor_id: str, territory: dict, key: str) -> Delivery:
    """Invite an actor to answer the interview (their personal link)."""
    def write() -> tuple[str, str]:
        subject = _("%(territory)s invites you to share your resources", territory=territory["name"])
        text = _(
            "Hello,\n\nThe facilitator of %(territory)s invites you to a short interview about what your "
            "organisation needs and what it could offer to its neighbours (by-products, heat, equipment, "
            "premises, skills…).\n\nYour personal link (do not share it):\n%(link)s\n\n"
            "Your name, contacts and exact figures stay confidential: nobody sees them without your consent.\n",
            territory=territory["name"], link=actor_link(actor_id))
        return subject, text
    return _send(store, actor_id, territory, "invitation", key, write)


def send_introduction_request(store: Store, actor_id: str, proposal_id: str, territory: dict,
                              description: str) -> Delivery:
    """Ask one party whether they want to be introduced; `description` never names the counterparty."""
    def write() -> tuple[str, str]:
        subject = _("A possible partner near you: do you want to be introduced?")
        text = _(
            "Hello,\n\nThe facilitator of %(territory)s has reviewed a possible synergy for you:\n\n%(description)s\n\n"
            "Do you want to be put in touch? Answer here:\n%(link)s\n\n"
            "Your name and contacts are shown to the other party only if both of you accept.\n",
            territory=territory["name"], description=description, link=introduction_link(actor_id, proposal_id))
        return subject, text
    return _send(store, actor_id, territory, "introduction", f"introduction:{proposal_id}:{actor_id}", write)


def send_reminder(store: Store, actor_id: str, territory: dict, year: int) -> Delivery:
    """The yearly invitation to refresh one's answers (one per actor and year)."""
    def write() -> tuple[str, str]:
        subject = _("Time to update your resources for %(territory)s", territory=territory["name"])
        text = _(
            "Hello,\n\nYour answers to the %(territory)s interview are more than a year old. Flows change: "
            "an update takes a few minutes and keeps the proposals useful.\n\nYour personal link:\n%(link)s\n",
            territory=territory["name"], link=actor_link(actor_id))
        return subject, text
    return _send(store, actor_id, territory, "reminder", f"reminder:{actor_id}:{year}", write)
