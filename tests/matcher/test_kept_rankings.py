"""Offers' rankings kept between incremental runs (`matcher.kept`) never change a result."""
from __future__ import annotations

import dataclasses
import random
from collections import Counter

import pytest
from matcher_support import random_territory

from matcher import History, MatcherSettings, prepare, propose, propose_for


def involving(proposals, actor_id):
    return [p for p in proposals if actor_id in (p.supplier, p.receiver) or actor_id in p.members]


@pytest.fixture(scope="module", params=["crowded", "sparse"])
def territory(request, taxonomy):
    """Crowded: many actors on a few nodes, most offers have more good receivers than they
    can keep. Sparse: resources all over the taxonomy, most offers have a few receivers."""
    busy = random_territory(taxonomy, seed=3, actors=150, span_km=40.0)
    if request.param == "sparse":
        return request.param, list(busy.resources), list(busy.actors)
    counts = Counter(p.node_id for p in busy.propose() if p.kind == "exchange" and not p.latent)
    nodes = [node for node, _ in counts.most_common(4)]
    rnd = random.Random(5)
    resources = [dataclasses.replace(r, node_id=rnd.choice(nodes)) if r.node_id else r for r in busy.resources]
    return request.param, resources, list(busy.actors)


def test_rankings_kept_across_changes_and_decisions_give_a_fresh_runs_proposals(territory, taxonomy):
    settings = MatcherSettings(top_receivers=2)  # rankings 3 deep: a changed receiver often falls inside
    kind, resources, actors = territory
    index = prepare(resources, actors, taxonomy, settings)
    used = Counter()
    plain_use = index.kept.use

    def counting_use(offer, actor_id):
        use = plain_use(offer, actor_id)
        used["all candidates" if use is None else ("complete" if use.complete else "partial")] += 1
        return use

    index.kept.use = counting_use
    history = History()
    for actor in actors:  # every offer ranked once
        propose_for(index, actor.id, history)
    rnd = random.Random(11)
    for step in range(10):
        actor = rnd.choice(actors)
        mine = [r for r in resources if r.actor_id == actor.id]
        others = [r for r in resources if r.actor_id != actor.id]
        donor = rnd.choice([r for r in others if r.node_id])
        if step % 3 == 0 and mine:
            mine = mine[1:]  # an answer deleted
        elif step % 3 == 1:  # the same need or offer as a neighbour
            mine = [*mine, dataclasses.replace(donor, id=f"r-new-{step}", actor_id=actor.id)]
        else:  # the actor moved
            actor = dataclasses.replace(actor, lat=(actor.lat or 45.0) + 0.03)
            actors = [actor if a.id == actor.id else a for a in actors]
        resources = others + mine
        index.replace_actor(actor.id, mine, actor)
        full = propose(resources, actors, taxonomy, settings=settings, history=history)
        if step == 6:  # the facilitator rejects a proposal: it gives its place to the next one
            rejected = next(p for p in full if p.kind == "exchange" and not p.latent)
            history = History(rejected={rejected.id: rejected.fingerprint})
            full = propose(resources, actors, taxonomy, settings=settings, history=history)
        for actor_id in sorted({actor.id, donor.actor_id, *[a.id for a in rnd.sample(actors, 25)]}):
            assert propose_for(index, actor_id, history) == involving(full, actor_id), (step, actor_id)
    # The kept rankings were used: in the crowded territory mostly ones holding only the best
    # receivers, which a change may cut short; in the sparse one, ones holding every receiver.
    assert used["partial" if kind == "crowded" else "complete"] > 100, used
