"""Same input, same proposals; incremental runs agree with full runs; the facilitator's decisions count."""
from __future__ import annotations

import random
from collections import Counter

import pytest
from matcher_support import bilateral, part, random_territory

from matcher import History, MatcherSettings, blocking, prepare, propose, propose_for, table


def involving(proposals, actor_id):
    return [p for p in proposals if actor_id in (p.supplier, p.receiver) or actor_id in p.members]


@pytest.fixture(scope="module")
def busy(taxonomy):
    return random_territory(taxonomy, seed=7)


def test_the_random_territory_exercises_every_kind_of_proposal(busy):
    kinds = Counter((p.kind, p.latent) for p in busy.propose())
    assert kinds[("exchange", False)] and kinds[("exchange", True)]
    assert kinds[("sharing", False)] and kinds[("pooling", False)]


def test_running_twice_gives_identical_proposals(busy):
    assert busy.propose() == busy.propose()


def test_reordered_input_gives_the_same_ids_and_order(busy, taxonomy):
    first = busy.propose()
    rnd = random.Random(3)
    resources, actors = list(busy.resources), list(busy.actors)
    rnd.shuffle(resources)
    rnd.shuffle(actors)
    again = propose(resources, actors, taxonomy)
    assert [p.id for p in again] == [p.id for p in first]
    assert again == first


def test_the_size_of_the_chunks_changes_nothing(busy, monkeypatch):
    """Vectors are decoded, and candidate distances measured, a chunk at a time: any size gives the same run."""
    first = busy.propose()
    monkeypatch.setattr(table, "EMBEDDING_CHUNK", 3)
    monkeypatch.setattr(blocking, "DISTANCE_CHUNK", 5)
    assert busy.propose() == first


def test_proposals_are_sorted_by_score_then_id(busy):
    proposals = busy.propose()
    assert proposals == sorted(proposals, key=lambda p: (-p.score, p.id))
    assert len({p.id for p in proposals}) == len(proposals)


def test_incremental_run_equals_the_full_run_for_every_actor(busy, taxonomy):
    full = busy.propose()
    for actor in busy.actors:
        assert propose(busy.resources, busy.actors, taxonomy, only_actor=actor.id) == involving(full, actor.id), actor.id


def test_incremental_run_with_history_equals_the_full_run(busy, taxonomy):
    full = busy.propose()
    history = History(rejected={p.id: p.fingerprint for p in full[::3]},
                      realised_node_pairs=Counter({(p.node_id, p.node_id): 2 for p in full[1::5]}))
    settings = MatcherSettings(top_receivers=3, latent_per_offer=1)
    again = propose(busy.resources, busy.actors, taxonomy, history=history, settings=settings)
    for actor in busy.actors[::4]:
        mine = propose(busy.resources, busy.actors, taxonomy, history=history, settings=settings, only_actor=actor.id)
        assert mine == involving(again, actor.id), actor.id


def test_incremental_run_for_an_actor_without_resources_is_empty(busy, taxonomy):
    assert propose(busy.resources, busy.actors, taxonomy, only_actor="nobody") == []


def test_an_index_kept_between_runs_gives_every_actor_the_full_runs_proposals(busy, taxonomy):
    full = busy.propose()
    index = prepare(busy.resources, busy.actors, taxonomy)
    for actor in busy.actors:
        assert propose_for(index, actor.id) == involving(full, actor.id), actor.id
    history = History(rejected={p.id: p.fingerprint for p in full[::3]})
    with_history = propose(busy.resources, busy.actors, taxonomy, history=history)
    assert propose_for(index, busy.actors[0].id, history) == involving(with_history, busy.actors[0].id)
    assert propose_for(index, "nobody") == []


def sawdust_pair(territory):
    territory.actor("mill", 0, division="16")
    territory.actor("farm", 5, division="01")
    territory.offer("mill", "material.wood.sawdust_untreated", band_low=10, band_high=30, unit="m3/yr")
    territory.need("farm", "material.input.animal_bedding", band_low=10, band_high=30, unit="m3/yr")


def test_a_rejected_proposal_is_not_proposed_again(territory):
    sawdust_pair(territory)
    (proposal,) = bilateral(territory.propose(), "mill", "farm")
    history = History(rejected={proposal.id: proposal.fingerprint})
    assert bilateral(territory.propose(history=history), "mill", "farm") == []


def test_a_rejected_proposal_comes_back_when_its_facts_change(territory):
    sawdust_pair(territory)
    (proposal,) = bilateral(territory.propose(), "mill", "farm")
    history = History(rejected={proposal.id: proposal.fingerprint})
    territory.resources[0].band_low, territory.resources[0].band_high = 100.0, 300.0  # the mill now has more
    (back,) = bilateral(territory.propose(history=history), "mill", "farm")
    assert back.id == proposal.id and back.fingerprint != proposal.fingerprint


def test_the_next_receiver_takes_a_rejected_one_place(territory):
    territory.actor("mill", 0, division="16")
    territory.offer("mill", "material.wood.sawdust_untreated")
    for i in range(3):
        territory.actor(f"farm{i}", 2 + i, division="01")
        territory.need(f"farm{i}", "material.input.animal_bedding")
    settings = MatcherSettings(top_receivers=2, latent=False)
    first = [p for p in territory.propose(settings=settings) if p.supplier == "mill"]
    assert [p.receiver for p in first] == ["farm0", "farm1"]
    history = History(rejected={first[0].id: first[0].fingerprint})
    again = territory.propose(settings=settings, history=history)
    assert [p.receiver for p in again if p.supplier == "mill"] == ["farm1", "farm2"]


def test_realised_and_rejected_node_pairs_move_the_history_part(territory):
    sawdust_pair(territory)
    pair = ("material.wood.sawdust_untreated", "material.input.animal_bedding")
    (neutral,) = bilateral(territory.propose(), "mill", "farm")
    (liked,) = bilateral(territory.propose(history=History(realised_node_pairs=Counter({pair: 3}))), "mill", "farm")
    (disliked,) = bilateral(territory.propose(history=History(rejected_node_pairs=Counter({pair: 3}))), "mill", "farm")
    assert part(liked, "history").value > part(neutral, "history").value > part(disliked, "history").value
    assert liked.score > neutral.score > disliked.score
    assert part(liked, "history").facts["realised"] == 3


def test_proposal_ids_are_stable_and_shaped(territory):
    sawdust_pair(territory)
    (proposal,) = bilateral(territory.propose(), "mill", "farm")
    territory.resources[0].id, territory.resources[1].id = "other-1", "other-2"
    (again,) = bilateral(territory.propose(), "mill", "farm")
    assert again.id == proposal.id
    assert proposal.id.startswith("p_") and len(proposal.id) == 18


def test_visibility_is_the_strictest_sharing_choice(territory):
    sawdust_pair(territory)
    territory.resources[0].sharing = "named"
    territory.resources[1].sharing = "facilitator"
    (proposal,) = bilateral(territory.propose(), "mill", "farm")
    assert proposal.visibility == "facilitator"


def test_a_kept_index_updated_actor_by_actor_equals_a_fresh_run(busy, taxonomy):
    """Resources moved between actors, an actor moved, one gone, one new: as if built from scratch."""
    import dataclasses

    resources, actors = list(busy.resources), list(busy.actors)
    index = prepare(resources, actors, taxonomy)
    rnd = random.Random(11)
    changed: list[str] = []
    for step in range(12):
        actor = rnd.choice(actors)
        mine = [r for r in resources if r.actor_id == actor.id]
        others = [r for r in resources if r.actor_id != actor.id]
        donor = rnd.choice([r for r in others if r.node_id])
        if step % 4 == 0 and mine:
            mine = mine[1:]  # an answer deleted
        elif step % 4 == 1:  # an answer that says what a neighbour offers or needs
            mine = [*mine, dataclasses.replace(donor, id=f"r-new-{step}", actor_id=actor.id)]
        elif step % 4 == 2:  # the actor moved and changed sector
            moved = dataclasses.replace(actor, lat=(actor.lat or 45.0) + 0.05, naf_division="16")
            actors = [moved if a.id == actor.id else a for a in actors]
            actor = moved
        else:  # a node corrected by the facilitator
            mine = [dataclasses.replace(r, node_id=donor.node_id) for r in mine]
        resources = others + mine
        index.replace_actor(actor.id, mine, actor)
        changed.append(actor.id)
        full = propose(resources, actors, taxonomy)
        for actor_id in {actor.id, donor.actor_id, *[a.id for a in actors[step::15]]}:
            assert propose_for(index, actor_id) == involving(full, actor_id), (step, actor_id)
    gone = actors[-1]
    actors = actors[:-1]
    resources = [r for r in resources if r.actor_id != gone.id]
    index.replace_actor(gone.id, [], None)
    newcomer = dataclasses.replace(actors[0], id="z-new", ref="z-new", lat=(actors[0].lat or 45.0) + 0.01)
    theirs = [dataclasses.replace(r, id=f"r-z-{k}", actor_id="z-new") for k, r in enumerate(resources[:6])]
    actors, resources = [*actors, newcomer], resources + theirs
    index.replace_actor("z-new", theirs, newcomer)

    full = propose(resources, actors, taxonomy)
    assert index.dead > 0
    for actor_id in {*changed, gone.id, "z-new", *[a.id for a in actors[::7]]}:
        assert propose_for(index, actor_id) == involving(full, actor_id), actor_id
    assert propose_for(index, gone.id) == []
    # A full run over the kept index skips the rows left behind.
    assert propose(index.live_rows(), actors, taxonomy) == full
