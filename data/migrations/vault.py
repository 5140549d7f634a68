"""Migrations of vault.db: identities, raw answers, exact figures, the outbox (all sealed)."""
from __future__ import annotations

import sqlite_utils

from .runner import Migration


def v001_initial(db: sqlite_utils.Database) -> None:
    # Every *_enc column holds a value sealed by data.crypto.Keyring.
    db["vault_meta"].create({"key": str, "value": bytes}, pk="key")
    db["identity"].create(
        {
            "actor_id": str,
            "name_enc": bytes,
            "email_enc": bytes,
            "siret_enc": bytes,
            "phone_enc": bytes,
            "contact_enc": bytes,
            "naf_enc": bytes,
            "commune_enc": bytes,
            "postcode_enc": bytes,
            "lat_enc": bytes,
            "lon_enc": bytes,
            "size_enc": bytes,
            "email_fp": str,  # keyed hash of the lower-cased email, to find an actor by address
            "import_fp": str,  # keyed hash of the last imported record (idempotent import)
            "updated_at": str,
        },
        pk="actor_id",
    )
    db["identity"].create_index(["email_fp"])
    db["answer"].create(
        {
            "id": str,
            "actor_id": str,
            "topic": str,  # offers, needs, activity, problems, strengths, … (not sensitive)
            "position": int,
            "text_enc": bytes,
            "lang": str,
            "submission_id": str,  # client token: a double submit stores the answer once
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
    )
    db["answer"].create_index(["actor_id", "topic", "position"])
    db["answer"].create_index(["submission_id"], unique=True)
    db["exact_quantity"].create(
        {"resource_id": str, "actor_id": str, "quantity_enc": bytes, "updated_at": str}, pk="resource_id"
    )
    db["exact_quantity"].create_index(["actor_id"])
    db["note"].create(
        {"id": int, "actor_id": str, "proposal_id": str, "author_id": int, "text_enc": bytes, "created_at": str},
        pk="id",
    )
    db["note"].create_index(["actor_id"])
    db["audit"].create(
        {
            "id": int,
            "at": str,
            "user_id": int,  # NULL when the reader is the actor themself or the system
            "who": str,  # "user:12", "actor:<id>", "cli"
            "action": str,  # read_identity, read_answers, export, delete, …
            "actor_id": str,
            "record": str,
        },
        pk="id",
    )
    db["audit"].create_index(["actor_id"])


# ---------------------------------------------------------------- email outbox, digest state

def v002_outbox(db: sqlite_utils.Database) -> None:
    # Emails are personal data: they live in the vault, bodies and any address sealed
    # (data.outbox). Recipients are named by reference and resolved when sending.
    db["outbox"].create(
        {
            "id": int,
            "key": str,  # the caller's idempotency key: one key, one message, ever
            "kind": str,  # digest_actor, digest_facilitator, invitation, link, introduction, …
            "status": str,  # pending, sending, sent, failed
            "attempts": int,
            "actor_id": str,
            "user_id": int,
            "territory_id": int,
            "lang": str,
            "message_id": str,  # the Message-ID header, the same on every attempt
            # One sealed JSON document: subject, text, html, extra headers (List-Unsubscribe
            # carries a personal link) and "to" only when sent to an address rather than to
            # an actor or a user.
            "content_enc": bytes,
            "claimed_by": str,
            "claimed_at": str,
            "next_attempt_at": str,
            "error": str,  # why the last attempt failed; never holds the address
            "created_at": str,
            "updated_at": str,
            "sent_at": str,
        },
        pk="id",
        not_null={"key", "kind", "status", "message_id"},
    )
    db["outbox"].create_index(["key"], unique=True)
    db["outbox"].create_index(["status", "next_attempt_at"])
    db["outbox"].create_index(["actor_id"])
    db["digest_state"].create(
        {
            "recipient": str,  # "actor:<id>" or "user:<id>"
            "territory_id": int,
            "since": str,  # the end of the period covered by the last digest
            "last_reminder_at": str,  # when an unfinished interview was last mentioned
            "unsubscribed_at": str,
            "updated_at": str,
        },
        pk="recipient",
    )


def v003_resource_detail(db: sqlite_utils.Database) -> None:
    # The actor's own words on availability and condition of an item (sealed).
    db["resource_detail"].create(
        {"resource_id": str, "actor_id": str, "detail_enc": bytes, "updated_at": str}, pk="resource_id",
    )
    db["resource_detail"].create_index(["actor_id"])


VAULT_MIGRATIONS: list[Migration] = [v001_initial, v002_outbox, v003_resource_detail]
