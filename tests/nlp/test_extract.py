"""Resource mentions read from answers, with the real spaCy pipelines."""
from __future__ import annotations

import math
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data.types import Mention
from nlp import detect_language, extract, extract_many
from nlp.models import UnsupportedLanguage, get_pipeline
from nlp.text import MAX_CHARS


def heads(text: str, lang: str | None = None) -> list[str]:
    return [m.head for m in extract(text, lang)]


def one(text: str, lang: str | None = None) -> Mention:
    mentions = extract(text, lang)
    assert len(mentions) == 1, [m.head for m in mentions]
    return mentions[0]


# --- several resources in one answer -------------------------------------------------

def test_coordinated_resources_with_their_own_determiner_or_quantity_are_two_mentions():
    palettes, cartons = extract("des palettes et environ 2 t de cartons par mois")
    assert (palettes.head, palettes.quantity) == ("palettes", None)
    assert cartons.head == "cartons"
    assert cartons.quantity.value == pytest.approx(24) and cartons.quantity.unit == "t/yr"
    assert cartons.quantity.approximate and cartons.frequency == "per_month"


def test_quantity_first_then_another_resource():
    cartons, palettes = extract("2 t de cartons par mois et des palettes")
    assert cartons.head == "cartons" and cartons.quantity.value == pytest.approx(24)
    assert palettes.head == "palettes" and palettes.quantity is None


def test_one_resource_with_a_long_explanation_is_one_mention():
    m = one("Broyat de branches et de tailles de haies, environ 150 m³ par an, "
            "qu'on aimerait transformer en vrai produit pour les agriculteurs")
    assert m.head == "broyat de branches et de tailles de haies"
    assert (m.quantity.value, m.quantity.unit, m.frequency) == (150, "m3/yr", "per_year")


@pytest.mark.parametrize("text, head", [
    ("Sciure et copeaux de hêtre, environ 30 m³ par mois", "sciure et copeaux de hêtre"),
    ("Branches et tailles de haies broyées", "branches et tailles de haies broyées"),
    ("De la paille ou du foin pour les chevaux", "paille ou foin"),
    ("Restes de repas et épluchures, 40 kg par jour", "restes de repas et épluchures"),
])
def test_coordinated_nouns_without_their_own_determiner_stay_together(text, head):
    assert one(text).head == head


def test_a_long_answer_with_several_sentences_gives_several_mentions():
    found = extract("Nous produisons environ 3 tonnes de drêches par semaine. On a aussi des "
                    "palettes cassées. Et en hiver, de la cendre de chaudière, une benne par mois.")
    assert [m.head for m in found] == ["drêches", "palettes cassées", "cendre de chaudière"]
    assert found[0].quantity.value == pytest.approx(156)
    assert found[2].months == (12, 1, 2)


def test_lists():
    assert heads("palettes, cartons, ferraille") == ["palettes", "cartons", "ferraille"]
    assert heads("Verre, papier et cartons.") == ["verre", "papier", "cartons"]
    assert heads("Déchets : palettes, cartons et films plastiques") == ["palettes", "cartons", "films plastiques"]
    assert heads("- palettes\n- bidons vides\n- ferraille") == ["palettes", "bidons vides", "ferraille"]


def test_a_heading_before_a_colon_is_not_a_resource_but_a_resource_before_its_figures_is():
    assert heads("Bois : chutes de chêne, sciure") == ["chutes de chêne", "sciure"]
    palettes, cartons = extract("Palettes : une centaine par mois, et des cartons")
    assert palettes.head == "palettes" and palettes.quantity.value == 1200
    assert cartons.head == "cartons"


def test_a_figure_after_a_pair_applies_to_both():
    lits, fauteuils = extract("Des lits médicalisés et des fauteuils roulants, une dizaine par an")
    assert lits.quantity == fauteuils.quantity
    assert lits.quantity.value == 10 and lits.quantity.unit == "count/yr"


def test_a_later_sentence_with_only_figures_completes_the_resource():
    m = one("Des palettes en bois. Une centaine par mois.")
    assert m.head == "palettes en bois" and m.quantity.value == 1200


# --- what the head holds --------------------------------------------------------------

@pytest.mark.parametrize("text, head", [
    ("On a besoin de palettes.", "palettes"),
    ("Nous avons environ 5 tonnes de ferraille par an.", "ferraille"),
    ("Il y a une trentaine de palettes par mois.", "palettes"),
    ("Notre cantine génère une quarantaine de kilos de biodéchets par jour.", "biodéchets"),
    ("Je cherche un local de 200 m² pour stocker du matériel.", "local"),
    ("Nous pouvons mettre à disposition un terrain de 2 ha.", "terrain"),
    ("Un big-bag de sciure tous les quinze jours.", "sciure"),
    ("3 sacs de linge usagé par mois", "linge usagé"),
    ("Sciure de chêne, non traitée, 10 m³ par mois", "sciure de chêne non traitée"),
    ("Un bureau libre deux jours par semaine", "bureau"),
    ("Un minibus 9 places le lundi", "minibus 9 places"),
    ("Une équipe de 4 à 6 salariés en insertion", "équipe de salariés en insertion"),
])
def test_head_keeps_the_resource_words_only(text, head):
    assert one(text).head == head


def test_explanations_are_not_resources():
    m = one("Du fumier de cheval, 200 t par an, qu'on stocke derrière le hangar en attendant les agriculteurs")
    assert m.head == "fumier de cheval" and m.quantity.value == 200


def test_an_answer_naming_a_service_keeps_its_verb():
    m = one("Former 6 caristes cette année")
    assert m.head.startswith("former caristes") and m.quantity.value == 6


# --- quantities, frequencies, seasons, temperatures -----------------------------------

def test_heat_offer():
    m = one("Chaleur perdue des compresseurs : environ 400 kW en eau chaude à 70 °C, d'octobre à mars")
    assert m.head == "chaleur perdue des compresseurs"
    assert (m.quantity.value, m.quantity.unit) == (400, "kW")
    assert m.temperature_c == (70, 70)
    assert m.months == (10, 11, 12, 1, 2, 3)


def test_heat_need_with_a_minimum_temperature():
    m = one("De l'eau chaude à 60 °C minimum, jusqu'à 500 kW en continu")
    assert m.temperature_c == (60, 60) and "minimum" in m.text
    assert m.quantity.high == 500 and m.frequency == "continuous"


def test_equipment_time_use():
    m = one("Il nous faudrait un broyeur deux jours par semaine.")
    assert (m.head, m.quantity.value, m.quantity.unit, m.frequency) == ("broyeur", 16, "h/week", "per_week")
    assert one("Un tracteur le lundi matin").quantity.value == 4


def test_capacity_and_area():
    assert one("Une chambre froide de 15 m³ vide de décembre à mars").quantity.unit == "m3"
    m = one("Un terrain de 1 500 m² à côté de la déchèterie")
    assert (m.quantity.value, m.quantity.unit) == (1500, "m2")


def test_seasons_and_harvests():
    assert one("Du marc de raisin pendant les vendanges, environ 15 t").months == (9, 10)
    assert one("De la paille au moment de la récolte").months == (7, 8, 9, 10)
    m = one("Compost disponible toute l'année")
    assert m.months == () and m.frequency == "continuous"


# --- negation ------------------------------------------------------------------------

@pytest.mark.parametrize("text, negated", [
    ("on n'a plus de palettes", True),
    ("Pas de déchets dangereux.", True),
    ("On n'a aucun déchet dangereux.", True),
    ("On ne jette jamais de bois traité.", True),
    ("On n'a que des palettes.", False),
    ("On a pas mal de cartons.", False),
    ("Des palettes qu'on n'arrive pas à valoriser", False),
    ("We no longer have pallets", True),
    ("We don't produce any hazardous waste.", True),
    ("No solvents.", True),
    ("We have pallets that nobody wants", False),
])
def test_negation(text, negated):
    assert one(text).negated is negated


def test_typographic_apostrophes():
    assert one("On n’a plus de palettes").negated
    m = one("Du bois d’abattage, 20 stères par an")
    assert m.head == "bois d’abattage" and m.quantity.value == 20


def test_ni_and_nor_carry_the_negation():
    assert [m.negated for m in extract("On n'a plus de palettes ni de cartons.")] == [True, True]


def test_negation_stays_in_its_clause():
    palettes, cartons = extract("On a des palettes mais on n'a plus de cartons.")
    assert not palettes.negated and cartons.negated
    palettes, cartons = extract("Pas de palettes pour l'instant, mais beaucoup de cartons.")
    assert palettes.negated and not cartons.negated


# --- English ---------------------------------------------------------------------------

def test_english_answers():
    cardboard, pallets = extract("About 2 tonnes of cardboard per month and some pallets", "en")
    assert cardboard.head == "cardboard" and cardboard.quantity.value == pytest.approx(24)
    assert pallets.head == "pallets" and pallets.lang == "en"
    assert one("We need a shredder two days a week.").quantity.value == 16
    assert one("Used cooking oil, 200 litres per month").head == "used cooking oil"
    m = one("Our kitchen produces about 50 kg of food waste per day.")
    assert m.head == "food waste" and m.quantity.value == pytest.approx(18.25)
    assert heads("pallets, cardboard and plastic film") == ["pallets", "cardboard", "plastic film"]
    assert one("We'd like to get rid of about 3 tonnes of scrap metal a year.").head == "scrap metal"


def test_language_is_detected_when_not_given():
    assert one("We have about 30 m3 of sawdust a month").lang == "en"
    assert one("On a environ 30 m³ de sciure par mois").lang == "fr"


@pytest.mark.parametrize("text, lang", [
    ("We no longer have pallets", "en"), ("On n'a plus de palettes", "fr"),
    ("Used cooking oil, about 200 litres a month", "en"), ("Huile de friture usagée", "fr"),
    ("", "fr"), ("palettes", "fr"), ("OK", "fr"), ("🙂", "fr"),
])
def test_detect_language(text, lang):
    assert detect_language(text) == lang


# --- spans -----------------------------------------------------------------------------

def test_spans_point_into_the_answer():
    text = "Des palettes et environ 2 t de cartons par mois."
    for m in extract(text):
        assert text[m.start:m.end] == m.text
        assert m.head.lower() in m.text.lower()


def test_spans_point_into_the_original_when_cleaning_changed_it():
    text = "<p>Des palettes &amp; du carton</p>"
    for m in extract(text):
        assert m.head in text[m.start:m.end]


# --- robustness ------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["", "   ", "\n\n", "?", "oui", "Rien à signaler."])
def test_nothing_to_extract(text):
    assert extract(text) == []


def test_none_is_empty_and_other_types_are_refused():
    assert extract(None) == []  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="str"):
        extract(42)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", [
    "palettes " * 3000,
    "x" * 20_000,
    "(" * 20_000,
    "2 t de cartons par mois et des palettes, " * 500,
    "Bonjour ! 😀 On a des palettes 👍🏽 et du carton.",
    "<script>alert('x')</script><b>Palettes</b> &eacute;t&eacute; &#233; &#x1F600;",
    "'; DROP TABLE resources; --",
    "SELECT * FROM users WHERE 1=1",
    "palettes\x00\x07\x1b[31m cartons\u200b\ufeff",
    "e\u0301te\u0301 : de\u0301chets verts",  # decomposed accents
    "２ｔ de ｆｅｒｒａｉｌｌｅ",  # full-width characters
    "We have des palettes and environ 2 t de cartons per month",  # mixed languages
    "\ud800 lone surrogate",
    "½ tonne… de sciure",
])
def test_any_input_gives_a_result(text):
    found = extract(text)
    assert isinstance(found, list)
    for m in found:
        assert isinstance(m, Mention) and 0 <= m.start <= m.end <= len(text)


def test_decomposed_and_full_width_characters_are_normalised():
    assert one("de\u0301chets verts").head == "déchets verts"
    m = one("２ t de ｆｅｒｒａｉｌｌｅ")
    assert m.head == "ferraille" and m.quantity.value == 2


def test_pathological_input_is_cut_and_stays_fast():
    start = time.perf_counter()
    found = extract("des palettes, " * 5000)
    assert time.perf_counter() - start < 5
    assert 0 < len(found) and all(m.end <= MAX_CHARS + 20 for m in found)


_PIECES = ["des palettes", "de la sciure", "et", "ou", "mais", ",", ".", ":", "(", ")", "environ",
           "2 t", "une trentaine de", "par mois", "le lundi", "en hiver", "à 80 °C", "on n'a plus",
           "pas de", "qu'on", "pour", "nous avons", "We have", "no", "pallets", "-", "\n", "😀",
           "<b>", "&amp;", "besoin de", "big-bag", "tous les quinze jours"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_any_text_gives_mentions(text):
    for m in extract(text):
        assert isinstance(m, Mention) and isinstance(m.head, str)
        assert 0 <= m.start <= m.end <= len(text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_PIECES), max_size=20).map(" ".join), st.sampled_from([None, "fr", "en"]))
def test_any_mix_of_answer_pieces_gives_sane_mentions(text, lang):
    for m in extract(text, lang):
        assert m.head.strip() and m.text.strip()
        assert 0 <= m.start <= m.end <= len(text)
        assert all(1 <= month <= 12 for month in m.months)
        if m.quantity is not None:
            assert math.isfinite(m.quantity.value) and m.quantity.value >= 0


# --- batches, languages, models ----------------------------------------------------------

def test_extract_many_matches_extract_and_keeps_order():
    texts = ["des palettes", "", "We need pallets", "2 t de cartons par mois et des palettes", "ok"]
    assert extract_many(texts) == [extract(t) for t in texts]


def test_extract_many_with_a_forced_language():
    [[m]] = extract_many(["pallets"], lang="en")
    assert m.head == "pallets" and m.lang == "en"


def test_unknown_language_is_refused_with_the_valid_options():
    with pytest.raises(UnsupportedLanguage, match="fr, en"):
        extract("des palettes", lang="de")


def test_pipelines_are_loaded_once_and_offline():
    assert get_pipeline("fr") is get_pipeline("fr")
    assert "ner" not in get_pipeline("fr").pipe_names
    english = get_pipeline("en")
    assert [t.lemma_ for t in english("pallets boxes")] == ["pallet", "box"]


def test_nlp_does_not_import_the_web_layer():
    code = "import sys, nlp; nlp.extract('des palettes'); " \
           "print([m for m in ('flask', 'interview_bot', 'matcher') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
