"""Hard rules: hazardous wastes, heat temperature, maximum distance; graceful unknown locations."""
from __future__ import annotations

from matcher_support import bilateral, part

from matcher import explain

TREATED = "material.wood.treated_production"


def test_treated_wood_sawdust_never_goes_to_animal_bedding(territory):
    territory.actor("carpenter", 0, division="16")
    territory.actor("farm", 9, division="01")
    territory.offer("carpenter", TREATED, head="sciure et copeaux de pin traité")
    # The words are the same as an ordinary sawdust need, and the need is near.
    territory.need("farm", "material.input.animal_bedding", head="sciure et copeaux pour la litière")
    territory.need("farm", "material.wood.sawdust_untreated", head="sciure et copeaux")
    territory.need("farm", "material.wood", head="sciure et copeaux de bois")

    assert bilateral(territory.propose(), "carpenter", "farm") == []


def test_treated_wood_may_go_to_its_licensed_outlet(territory):
    territory.actor("carpenter", 0, division="16")
    territory.actor("kiln", 40, division="23")
    territory.offer("carpenter", TREATED)
    territory.need("kiln", "material.input.alternative_fuel", head="combustible de substitution")

    (proposal,) = bilateral(territory.propose(), "carpenter", "kiln")
    assert {"hazardous", "treated_wood"} <= set(proposal.caveats)
    assert part(proposal, "regulatory").facts["hazardous"] is True


def test_hazardous_waste_travels_further_than_bulky_waste(territory):
    territory.actor("carpenter", 0, division="16")
    territory.actor("kiln", 150, division="23")
    territory.offer("carpenter", TREATED)
    territory.need("kiln", "material.input.alternative_fuel")
    assert len(bilateral(territory.propose(), "carpenter", "kiln")) == 1


def test_heat_too_cold_for_the_need_is_not_proposed(territory):
    territory.actor("mill", 0, division="16")
    territory.actor("network", 2, division="35")
    territory.offer("mill", "energy.heat.low", temp_band="40-50", head="eau chaude à 45 degrés")
    territory.need("network", "energy.heat_use.district_heating", temp_band="80-80")
    territory.need("network", "energy.heat.medium", temp_band="80-80", head="chaleur de récupération à 80 degrés")

    assert bilateral(territory.propose(), "mill", "network") == []


def test_heat_hot_enough_is_proposed_with_the_temperatures(territory):
    territory.actor("foundry", 0, division="24")
    territory.actor("network", 2, division="35")
    territory.offer("foundry", "energy.heat.medium", temp_band="80-90", band_low=300, band_high=1000, unit="kW")
    territory.need("network", "energy.heat_use.district_heating", temp_band="80-80", band_low=300,
                   band_high=1000, unit="kW")

    (proposal,) = bilateral(territory.propose(), "foundry", "network")
    temperature = part(proposal, "regulatory").facts["temperature"]
    assert temperature["status"] == "ok" and temperature["required"] == 80
    assert "heat_temperature" in proposal.caveats
    assert "80" in explain(proposal, territory.taxonomy, territory.actors)


def test_low_temperature_heat_serves_a_digester(territory):
    territory.actor("mill", 0, division="16")
    territory.actor("digester", 1, division="35")
    territory.offer("mill", "energy.heat.low", temp_band="40-50")
    territory.need("digester", "energy.heat_use.digester", temp_band="40-40")
    assert len(bilateral(territory.propose(), "mill", "digester")) == 1


def test_heat_without_stated_temperatures_falls_back_on_the_nodes(territory):
    territory.actor("sawmill", 0, division="16")
    territory.actor("network", 0.5, division="35")  # wastewater heat travels 1 km at most
    territory.actor("greenhouse", 0, 0.5, division="01")
    territory.offer("sawmill", "energy.heat.wastewater")  # 10-30 °C by its node
    territory.need("network", "energy.heat.medium")  # 60-100 °C by its node
    territory.need("greenhouse", "energy.heat_use.heat_pump_source")
    proposals = territory.propose()
    assert bilateral(proposals, "sawmill", "network") == []
    assert len(bilateral(proposals, "sawmill", "greenhouse")) == 1


def test_nothing_is_proposed_beyond_the_resource_maximum_distance(territory):
    territory.actor("platform", 0, division="38")
    territory.actor("grower", 340, division="01")
    territory.offer("platform", "material.organic.digestate_compost.compost_product")
    territory.need("grower", "material.input.compost")
    assert territory.propose() == []


def test_heat_does_not_travel(territory):
    territory.actor("foundry", 0, division="24")
    territory.actor("near", 3, division="35")
    territory.actor("far", 12, division="35")
    territory.offer("foundry", "energy.heat.medium")
    territory.need("near", "energy.heat_use.district_heating")
    territory.need("far", "energy.heat_use.district_heating")
    receivers = {p.receiver for p in territory.propose() if p.supplier == "foundry" and not p.latent}
    assert receivers == {"near"}


def test_closer_is_better_within_the_maximum_distance(territory):
    territory.actor("platform", 0, division="38")
    territory.actor("near", 5, division="01")
    territory.actor("far", 40, division="01")
    territory.offer("platform", "material.organic.digestate_compost.compost_product")
    territory.need("near", "material.input.compost")
    territory.need("far", "material.input.compost")
    proposals = territory.propose()
    (near,) = bilateral(proposals, "platform", "near")
    (far,) = bilateral(proposals, "platform", "far")
    assert part(near, "distance").value > part(far, "distance").value
    assert near.score > far.score


def test_unknown_location_still_matches_with_a_neutral_distance(territory):
    territory.actor("mill", 0, division="16")
    territory.actor("nowhere", None, division="01")
    territory.offer("mill", "material.wood.sawdust_untreated")
    territory.need("nowhere", "material.input.animal_bedding")

    (proposal,) = bilateral(territory.propose(), "mill", "nowhere")
    distance = part(proposal, "distance")
    assert distance.value == 0.5 and distance.facts["known"] is False
    assert "Distance inconnue" in explain(proposal, territory.taxonomy, territory.actors)
    assert "unknown" in explain(proposal, territory.taxonomy, territory.actors, lang="en")


def test_an_actor_missing_from_the_actor_list_degrades_like_an_unknown_location(territory):
    territory.actor("mill", 0, division="16")
    territory.offer("mill", "material.wood.sawdust_untreated")
    territory.need("ghost", "material.input.animal_bedding")
    (proposal,) = bilateral(territory.propose(), "mill", "ghost")
    assert part(proposal, "distance").facts["known"] is False
