"""Raw answers (vault) and the resources read from them (public).

An answer is committed before anything is done with it: the interview and the
importer call `save_answer` first, then normalise, then `replace_resources`.
"""
from __future__ import annotations

import json
import math
from collections.abc import Iterable

from .db import transaction
from .store import Store, new_id, now
from .types import Answer, Quantity, Resource

MAX_ANSWER_CHARS = 20_000  # longer answers are refused with a message, never truncated silently


def save_answer(
    store: Store,
    actor_id: str,
    topic: str,
    text: str,
    *,
    lang: str = "fr",
    position: int | None = None,
    submission_id: str | None = None,
    answer_id: str | None = None,
) -> Answer:
    """Store (or replace, when `answer_id` is given) a raw answer, sealed.

    A repeated `submission_id` (double submit, reload, two tabs) returns the
    answer stored the first time instead of storing it again. Another actor's
    submission id is not theirs to reuse: the answer is stored, without one.
    """
    with transaction(store.vault):
        if submission_id:
            existing = list(store.vault["answer"].rows_where("submission_id = ?", [submission_id]))
            if existing and existing[0]["actor_id"] == actor_id:
                return _answer(store, existing[0])
            if existing:
                submission_id = None
        if answer_id is None:
            answer_id = new_id("ans")
            if position is None:
                row = store.vault.execute(
                    "SELECT COALESCE(MAX(position), -1) + 1 FROM answer WHERE actor_id = ? AND topic = ?",
                    [actor_id, topic],
                ).fetchone()
                position = row[0]
            store.vault["answer"].insert(
                {
                    "id": answer_id,
                    "actor_id": actor_id,
                    "topic": topic,
                    "position": position,
                    "text_enc": store.seal(text, f"answer:{answer_id}"),
                    "lang": lang,
                    "submission_id": submission_id,
                    "created_at": now(),
                    "updated_at": now(),
                }
            )
        else:
            update = {"text_enc": store.seal(text, f"answer:{answer_id}"), "lang": lang, "updated_at": now()}
            if position is not None:
                update["position"] = position
            store.vault["answer"].update(answer_id, update)
            position = store.vault["answer"].get(answer_id)["position"]
    return Answer(id=answer_id, actor_id=actor_id, topic=topic, position=position, text=text, lang=lang)


def _answer(store: Store, row: dict) -> Answer:
    return Answer(
        id=row["id"],
        actor_id=row["actor_id"],
        topic=row["topic"],
        position=row["position"],
        text=store.unseal(row["text_enc"], f"answer:{row['id']}") or "",
        lang=row["lang"] or "fr",
    )


def list_answers(
    store: Store, actor_id: str, *, who: str, user_id: int | None = None, topic: str | None = None
) -> list[Answer]:
    """Decrypt an actor's answers (audited), ordered by topic and position."""
    where, params = "actor_id = ?", [actor_id]
    if topic:
        where, params = where + " AND topic = ?", params + [topic]
    rows = list(store.vault["answer"].rows_where(where, params, order_by="topic, position"))
    store.audit("read_answers", actor_id, f"answers:{actor_id}" + (f":{topic}" if topic else ""), who=who, user_id=user_id)
    return [_answer(store, row) for row in rows]


def delete_answer(store: Store, answer_id: str) -> None:
    """Remove an answer and every resource read from it, in both partitions."""
    resource_ids = [r["id"] for r in store.public["resource"].rows_where("answer_id = ?", [answer_id], select="id")]
    with transaction(store.vault):
        store.vault.execute("DELETE FROM answer WHERE id = ?", [answer_id])
        for rid in resource_ids:
            store.vault.execute("DELETE FROM exact_quantity WHERE resource_id = ?", [rid])
    with transaction(store.public):
        store.public.execute("DELETE FROM resource WHERE answer_id = ?", [answer_id])


# ---------------------------------------------------------------- resources

BAND_STEPS = (1.0, 3.0)  # bands 1-3, 3-10, 10-30, 30-100 … of the canonical unit


def quantity_band(value: float) -> tuple[str, float, float]:
    """The coarse band stored in public.db for an exact figure kept in the vault."""
    if value <= 0 or not math.isfinite(value):
        return ("0", 0.0, 0.0)
    exponent = math.floor(math.log10(value))
    base = 10.0**exponent
    low = base * (3.0 if value >= 3.0 * base else 1.0)
    high = base * (10.0 if low == 3.0 * base else 3.0)
    return (f"{_fmt(low)}-{_fmt(high)}", low, high)


def _fmt(x: float) -> str:
    return f"{x:g}"


def temp_band(temperature: tuple[float, float] | None) -> str | None:
    """Temperatures are rounded to 10 °C in the public partition."""
    if not temperature:
        return None
    low, high = temperature
    return f"{int(math.floor(low / 10) * 10)}-{int(math.ceil(high / 10) * 10)}"


def replace_resources(
    store: Store,
    actor_id: str,
    answer_id: str,
    resources: Iterable[tuple[Resource, Quantity | None]],
) -> list[Resource]:
    """Replace the resources read from one answer: coarse facts in public, exact figures sealed."""
    stored = []
    with transaction(store.public):
        old = [r["id"] for r in store.public["resource"].rows_where("answer_id = ?", [answer_id], select="id")]
        store.public.execute("DELETE FROM resource WHERE answer_id = ?", [answer_id])
        exact = []
        for resource, quantity in resources:
            resource.actor_id, resource.answer_id = actor_id, answer_id
            resource.id = resource.id or new_id("r")
            if quantity is not None:
                resource.quantity_band, resource.band_low, resource.band_high = quantity_band(quantity.value)
                resource.unit = quantity.unit
                exact.append((resource.id, quantity))
            row = {k: v for k, v in resource.__dict__.items()}
            row["months"] = json.dumps(list(resource.months))
            row["created_at"] = row["updated_at"] = now()
            store.public["resource"].insert(row)
            stored.append(resource)
    with transaction(store.vault):
        for rid in old:
            store.vault.execute("DELETE FROM exact_quantity WHERE resource_id = ?", [rid])
        for rid, quantity in exact:
            payload = json.dumps(quantity.__dict__, ensure_ascii=False)
            store.vault["exact_quantity"].upsert(
                {"resource_id": rid, "actor_id": actor_id, "quantity_enc": store.seal(payload, f"quantity:{rid}"), "updated_at": now()},
                pk="resource_id",
            )
    return stored


def list_resources(store: Store, *, actor_id: str | None = None, territory_id: int | None = None) -> list[Resource]:
    """Public resources of an actor or of a whole territory (what the matcher reads)."""
    if actor_id:
        rows = store.public["resource"].rows_where("actor_id = ?", [actor_id], order_by="created_at, id")
    else:
        rows = store.public.query(
            "SELECT r.* FROM resource r JOIN actor a ON a.id = r.actor_id WHERE a.territory_id = ? ORDER BY r.id",
            [territory_id],
        )
    out = []
    for row in rows:
        row = dict(row)
        row.pop("created_at", None)
        row.pop("updated_at", None)
        row["months"] = tuple(json.loads(row["months"] or "[]"))
        out.append(Resource(**row))
    return out
