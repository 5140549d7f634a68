"""The outbox: every email is recorded before and after it is handed to the SMTP server.

The outbox lives in the vault (`vault.db`) because a message is personal data:
its subject, bodies, extra headers (personal links) and, when the caller gives
an address rather than a person, the address itself are sealed together.
Rows name their recipient by reference only (`actor_id` or `user_id`); the
address is resolved when the message is sent.

Life of a row, each step its own short `BEGIN IMMEDIATE` transaction:

    enqueue      pending      INSERT OR IGNORE on `key`: the same key is one message, ever
    claim        sending      a batch of due rows, atomically: two senders never claim one row
    mark_sent    sent         after the server accepted the message
    mark_retry   pending      a transient failure; `next_attempt_at` backs off
    mark_failed  failed       a permanent refusal or too many attempts; `error` says why

A claim names its process: a row left in `sending` by a process that no longer
exists (or whose lease has expired) is claimed again and re-sent under the same
Message-ID. The one case no SMTP client can settle: a process killed after the
server accepted a message but before `mark_sent` committed (a few milliseconds)
sends that message again on the next run, with the same Message-ID.
"""
from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import sqlite_utils

from .db import transaction
from .errors import SymbioseError
from .store import Store

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
STATUSES = (PENDING, SENDING, SENT, FAILED)


def _ts(moment: datetime | None = None) -> str:
    """Timestamps with microseconds so that ordering within one second is kept."""
    return (moment or datetime.now(timezone.utc)).isoformat(timespec="microseconds")


class UnknownMessage(SymbioseError):
    pass


@dataclass
class Message:
    """One outbox row, unsealed: everything needed to send it once."""

    id: int
    key: str
    kind: str
    status: str
    attempts: int
    actor_id: str | None
    user_id: int | None
    territory_id: int | None
    lang: str | None
    to: str | None  # only when the caller gave an address; otherwise resolved at send time
    subject: str
    text: str
    html: str | None
    headers: dict[str, str]
    message_id: str
    error: str | None = None
    sent_at: str | None = None


def _context(key: str) -> str:
    return f"outbox.content:{key}"


def enqueue(
    store: Store,
    *,
    key: str,
    kind: str,
    subject: str,
    text: str,
    html: str | None = None,
    headers: dict[str, str] | None = None,
    actor_id: str | None = None,
    user_id: int | None = None,
    to_address: str | None = None,
    territory_id: int | None = None,
    lang: str | None = None,
    message_id: str,
    after: Callable[[sqlite_utils.Database], None] | None = None,
) -> bool:
    """Record a message to send; returns False when a message with this `key` already exists.

    `after(db)`, when given, runs in the same transaction only if the row was inserted
    (the digest moves its "since" cursor there, so the cursor and the message agree).
    """
    if sum(x is not None for x in (actor_id, user_id, to_address)) != 1:
        raise SymbioseError("An email needs exactly one recipient: an actor, a user or an address.")
    if not key or not subject or not text:
        raise SymbioseError("An email needs a key, a subject and a plain-text body.")
    content = json.dumps({"to": to_address, "subject": subject, "text": text, "html": html, "headers": headers or {}},
                         ensure_ascii=False)
    sealed = store.seal(content, _context(key))
    now = _ts()
    with transaction(store.vault) as db:
        cursor = db.execute(
            "INSERT OR IGNORE INTO outbox (key, kind, status, attempts, actor_id, user_id, territory_id, lang, "
            "message_id, content_enc, next_attempt_at, created_at, updated_at) "
            "VALUES (?, ?, 'pending', 0, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [key, kind, actor_id, user_id, territory_id, lang, message_id, sealed, now, now, now],
        )
        inserted = cursor.rowcount == 1
        if inserted and after is not None:
            after(db)
    return inserted


def claim(
    store: Store,
    *,
    limit: int = 50,
    lease: timedelta = timedelta(minutes=15),
    keys: list[str] | None = None,
    kinds: tuple[str, ...] | None = None,
    territory_id: int | None = None,
) -> tuple[str, list[Message]]:
    """Atomically take up to `limit` due messages for this sender; returns (claim token, messages).

    Due: pending and past `next_attempt_at`, or `sending` under an expired lease.
    """
    token = f"{os.getpid()}:{secrets.token_hex(8)}"
    now = datetime.now(timezone.utc)
    where = ["((status = 'pending' AND next_attempt_at <= :now) OR (status = 'sending' AND claimed_at <= :stale))"]
    params: dict = {"now": _ts(now), "stale": _ts(now - lease), "token": token, "limit": limit}
    if keys is not None:
        where.append(f"key IN ({', '.join(f':k{i}' for i in range(len(keys)))})")
        params.update({f"k{i}": k for i, k in enumerate(keys)})
    if kinds:
        where.append(f"kind IN ({', '.join(f':kind{i}' for i in range(len(kinds)))})")
        params.update({f"kind{i}": k for i, k in enumerate(kinds)})
    if territory_id is not None:
        where.append("territory_id = :territory")
        params["territory"] = territory_id
    with transaction(store.vault) as db:
        _release_dead_claims(db)
        rows = db.execute(
            "UPDATE outbox SET status = 'sending', claimed_by = :token, claimed_at = :now, updated_at = :now "
            f"WHERE id IN (SELECT id FROM outbox WHERE {' AND '.join(where)} ORDER BY id LIMIT :limit) "
            "RETURNING *",
            params,
        )
        columns = [c[0] for c in rows.description]
        claimed = [dict(zip(columns, r)) for r in rows.fetchall()]
    claimed.sort(key=lambda r: r["id"])
    return token, [_message(store, r) for r in claimed]


def _release_dead_claims(db: sqlite_utils.Database) -> None:
    """Give back the messages claimed by a sender process that no longer exists.

    The databases are SQLite files, so every sender runs on this machine and a claim
    names its process. A process killed between two messages leaves its claim behind;
    without this, those messages would wait for the lease to expire.
    """
    for (claimed_by,) in db.execute("SELECT DISTINCT claimed_by FROM outbox WHERE status = 'sending'").fetchall():
        pid = (claimed_by or "").partition(":")[0]
        if pid.isdigit() and not _alive(int(pid)):
            db.execute("UPDATE outbox SET status = 'pending', claimed_by = NULL WHERE status = 'sending' "
                       "AND claimed_by = ?", [claimed_by])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _message(store: Store, row: dict) -> Message:
    key = row["key"]
    content = json.loads(store.unseal(row["content_enc"], _context(key)) or "{}")
    return Message(
        id=row["id"], key=key, kind=row["kind"], status=row["status"], attempts=row["attempts"],
        actor_id=row["actor_id"], user_id=row["user_id"], territory_id=row["territory_id"], lang=row["lang"],
        to=content.get("to"), subject=content.get("subject") or "", text=content.get("text") or "",
        html=content.get("html"), headers=content.get("headers") or {}, message_id=row["message_id"],
        error=row["error"], sent_at=row["sent_at"],
    )


def _finish(store: Store, message: Message, token: str, sets: str, params: list, *, audit: str | None = None) -> bool:
    """Update a row only while this sender still holds its claim (and log the vault use)."""
    now = _ts()
    with transaction(store.vault) as db:
        cursor = db.execute(
            f"UPDATE outbox SET {sets}, updated_at = ? WHERE id = ? AND claimed_by = ? AND status = 'sending'",
            [*params, now, message.id, token],
        )
        done = cursor.rowcount == 1
        if done and audit and message.actor_id:
            # The actor's sealed address was opened to send this: say so in the audit log.
            db["audit"].insert({"at": now, "user_id": None, "who": "system:mail", "action": audit,
                                "actor_id": message.actor_id, "record": f"outbox:{message.id}"})
    return done


def mark_sent(store: Store, message: Message, token: str) -> bool:
    return _finish(store, message, token, "status = 'sent', sent_at = ?, attempts = attempts + 1, error = NULL",
                   [_ts()], audit="email_sent")


def mark_retry(store: Store, message: Message, token: str, error: str, *, delay: timedelta) -> bool:
    when = _ts(datetime.now(timezone.utc) + delay)
    return _finish(store, message, token,
                   "status = 'pending', attempts = attempts + 1, error = ?, next_attempt_at = ?, claimed_by = NULL",
                   [error, when])


def mark_failed(store: Store, message: Message, token: str, error: str) -> bool:
    return _finish(store, message, token, "status = 'failed', attempts = attempts + 1, error = ?", [error])


def release(store: Store, message: Message, token: str) -> bool:
    """Give a claimed message back untouched (the run stopped before trying it)."""
    return _finish(store, message, token, "status = 'pending', claimed_by = NULL", [])


def get(store: Store, key: str) -> Message:
    rows = list(store.vault["outbox"].rows_where("key = ?", [key]))
    if not rows:
        raise UnknownMessage(f"No email with key {key!r} in the outbox.")
    return _message(store, rows[0])


def counts(store: Store) -> dict[str, int]:
    return dict(store.vault.execute("SELECT status, count(*) FROM outbox GROUP BY status").fetchall())


def iter_messages(store: Store, *, status: str | None = None) -> Iterator[Message]:
    where, params = ("status = ?", [status]) if status else ("1 = 1", [])
    for row in store.vault["outbox"].rows_where(where, params, order_by="id"):
        yield _message(store, row)
