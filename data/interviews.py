"""The guided interview's state: progress per actor, items read from answers, sealed details.

Public partition: where each actor is (`interview`) and, per resource read from an
answer, its order and the taxonomy candidates shown (`interview_item`). Vault: the
actor's own words on availability and condition of an item (`resource_detail`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from .db import transaction
from .store import Store, now
from .types import SHARING_LEVELS, Answer, Quantity


@dataclass
class Progress:
    actor_id: str
    consent_at: str | None = None
    default_sharing: str = "anonymous"
    steps_done: list[str] = field(default_factory=list)
    completed_at: str | None = None


def get_progress(store: Store, actor_id: str) -> Progress:
    rows = list(store.public["interview"].rows_where("actor_id = ?", [actor_id]))
    if not rows:
        return Progress(actor_id)
    row = rows[0]
    return Progress(actor_id, row["consent_at"], row["default_sharing"] or "anonymous",
                    json.loads(row["steps_done"] or "[]"), row["completed_at"])


def save_progress(store: Store, progress: Progress) -> None:
    if progress.default_sharing not in SHARING_LEVELS:
        raise ValueError(f"sharing level must be one of {SHARING_LEVELS}")
    with transaction(store.public):
        store.public["interview"].upsert(
            {"actor_id": progress.actor_id, "consent_at": progress.consent_at,
             "default_sharing": progress.default_sharing, "steps_done": json.dumps(progress.steps_done),
             "completed_at": progress.completed_at, "updated_at": now()},
            pk="actor_id",
        )


def record_items(store: Store, actor_id: str, answer_id: str,
                 items: list[tuple[str, list[tuple[str, float]]]]) -> None:
    """Replace the items of one answer: (resource id, candidates) in the answer's order."""
    with transaction(store.public):
        store.public.execute("DELETE FROM interview_item WHERE answer_id = ?", [answer_id])
        for position, (resource_id, candidates) in enumerate(items):
            store.public["interview_item"].insert(
                {"resource_id": resource_id, "actor_id": actor_id, "answer_id": answer_id, "position": position,
                 "candidates": json.dumps(candidates), "confirmed": 0})


def list_items(store: Store, answer_id: str) -> list[dict]:
    """The items of an answer in order, joined with their public resource."""
    rows = store.public.query(
        "SELECT i.position, i.candidates, i.confirmed, r.* FROM interview_item i "
        "JOIN resource r ON r.id = i.resource_id WHERE i.answer_id = ? ORDER BY i.position", [answer_id])
    out = []
    for row in rows:
        row = dict(row)
        row["candidates"] = [tuple(c) for c in json.loads(row["candidates"] or "[]")]
        row["months"] = tuple(json.loads(row["months"] or "[]"))
        out.append(row)
    return out


def update_item(store: Store, actor_id: str, resource_id: str, *, node_id: str | None, status: str,
                sharing: str, frequency: str | None, months: tuple[int, ...],
                quantity: Quantity | None, band: tuple[str, float, float] | None, detail: dict) -> None:
    """Store the actor's confirmation of one item: node, sharing, follow-up answers."""
    if sharing not in SHARING_LEVELS:
        raise ValueError(f"sharing level must be one of {SHARING_LEVELS}")
    public = {"node_id": node_id, "status": status, "sharing": sharing, "frequency": frequency,
              "months": json.dumps(list(months)), "updated_at": now()}
    if status == "confirmed":
        public["confidence"] = 1.0
    if band is not None and quantity is not None:
        public.update(quantity_band=band[0], band_low=band[1], band_high=band[2], unit=quantity.unit)
    with transaction(store.vault):
        if quantity is not None:
            payload = json.dumps(quantity.__dict__, ensure_ascii=False)
            store.vault["exact_quantity"].upsert(
                {"resource_id": resource_id, "actor_id": actor_id,
                 "quantity_enc": store.seal(payload, f"quantity:{resource_id}"), "updated_at": now()},
                pk="resource_id")
        if any(detail.values()):
            store.vault["resource_detail"].upsert(
                {"resource_id": resource_id, "actor_id": actor_id,
                 "detail_enc": store.seal(json.dumps(detail, ensure_ascii=False), f"detail:{resource_id}"),
                 "updated_at": now()}, pk="resource_id")
        else:  # every follow-up field emptied: the earlier answers go too, as the form now shows
            store.vault.execute("DELETE FROM resource_detail WHERE resource_id = ?", [resource_id])
    with transaction(store.public):
        store.public["resource"].update(resource_id, public)
        store.public["interview_item"].update(resource_id, {"confirmed": 1})


def read_details(store: Store, actor_id: str) -> dict[str, dict]:
    """An actor's own words on availability and condition, by resource id (their own read)."""
    rows = store.vault["resource_detail"].rows_where("actor_id = ?", [actor_id])
    return {r["resource_id"]: json.loads(store.unseal(r["detail_enc"], f"detail:{r['resource_id']}") or "{}")
            for r in rows}


def read_quantities(store: Store, actor_id: str) -> dict[str, Quantity]:
    """An actor's exact figures, by resource id."""
    out = {}
    for r in store.vault["exact_quantity"].rows_where("actor_id = ?", [actor_id]):
        raw = store.unseal(r["quantity_enc"], f"quantity:{r['resource_id']}")
        if raw:
            values = json.loads(raw)
            out[r["resource_id"]] = Quantity(**values)
    return out


def forget_answer_items(store: Store, answer_id: str) -> None:
    """Drop the interview rows of an answer (called with data.answers.delete_answer)."""
    ids = [r["resource_id"] for r in store.public["interview_item"].rows_where("answer_id = ?", [answer_id])]
    with transaction(store.vault):
        for rid in ids:
            store.vault.execute("DELETE FROM resource_detail WHERE resource_id = ?", [rid])
    with transaction(store.public):
        store.public.execute("DELETE FROM interview_item WHERE answer_id = ?", [answer_id])


def get_answer(store: Store, answer_id: str, actor_id: str) -> Answer | None:
    """One of the actor's own answers, or None when it does not exist or is someone else's."""
    rows = list(store.vault["answer"].rows_where("id = ? AND actor_id = ?", [answer_id, actor_id]))
    if not rows:
        return None
    row = rows[0]
    return Answer(id=row["id"], actor_id=row["actor_id"], topic=row["topic"], position=row["position"],
                  text=store.unseal(row["text_enc"], f"answer:{row['id']}") or "", lang=row["lang"] or "fr")


def remove_item(store: Store, resource_id: str) -> None:
    """Drop one item the actor says they did not mean (both partitions)."""
    with transaction(store.vault):
        store.vault.execute("DELETE FROM exact_quantity WHERE resource_id = ?", [resource_id])
        store.vault.execute("DELETE FROM resource_detail WHERE resource_id = ?", [resource_id])
    with transaction(store.public):
        store.public.execute("DELETE FROM interview_item WHERE resource_id = ?", [resource_id])
        store.public.execute("DELETE FROM resource WHERE id = ?", [resource_id])
