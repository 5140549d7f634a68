"""Offers meet declared needs through the taxonomy: same node, uses, broader and narrower nodes."""
from __future__ import annotations

from matcher_support import bilateral, part


def test_same_node_exchange_is_proposed_with_full_taxonomy_score(territory):
    territory.actor("mill", 0)
    territory.actor("farm", 8, division="01")
    territory.offer("mill", "material.wood.sawdust_untreated", head="sciure de hêtre")
    territory.need("farm", "material.wood.sawdust_untreated", head="sciure pour les box")

    (proposal,) = bilateral(territory.propose(), "mill", "farm")
    assert proposal.kind == "exchange" and not proposal.latent
    assert part(proposal, "taxonomy").value == 1.0
    assert part(proposal, "taxonomy").facts["relation"] == "same"
    assert 0.0 <= proposal.score <= 1.0
    assert proposal.node_id == "material.wood.sawdust_untreated"


def test_offer_reaches_a_need_for_what_it_can_be_used_as(territory):
    territory.actor("mill", 0)
    territory.actor("farm", 10, division="01")
    territory.offer("mill", "material.wood.sawdust_untreated")
    territory.need("farm", "material.input.animal_bedding", head="litière pour veaux")

    (proposal,) = bilateral(territory.propose(), "mill", "farm")
    facts = part(proposal, "taxonomy").facts
    assert facts["relation"] == "uses" and facts["via"] == "material.input.animal_bedding"
    assert 0.85 <= part(proposal, "taxonomy").value < 1.0


def test_need_for_a_broader_node_meets_a_narrower_offer(territory):
    territory.actor("mill", 0)
    territory.actor("boiler", 5, division="35")
    territory.offer("mill", "material.wood.sawdust_untreated")
    territory.need("boiler", "material.wood", head="du bois")

    (proposal,) = bilateral(territory.propose(), "mill", "boiler")
    assert part(proposal, "taxonomy").facts["relation"] == "need_broader"
    assert part(proposal, "taxonomy").value < 1.0


def test_a_vaguer_offer_scores_below_an_exact_one(territory):
    territory.actor("exact", 3)
    territory.actor("vague", 3, 0.5)
    territory.actor("farm", 0, division="01")
    territory.offer("exact", "material.wood.sawdust_untreated")
    territory.offer("vague", "material.wood")
    territory.need("farm", "material.wood.sawdust_untreated")

    proposals = territory.propose()
    (exact,) = bilateral(proposals, "exact", "farm")
    (vague,) = bilateral(proposals, "vague", "farm")
    assert part(vague, "taxonomy").facts["relation"] == "offer_broader"
    assert vague.score < exact.score


def test_unrelated_resources_are_not_proposed(territory):
    territory.actor("foundry", 0)
    territory.actor("grower", 2, division="01")
    territory.offer("foundry", "material.mineral.foundry.sand_nonferrous")
    territory.need("grower", "material.input.compost")

    assert territory.propose() == []


def test_an_actor_is_never_proposed_its_own_offer(territory):
    territory.actor("alone", 0, division="01")
    territory.offer("alone", "material.wood.sawdust_untreated")
    territory.need("alone", "material.input.animal_bedding")
    assert territory.propose() == []


def test_unknown_or_unnormalised_resources_are_skipped(territory):
    territory.actor("mill", 0)
    territory.actor("farm", 4, division="01")
    territory.offer("mill", "material.wood.sawdust_untreated", status="unknown")
    territory.offer("mill", None)
    territory.need("farm", "material.input.animal_bedding")
    assert [p for p in territory.propose() if not p.latent] == []


def test_idle_equipment_meets_a_need_for_it_as_sharing(territory):
    territory.actor("landscaper", 0, division="81")
    territory.actor("cooperative", 12, division="01")
    territory.offer("landscaper", "equipment.biomass.branch_shredder", head="broyeur de branches")
    territory.need("cooperative", "equipment.biomass.branch_shredder", head="un broyeur quelques jours")

    (proposal,) = bilateral(territory.propose(), "landscaper", "cooperative")
    assert proposal.kind == "sharing"
    assert "contract_liability" in proposal.caveats


def test_empty_space_meets_a_storage_need_as_sharing(territory):
    territory.actor("syndicate", 0, division="38")
    territory.actor("landscaper", 4, division="81")
    territory.offer("syndicate", "space.storage.outdoor", band_low=1000, band_high=3000, unit="m2")
    territory.need("landscaper", "space.storage.outdoor", band_low=300, band_high=1000, unit="m2")

    (proposal,) = bilateral(territory.propose(), "syndicate", "landscaper")
    assert proposal.kind == "sharing"
    assert part(proposal, "quantity").facts["status"] == "covers"


def test_quantity_covering_the_need_scores_higher_than_a_small_fraction(territory):
    territory.actor("big", 5)
    territory.actor("small", 5, 0.3)
    territory.actor("farm", 0, division="01")
    territory.offer("big", "material.wood.sawdust_untreated", band_low=100, band_high=300, unit="m3/yr")
    territory.offer("small", "material.wood.sawdust_untreated", band_low=1, band_high=3, unit="m3/yr")
    territory.need("farm", "material.input.animal_bedding", band_low=100, band_high=300, unit="m3/yr")

    proposals = territory.propose()
    (big,) = bilateral(proposals, "big", "farm")
    (small,) = bilateral(proposals, "small", "farm")
    assert part(big, "quantity").facts["status"] == "covers"
    assert part(small, "quantity").facts["status"] == "small"
    assert part(small, "quantity").value < part(big, "quantity").value


def test_each_offer_keeps_only_its_best_receivers(territory, taxonomy):
    from matcher import MatcherSettings

    territory.actor("mill", 0)
    for i in range(9):
        territory.actor(f"farm{i}", 2 + 3 * i, division="01")
        territory.need(f"farm{i}", "material.input.animal_bedding")
    territory.offer("mill", "material.wood.sawdust_untreated")

    proposals = territory.propose(settings=MatcherSettings(top_receivers=4, latent=False))
    receivers = [p.receiver for p in proposals if p.supplier == "mill"]
    assert receivers == ["farm0", "farm1", "farm2", "farm3"]  # the nearest, best first


def test_words_are_compared_by_embeddings_only_from_the_same_model(territory):
    import numpy as np

    vector = np.linspace(-1, 1, 16).astype(np.float16)
    territory.actor("mill", 0)
    territory.actor("farm", 4, division="01")
    territory.actor("other", 4, 1, division="01")
    territory.offer("mill", "material.wood.sawdust_untreated", head="sciure", embedding=vector.tobytes())
    territory.need("farm", "material.input.animal_bedding", head="litière", embedding=vector.tobytes())
    territory.need("other", "material.input.animal_bedding", head="litière", embedding=vector[:8].tobytes())
    proposals = territory.propose()
    (same_model,) = bilateral(proposals, "mill", "farm")
    (other_model,) = bilateral(proposals, "mill", "other")
    assert part(same_model, "text").facts["method"] == "embedding" and part(same_model, "text").value == 1.0
    assert part(other_model, "text").facts["method"] == "words"
