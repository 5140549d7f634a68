"""Signed, expiring, single-purpose links for actors (no password).

A token names one actor and one purpose; the purpose is part of the signature's
salt, so an interview link cannot be replayed as, say, an unsubscribe link.
"""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

PURPOSES = ("interview", "unsubscribe", "introduction")


class LinkError(Exception):
    """The link is expired, tampered with or meant for something else."""

    def __init__(self, message: object, expired: bool = False):
        super().__init__(message)
        self.expired = expired


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown link purpose {purpose!r}; expected one of {PURPOSES}")
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"symbiose-link-{purpose}")


def make_token(actor_id: str, purpose: str = "interview", **extra: str) -> str:
    return _serializer(purpose).dumps({"a": actor_id, **extra})


def read_token(token: str, purpose: str = "interview") -> dict:
    max_age = int(current_app.config["LINK_MAX_AGE_DAYS"]) * 86_400
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise LinkError(_l("This link has expired. Ask for a new one on the home page."), expired=True) from None
    except BadSignature:
        raise LinkError(_l("This link is not valid. Check that it was copied in full, or ask for a new one.")) from None
    if not isinstance(payload, dict) or not isinstance(payload.get("a"), str):
        raise LinkError(_l("This link is not valid."))
    return payload


def actor_link(actor_id: str) -> str:
    """The absolute personal link an actor receives by email."""
    # Built by hand so the CLI can print links without a request context.
    return f"{current_app.config['BASE_URL'].rstrip('/')}/a/{make_token(actor_id, 'interview')}"
