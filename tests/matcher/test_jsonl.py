"""The `symbiose match --jsonl` line: the contract other tools (and the evaluation) read."""
from __future__ import annotations

import json

from matcher_support import bilateral

from matcher import to_contract

CONTRACT = {"id", "kind", "supplier", "receiver", "resource", "score", "explanation", "parts", "caveats"}


def test_exchange_line_follows_the_contract(territory):
    territory.actor("mill", 0, division="16")
    territory.actor("farm", 7, division="01")
    territory.offer("mill", "material.wood.sawdust_untreated")
    territory.need("farm", "material.input.animal_bedding")
    (proposal,) = bilateral(territory.propose(), "mill", "farm")
    line = to_contract(proposal, territory.by_id, territory.taxonomy, "fr")
    assert set(line) == CONTRACT
    assert line["kind"] == "exchange" and line["supplier"] == "ref-mill" and line["receiver"] == "ref-farm"
    assert line["resource"] == {"id": "material.wood.sawdust_untreated", "label": "Sciure et copeaux de bois brut"}
    assert line["score"] == round(proposal.score, 3)
    assert set(line["parts"]) == {"taxonomy", "text", "quantity", "distance", "timing", "regulatory", "history"}
    assert line["caveats"] == ["waste_status"]
    json.dumps(line)  # plain JSON


def test_sharing_is_written_as_an_exchange_flagged_sharing(territory):
    territory.actor("landscaper", 0, division="81")
    territory.actor("cooperative", 5, division="01")
    territory.offer("landscaper", "equipment.biomass.branch_shredder")
    territory.need("cooperative", "equipment.biomass.branch_shredder")
    (proposal,) = bilateral(territory.propose(), "landscaper", "cooperative")
    line = to_contract(proposal, territory.by_id, territory.taxonomy, "en")
    assert proposal.kind == "sharing"
    assert line["kind"] == "exchange" and line["sharing"] is True
    assert line["resource"]["label"] == territory.taxonomy["equipment.biomass.branch_shredder"].label_en


def test_latent_lines_are_flagged(territory):
    territory.actor("mill", 0, division="16")
    territory.actor("farm", 4, division="01")
    territory.offer("mill", "material.wood.sawdust_untreated")
    (proposal,) = bilateral(territory.propose(), "mill", "farm")
    assert to_contract(proposal, territory.by_id, territory.taxonomy, "fr")["latent"] is True


def test_pooling_line_lists_members_instead_of_parties(territory):
    for name, east in (("b", 0), ("a", 5)):
        territory.actor(name, east)
        territory.need(name, "service.waste_collection.cardboard")
    (group,) = territory.propose()
    line = to_contract(group, territory.by_id, territory.taxonomy, "fr")
    assert line["kind"] == "pooling" and line["members"] == ["ref-a", "ref-b"]
    assert "supplier" not in line and "receiver" not in line
