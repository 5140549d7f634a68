"""Digest bookkeeping in the vault: what period each person's last digest covered.

A recipient is named `actor:<id>` or `user:<id>`. `since` is the end of the period
the last digest covered; the next digest covers [since, until). The cursor moves
in the same transaction that records the digest in the outbox (data.outbox.enqueue's
`after`), so a digest recorded is a period consumed, and the other way round.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from .db import transaction
from .store import Store, now


@dataclass(frozen=True)
class DigestState:
    recipient: str
    since: str | None = None
    last_reminder_at: str | None = None
    unsubscribed_at: str | None = None


def recipient_of(actor_id: str | None = None, user_id: int | None = None) -> str:
    return f"actor:{actor_id}" if actor_id else f"user:{user_id}"


def states(store: Store, territory_id: int | None = None) -> dict[str, DigestState]:
    where, params = ("territory_id = ?", [territory_id]) if territory_id is not None else ("1 = 1", [])
    return {
        row["recipient"]: DigestState(row["recipient"], row["since"], row["last_reminder_at"], row["unsubscribed_at"])
        for row in store.vault["digest_state"].rows_where(where, params)
    }


def state(store: Store, recipient: str) -> DigestState:
    rows = list(store.vault["digest_state"].rows_where("recipient = ?", [recipient]))
    if not rows:
        return DigestState(recipient)
    row = rows[0]
    return DigestState(recipient, row["since"], row["last_reminder_at"], row["unsubscribed_at"])


def advance(db: sqlite_utils.Database, recipient: str, territory_id: int, until: str, *, reminded: bool) -> None:
    """Move the cursor to `until` (call inside the transaction that records the digest)."""
    db.execute(
        "INSERT INTO digest_state (recipient, territory_id, since, last_reminder_at, updated_at) "
        "VALUES (:r, :t, :until, CASE WHEN :reminded THEN :until END, :now) "
        "ON CONFLICT (recipient) DO UPDATE SET since = :until, updated_at = :now, "
        "last_reminder_at = CASE WHEN :reminded THEN :until ELSE last_reminder_at END",
        {"r": recipient, "t": territory_id, "until": until, "reminded": int(reminded), "now": now()},
    )


def set_subscribed(store: Store, recipient: str, territory_id: int | None, subscribed: bool) -> None:
    """Stop (or resume) someone's digests."""
    value = None if subscribed else now()
    with transaction(store.vault) as db:
        db.execute(
            "INSERT INTO digest_state (recipient, territory_id, unsubscribed_at, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (recipient) DO UPDATE SET unsubscribed_at = excluded.unsubscribed_at, "
            "updated_at = excluded.updated_at",
            [recipient, territory_id, value, now()],
        )
