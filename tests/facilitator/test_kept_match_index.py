"""The index a process keeps between re-matches follows every write, from any connection."""
from __future__ import annotations

import pytest
from facilitator_support import add_actor, build, resource

from data import Store
from data.actors import delete_actor, get_actor, update_identity
from data.answers import list_answers, replace_resources
from data.taxonomy import load_taxonomy
from data.territories import get_territory
from data.types import Identity, Quantity
from interview_bot import matching
from matcher import propose


def fresh(store, slug: str, actor_id: str):
    """What a run from scratch gives the actor: the reference the kept index must equal."""
    tid = get_territory(store, slug)["id"]
    return propose(matching.matchable_resources(store, territory_id=tid), matching.territory_actors(store, tid),
                   load_taxonomy(), history=matching.territory_history(store, tid), only_actor=actor_id)


def parties(proposals) -> set[tuple[str, str]]:
    return {(p.supplier, p.receiver) for p in proposals if p.kind != "pooling"}


@pytest.fixture
def nord(store):
    matching._kept.clear()
    return build(store, "nord")


def test_writes_from_another_connection_reach_the_kept_index(store, data_dir, keyring, nord):
    farm, mill = nord["farm"].id, nord["mill"].id
    first, _ = matching.refresh_actor(store, farm)
    assert (mill, farm) in parties(first)
    assert len(matching._kept) == 1

    # Another worker: a second sawmill joins, the first one withdraws its offer, the farm moves.
    with Store.open(data_dir, keyring) as other:
        mill2 = add_actor(other, "nord", "nord-mill2", "Scierie deux", "16.10A", 47.06, 3.03, [
            ("offers", "des copeaux et de la sciure",
             [(resource("offer", "material.wood.sawdust_untreated", "sciure"), Quantity(80.0, "t/yr", "mass"))]),
        ])
        (offer,) = list_answers(other, mill, who="test")
        replace_resources(other, mill, offer.id, [])
        identity = Identity(name="Ferme", email="farm@example.org", naf="01.41Z", lat=47.08, lon=3.05,
                            contact="Contact", phone="0102030405")
        update_identity(other, farm, identity)

    again, _ = matching.refresh_actor(store, farm)
    assert again == fresh(store, "nord", farm)
    assert (mill2.id, farm) in parties(again) and (mill, farm) not in parties(again)
    assert get_actor(store, farm).lat == pytest.approx(47.08, abs=0.01)

    delete_actor(store, mill2.id, who="test")
    gone, _ = matching.refresh_actor(store, farm)
    assert gone == fresh(store, "nord", farm)
    assert not parties(gone)


def test_a_log_pruned_past_the_kept_index_rebuilds_it(store, nord, monkeypatch):
    farm, mill = nord["farm"].id, nord["mill"].id
    matching.refresh_actor(store, farm)
    kept = matching._kept[next(iter(matching._kept))]
    (offer,) = list_answers(store, mill, who="test")
    replace_resources(store, mill, offer.id, [])
    # Lines the kept index never read are gone (pruned by another process): it must not trust itself.
    store.public.execute("DELETE FROM match_change")
    store.public.conn.commit()
    replace_resources(store, nord["farm"].id, list_answers(store, farm, who="test", topic="needs")[0].id,
                      [(resource("need", "material.input.animal_bedding", "litiere"), None)])
    after, _ = matching.refresh_actor(store, farm)
    assert matching._kept[next(iter(matching._kept))] is not kept
    assert after == fresh(store, "nord", farm)
    assert (mill, farm) not in parties(after)


def test_the_change_log_is_pruned(store, nord, monkeypatch):
    monkeypatch.setattr(matching, "CHANGE_LOG_KEPT", 1)
    before = store.public.execute("SELECT COUNT(*), MAX(seq) FROM match_change").fetchone()
    assert before[0] > 2  # the territory's actors and resources were logged as they were written
    matching.refresh_actor(store, nord["farm"].id)
    assert store.public.execute("SELECT COUNT(*), MAX(seq) FROM match_change").fetchone() == (1, before[1])
