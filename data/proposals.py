"""Proposals in the public partition: saving a matcher run without losing decisions."""
from __future__ import annotations

import json
from collections import Counter

from .db import transaction
from .store import Store, now
from .types import Proposal, ScorePart

OPEN = "new"
DECIDED = ("accepted", "rejected", "snoozed", "withdrawn")


def _row(territory_id: int, p: Proposal) -> dict:
    return {
        "id": p.id,
        "territory_id": territory_id,
        "kind": p.kind,
        "supplier_id": p.supplier,
        "receiver_id": p.receiver,
        "members": json.dumps(list(p.members)),
        "resources": json.dumps(list(p.resources)),
        "node_id": p.node_id,
        "score": round(float(p.score), 4),
        "parts": json.dumps([{"name": x.name, "value": round(float(x.value), 4), "weight": x.weight, "facts": x.facts}
                             for x in p.parts], ensure_ascii=False, sort_keys=True, default=str),
        "explanation": None,
        "fingerprint": p.fingerprint,
        "latent": int(p.latent),
        "caveats": json.dumps(list(p.caveats)),
        "visibility": p.visibility,
    }


def save_proposals(store: Store, territory_id: int, proposals: list[Proposal], *, only_actor: str | None = None) -> dict:
    """Store a matcher run: new ones added, known ones refreshed (keeping their status),
    undecided ones no longer proposed removed. Returns counts."""
    counts = Counter()
    proposed = {p.id for p in proposals}
    with transaction(store.public):
        where, params = "territory_id = ?", [territory_id]
        if only_actor:
            where += " AND (supplier_id = ? OR receiver_id = ? OR members LIKE ?)"
            params += [only_actor, only_actor, f'%"{only_actor}"%']
        existing = {r["id"]: r for r in store.public["proposal"].rows_where(where, params)}
        for pid, row in existing.items():
            if pid not in proposed and row["status"] == OPEN:
                store.public.execute("DELETE FROM proposal WHERE id = ? AND NOT EXISTS "
                                     "(SELECT 1 FROM decision WHERE proposal_id = ?)", [pid, pid])
                counts["removed"] += 1
        for p in proposals:
            row = _row(territory_id, p)
            old = existing.get(p.id)
            if old is None:  # an incremental run may meet a proposal stored under another actor's filter
                found = list(store.public["proposal"].rows_where("id = ?", [p.id]))
                old = found[0] if found else None
            if old is None:
                store.public["proposal"].insert({**row, "status": OPEN, "quick_win": 0, "created_at": now(), "updated_at": now()})
                counts["added"] += 1
                continue
            update = {k: v for k, v in row.items() if k != "id"}
            if old["status"] == "rejected" and old["fingerprint"] != p.fingerprint:
                update["status"] = OPEN  # the data changed since the rejection: worth a new look
                counts["reopened"] += 1
            if any(old[k] != v for k, v in update.items()):
                update["updated_at"] = now()
                store.public["proposal"].update(p.id, update)
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
    return dict(counts)


def load_proposal(row: dict) -> Proposal:
    """A stored proposal back as the core dataclass."""
    return Proposal(
        id=row["id"],
        kind=row["kind"],
        node_id=row["node_id"],
        score=row["score"],
        supplier=row["supplier_id"],
        receiver=row["receiver_id"],
        members=tuple(json.loads(row["members"] or "[]")),
        resources=tuple(json.loads(row["resources"] or "[]")),
        parts=[ScorePart(**x) for x in json.loads(row["parts"] or "[]")],
        latent=bool(row.get("latent")),
        caveats=tuple(json.loads(row.get("caveats") or "[]")),
        visibility=row.get("visibility") or "anonymous",
        fingerprint=row["fingerprint"] or "",
    )


def list_proposals(store: Store, territory_id: int, *, statuses: tuple[str, ...] | None = None) -> list[dict]:
    where, params = "territory_id = ?", [territory_id]
    if statuses:
        where += f" AND status IN ({', '.join('?' for _ in statuses)})"
        params += list(statuses)
    return list(store.public["proposal"].rows_where(where, params, order_by="score DESC, id"))
