"""Everything Symbiose holds about one actor, from both partitions, as one JSON-ready document.

    document = export_actor(store, actor_id, who="actor:a_…", describe=…, lang="fr")

The right of access and portability: identity, raw answers, exact figures, resources
with their taxonomy nodes and sharing levels, interview state, the proposals that
concern the actor, their introductions and decisions, the emails sent to them and
who read their data (the audit log). Never another actor's data: a proposal is
described as the actor may see it (counterparties anonymous until every party has
accepted the introduction, and not at all when a counterparty keeps the resource for
the facilitator only); other actors in the audit log are just "another actor".

`describe(proposal_row, reveal)` turns a proposal into the sentence the actor reads
on their pages (the caller passes `matcher.explain`; `data` does not import it).
The export is written to the audit log once, as a read of vault data.
"""
from __future__ import annotations

import json
from collections.abc import Callable

from .actors import _identity_from_row
from .decisions import introduction_state, introductions, parties
from .errors import UnknownActor
from .interviews import read_details, read_quantities
from .outbox import _message as outbox_message
from .store import Store, now
from .taxonomy import Taxonomy, load_taxonomy

FORMAT = "symbiose-actor-export/1"
Describe = Callable[[dict, frozenset[str]], str]


def export_actor(store: Store, actor_id: str, *, who: str, user_id: int | None = None,
                 describe: Describe | None = None, lang: str = "fr", taxonomy: Taxonomy | None = None) -> dict:
    """All of one actor's data, as plain JSON-serialisable values (see the module docstring)."""
    rows = list(store.public["actor"].rows_where("id = ?", [actor_id]))
    if not rows:
        raise UnknownActor(f"No actor {actor_id!r}.")
    actor = rows[0]
    store.audit("export", actor_id, f"export:{actor_id}", who=who, user_id=user_id)
    tax = taxonomy or load_taxonomy()
    territory = store.public["territory"].get(actor["territory_id"])
    return {
        "format": FORMAT,
        "exported_at": now(),
        "language": lang,
        "actor": {"id": actor_id, **{k: actor[k] for k in ("ref", "kind", "naf_division", "lat", "lon", "lang",
                                                           "status", "created_at", "updated_at")}},
        "territory": {"slug": territory["slug"], "name": territory["name"]},
        "identity": _identity(store, actor_id),
        "interview": _interview(store, actor_id),
        "answers": _answers(store, actor_id),
        "resources": _resources(store, actor_id, tax, lang),
        "proposals": _proposals(store, actor_id, actor["territory_id"], tax, lang, describe),
        "introductions": _introductions(store, actor_id),
        "decisions": [{"proposal_id": r["proposal_id"], "action": r["action"], "at": r["created_at"]}
                      for r in store.public["decision"].rows_where("actor_id = ?", [actor_id], order_by="id")],
        "invitations": [{"kind": r["kind"], "sent_at": r["sent_at"]}
                        for r in store.public["invitation"].rows_where("actor_id = ?", [actor_id], order_by="id")],
        "facilitator_notes": [
            {"at": r["created_at"], "text": store.unseal(r["text_enc"], f"note:{r['id']}")}
            for r in store.vault["note"].rows_where("actor_id = ?", [actor_id], order_by="id")],
        "emails": _emails(store, actor_id),
        "digest": _digest(store, actor_id),
        "access_log": _access_log(store, actor_id),
    }


def _identity(store: Store, actor_id: str) -> dict | None:
    rows = list(store.vault["identity"].rows_where("actor_id = ?", [actor_id]))
    return _identity_from_row(store, rows[0]).__dict__ if rows else None


def _interview(store: Store, actor_id: str) -> dict | None:
    rows = list(store.public["interview"].rows_where("actor_id = ?", [actor_id]))
    if not rows:
        return None
    row = rows[0]
    return {"consent_at": row["consent_at"], "default_sharing": row["default_sharing"],
            "steps_done": json.loads(row["steps_done"] or "[]"), "completed_at": row["completed_at"],
            "updated_at": row["updated_at"]}


def _answers(store: Store, actor_id: str) -> list[dict]:
    return [{"id": r["id"], "topic": r["topic"], "position": r["position"], "lang": r["lang"],
             "text": store.unseal(r["text_enc"], f"answer:{r['id']}"), "created_at": r["created_at"],
             "updated_at": r["updated_at"]}
            for r in store.vault["answer"].rows_where("actor_id = ?", [actor_id], order_by="topic, position")]


def _node(tax: Taxonomy, node_id: str | None, lang: str) -> dict | None:
    if not node_id:
        return None
    node = tax.get(node_id)
    return {"id": node_id, "label": node.label(lang) if node else None}


def _resources(store: Store, actor_id: str, tax: Taxonomy, lang: str) -> list[dict]:
    quantities = read_quantities(store, actor_id)
    details = read_details(store, actor_id)
    items = {r["resource_id"]: r for r in store.public["interview_item"].rows_where("actor_id = ?", [actor_id])}
    out = []
    for r in store.public["resource"].rows_where("actor_id = ?", [actor_id], order_by="created_at, id"):
        item = items.get(r["id"])
        quantity = quantities.get(r["id"])
        out.append({
            "id": r["id"], "answer_id": r["answer_id"], "direction": r["direction"],
            "node": _node(tax, r["node_id"], lang), "status": r["status"], "confidence": r["confidence"],
            "words": r["head"], "sharing": r["sharing"],
            "quantity_band": r["quantity_band"], "band_low": r["band_low"], "band_high": r["band_high"],
            "unit": r["unit"], "frequency": r["frequency"], "months": json.loads(r["months"] or "[]"),
            "temperature_band": r["temp_band"],
            "exact_quantity": quantity.__dict__ if quantity else None,
            "details": details.get(r["id"]),
            "candidates": ([{"node": _node(tax, node, lang), "score": score}
                            for node, score in json.loads(item["candidates"] or "[]")] if item else []),
            "confirmed_by_you": bool(item["confirmed"]) if item else None,
            "created_at": r["created_at"], "updated_at": r["updated_at"],
        })
    return out


def _hidden_from(store: Store, actor_id: str, proposal: dict) -> bool:
    """True when another party keeps a resource of this proposal for the facilitator only."""
    ids = json.loads(proposal["resources"] or "[]")
    if not ids:
        return False
    marks = ", ".join("?" for _ in ids)
    return bool(store.public.execute(
        f"SELECT count(*) FROM resource WHERE id IN ({marks}) AND actor_id != ? AND sharing = 'facilitator'",
        [*ids, actor_id]).fetchone()[0])


def _proposals(store: Store, actor_id: str, territory_id: int, tax: Taxonomy, lang: str,
               describe: Describe | None) -> list[dict]:
    rows = store.public["proposal"].rows_where(
        "territory_id = :t AND (supplier_id = :a OR receiver_id = :a OR members LIKE :like)",
        {"t": territory_id, "a": actor_id, "like": f'%"{actor_id}"%'}, order_by="created_at, id")
    out = []
    for row in rows:
        if _hidden_from(store, actor_id, row):
            continue
        revealed = introduction_state(introductions(store, row["id"])) == "accepted"
        reveal = frozenset(parties(row)) if revealed else frozenset({actor_id})
        role = ("supplier" if row["supplier_id"] == actor_id else
                "receiver" if row["receiver_id"] == actor_id else "member")
        entry = {"id": row["id"], "kind": row["kind"], "your_role": role, "status": row["status"],
                 "resource": _node(tax, row["node_id"], lang), "score": row["score"],
                 "counterparty_revealed": revealed, "created_at": row["created_at"], "updated_at": row["updated_at"]}
        if describe is not None:
            entry["description"] = describe(row, reveal)
        out.append(entry)
    return out


def _introductions(store: Store, actor_id: str) -> list[dict]:
    out = []
    for intro in store.public["introduction"].rows_where("actor_id = ?", [actor_id], order_by="id"):
        out.append({"proposal_id": intro["proposal_id"], "your_answer": intro["status"],
                    "requested_at": intro["requested_at"], "answered_at": intro["responded_at"],
                    "state": introduction_state(introductions(store, intro["proposal_id"]))})
    return out


def _emails(store: Store, actor_id: str) -> list[dict]:
    out = []
    for r in store.vault["outbox"].rows_where("actor_id = ?", [actor_id], order_by="id"):
        message = outbox_message(store, r)
        # The subject only: bodies carry personal links that a shared export file must not reopen.
        out.append({"kind": r["kind"], "status": r["status"], "subject": message.subject,
                    "created_at": r["created_at"], "sent_at": r["sent_at"]})
    return out


def _digest(store: Store, actor_id: str) -> dict | None:
    rows = list(store.vault["digest_state"].rows_where("recipient = ?", [f"actor:{actor_id}"]))
    if not rows:
        return None
    return {k: rows[0][k] for k in ("since", "last_reminder_at", "unsubscribed_at")}


def _access_log(store: Store, actor_id: str) -> list[dict]:
    out = []
    for r in store.vault["audit"].rows_where("actor_id = ?", [actor_id], order_by="id"):
        who = r["who"] or ""
        if who.startswith("actor:") and who != f"actor:{actor_id}":
            who = "another actor"  # an introduction both accepted: never say which pseudonym
        elif who == f"actor:{actor_id}":
            who = "you"
        out.append({"at": r["at"], "who": who, "action": r["action"]})
    return out
