"""Inviting an actor from the command line: find or create them, make their link, email it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from data import Store, SymbioseError
from data.actors import create_actor, find_by_email, get_actor
from data.db import transaction
from data.store import now
from data.territories import get_territory
from data.types import Identity

from ..auth.tokens import actor_link
from ..facilitator.emails import send_invitation
from ..mail import Delivery, valid_address


@dataclass
class Invitation:
    actor_id: str
    created: bool
    link: str
    delivery: Delivery | None


def invite_actor(store: Store, slug: str, email: str, *, name: str | None = None, lang: str = "fr",
                 send: bool = True) -> Invitation:
    """The actor of territory `slug` with this address (created if needed), their link, and the email sent."""
    email = email.strip()
    if not valid_address(email):
        raise SymbioseError(f"{email!r} is not an email address.")
    territory = get_territory(store, slug)
    known = [a for a in find_by_email(store, email) if get_actor(store, a).territory_id == territory["id"]]
    if known:
        actor_id, created = known[0], False
    else:
        identity = Identity(name=(name or "").strip()[:200] or None, email=email[:200])
        actor_id, created = create_actor(store, slug, None, identity, lang=lang, status="invited").id, True
    delivery = None
    if send:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
        delivery = send_invitation(store, actor_id, territory, key=f"invitation:{actor_id}:cli:{stamp}")
        with transaction(store.public):
            store.public["invitation"].insert({"actor_id": actor_id, "user_id": None, "kind": "cli", "sent_at": now()})
    return Invitation(actor_id, created, actor_link(actor_id), delivery)
