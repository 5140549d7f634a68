"""Pooling: nearby actors with the same need, grouped once, with stable ids."""
from __future__ import annotations

from matcher import MatcherSettings

COLLECTION = "service.waste_collection.biowaste"
SHREDDER = "equipment.biomass.branch_shredder"


def poolings(proposals):
    return [p for p in proposals if p.kind == "pooling"]


def test_nearby_actors_with_the_same_need_are_pooled(territory):
    for name, east in (("home-b", 0), ("home-a", 9), ("hospital", 18)):
        territory.actor(name, east, division="87")
        territory.need(name, COLLECTION, head="collecte des restes de repas")
    (group,) = poolings(territory.propose())
    assert group.members == ("home-a", "home-b", "hospital")  # sorted
    assert group.node_id == COLLECTION
    assert group.supplier is None and group.receiver is None
    assert len(group.resources) == 3
    assert "animal_byproduct" in group.caveats


def test_members_are_all_within_reach_of_each_other(territory):
    # Collection of biowaste reaches 25 km: the far actor is 30 km from the others.
    for name, east in (("a", 0), ("b", 5), ("far", 35)):
        territory.actor(name, east)
        territory.need(name, COLLECTION)
    (group,) = poolings(territory.propose())
    assert group.members == ("a", "b")


def test_a_lone_need_is_not_pooled(territory):
    territory.actor("a", 0)
    territory.need("a", COLLECTION)
    territory.actor("b", 3)
    territory.need("b", "skill.training.first_aid")
    assert poolings(territory.propose()) == []


def test_no_duplicate_or_nested_groups_for_one_need(territory):
    for i in range(5):
        territory.actor(f"m{i}", 2 * i)
        territory.need(f"m{i}", COLLECTION)
        territory.need(f"m{i}", COLLECTION, head="encore")  # the same need twice
    groups = poolings(territory.propose())
    assert len(groups) == 1 and len(groups[0].members) == 5


def test_large_clusters_are_split_and_each_actor_joins_one_group(territory):
    for i in range(15):
        territory.actor(f"m{i:02d}", i * 0.5)
        territory.need(f"m{i:02d}", COLLECTION)
    groups = poolings(territory.propose(settings=MatcherSettings(pool_max_members=6)))
    members = [m for g in groups for m in g.members]
    assert all(len(g.members) <= 6 for g in groups)
    assert len(members) == len(set(members))


def test_pooling_holds_even_when_someone_offers_the_resource(territory):
    territory.actor("landscaper", 0, division="81")
    territory.offer("landscaper", SHREDDER, head="notre broyeur tourne peu")
    territory.need("landscaper", SHREDDER, head="partager le broyeur")
    territory.actor("tree-surgeon", 2, division="81")
    territory.need("tree-surgeon", SHREDDER)
    territory.actor("cooperative", 9, division="01")
    territory.need("cooperative", SHREDDER)
    proposals = territory.propose()
    (group,) = poolings(proposals)
    assert group.members == ("cooperative", "landscaper", "tree-surgeon")
    assert {p.receiver for p in proposals if p.kind == "sharing" and not p.latent} == {"cooperative", "tree-surgeon"}


def test_sibling_needs_pool_under_a_specific_parent_only(territory):
    territory.actor("hay", 0, division="01")
    territory.need("hay", "energy.heat_use.drying.fodder")
    territory.actor("grain", 1, division="01")
    territory.need("grain", "energy.heat_use.drying.grain")
    territory.actor("compost", 0, 1, division="01")
    territory.need("compost", "material.input.compost")
    territory.actor("bedding", 1, 1, division="01")
    territory.need("bedding", "material.input.animal_bedding")
    groups = poolings(territory.propose())
    assert [(g.node_id, g.members) for g in groups] == [("energy.heat_use.drying", ("grain", "hay"))]
    parts = {p.name: p for p in groups[0].parts}
    assert parts["taxonomy"].facts["relation"] == "siblings" and parts["taxonomy"].value < 1.0


def test_a_shallow_parent_marked_pool_siblings_pools_its_children(territory, taxonomy):
    """Training needs pool whatever the course: one trainer, one session, several employers."""
    assert taxonomy["skill.training"].pool_siblings
    territory.actor("caces", 0, division="46")
    territory.need("caces", "skill.training.caces")
    territory.actor("sst", 1, division="10")
    territory.need("sst", "skill.training.first_aid")
    territory.actor("vague", 0, 1, division="31")
    territory.need("vague", "skill.training")
    groups = poolings(territory.propose())
    assert [(g.node_id, g.members) for g in groups] == [("skill.training", ("caces", "sst", "vague"))]


def test_pooling_id_depends_on_node_and_members_only(territory, taxonomy):
    for name, east in (("x", 0), ("y", 4)):
        territory.actor(name, east)
        territory.need(name, COLLECTION, id=f"first-{name}")
    (first,) = poolings(territory.propose())
    territory.resources = [r for r in territory.resources]
    for r in territory.resources:
        r.id = "renamed-" + r.id
        r.head = "autres mots"
    (second,) = poolings(territory.propose())
    assert first.id == second.id and first.id.startswith("p_") and len(first.id) == 18


def _owner(taxonomy, owners):
    """The owner who joins three neighbours needing a shredder, among `owners` (name → km east or None)."""
    from matcher_support import Territory

    territory = Territory(taxonomy)
    for name, east in (("farm-a", 0), ("farm-b", 2), ("farm-c", 4)):
        territory.actor(name, east)
        territory.need(name, SHREDDER)
    for name, east in owners.items():
        territory.actor(name, east)
        territory.offer(name, SHREDDER)
    (group,) = poolings(territory.propose())
    return sorted(set(group.members) - {"farm-a", "farm-b", "farm-c"})


def test_the_nearest_owner_within_reach_joins_a_sharing_group(taxonomy):
    # Reach is the farthest member: "close" is 3 km from farm-a, 1 km from farm-c.
    assert _owner(taxonomy, {"close": 3, "closer-to-one": -2, "far": 500}) == ["close"]
    assert _owner(taxonomy, {"twin-b": 3, "twin-a": 3}) == ["twin-a"]  # a tie goes by id
    assert _owner(taxonomy, {"far": 500, "unplaced": None}) == ["unplaced"]  # unknown place: not ruled out
    assert _owner(taxonomy, {"far": 500}) == []
