"""What a facilitator reads about the actors of their territory, audited.

Listing actors by name reads every identity of a territory at once: that is one
audit record (`read_names`) naming the territory, not one per actor, so the audit
log stays readable; opening one actor's page reads their identity and answers
with the usual per-actor records (data.actors.read_identity, data.answers.list_answers).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from .store import Store
from .types import IDENTITY_FIELDS


def names(store: Store, territory_id: int, *, who: str, user_id: int | None = None) -> dict[str, dict]:
    """actor id → {"name", "email", "commune"} for every actor of the territory (one audit record)."""
    ids = [r["id"] for r in store.public["actor"].rows_where("territory_id = ?", [territory_id], select="id")]
    if not ids:
        return {}
    store.audit("read_names", None, f"names:territory:{territory_id}", who=who, user_id=user_id)
    out: dict[str, dict] = {}
    marks = ", ".join("?" for _ in ids)
    wanted = ("name", "email", "commune", "contact", "phone")
    assert set(wanted) <= set(IDENTITY_FIELDS)
    for row in store.vault.query(f"SELECT * FROM identity WHERE actor_id IN ({marks})", ids):
        actor_id = row["actor_id"]
        out[actor_id] = {f: store.unseal(row[f"{f}_enc"], f"identity.{f}:{actor_id}") for f in wanted}
    return out


def answer_dates(store: Store, actor_ids: list[str]) -> dict[str, str]:
    """actor id → when their answers were last written (no answer text is read)."""
    if not actor_ids:
        return {}
    marks = ", ".join("?" for _ in actor_ids)
    rows = store.vault.execute(
        f"SELECT actor_id, MAX(updated_at) FROM answer WHERE actor_id IN ({marks}) GROUP BY actor_id", actor_ids
    ).fetchall()
    return {a: d for a, d in rows}


def stale_actors(store: Store, territory_id: int | None, max_age_days: int, *, at: datetime | None = None) -> list[str]:
    """Actors who answered, but whose answers are all older than `max_age_days`.

    The field report: flow data is useful only if refreshed every year or two.
    Actors who never answered are the invitations' business, not the reminder's.
    """
    moment = at or datetime.now(timezone.utc)
    cutoff = (moment - timedelta(days=max_age_days)).isoformat(timespec="seconds")
    where, params = ("territory_id = ?", [territory_id]) if territory_id is not None else ("1 = 1", [])
    ids = [r["id"] for r in store.public["actor"].rows_where(where, params, select="id", order_by="id")]
    dates = answer_dates(store, ids)
    return [a for a in ids if a in dates and dates[a] < cutoff]


def unknown_resources(store: Store, territory_id: int) -> list[dict]:
    """Resources the language pipeline did not recognise (status unknown), oldest first."""
    return [dict(r) for r in store.public.query(
        "SELECT r.id, r.actor_id, r.answer_id, r.direction, r.head, r.confidence, r.quantity_band, r.unit, "
        "a.ref, a.lang, a.kind, a.naf_division FROM resource r JOIN actor a ON a.id = r.actor_id "
        "WHERE a.territory_id = ? AND r.status = 'unknown' ORDER BY r.created_at, r.id", [territory_id])]


def answer_text(store: Store, answer_id: str, *, who: str, user_id: int | None = None) -> str | None:
    """One raw answer, unsealed and audited (the context of an unrecognised phrase)."""
    rows = list(store.vault["answer"].rows_where("id = ?", [answer_id]))
    if not rows:
        return None
    store.audit("read_answer", rows[0]["actor_id"], f"answer:{answer_id}", who=who, user_id=user_id)
    return store.unseal(rows[0]["text_enc"], f"answer:{answer_id}")


SWOT_TOPICS = ("strengths", "problems", "constraints", "threats", "opportunities")


def answers_by_topic(store: Store, territory_id: int, topics: tuple[str, ...], *, who: str,
                     user_id: int | None = None, limit: int = 200) -> dict[str, list[str]]:
    """The raw answers of a territory on some topics (e.g. to prepare the SWOT), one audit record."""
    ids = [r["id"] for r in store.public["actor"].rows_where("territory_id = ?", [territory_id], select="id")]
    out: dict[str, list[str]] = {t: [] for t in topics}
    if not ids or not topics:
        return out
    store.audit("read_answers", None, f"answers:territory:{territory_id}:{','.join(topics)}", who=who, user_id=user_id)
    marks, tmarks = ", ".join("?" for _ in ids), ", ".join("?" for _ in topics)
    rows = store.vault.execute(
        f"SELECT id, topic, text_enc FROM answer WHERE actor_id IN ({marks}) AND topic IN ({tmarks}) "
        f"ORDER BY updated_at DESC LIMIT ?", [*ids, *topics, limit]).fetchall()
    for answer_id, topic, sealed in rows:
        out[topic].append(store.unseal(sealed, f"answer:{answer_id}") or "")
    return out
