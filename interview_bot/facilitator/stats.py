"""The territory's figures, as plain data for the dashboard, the report and the exports."""
from __future__ import annotations

import json
from collections import Counter

from data import decisions as dec
from data import synergies as syn
from data.directory import SWOT_TOPICS, answers_by_topic
from data.store import Store
from data.taxonomy import Taxonomy

from .blueprint import category_of, node_label

PROPOSAL_STATUSES = ("new", "snoozed", "accepted", "rejected", "withdrawn")
ACTOR_STATUSES = ("invited", "in_progress", "completed")


def counts(store: Store, territory_id: int, tax: Taxonomy, lang: str) -> dict:
    tid = [territory_id]
    actors = Counter(dict(store.public.execute(
        "SELECT status, count(*) FROM actor WHERE territory_id = ? GROUP BY status", tid).fetchall()))
    resources = store.public.execute(
        "SELECT r.node_id, r.direction, r.status FROM resource r JOIN actor a ON a.id = r.actor_id "
        "WHERE a.territory_id = ?", tid).fetchall()
    by_root: Counter = Counter()
    for node_id, direction, status in resources:
        if status != "unknown" and node_id:
            by_root[(node_id.split(".")[0], direction)] += 1
    roots = sorted({root for root, _d in by_root})
    proposals = Counter(dict(store.public.execute(
        "SELECT status, count(*) FROM proposal WHERE territory_id = ? GROUP BY status", tid).fetchall()))
    stages = Counter(dict(store.public.execute(
        "SELECT stage, count(*) FROM synergy WHERE territory_id = ? GROUP BY stage", tid).fetchall()))
    introduced = store.public.execute(
        "SELECT count(*) FROM (SELECT proposal_id FROM introduction i JOIN proposal p ON p.id = i.proposal_id "
        "WHERE p.territory_id = ? GROUP BY proposal_id HAVING SUM(i.status != 'accepted') = 0)", tid).fetchone()[0]
    unknown = sum(1 for _n, _d, status in resources if status == "unknown")
    total_actors = sum(actors.values())
    return {
        "actors": {"invited": total_actors, "interviewed": actors["completed"], "in_progress": actors["in_progress"],
                   "not_started": actors["invited"]},
        "resources": [{"root": r, "label": node_label(tax, r, lang), "offer": by_root[(r, "offer")],
                       "need": by_root[(r, "need")]} for r in roots],
        "unknown": unknown,
        "proposals": {s: proposals[s] for s in PROPOSAL_STATUSES},
        "stages": {s: stages[s] for s in syn.STAGES},
        "funnel": [
            ("proposed", sum(proposals.values()) - proposals["withdrawn"]),
            ("accepted", proposals["accepted"]),
            ("introduced", introduced),
            ("in_progress", stages["in_progress"] + stages["realised"]),
            ("realised", stages["realised"]),
        ],
        "impact": syn.yearly_impact(store, territory_id),
        "quick_wins": store.public.execute(
            "SELECT count(*) FROM proposal WHERE territory_id = ? AND quick_win = 1", tid).fetchone()[0],
    }


def network(store: Store, territory_id: int) -> dict:
    """Actors by their (public, ~1 km) coordinates, and the links between them."""
    actors = [dict(r) for r in store.public["actor"].rows_where(
        "territory_id = ? AND lat IS NOT NULL AND lon IS NOT NULL", [territory_id], order_by="ref")]
    realised = {r["proposal_id"]: r["stage"] for r in syn.list_synergies(store, territory_id)}
    links = []
    for row in store.public["proposal"].rows_where("territory_id = ? AND status IN ('new', 'accepted', 'snoozed')",
                                                   [territory_id]):
        parties = dec.parties(row)
        kind = "synergy" if row["id"] in realised and realised[row["id"]] != "abandoned" else (
            "accepted" if row["status"] == "accepted" else "proposal")
        for a, b in (zip(parties, parties[1:]) if row["kind"] != "pooling" else
                     ((parties[0], m) for m in parties[1:])):
            links.append({"a": a, "b": b, "kind": kind})
    return {"actors": actors, "links": links}


def swot(store: Store, territory_id: int, tax: Taxonomy, lang: str, *, who: str, user_id: int | None) -> dict:
    """The territory's SWOT (FFOM) assembled from the interviews and the proposals, to prepare a workshop.

    Strengths: what the territory offers most, and what actors said they do well.
    Weaknesses: needs nobody nearby answers, and the problems actors told.
    Opportunities: the best open proposals and the quick wins.
    Threats: the regulatory questions the proposals raise, and the constraints actors told.
    """
    rows = store.public.execute(
        "SELECT r.id, r.node_id, r.direction FROM resource r JOIN actor a ON a.id = r.actor_id "
        "WHERE a.territory_id = ? AND r.node_id IS NOT NULL AND r.status != 'unknown'", [territory_id]).fetchall()
    proposals = list(store.public["proposal"].rows_where("territory_id = ? AND status != 'withdrawn'", [territory_id],
                                                         order_by="score DESC"))
    involved = set()
    caveats: Counter = Counter()
    for p in proposals:
        involved.update(json.loads(p["resources"] or "[]"))
        caveats.update(json.loads(p.get("caveats") or "[]"))
    offered = Counter(category_of(n) for _id, n, d in rows if d == "offer")
    unmet = Counter(category_of(n) for rid, n, d in rows if d == "need" and rid not in involved)
    said = answers_by_topic(store, territory_id, SWOT_TOPICS, who=who, user_id=user_id)

    def labelled(counter: Counter, n: int = 5) -> list[str]:
        return [f"{node_label(tax, c, lang)} ({k})" for c, k in counter.most_common(n)]

    best = [p for p in proposals if p["status"] in ("new", "accepted")][:5]
    return {
        "strengths": labelled(offered) + said["strengths"][:10],
        "weaknesses": labelled(unmet) + said["problems"][:10],
        "opportunities": [f"{node_label(tax, p['node_id'], lang)} ({p['score']:.2f})" for p in best]
        + said["opportunities"][:10],
        "threats": [f"{name} ({k})" for name, k in caveats.most_common(6)] + said["constraints"][:10]
        + said["threats"][:10],
    }
