"""Latent exchanges: an actor whose sector typically uses an offer, without a declared need."""
from __future__ import annotations

from matcher_support import bilateral, part

from matcher import MatcherSettings


def sawmill_with_neighbours(territory):
    territory.actor("mill", 0, division="16")
    territory.offer("mill", "material.wood.sawdust_untreated", head="sciure")
    territory.actor("asking", 6, division="01")  # a farm that declared the need
    territory.need("asking", "material.input.animal_bedding", head="litière")
    territory.actor("silent", 3, division="01")  # a farm that said nothing, nearer
    territory.actor("office", 2, division="69")  # an accountant: no use for sawdust


def test_latent_receiver_is_marked_and_ranked_below_declared_ones(territory):
    sawmill_with_neighbours(territory)
    proposals = territory.propose()
    (declared,) = bilateral(proposals, "mill", "asking")
    (latent,) = bilateral(proposals, "mill", "silent")
    assert not declared.latent and latent.latent
    assert latent.score < declared.score
    assert latent.score <= MatcherSettings().latent_cap
    assert part(latent, "taxonomy").facts["relation"] in ("latent", "latent_uses")
    assert latent.resources == (territory.resources[0].id,)
    assert proposals.index(declared) < proposals.index(latent)


def test_latent_goes_only_to_sectors_that_use_the_resource(territory):
    sawmill_with_neighbours(territory)
    assert bilateral(territory.propose(), "mill", "office") == []


def test_an_actor_with_a_matching_declared_need_gets_a_normal_exchange_only(territory):
    sawmill_with_neighbours(territory)
    assert [p.latent for p in bilateral(territory.propose(), "mill", "asking")] == [False]


def test_no_latent_proposal_to_the_offer_own_actor(territory):
    territory.actor("farm", 0, division="01")
    territory.offer("farm", "material.organic.manure.cattle")
    assert territory.propose() == []


def test_latent_receivers_are_few_per_offer_and_nearest_first(territory):
    territory.actor("mill", 0, division="16")
    territory.offer("mill", "material.wood.sawdust_untreated")
    for i in range(6):
        territory.actor(f"farm{i}", 2 + 2 * i, division="01")
    latent = [p for p in territory.propose() if p.latent]
    assert len(latent) == MatcherSettings().latent_per_offer
    assert [p.receiver for p in latent] == ["farm0", "farm1"]


def test_latent_proposals_can_be_switched_off(territory):
    sawmill_with_neighbours(territory)
    assert not any(p.latent for p in territory.propose(settings=MatcherSettings(latent=False)))


def test_latent_receivers_need_a_location(territory):
    territory.actor("mill", 0, division="16")
    territory.offer("mill", "material.wood.sawdust_untreated")
    territory.actor("somewhere", None, division="01")
    assert territory.propose() == []
