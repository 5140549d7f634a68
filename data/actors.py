"""Actors across both partitions: public pseudonymous part, sealed identity in the vault."""
from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator

from .db import flush_deleted, transaction
from .errors import UnknownActor
from .store import Store, new_id, now
from .synergies import OPEN_STAGES, move, synergy_for
from .territories import get_territory
from .types import IDENTITY_FIELDS, Actor, Identity

LOCATION_DECIMALS = 2  # 0.01° ≈ 1.1 km of latitude: the public partition's precision

# Coarse kind of actor from the NACE division, for anonymous descriptions.
_KIND_BY_DIVISION = {
    **{d: "farm" for d in ("01", "02", "03")},
    "84": "local_authority",
    "86": "health",
    "87": "care_home",
    "88": "social",
    "94": "association",
    "85": "education",
}


def kind_for(naf: str | None) -> str:
    division = division_of(naf)
    return _KIND_BY_DIVISION.get(division or "", "company")


def division_of(naf: str | None) -> str | None:
    if not naf:
        return None
    digits = "".join(ch for ch in naf if ch.isdigit())
    return digits[:2] if len(digits) >= 2 else None


def round_location(value: float | None) -> float | None:
    return None if value is None else round(float(value), LOCATION_DECIMALS)


def _identity_row(store: Store, actor_id: str, identity: Identity) -> dict:
    row: dict = {"actor_id": actor_id, "updated_at": now()}
    for name in IDENTITY_FIELDS:
        value = getattr(identity, name)
        row[f"{name}_enc"] = store.seal(None if value is None else str(value), f"identity.{name}:{actor_id}")
    email = (identity.email or "").strip().lower()
    row["email_fp"] = store.keyring.fingerprint("email:" + email) if email and store.keyring else None
    return row


def create_actor(
    store: Store, territory_slug: str, ref: str | None, identity: Identity, *, lang: str = "fr", status: str = "invited"
) -> Actor:
    """Create an actor in both partitions; returns its public part."""
    territory = get_territory(store, territory_slug)
    actor_id = new_id("a")
    actor = Actor(
        id=actor_id,
        territory_id=territory["id"],
        ref=ref or actor_id,
        kind=kind_for(identity.naf),
        naf_division=division_of(identity.naf),
        lat=round_location(identity.lat),
        lon=round_location(identity.lon),
        lang=lang,
        status=status,
    )
    # Vault first: if the public write fails, an orphan sealed identity is harmless.
    with transaction(store.vault):
        store.vault["identity"].insert(_identity_row(store, actor_id, identity))
    with transaction(store.public):
        store.public["actor"].insert({**dataclasses.asdict(actor), "created_at": now(), "updated_at": now()})
    return actor


def update_identity(store: Store, actor_id: str, identity: Identity, *, lang: str | None = None) -> None:
    """Replace an actor's identity and refresh the coarse public facts derived from it."""
    with transaction(store.vault):
        store.vault["identity"].upsert(_identity_row(store, actor_id, identity), pk="actor_id")
    public = {
        "kind": kind_for(identity.naf),
        "naf_division": division_of(identity.naf),
        "lat": round_location(identity.lat),
        "lon": round_location(identity.lon),
        "updated_at": now(),
    }
    if lang:
        public["lang"] = lang
    with transaction(store.public):
        store.public["actor"].update(actor_id, public)


def get_actor(store: Store, actor_id: str) -> Actor:
    rows = list(store.public["actor"].rows_where("id = ?", [actor_id]))
    if not rows:
        raise UnknownActor(f"No actor {actor_id!r}.")
    return _actor(rows[0])


def _actor(row: dict) -> Actor:
    fields = {f.name for f in dataclasses.fields(Actor)}
    return Actor(**{k: v for k, v in row.items() if k in fields})


def find_by_ref(store: Store, territory_id: int, ref: str) -> Actor | None:
    rows = list(store.public["actor"].rows_where("territory_id = ? AND ref = ?", [territory_id, ref]))
    return _actor(rows[0]) if rows else None


def list_actors(store: Store, territory_id: int) -> Iterator[Actor]:
    for row in store.public["actor"].rows_where("territory_id = ?", [territory_id], order_by="ref"):
        yield _actor(row)


def read_identity(store: Store, actor_id: str, *, who: str, user_id: int | None = None) -> Identity:
    """Decrypt an actor's identity; the read is written to the audit log."""
    rows = list(store.vault["identity"].rows_where("actor_id = ?", [actor_id]))
    if not rows:
        raise UnknownActor(f"No identity for actor {actor_id!r} in the vault.")
    store.audit("read_identity", actor_id, f"identity:{actor_id}", who=who, user_id=user_id)
    return _identity_from_row(store, rows[0])


def _identity_from_row(store: Store, row: dict) -> Identity:
    actor_id = row["actor_id"]
    values = {name: store.unseal(row[f"{name}_enc"], f"identity.{name}:{actor_id}") for name in IDENTITY_FIELDS}
    for name in ("lat", "lon"):
        values[name] = float(values[name]) if values[name] not in (None, "") else None
    return Identity(**values)


def find_by_email(store: Store, email: str) -> list[str]:
    """Actor ids whose identity email is `email` (compared through a keyed hash)."""
    if store.keyring is None:
        return []
    # Every key of the keyring: until `symbiose keys rotate` has run, older rows carry the old key's hash.
    fps = store.keyring.fingerprints("email:" + email.strip().lower())
    where = f"email_fp IN ({', '.join('?' * len(fps))})"
    return [r["actor_id"] for r in store.vault["identity"].rows_where(where, fps)]


def set_status(store: Store, actor_id: str, status: str) -> None:
    with transaction(store.public):
        store.public["actor"].update(actor_id, {"status": status, "updated_at": now()})


@dataclasses.dataclass(frozen=True)
class Erasure:
    """What erasing an actor changed, for the people who must be told (never who the actor was)."""

    territory_id: int | None
    proposals_withdrawn: int = 0
    introductions_closed: int = 0
    synergies_abandoned: int = 0
    messages_dropped: int = 0


ERASED_REASON = "a party deleted their account"  # why their open synergies are abandoned


def delete_actor(store: Store, actor_id: str, *, who: str, user_id: int | None = None, flush: bool = True) -> Erasure:
    """Erase an actor from both partitions and flush the erased bytes out of the database files.

    Vault: identity, answers, exact figures, notes, item details, their emails in the
    outbox (pending or sent) and their digest state. Public: the actor, resources,
    interview state, invitations and their side of introductions. Proposals that
    involved them are withdrawn and kept as anonymous history without the actor;
    the synergies still open on them are abandoned. Their decisions stay, unsigned.
    The audit log keeps one `delete` record. Safe to run again after an interruption.
    `flush=False` leaves the final WAL flush (data.db.flush_deleted) to a caller erasing many.
    """
    row = store.public["actor"].get(actor_id) if store.public["actor"].count_where("id = ?", [actor_id]) else None
    with transaction(store.vault):
        dropped = store.vault.execute(
            "SELECT count(*) FROM outbox WHERE actor_id = ? AND status != 'sent'", [actor_id]).fetchone()[0]
        for table in ("answer", "exact_quantity", "note", "resource_detail", "outbox"):
            store.vault.execute(f"DELETE FROM [{table}] WHERE actor_id = ?", [actor_id])
        store.vault.execute("DELETE FROM digest_state WHERE recipient = ?", [f"actor:{actor_id}"])
        store.vault.execute("DELETE FROM identity WHERE actor_id = ?", [actor_id])
        store.vault["audit"].insert(
            {"at": now(), "user_id": user_id, "who": who, "action": "delete", "actor_id": actor_id, "record": f"actor:{actor_id}"}
        )
    with transaction(store.public):
        resource_ids = {r["id"] for r in store.public["resource"].rows_where("actor_id = ?", [actor_id], select="id")}
        involved = list(store.public["proposal"].rows_where(
            "supplier_id = :a OR receiver_id = :a OR members LIKE :like", {"a": actor_id, "like": f'%"{actor_id}"%'}
        ))
        abandoned = 0
        for proposal in involved:
            members = [m for m in json.loads(proposal["members"] or "[]") if m != actor_id]
            store.public["proposal"].update(
                proposal["id"],
                {
                    "status": "withdrawn",
                    "supplier_id": None if proposal["supplier_id"] == actor_id else proposal["supplier_id"],
                    "receiver_id": None if proposal["receiver_id"] == actor_id else proposal["receiver_id"],
                    "members": json.dumps(members),
                    "resources": json.dumps([r for r in json.loads(proposal["resources"] or "[]") if r not in resource_ids]),
                    "updated_at": now(),
                },
            )
            synergy = synergy_for(store, proposal["id"])
            if synergy and synergy["stage"] in OPEN_STAGES:
                move(store, synergy["id"], "abandoned", user_id, ERASED_REASON)
                abandoned += 1
        closed = store.public.execute(
            "SELECT count(DISTINCT proposal_id) FROM introduction WHERE actor_id = ?", [actor_id]).fetchone()[0]
        store.public.execute("DELETE FROM introduction WHERE actor_id = ?", [actor_id])
        store.public.execute("UPDATE decision SET actor_id = NULL WHERE actor_id = ?", [actor_id])
        store.public.execute("UPDATE node_proposal SET resource_id = NULL WHERE resource_id IN "
                             "(SELECT id FROM resource WHERE actor_id = ?)", [actor_id])
        for table in ("interview_item", "interview", "invitation", "resource"):
            store.public.execute(f"DELETE FROM [{table}] WHERE actor_id = ?", [actor_id])
        store.public.execute("DELETE FROM actor WHERE id = ?", [actor_id])
    if flush:
        flush_deleted(store.vault)
        flush_deleted(store.public)
    return Erasure(territory_id=row["territory_id"] if row else None, proposals_withdrawn=len(involved),
                   introductions_closed=closed, synergies_abandoned=abandoned, messages_dropped=dropped)
