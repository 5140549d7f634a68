"""Running the matcher against a store: read the public partition, save proposals.

The matcher itself (matcher.propose) is a pure function; this module feeds it the
territory's public resources, actors and decision history, and stores the result
without touching the decisions already taken. It never opens the vault.
"""
from __future__ import annotations

import json
from collections import Counter

from data import Store
from data.actors import get_actor
from data.answers import list_resources
from data.proposals import save_proposals
from data.taxonomy import load_taxonomy
from data.territories import get_territory
from data.types import ActorFacts, Proposal
from matcher import History, propose

MATCHABLE = ("proposed", "confirmed")


def territory_actors(store: Store, territory_id: int) -> list[ActorFacts]:
    rows = store.public["actor"].rows_where("territory_id = ?", [territory_id], order_by="id")
    return [ActorFacts(id=r["id"], ref=r["ref"], kind=r["kind"] or "company", naf_division=r["naf_division"],
                       lat=r["lat"], lon=r["lon"]) for r in rows]


def territory_history(store: Store, territory_id: int) -> History:
    history = History()
    rows = store.public.execute(
        "SELECT p.id, p.kind, p.node_id, p.resources, p.status, d.fingerprint FROM proposal p "
        "LEFT JOIN decision d ON d.proposal_id = p.id AND d.action = 'reject' "
        "WHERE p.territory_id = ? AND p.status = 'rejected' ORDER BY d.id",
        [territory_id],
    ).fetchall()
    node_of = dict(store.public.execute(
        "SELECT r.id, r.node_id FROM resource r JOIN actor a ON a.id = r.actor_id WHERE a.territory_id = ?",
        [territory_id]).fetchall())
    for pid, kind, node_id, resources, _status, fingerprint in rows:
        if fingerprint:
            history.rejected[pid] = fingerprint
        history.rejected_node_pairs[_node_pair(kind, node_id, resources, node_of)] += 1
    # Synergies the facilitator marked as realised raise later proposals on the same pair of nodes.
    realised = store.public.execute(
        "SELECT p.kind, p.node_id, p.resources FROM synergy s JOIN proposal p ON p.id = s.proposal_id "
        "WHERE s.territory_id = ? AND s.stage = 'realised'", [territory_id]).fetchall()
    for kind, node_id, resources in realised:
        history.realised_node_pairs[_node_pair(kind, node_id, resources, node_of)] += 1
    return history


def _node_pair(kind: str, node_id: str, resources: str | None, node_of: dict) -> tuple[str, str]:
    """(offer node, need node) of a stored proposal; (node, node) for pooling; need "" when latent."""
    if kind == "pooling":
        return (node_id, node_id)
    ids = json.loads(resources or "[]")
    return (node_id, node_of.get(ids[1], "") if len(ids) > 1 else "")


def refresh(store: Store, territory_slug: str, *, only_actor: str | None = None) -> tuple[list[Proposal], dict]:
    """Recompute the territory's proposals (or one actor's) and store them."""
    territory = get_territory(store, territory_slug)
    resources = [r for r in list_resources(store, territory_id=territory["id"]) if r.status in MATCHABLE and r.node_id]
    actors = territory_actors(store, territory["id"])
    proposals = propose(resources, actors, load_taxonomy(), history=territory_history(store, territory["id"]),
                        only_actor=only_actor)
    counts = save_proposals(store, territory["id"], proposals, only_actor=only_actor)
    return proposals, counts


def refresh_actor(store: Store, actor_id: str) -> tuple[list[Proposal], dict]:
    """Incremental update after an actor's interview is completed or edited."""
    actor = get_actor(store, actor_id)
    slug = store.public["territory"].get(actor.territory_id)["slug"]
    return refresh(store, slug, only_actor=actor_id)


def counts_text(counts: dict) -> str:
    parts = Counter(counts)
    return ", ".join(f"{parts[k]} {k}" for k in ("added", "updated", "unchanged", "removed", "reopened") if parts[k])
