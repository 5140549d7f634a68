"""A territory where two actors hold a canary in every field they own, in both partitions.

Every canary is a distinct string planted through the data layer, so a test can
say exactly which of an actor's values an export carries, and that none of them
survives their deletion in the database files.
"""
from __future__ import annotations

import email
import email.policy
import re
import socket
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from data import decisions as dec
from data import outbox
from data.actors import create_actor
from data.answers import quantity_band, replace_resources, save_answer
from data.db import transaction
from data.digests import set_subscribed
from data.interviews import Progress, record_items, save_progress, update_item
from data.store import now
from data.territories import create_territory, create_user
from data.types import Identity, Quantity, Resource
from interview_bot.auth.tokens import make_token
from interview_bot.matching import refresh

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SAWDUST, BEDDING = "material.wood.sawdust_untreated", "material.input.animal_bedding"


@dataclass
class Planted:
    """One actor and the canaries planted in its fields (field name → canary)."""

    actor_id: str
    ref: str
    public: dict[str, str] = field(default_factory=dict)  # plaintext in public.db
    vault: dict[str, str] = field(default_factory=dict)  # sealed in vault.db

    @property
    def canaries(self) -> dict[str, str]:
        return {**self.public, **self.vault}


def plant(store, slug: str, tag: str, *, direction: str, node_id: str, naf: str, lat: float, lon: float) -> Planted:
    """An actor of `slug` with `tag` in every field: identity, answer, resource, figures, details, notes, emails."""
    c = lambda name: f"{tag}{name}"  # noqa: E731
    ref = c("ref")
    identity = Identity(name=c("Name"), email=f"{tag.lower()}mail@example.org", siret=c("Siret"), phone=c("Phone"),
                        contact=c("Contact"), naf=naf, commune=c("Commune"), postcode=c("Postcode"),
                        lat=lat, lon=lon, size=c("Size"))
    actor = create_actor(store, slug, ref, identity, status="in_progress")
    planted = Planted(actor.id, ref, public={"ref": ref, "words": c("words")},
                      vault={k: getattr(identity, k) for k in ("name", "email", "siret", "phone", "contact",
                                                               "commune", "postcode", "size")})
    planted.vault.update(lat=f"{lat:.6f}".rstrip("0"), lon=f"{lon:.6f}".rstrip("0"))
    topic = "offers" if direction == "offer" else "needs"
    answer = save_answer(store, actor.id, topic, f"environ 200 t/an {c('Answer')}")
    planted.vault["answer"] = c("Answer")
    quantity = Quantity(200.0, "t/yr", "mass", text=f"200 t {c('Qty')}", original_unit="t")
    planted.vault["quantity"] = c("Qty")
    [resource] = replace_resources(store, actor.id, answer.id, [(
        Resource(id="", actor_id="", direction=direction, node_id=node_id, status="confirmed",
                 head=c("words"), confidence=0.9), quantity)])
    record_items(store, actor.id, answer.id, [(resource.id, [(node_id, 0.9)])])
    update_item(store, actor.id, resource.id, node_id=node_id, status="confirmed", sharing="named",
                frequency="per_year", months=(), quantity=quantity, band=quantity_band(200.0),
                detail={"condition": c("Detail")})
    planted.vault["detail"] = c("Detail")
    save_progress(store, Progress(actor.id, consent_at=now(), default_sharing="named",
                                  steps_done=["consent", "identity", topic]))
    with transaction(store.public):
        store.public["invitation"].insert({"actor_id": actor.id, "user_id": None, "kind": "cli", "sent_at": now()})
    with transaction(store.vault):  # a facilitator's note about the actor (sealed like data.decisions.comment)
        note_id = store.vault["note"].insert({"actor_id": actor.id, "proposal_id": None, "author_id": None,
                                              "text_enc": None, "created_at": now()}).last_pk
        store.vault["note"].update(note_id, {"text_enc": store.seal(c("Note"), f"note:{note_id}")})
    planted.vault["note"] = c("Note")
    outbox.enqueue(store, key=f"link:{actor.id}:test", kind="link", subject=c("Subject"), text="Votre lien",
                   actor_id=actor.id, territory_id=actor.territory_id, lang="fr", message_id=f"<{actor.id}@test>")
    planted.vault["email subject"] = c("Subject")
    set_subscribed(store, f"actor:{actor.id}", actor.territory_id, False)
    return planted


def build(store) -> dict:
    """Territory nord: a sawmill (A) offering sawdust, a farm (B) needing bedding, their accepted proposal;
    a territory sud with its own facilitator. Returns the ids and canaries."""
    create_territory(store, "nord", "Territoire nord")
    create_territory(store, "sud", "Territoire sud")
    facilitator = create_user(store, "anim@nord.example", PASSWORD, "facilitator", "nord")
    create_user(store, "anim@sud.example", PASSWORD, "facilitator", "sud")
    mill = plant(store, "nord", "Kq1", direction="offer", node_id=SAWDUST, naf="16.10A", lat=47.012345, lon=3.012345)
    farm = plant(store, "nord", "Kq2", direction="need", node_id=BEDDING, naf="01.41Z", lat=47.054321, lon=3.054321)
    refresh(store, "nord")
    [pid] = [r["id"] for r in store.public["proposal"].rows_where("status = 'new'")]
    dec.accept(store, pid, facilitator["id"], title="sciure → litière")
    dec.respond(store, pid, mill.actor_id, True)  # the mill said yes; the farm has not answered yet
    return {"mill": mill, "farm": farm, "proposal": pid, "facilitator": facilitator}


def raw_bytes(data_dir: Path, name: str) -> bytes:
    """A database file as it lies on disk, with its WAL if one is left."""
    out = b""
    for suffix in ("", "-wal"):
        path = data_dir / (name + suffix)
        if path.exists():
            out += path.read_bytes()
    return out


def sealed_values(store, actor_id: str) -> list[bytes]:
    """Every ciphertext and keyed hash the vault holds for an actor (what must be gone after erasure)."""
    values: list[bytes] = []
    queries = [
        ("SELECT * FROM identity WHERE actor_id = ?", None),
        ("SELECT text_enc FROM answer WHERE actor_id = ?", None),
        ("SELECT quantity_enc FROM exact_quantity WHERE actor_id = ?", None),
        ("SELECT detail_enc FROM resource_detail WHERE actor_id = ?", None),
        ("SELECT text_enc FROM note WHERE actor_id = ?", None),
        ("SELECT content_enc FROM outbox WHERE actor_id = ?", None),
    ]
    for sql, _ in queries:
        for row in store.vault.execute(sql, [actor_id]).fetchall():
            for value in row:
                if isinstance(value, bytes) and len(value) > 24:
                    values.append(value[18:])  # the ciphertext body (after magic, key id and nonce)
                elif isinstance(value, str) and len(value) == 64:
                    values.append(value.encode())  # email fingerprint
    return values


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """The aiosmtpd handler: keeps every accepted message as (recipients, parsed message)."""

    def __init__(self):
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def text_to(self, address: str) -> list[str]:
        return [f"{m['Subject']}\n{m.get_body(('plain',)).get_content()}" for to, m in self.messages if address in to]


class Browser:
    """A test client that sends the CSRF token of the last page it read, like a browser."""

    def __init__(self, app):
        self.app, self.client, self.token = app, app.test_client(), None

    def get(self, path, **kw):
        response = self.client.get(path, **kw)
        if response.mimetype == "text/html":
            found = CSRF.search(response.get_data(as_text=True))
            self.token = found.group(1) if found else self.token
        return response

    def post(self, path, data=None, **kw):
        return self.client.post(path, data={"csrf_token": self.token, **(data or {})}, **kw)

    def open_link(self, actor_id: str):
        with self.app.test_request_context():
            token = make_token(actor_id, "interview")
        self.link = f"/a/{token}"
        return self.get(self.link)

    def login(self, address: str):
        self.get("/login")
        return self.post("/login", {"email": address, "password": PASSWORD})


def days_ago(days: int) -> str:
    return datetime.fromtimestamp(datetime.now(timezone.utc).timestamp() - days * 86_400, timezone.utc).isoformat(
        timespec="seconds")
