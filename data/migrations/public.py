"""Migrations of public.db: what the matcher and the facilitator's workspace read."""
from __future__ import annotations

import sqlite_utils

from .runner import Migration


def p001_initial(db: sqlite_utils.Database) -> None:
    db["territory"].create(
        {"id": int, "slug": str, "name": str, "created_at": str}, pk="id", not_null={"slug", "name"}
    )
    db["territory"].create_index(["slug"], unique=True)
    db["actor"].create(
        {
            "id": str,  # random pseudonym: the only link with the vault
            "territory_id": int,
            "ref": str,  # the importer's or facilitator's stable key, unique per territory
            "kind": str,  # company, farm, care_home, hospital, association, local_authority, other
            "naf_division": str,  # coarse sector: two-digit NACE division
            "lat": float,  # rounded to about 1 km
            "lon": float,
            "lang": str,
            "status": str,  # invited, in_progress, completed
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        foreign_keys=[("territory_id", "territory", "id")],
        not_null={"territory_id", "ref", "status"},
    )
    db["actor"].create_index(["territory_id", "ref"], unique=True)
    db["resource"].create(
        {
            "id": str,
            "actor_id": str,
            "answer_id": str,  # the raw answer in the vault it was read from
            "direction": str,  # offer | need
            "node_id": str,  # taxonomy node; NULL while unrecognised
            "confidence": float,
            "status": str,  # confirmed, proposed, unknown
            "head": str,  # the resource words, lemmatised; never the full raw answer
            "quantity_band": str,  # order of magnitude, e.g. "10-100"
            "band_low": float,
            "band_high": float,
            "unit": str,  # canonical unit of the band
            "frequency": str,
            "months": str,  # JSON list of 1..12, [] = all year / unknown
            "temp_band": str,  # e.g. "40-60" (°C, rounded to 10 °C)
            "sharing": str,  # named, anonymous, facilitator
            "embedding": bytes,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        foreign_keys=[("actor_id", "actor", "id")],
        not_null={"actor_id", "direction", "status", "sharing"},
    )
    db["resource"].create_index(["actor_id"])
    db["resource"].create_index(["node_id", "direction"])
    db["user"].create(
        {
            "id": int,
            "email": str,
            "password_hash": str,
            "role": str,  # facilitator | admin
            "territory_id": int,  # NULL for an administrator
            "created_at": str,
        },
        pk="id",
        foreign_keys=[("territory_id", "territory", "id")],
        not_null={"email", "role"},
    )
    db["user"].create_index(["email"], unique=True)
    db["proposal"].create(
        {
            "id": str,  # stable: a hash of kind, parties and resources
            "territory_id": int,
            "kind": str,  # exchange | pooling | sharing
            "supplier_id": str,
            "receiver_id": str,
            "members": str,  # JSON list of actor ids for pooling
            "resources": str,  # JSON list of resource ids involved
            "node_id": str,
            "score": float,
            "parts": str,  # JSON: score parts
            "explanation": str,  # JSON: facts the explanation is rendered from
            "fingerprint": str,  # hash of the data the proposal was computed from
            "status": str,  # new, accepted, rejected, snoozed, withdrawn
            "quick_win": int,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        foreign_keys=[("territory_id", "territory", "id")],
        not_null={"territory_id", "kind", "status"},
    )
    db["proposal"].create_index(["territory_id", "status", "score"])
    db["decision"].create(
        {
            "id": int,
            "proposal_id": str,
            "user_id": int,
            "actor_id": str,
            "action": str,  # accept, reject, snooze, quick_win, comment, actor_accept, actor_decline
            "reason": str,
            "fingerprint": str,
            "created_at": str,
        },
        pk="id",
        foreign_keys=[("proposal_id", "proposal", "id")],
    )
    db["decision"].create_index(["proposal_id"])
    db["synonym"].create(
        {"id": int, "node_id": str, "lang": str, "phrase": str, "territory_id": int, "created_by": int, "created_at": str},
        pk="id",
    )
    db["synonym"].create_index(["lang", "phrase"], unique=True)


def p002_proposal_details(db: sqlite_utils.Database) -> None:
    db["proposal"].add_column("latent", int)
    db["proposal"].add_column("caveats", str)  # JSON list of taxonomy caveat names
    db["proposal"].add_column("visibility", str)  # most restrictive sharing level involved
    db["proposal"].add_column("snoozed_until", str)
    db["proposal"].create_index(["supplier_id"])
    db["proposal"].create_index(["receiver_id"])


# ---------------------------------------------------------------- the facilitator workspace

def p003_facilitator_workspace(db: sqlite_utils.Database) -> None:
    # One row per party of an accepted proposal: the double opt-in of an introduction.
    db["introduction"].create(
        {
            "id": int,
            "proposal_id": str,
            "actor_id": str,
            "status": str,  # pending, accepted, declined
            "requested_at": str,
            "responded_at": str,
        },
        pk="id",
        foreign_keys=[("proposal_id", "proposal", "id")],
        not_null={"proposal_id", "actor_id", "status"},
    )
    db["introduction"].create_index(["proposal_id", "actor_id"], unique=True)
    db["introduction"].create_index(["actor_id"])
    # An accepted proposal becomes a synergy that moves through the pipeline.
    db["synergy"].create(
        {
            "id": int,
            "territory_id": int,
            "proposal_id": str,
            "title": str,
            "stage": str,  # idea, study, in_progress, realised, abandoned
            "reason": str,  # why it was abandoned (or any stage change)
            "tonnes_year": float,  # estimated yearly impact once realised
            "mwh_year": float,
            "eur_year": float,
            "created_at": str,
            "updated_at": str,
            "realised_at": str,
        },
        pk="id",
        foreign_keys=[("territory_id", "territory", "id"), ("proposal_id", "proposal", "id")],
        not_null={"territory_id", "stage"},
    )
    db["synergy"].create_index(["proposal_id"], unique=True)
    db["synergy"].create_index(["territory_id", "stage"])
    db["synergy_event"].create(
        {"id": int, "synergy_id": int, "stage_from": str, "stage_to": str, "reason": str, "user_id": int,
         "created_at": str},
        pk="id",
        foreign_keys=[("synergy_id", "synergy", "id")],
    )
    db["synergy_event"].create_index(["synergy_id"])
    # A facilitator's suggestion of a taxonomy node missing for an unrecognised answer.
    db["node_proposal"].create(
        {"id": int, "territory_id": int, "resource_id": str, "parent_id": str, "label_fr": str, "label_en": str,
         "phrase": str, "lang": str, "status": str, "created_by": int, "created_at": str},
        pk="id",
    )
    db["invitation"].create(
        {"id": int, "actor_id": str, "user_id": int, "kind": str, "sent_at": str}, pk="id",
    )
    db["invitation"].create_index(["actor_id"])


# ---------------------------------------------------------------- the guided interview's own state

def p004_interview(db: sqlite_utils.Database) -> None:
    # Where an actor is in the interview: nothing here is sensitive (no words, no figures).
    db["interview"].create(
        {
            "actor_id": str,
            "consent_at": str,  # when the actor accepted how their data is used
            "default_sharing": str,  # named, anonymous, facilitator: proposed for each new item
            "steps_done": str,  # JSON list of step names
            "completed_at": str,
            "updated_at": str,
        },
        pk="actor_id",
    )
    # One row per resource read from an interview answer: its order in the answer, the
    # taxonomy candidates offered to the actor, and whether they confirmed it.
    db["interview_item"].create(
        {
            "resource_id": str,
            "actor_id": str,
            "answer_id": str,
            "position": int,
            "candidates": str,  # JSON [[node_id, score], …]
            "confirmed": int,
        },
        pk="resource_id",
    )
    db["interview_item"].create_index(["answer_id"])
    db["interview_item"].create_index(["actor_id"])


# ---------------------------------------------------------------- what changed since a worker's kept match index

def p005_match_changes(db: sqlite_utils.Database) -> None:
    # A web worker keeps each territory's match index in memory between requests (see
    # interview_bot/matching.py). Whatever writes the public partition — this worker, the
    # other workers, the CLI — leaves a line here through these triggers, so a kept index
    # learns which actors to re-read without a pass over the whole territory.
    # AUTOINCREMENT: a sequence number is never reused, even after the log is pruned.
    db.execute("CREATE TABLE match_change (seq INTEGER PRIMARY KEY AUTOINCREMENT, territory_id INTEGER, "
               "actor_id TEXT NOT NULL)")
    db.execute("CREATE INDEX idx_match_change_territory ON match_change (territory_id, seq)")
    territory_of = "(SELECT territory_id FROM actor WHERE id = {row}.actor_id)"
    for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
        # Nothing is logged for an actor already erased: their id must leave no trace.
        db.execute(
            f"CREATE TRIGGER match_change_resource_{event.lower()} AFTER {event} ON resource "
            f"WHEN EXISTS (SELECT 1 FROM actor WHERE id = {row}.actor_id) BEGIN "
            f"INSERT INTO match_change (territory_id, actor_id) VALUES ({territory_of.format(row=row)}, {row}.actor_id); "
            "END")
    if_moved = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in ("territory_id", "ref", "kind", "naf_division", "lat", "lon"))
    db.execute(
        f"CREATE TRIGGER match_change_actor_update AFTER UPDATE ON actor WHEN {if_moved} BEGIN "
        "INSERT INTO match_change (territory_id, actor_id) VALUES (OLD.territory_id, OLD.id); "
        "INSERT INTO match_change (territory_id, actor_id) VALUES (NEW.territory_id, NEW.id); END")
    db.execute(
        "CREATE TRIGGER match_change_actor_insert AFTER INSERT ON actor BEGIN "
        "INSERT INTO match_change (territory_id, actor_id) VALUES (NEW.territory_id, NEW.id); END")
    # An erased actor's id must leave no trace: their lines go, and '*' tells workers to rebuild.
    db.execute(
        "CREATE TRIGGER match_change_actor_delete AFTER DELETE ON actor BEGIN "
        "DELETE FROM match_change WHERE actor_id = OLD.id; "
        "INSERT INTO match_change (territory_id, actor_id) VALUES (OLD.territory_id, '*'); END")


PUBLIC_MIGRATIONS: list[Migration] = [p001_initial, p002_proposal_details, p003_facilitator_workspace, p004_interview, p005_match_changes]
