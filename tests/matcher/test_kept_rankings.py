"""Offers' rankings kept between incremental runs (`matcher.kept`) never change a result."""
from __future__ import annotations

import dataclasses
import random
from collections import Counter

import pytest
from matcher_support import random_territory

from matcher import History, MatcherSettings, prepare, propose, propose_for
from matcher.kept import KeptRankings


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
    settings = MatcherSettings(top_receivers=1)  # rankings 2 deep: a changed receiver often falls inside
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
    for step in range(24):
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
        if step in (8, 16):  # the facilitator rejects a proposal: it gives its place to the next one
            rejected = next(p for p in full if p.kind == "exchange" and not p.latent and p.id not in history.rejected)
            history = dataclasses.replace(history, rejected={**history.rejected, rejected.id: rejected.fingerprint})
            full = propose(resources, actors, taxonomy, settings=settings, history=history)
        if step == 12:  # an exchange between two kinds of resource was realised: such pairs score higher
            realised = next(p for p in full if p.kind == "exchange" and not p.latent)
            pair = (realised.node_id, next(r.node_id for r in resources if r.id == realised.resources[1]))
            history = dataclasses.replace(history, realised_node_pairs=Counter({pair: 3}))
            full = propose(resources, actors, taxonomy, settings=settings, history=history)
        for actor_id in sorted({actor.id, donor.actor_id, *[a.id for a in rnd.sample(actors, 25)]}):
            assert propose_for(index, actor_id, history) == involving(full, actor_id), (step, actor_id)
    # The kept rankings were used: in the crowded territory mostly ones holding only the best
    # receivers, which a change may cut short; in the sparse one, ones holding every receiver.
    assert used["partial" if kind == "crowded" else "complete"] > 100, used


def test_a_latent_receiver_is_matched_alone_as_in_a_full_run(taxonomy):
    """Actors with a declared need an offer meets get an exchange, not a latent proposal, even
    when an incremental run reads none of their needs (the latent receiver has none of its own)."""
    from matcher.blocking import links_for
    from matcher_support import Territory

    settings = MatcherSettings(latent_skip_declared_root=False)
    links = links_for(taxonomy, settings.default_max_km)
    node, division = next((leaf.id, d) for leaf in sorted(taxonomy.leaves(), key=lambda n: n.id)
                          if leaf.id.startswith("material.") and leaf.id in links.needs_for(leaf.id)
                          for d in sorted(links.latent_for(leaf.id)))
    t = Territory(taxonomy)
    t.offer(t.actor("supplier", 0, 0, division="99"), node)
    for k in range(3):  # closer than the latent receiver, and needing the offer
        t.need(t.actor(f"needer{k}", 1 + k, 0, division=division), node)
    t.actor("latent", 5, 0, division=division)
    full = t.propose(settings=settings)
    assert [p.receiver for p in full if p.latent] == ["latent"]
    index = prepare(t.resources, t.actors, taxonomy, settings)
    for actor in t.actors:
        assert propose_for(index, actor.id) == involving(full, actor.id), actor.id


def test_kept_rankings_are_forgotten_when_the_history_changes():
    kept = KeptRankings()
    kept.start(History(), top_receivers=1)  # rankings 2 deep
    kept.record(10, [1, 2], ["a", "b"], None)
    assert kept.use(10, "x") is not None
    kept.start(History(), top_receivers=1)
    assert kept.use(10, "x") is not None
    kept.start(History(realised_node_pairs=Counter({("n", "m"): 1})), top_receivers=1)  # scores moved
    assert kept.use(10, "x") is None


def test_a_ranking_made_from_a_kept_one_keeps_only_the_places_known_for_sure():
    kept = KeptRankings()
    kept.start(History(), top_receivers=1)
    kept.record(10, [1, 2], ["a", "b"], None)  # as deep as kept: others may follow
    kept.changed("a", [])
    use = kept.use(10, "x")
    assert use.needs == [2] and use.changed == {"a", "x"} and not use.complete
    # Ranked against b's need and a's and x's current needs: c came second, but an actor never
    # read may rank between b and c.
    kept.record(10, [2, 5], ["b", "c"], use)
    assert kept.rankings[10].needs == (2,)
    kept.changed("b", [])
    assert kept.use(10, "x") is None  # nothing sure is left: rank it against every need
    # A ranking that listed every receiver stays complete.
    kept.record(11, [3], ["d"], None)
    kept.changed("d", [])
    use = kept.use(11, "x")
    assert use.needs == [] and use.complete
