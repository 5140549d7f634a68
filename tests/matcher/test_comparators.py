"""Properties of the comparators, checked on many generated inputs."""
from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings as hsettings, strategies as st

from matcher.comparators import distance, history, quantity, regulatory, taxonomy as tax, text, timing

finite = st.floats(min_value=0.0, max_value=5000.0, allow_nan=False)
lat = st.floats(min_value=-80, max_value=80, allow_nan=False)
lon = st.floats(min_value=-180, max_value=180, allow_nan=False)
months = st.lists(st.integers(min_value=1, max_value=12), max_size=12).map(lambda m: tuple(sorted(set(m))))
words = st.text(alphabet="abcdéèçàù -'", max_size=40)
band = st.sampled_from([(1.0, 3.0), (3.0, 10.0), (10.0, 30.0), (30.0, 100.0), (100.0, 300.0), (0.0, 0.0)])
vectors = st.lists(st.floats(min_value=-1, max_value=1, allow_nan=False, width=16), min_size=8, max_size=8)


@given(finite, finite, st.floats(min_value=0.5, max_value=500))
def test_distance_score_is_in_range_and_never_increases_with_distance(a, b, max_km):
    near, far = sorted((a, b))
    assert 0.0 <= distance.score(far, max_km) <= distance.score(near, max_km) <= 1.0
    assert distance.score(None, max_km) == 0.5
    if far > max_km:
        assert distance.score(far, max_km) == 0.0


@given(lat, lon, lat, lon)
def test_haversine_is_symmetric_and_nonnegative(lat1, lon1, lat2, lon2):
    there = float(distance.haversine_km(lat1, lon1, lat2, lon2))
    back = float(distance.haversine_km(lat2, lon2, lat1, lon1))
    assert there >= 0 and there == back
    assert float(distance.haversine_km(lat1, lon1, lat1, lon1)) == 0.0


@given(st.floats(min_value=0.0, max_value=1000.0, allow_nan=False))
def test_rough_distances_for_people(km):
    shown = distance.rough_km(km)
    assert shown >= 1 and (shown < 5 or shown % 5 == 0)
    assert distance.rough_km(km, upper=True) >= km - 1e-9


@given(words, words)
def test_word_similarity_is_symmetric_and_in_range(a, b):
    value = text.similarity(a, b)
    assert 0.0 <= value <= 1.0 and value == text.similarity(b, a)


@given(vectors, vectors, words, words)
def test_embedding_similarity_is_symmetric_and_in_range(va, vb, a, b):
    ea, eb = np.array(va, dtype=np.float16).tobytes(), np.array(vb, dtype=np.float16).tobytes()
    value = text.similarity(a, b, ea, eb, floor=0.0, ceiling=1.0)
    assert 0.0 <= value <= 1.0 and value == text.similarity(b, a, eb, ea, floor=0.0, ceiling=1.0)


def test_identical_embeddings_are_fully_similar():
    vector = np.linspace(-1, 1, 16).astype(np.float16).tobytes()
    assert text.similarity("x", "y", vector, vector) == 1.0


@given(band, band, st.sampled_from(["t/yr", "m3/yr", None]), st.sampled_from(["t/yr", "m3/yr", None]))
def test_quantity_score_is_in_range_and_neutral_when_not_comparable(offer, need, u1, u2):
    value = quantity.score(offer, need, u1, u2)
    assert 0.0 <= value <= 1.0
    if u1 != u2 or u1 is None or offer == (0.0, 0.0) or need == (0.0, 0.0):
        assert value == 0.5


@given(band, band, band)
def test_more_supply_never_fits_worse(a, b, need):
    assume(0.0 not in a + b + need)
    small, large = sorted((a, b))
    assert quantity.score(small, need, "t/yr", "t/yr") <= quantity.score(large, need, "t/yr", "t/yr")


@given(months, months)
def test_timing_is_in_range_and_neutral_when_unknown(offer, need):
    value = timing.score(offer, need)
    assert 0.0 <= value <= 1.0
    if not offer or not need:
        assert value == 0.5
    elif set(need) <= set(offer):
        assert value == 1.0


@given(months, months)
def test_pooling_overlap_is_symmetric(a, b):
    ma, mb = np.array([timing.mask(a)]), np.array([timing.mask(b)])
    assert timing.overlap(ma, mb)[0] == timing.overlap(mb, ma)[0]
    assert 0.0 <= timing.overlap(ma, mb)[0] <= 1.0


@given(st.integers(min_value=0, max_value=50), st.integers(min_value=0, max_value=50))
def test_history_moves_with_decisions(realised, rejected):
    value = history.score(realised, rejected)
    assert 0.0 <= value <= 1.0
    assert history.score(realised + 1, rejected) >= value >= history.score(realised, rejected + 1)
    assert history.score(0, 0) == 0.5


@hsettings(max_examples=60, deadline=None)
@given(st.data())
def test_taxonomy_relation_values_are_in_range(taxonomy, data):
    ids = sorted(taxonomy.nodes)
    offer = data.draw(st.sampled_from(ids))
    for need, relation in tax.candidate_needs(taxonomy, offer).items():
        assert 0.0 < relation.value <= 1.0
        assert (relation.value == 1.0) == (need == offer)
        assert tax.relation(taxonomy, offer, need) == relation


def test_taxonomy_relation_names(taxonomy):
    assert tax.relation(taxonomy, "material.wood.sawdust_untreated", "material.input.animal_bedding").name == "uses"
    assert tax.relation(taxonomy, "material.wood.sawdust_untreated", "material.wood").name == "need_broader"
    assert tax.relation(taxonomy, "material.wood", "material.wood.sawdust_untreated").name == "offer_broader"
    assert tax.relation(taxonomy, "energy.heat.high", "energy.heat.medium").name == "heat"
    assert tax.relation(taxonomy, "material.wood.sawdust_untreated", "energy.heat.medium") is None
    assert tax.relation(taxonomy, "material.wood.sawdust_untreated", "material") is None  # roots are too vague
    # An offer named by its use ("du compost") meets a need named by a material serving that use.
    offered = tax.relation(taxonomy, "material.input.compost", "material.organic.digestate_compost.compost_product")
    assert offered.name == "offered_as_use" and offered.value < tax.USES


def test_hazard_rule_follows_the_taxonomy(taxonomy):
    treated = "material.wood.treated_production"
    assert not regulatory.hazard_allows(taxonomy, treated, "material.input.animal_bedding")
    assert not regulatory.hazard_allows(taxonomy, treated, "material.wood")
    assert regulatory.hazard_allows(taxonomy, treated, "material.input.alternative_fuel")
    assert regulatory.hazard_allows(taxonomy, treated, treated)
    # A category made only of hazardous wastes is a licensed collector's need.
    assert regulatory.hazard_allows(taxonomy, "material.chemical.oil.engine", "material.chemical.oil")
    assert regulatory.hazard_allows(taxonomy, "material.wood.sawdust_untreated", "material.input.animal_bedding")


@given(st.integers(min_value=0, max_value=120), st.integers(min_value=0, max_value=120))
def test_temperature_rule(taxonomy, supply, required):
    band = f"{supply // 10 * 10}-{supply // 10 * 10 + 10}"
    allowed, value, caveats = regulatory.check(
        taxonomy, "energy.heat.medium", "energy.heat_use.district_heating",
        offer_temp=band, need_temp=f"{required}-{required}")
    assert allowed == (supply // 10 * 10 + 10 >= required)
    assert 0.0 <= value <= 1.0 and "heat_temperature" in caveats


def test_temperature_bands_parse():
    assert regulatory.parse_band("80-90") == (80.0, 90.0)
    assert regulatory.parse_band("45") == (45.0, 45.0)
    assert regulatory.parse_band("-20--10") == (-20.0, -10.0)
    assert regulatory.parse_band("chaud") is None

