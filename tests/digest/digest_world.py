"""A small territory built through the real data layer, with canaries in every confidential field."""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

from data.actors import create_actor
from data.db import transaction
from data.proposals import save_proposals
from data.territories import create_territory, create_user
from data.types import Identity, Proposal, ScorePart

CANARY = "CANARY"  # every confidential value below contains it; no digest may


def stamp(**delta) -> str:
    return (datetime.now(timezone.utc) + timedelta(**delta)).isoformat(timespec="seconds")


class World:
    def __init__(self, store, slug: str = "nievre"):
        self.store = store
        self.territory = create_territory(store, slug, "Nièvre Est")
        self.slug = slug
        self.refs: dict[str, str] = {}
        self.proposals: dict[str, Proposal] = {}

    @property
    def territory_id(self) -> int:
        return self.territory["id"]

    def actor(self, ref: str, *, lang: str = "fr", status: str = "completed", naf: str = "16.10A",
              lat: float = 47.17, lon: float = 3.33, email: str | None = None) -> str:
        identity = Identity(
            name=f"{CANARY}-name-{ref}", email=email if email is not None else f"{ref}@example.org",
            siret=f"{CANARY}-siret-{ref}", phone=f"{CANARY}-phone-{ref}", contact=f"{CANARY}-contact-{ref}",
            naf=naf, commune=f"{CANARY}-commune-{ref}", postcode="58700", lat=lat, lon=lon,
        )
        actor = create_actor(self.store, self.slug, f"{CANARY}-ref-{ref}", identity, lang=lang, status=status)
        self.refs[ref] = actor.id
        self.backdate("actor", actor.id, hours=2)
        return actor.id

    def facilitator(self, email: str = "animateur@example.org") -> int:
        user = create_user(self.store, email, "correct horse battery", "facilitator", self.slug)
        with transaction(self.store.public):
            self.store.public["user"].update(user["id"], {"created_at": stamp(hours=-2)})
        return user["id"]

    def proposal(self, supplier: str, receiver: str, node: str = "material.wood.bark", *, km: float = 12.3,
                 visibility: str = "anonymous", age_minutes: int = 30) -> str:
        pid = "p_" + hashlib.sha256(f"{supplier}{receiver}{node}".encode()).hexdigest()[:12]
        proposal = Proposal(
            id=pid, kind="exchange", node_id=node, score=0.8, supplier=self.refs[supplier], receiver=self.refs[receiver],
            parts=[ScorePart("taxonomy", 1.0, 0.4, {"offer_node": node, "need_node": node, "relation": "same"}),
                   ScorePart("distance", 0.8, 0.2, {"known": True, "km": km})],
            visibility=visibility, fingerprint=pid,
        )
        self.proposals[pid] = proposal
        save_proposals(self.store, self.territory_id, list(self.proposals.values()))
        self.backdate("proposal", pid, minutes=age_minutes)
        return pid

    def unknown_resource(self, ref: str) -> None:
        with transaction(self.store.public):
            self.store.public["resource"].insert({
                "id": f"r_{ref}_{stamp()}", "actor_id": self.refs[ref], "direction": "offer", "node_id": None,
                "status": "unknown", "head": "bidule", "sharing": "anonymous",
                "created_at": stamp(minutes=-20), "updated_at": stamp(minutes=-20)})

    def backdate(self, table: str, row_id, **delta) -> None:
        when = stamp(**{k: -v for k, v in delta.items()})
        with transaction(self.store.public):
            self.store.public.execute(f"UPDATE [{table}] SET created_at = ?, updated_at = ? WHERE id = ?",
                                      [when, when, row_id])


def all_text(message) -> str:
    """Every header and body part of a received email, decoded."""
    parts = [f"{k}: {v}" for k, v in message.items()]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            parts.append(part.get_content())
    return "\n".join(parts)


def login(client, email: str, password: str = "correct horse battery") -> None:
    """Sign a facilitator in through the real login form (with its CSRF token)."""
    page = client.get("/login").get_data(as_text=True)
    token = csrf_token(page)
    response = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def csrf_token(page: str) -> str:
    import re

    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page)
    assert match, "no CSRF token in the page"
    return match.group(1)


def links_in(text: str) -> list[str]:
    import re

    return re.findall(r"https?://[^\s<>\"]+", text)
