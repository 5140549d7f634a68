"""Running the matcher against a store: read the public partition, save proposals.

The matcher itself (matcher.propose) is a pure function; this module feeds it the
territory's public resources, actors and decision history, and stores the result
without touching the decisions already taken. It never opens the vault.

An actor re-matched after their interview (`refresh_actor`) is matched against an
index of the territory kept in this process between requests. Every write to the
public actor and resource tables, from any process, leaves a line in `match_change`
(SQLite triggers, migration p005); before each use the kept index re-reads the
actors named there since it last looked, and only them.
"""
from __future__ import annotations

import json
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass

from data import Store
from data.db import transaction
from data.actors import get_actor
from data.answers import list_resources
from data.proposals import save_proposals
from data.taxonomy import load_taxonomy
from data.territories import get_territory
from data.types import ActorFacts, Proposal
from matcher import History, MatchIndex, prepare, propose, propose_for

MATCHABLE = ("proposed", "confirmed")
KEPT_TERRITORIES = 4  # territories whose index a process keeps (about 1.5 kB a resource)
REBUILD_AFTER = 2_000  # actors changed since the last look beyond which a fresh index is cheaper
CHANGE_LOG_KEPT = 100_000  # lines of match_change kept; a process further behind rebuilds


@dataclass
class _Kept:
    seq: int  # the last match_change line applied
    index: MatchIndex


_kept: OrderedDict[tuple[str, int], _Kept] = OrderedDict()
_kept_lock = threading.Lock()


def territory_actors(store: Store, territory_id: int) -> list[ActorFacts]:
    rows = store.public["actor"].rows_where("territory_id = ?", [territory_id], order_by="id")
    return [_facts(r) for r in rows]


def _facts(row: dict) -> ActorFacts:
    return ActorFacts(id=row["id"], ref=row["ref"], kind=row["kind"] or "company", naf_division=row["naf_division"],
                      lat=row["lat"], lon=row["lon"])


def matchable_resources(store: Store, *, territory_id: int | None = None, actor_id: str | None = None) -> list:
    return [r for r in list_resources(store, territory_id=territory_id, actor_id=actor_id)
            if r.status in MATCHABLE and r.node_id]


def territory_history(store: Store, territory_id: int) -> History:
    history = History()
    rejected = store.public.execute(
        "SELECT p.id, p.kind, p.node_id, p.resources, p.status, d.fingerprint FROM proposal p "
        "LEFT JOIN decision d ON d.proposal_id = p.id AND d.action = 'reject' "
        "WHERE p.territory_id = ? AND p.status = 'rejected' ORDER BY d.id",
        [territory_id],
    ).fetchall()
    # Synergies the facilitator marked as realised raise later proposals on the same pair of nodes.
    realised = store.public.execute(
        "SELECT p.kind, p.node_id, p.resources FROM synergy s JOIN proposal p ON p.id = s.proposal_id "
        "WHERE s.territory_id = ? AND s.stage = 'realised'", [territory_id]).fetchall()
    node_of = _nodes_of(store, [resources for *_, resources in realised]
                        + [resources for _pid, _kind, _node, resources, *_ in rejected])
    for pid, kind, node_id, resources, _status, fingerprint in rejected:
        if fingerprint:
            history.rejected[pid] = fingerprint
        history.rejected_node_pairs[_node_pair(kind, node_id, resources, node_of)] += 1
    for kind, node_id, resources in realised:
        history.realised_node_pairs[_node_pair(kind, node_id, resources, node_of)] += 1
    return history


def _nodes_of(store: Store, resource_lists: list[str | None]) -> dict[str, str]:
    """Node of each receiving resource named in these proposals (a few rows, not the territory's)."""
    wanted = sorted({ids[1] for text in resource_lists if len(ids := json.loads(text or "[]")) > 1})
    node_of: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        node_of.update(store.public.execute(
            f"SELECT id, node_id FROM resource WHERE id IN ({', '.join('?' * len(chunk))})", chunk).fetchall())
    return node_of


def _node_pair(kind: str, node_id: str, resources: str | None, node_of: dict) -> tuple[str, str]:
    """(offer node, need node) of a stored proposal; (node, node) for pooling; need "" when latent."""
    if kind == "pooling":
        return (node_id, node_id)
    ids = json.loads(resources or "[]")
    return (node_id, node_of.get(ids[1], "") if len(ids) > 1 else "")


def refresh(store: Store, territory_slug: str, *, only_actor: str | None = None) -> tuple[list[Proposal], dict]:
    """Recompute the territory's proposals (or one actor's) and store them."""
    territory = get_territory(store, territory_slug)
    history = territory_history(store, territory["id"])
    if only_actor is None:
        proposals = propose(matchable_resources(store, territory_id=territory["id"]),
                            territory_actors(store, territory["id"]), load_taxonomy(), history=history)
    else:
        with _kept_lock:
            proposals = propose_for(_kept_index(store, territory["id"]), only_actor, history)
    counts = save_proposals(store, territory["id"], proposals, only_actor=only_actor)
    return proposals, counts


def _kept_index(store: Store, territory_id: int) -> MatchIndex:
    """The territory's index kept in this process, brought up to date (call with `_kept_lock` held)."""
    key = (str(store.data_dir.resolve()), territory_id)
    db = store.public
    last = db.execute("SELECT COALESCE(MAX(seq), 0), COALESCE(MIN(seq), 0) FROM match_change").fetchone()
    kept = _kept.get(key)
    if kept is not None and (last[0] < kept.seq or last[1] > kept.seq + 1):
        kept = None  # another database under the same path, or lines we never saw were pruned
    if kept is not None:
        changed = list(dict.fromkeys(actor_id for (actor_id,) in db.execute(
            "SELECT actor_id FROM match_change WHERE seq > ? AND (territory_id = ? OR territory_id IS NULL) "
            "ORDER BY seq", [kept.seq, territory_id]).fetchall()))
        if len(changed) > REBUILD_AFTER or "*" in changed:  # '*': an actor was erased
            kept = None
        else:
            for actor_id in changed:
                row = next(iter(db["actor"].rows_where("id = ? AND territory_id = ?", [actor_id, territory_id])), None)
                mine = matchable_resources(store, actor_id=actor_id) if row is not None else []
                kept.index.replace_actor(actor_id, mine, _facts(row) if row is not None else None)
            kept.seq = last[0]
    if kept is None:
        index = prepare(matchable_resources(store, territory_id=territory_id), territory_actors(store, territory_id),
                        load_taxonomy())
        index.columns()
        kept = _Kept(last[0], index)
    _prune_change_log(store, *last)
    _kept[key] = kept
    _kept.move_to_end(key)
    while len(_kept) > KEPT_TERRITORIES:
        _kept.popitem(last=False)
    return kept.index


def _prune_change_log(store: Store, last: int, first: int) -> None:
    """Keep the last CHANGE_LOG_KEPT lines once the log holds twice as many (a process further behind rebuilds)."""
    if last - first > 2 * CHANGE_LOG_KEPT:
        with transaction(store.public):
            store.public.execute("DELETE FROM match_change WHERE seq <= ?", [last - CHANGE_LOG_KEPT])


def refresh_actor(store: Store, actor_id: str) -> tuple[list[Proposal], dict]:
    """Incremental update after an actor's interview is completed or edited."""
    actor = get_actor(store, actor_id)
    slug = store.public["territory"].get(actor.territory_id)["slug"]
    return refresh(store, slug, only_actor=actor_id)


def counts_text(counts: dict) -> str:
    parts = Counter(counts)
    return ", ".join(f"{parts[k]} {k}" for k in ("added", "updated", "unchanged", "removed", "reopened") if parts[k])
