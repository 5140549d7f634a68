"""Explanations: why, how far, what to check, and never who, unless revealed."""
from __future__ import annotations

import re

from matcher_support import bilateral, random_territory

from matcher import explain


def sawdust(territory, farm_km=12):
    territory.actor("mill", 0, division="16")
    territory.actor("farm", farm_km, division="01")
    territory.offer("mill", "material.wood.sawdust_untreated", band_low=30, band_high=100, unit="m3/yr",
                    months=(10, 11, 12, 1, 2, 3))
    territory.need("farm", "material.input.animal_bedding", band_low=10, band_high=30, unit="m3/yr",
                   months=(11, 12, 1, 2))
    (proposal,) = bilateral(territory.propose(), "mill", "farm")
    return proposal


def test_french_explanation_says_why_how_far_and_what_to_check(territory):
    text = explain(sawdust(territory), territory.taxonomy, territory.actors)
    assert "une exploitation agricole à environ 10 km" in text
    assert "Sciure et copeaux de bois brut" in text and "Litière pour animaux" in text
    assert "couvre le besoin" in text
    assert "de novembre à février" in text
    assert "Vérifier le statut de déchet (sortie de statut ou déclaration de sous-produit)." in text


def test_english_explanation(territory):
    text = explain(sawdust(territory), territory.taxonomy, territory.by_id, lang="en")
    assert "a farm about 10 km away" in text
    assert "covers the need" in text and "November to February" in text
    assert "Check the waste status" in text


def test_distances_are_rounded_for_people(territory):
    text = explain(sawdust(territory, farm_km=3.3), territory.taxonomy, territory.actors)
    assert "à environ 3 km" in text


def test_unrevealed_parties_are_never_named(territory):
    text = explain(sawdust(territory), territory.taxonomy, territory.actors)
    assert "ref-mill" not in text and "ref-farm" not in text


def test_revealed_parties_are_named_by_ref(territory):
    proposal = sawdust(territory)
    text = explain(proposal, territory.taxonomy, territory.actors, reveal={"mill"})
    assert "ref-mill" in text and "ref-farm" not in text
    both = explain(proposal, territory.taxonomy, territory.actors, reveal={"ref-mill", "ref-farm"})
    assert "ref-mill" in both and "ref-farm" in both and "10 km" in both


def test_hazardous_caveats_read_as_one_sentence(territory):
    territory.actor("garage", 0, division="45")
    territory.actor("refiner", 30, division="38")
    territory.offer("garage", "material.chemical.oil.engine")
    territory.need("refiner", "material.chemical.oil.engine")
    (proposal,) = bilateral(territory.propose(), "garage", "refiner")
    assert "Déchet dangereux : filière autorisée et transport ADR." in explain(proposal, territory.taxonomy, territory.actors)


def test_pooling_explanation_describes_members_without_naming_them(territory):
    for name, east in (("home-a", 0), ("home-b", 6), ("hospital", 11)):
        territory.actor(name, east, division="86" if name == "hospital" else "87")
        territory.need(name, "service.waste_collection.biowaste")
    (group,) = [p for p in territory.propose() if p.kind == "pooling"]
    text = explain(group, territory.taxonomy, territory.actors)
    assert "3 acteurs" in text and "un établissement de santé" in text
    assert "moins de 15 km" in text
    assert "ref-" not in text
    assert "within 15 km" in explain(group, territory.taxonomy, territory.actors, lang="en")


def test_latent_explanation_says_the_need_was_not_declared(territory):
    territory.actor("mill", 0, division="16")
    territory.actor("farm", 4, division="01")
    territory.offer("mill", "material.wood.sawdust_untreated")
    (latent,) = bilateral(territory.propose(), "mill", "farm")
    assert "n'a pas exprimé ce besoin" in explain(latent, territory.taxonomy, territory.actors)


def test_no_explanation_of_a_busy_territory_leaks_a_ref(taxonomy):
    busy = random_territory(taxonomy, seed=11, actors=60)
    refs = re.compile(r"ref-a\d{3}")
    for proposal in busy.propose():
        for lang in ("fr", "en"):
            text = explain(proposal, taxonomy, busy.actors, lang=lang)
            assert not refs.search(text), text
            assert text.endswith(".")
            assert "km" in text or "Distance" in text or "distance" in text or "location" in text \
                or "localisation" in text
