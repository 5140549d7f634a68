"""Figures, units, frequencies, schedules, seasons and temperatures as actors write them."""
from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data.types import Quantity
from nlp.numbers import find_numbers, parse_number
from nlp.periods import find_frequencies, find_schedules, find_seasons
from nlp.temperature import find_temperatures
from nlp.rates import parse_quantity
from nlp.units import factor, scan


def quantity(text: str, lang: str = "fr") -> Quantity:
    q = parse_quantity(text, lang)
    assert q is not None, text
    return q


# --- numbers ---------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("2,5", 2.5),
    ("1.5", 1.5),
    ("1 500", 1500),
    ("1\u00a0500", 1500),  # no-break space
    ("1\u202f500", 1500),  # narrow no-break space, as French typography writes it
    ("1.500", 1500),
    ("12 000", 12000),
    ("deux", 2),
    ("vingt-cinq", 25),
    ("deux cent cinquante", 250),
    ("quatre-vingt-dix", 90),
])
def test_french_figures(text, value):
    assert parse_number(text, "fr").value == value


@pytest.mark.parametrize("text, value", [("1,500", 1500), ("2.5", 2.5), ("twenty-five", 25),
                                         ("one hundred and fifty", 150)])
def test_english_figures(text, value):
    assert parse_number(text, "en").value == value


@pytest.mark.parametrize("text, value, low, high", [
    ("20 à 30", 25, 20, 30),
    ("15-20", 17.5, 15, 20),
    ("15 – 20", 17.5, 15, 20),
    ("entre 15 et 20", 17.5, 15, 20),
    ("6 ou 7", 6.5, 6, 7),
    ("une ou deux", 1.5, 1, 2),
])
def test_ranges_give_the_middle_and_both_ends(text, value, low, high):
    n = parse_number(text)
    assert (n.value, n.low, n.high) == (value, low, high)
    assert n.start == 0 and n.end == len(text)


@pytest.mark.parametrize("text, value", [
    ("une trentaine", 30), ("une douzaine", 12), ("une dizaine", 10), ("une centaine", 100),
    ("quelques", 3), ("plusieurs", 4), ("quelques centaines", 300),
])
def test_vague_amounts_are_approximate(text, value):
    n = parse_number(text)
    assert n.value == value and n.approximate
    assert n.low < n.value < n.high


@pytest.mark.parametrize("text", ["environ 150", "à peu près 25", "autour de 900", "about 20", "around 30"])
def test_hedges_make_a_figure_approximate(text):
    n = parse_number(text, "en" if text[0] == "a" and "à" not in text else "fr")
    assert n.approximate and n.low < n.value < n.high
    assert text[n.start:n.end] == text  # the hedge is part of the figure's words


def test_bounds():
    assert parse_number("au moins 500").low == 500 and parse_number("au moins 500").high is None
    assert parse_number("jusqu'à 30").high == 30 and parse_number("jusqu'à 30").low is None


@pytest.mark.parametrize("text", [
    "NF U 44-051", "classe 4", "du C3 et du PP5", "06 12 34 56 78", "le 12/03/2024", "le 3e étage",
])
def test_codes_dates_and_phone_numbers_are_not_figures(text):
    assert [n for n in find_numbers(text) if n.kind == "digits"] == []


# --- units -------------------------------------------------------------------

@pytest.mark.parametrize("text, value, unit", [
    ("2 t", 2, "t"), ("3 tonnes", 3, "t"), ("500 kg", 0.5, "t"), ("2 kilos", 0.002, "t"), ("10 kt", 10000, "t"),
    ("4 q", 0.4, "t"), ("3 quintaux", 0.3, "t"), ("deux tonnes", 2, "t"),
    ("40 m³", 40, "m3"), ("40 m3", 40, "m3"), ("40 mètres cubes", 40, "m3"),
    ("200 L", 0.2, "m3"), ("200 litres", 0.2, "m3"), ("10 hl", 1, "m3"),
    ("20 stères", 20, "m3"), ("un big-bag", 1, "m3"), ("3 big bags", 3, "m3"),
    ("2 bennes de 30 m³", 60, "m3"), ("une benne de 500 kg", 0.5, "t"),
    ("800 kW", 800, "kW"), ("1 MW", 1000, "kW"), ("1,5 MW", 1500, "kW"),
    ("50 000 kWh", 50, "MWh"), ("12 MWh", 12, "MWh"), ("1,2 GWh", 1200, "MWh"),
    ("500 m²", 500, "m2"), ("500 m2", 500, "m2"), ("2 ha", 20000, "m2"), ("3 hectares", 30000, "m2"),
    ("3 heures", 3, "h"), ("2 jours", 16, "h"), ("une demi-journée", 4, "h"), ("15 cm", 0.15, "m"),
])
def test_units_convert_to_one_canonical_unit_per_dimension(text, value, unit):
    q = quantity(text)
    assert q.value == pytest.approx(value) and q.unit == unit


def test_the_unit_as_written_is_kept():
    assert quantity("20 à 30 stères").original_unit == "stères"
    assert quantity("environ 2 t").text == "environ 2 t"


def test_pint_factors():
    assert factor("t") == 1 and factor("kg") == 0.001 and factor("q") == 0.1
    assert factor("hl") == 0.1 and factor("l") == 0.001 and factor("stere") == 1
    assert factor("mw") == 1000 and factor("kwh") == 0.001 and factor("ha") == 10000
    assert factor("day") == 8 and factor("half_day") == 4


def test_a_bare_figure_counts_the_noun_after_it():
    q = quantity("6 caristes")
    assert (q.value, q.unit, q.dimension, q.original_unit) == (6, "count", "count", "caristes")


@pytest.mark.parametrize("text", ["en 2027", "58400 Nevers", "30 %", "500 €", "à 14h", "de 8 h à 12 h"])
def test_years_postcodes_percentages_money_and_clock_times_are_not_quantities(text):
    assert parse_quantity(text) is None


# --- frequencies -> per year -------------------------------------------------------

@pytest.mark.parametrize("text, value, unit", [
    ("environ 2 t par mois", 24, "t/yr"),
    ("250 t/an", 250, "t/yr"),
    ("40 m3/mois", 480, "m3/yr"),
    ("50 kg par jour", 18.25, "t/yr"),
    ("3 tonnes par semaine", 156, "t/yr"),
    ("une trentaine de tonnes par an", 30, "t/yr"),
    ("un big-bag tous les quinze jours", 26, "m3/yr"),
    ("1 benne chaque semaine", 52, "count/yr"),
    ("une benne de 10 m³ toutes les deux semaines", 260, "m3/yr"),
    ("2 t deux fois par mois", 48, "t/yr"),
    ("5 t par saison", 5, "t/yr"),
    ("3 ou 4 sacs par trimestre", 14, "count/yr"),
    ("une centaine par mois", 1200, "count/yr"),
    ("1,2 GWh par an", 1200, "MWh/yr"),
    ("100 kg tous les deux jours", 18.25, "t/yr"),
])
def test_flows_become_per_year(text, value, unit):
    q = quantity(text)
    assert q.value == pytest.approx(value) and q.unit == unit


def test_power_and_area_do_not_become_flows():
    assert quantity("250 kW en continu").unit == "kW"
    assert quantity("500 m² par an").unit == "m2"


def test_ranges_and_hedges_survive_the_conversion():
    q = quantity("20 à 30 t par mois")
    assert (q.value, q.low, q.high, q.approximate) == (300, 240, 360, False)
    q = quantity("environ 20 t par mois")
    assert q.approximate and q.low == pytest.approx(216) and q.high == pytest.approx(264)


def test_a_monthly_rate_limited_to_a_season_counts_only_its_months():
    assert quantity("environ 20 m³ par mois en hiver").value == pytest.approx(60)
    assert quantity("2 t par semaine de juin à août").value == pytest.approx(26)


@pytest.mark.parametrize("text, label", [
    ("par jour", "per_day"), ("chaque semaine", "per_week"), ("par mois", "per_month"),
    ("par an", "per_year"), ("/an", "per_year"), ("hebdomadaire", "per_week"),
    ("tous les quinze jours", "per_month"), ("en continu", "continuous"), ("24h/24", "continuous"),
    ("une seule fois", "once"),
])
def test_frequency_labels(text, label):
    [frequency] = find_frequencies(text)
    assert frequency.label == label


# --- use of equipment and people -> h/week -----------------------------------

@pytest.mark.parametrize("text, hours", [
    ("2 jours par semaine", 16),
    ("une ou deux journées par semaine", 12),
    ("une dizaine de jours par an", 80 / 52),
    ("2 ou 3 jours par mois", 2.5 * 8 * 12 / 52),
    ("quelques jours par an", 3 * 8 / 52),
    ("2 heures par jour", 10),
    ("une demi-journée par semaine", 4),
    ("environ 40 jours de travail par an", 320 / 52),
    ("le lundi", 8),
    ("tous les lundis", 8),
    ("le samedi matin", 4),
    ("le mardi et le jeudi", 16),
    ("du lundi au vendredi", 40),
    ("le week-end", 16),
])
def test_time_of_use_becomes_hours_per_week(text, hours):
    q = quantity(text)
    assert q.unit == "h/week" and q.value == pytest.approx(hours)


def test_schedules_merge_listed_days():
    [schedule] = find_schedules("le lundi, le mercredi et le vendredi")
    assert schedule.hours_per_week == 24


# --- seasons ------------------------------------------------------------------

@pytest.mark.parametrize("text, months", [
    ("d'octobre à avril", (10, 11, 12, 1, 2, 3, 4)),
    ("de décembre à mars", (12, 1, 2, 3)),
    ("entre mai et septembre", (5, 6, 7, 8, 9)),
    ("en octobre et novembre", (10, 11)),
    ("en juillet", (7,)),
    ("en hiver", (12, 1, 2)),
    ("l'été", (6, 7, 8)),
    ("au printemps", (3, 4, 5)),
    ("pendant les vendanges", (9, 10)),
    ("au moment de la récolte", (7, 8, 9, 10)),
    ("pendant la saison de chauffe", (10, 11, 12, 1, 2, 3, 4)),
])
def test_french_seasons(text, months):
    assert find_seasons(text)[0].months == months


@pytest.mark.parametrize("text, months", [
    ("from October to April", (10, 11, 12, 1, 2, 3, 4)),
    ("in winter", (12, 1, 2)),
    ("during the grape harvest", (9, 10)),
    ("in May", (5,)),
])
def test_english_seasons(text, months):
    assert find_seasons(text, "en")[0].months == months


@pytest.mark.parametrize("text, lang", [
    ("des résidus de récolte", "fr"), ("il a été livré", "fr"), ("we may have some", "en"),
])
def test_words_that_only_look_like_seasons(text, lang):
    assert find_seasons(text, lang) == []


def test_all_year():
    [season] = find_seasons("disponible toute l'année")
    assert season.all_year and season.months == ()


# --- temperatures ---------------------------------------------------------------

@pytest.mark.parametrize("text, low, high, bound", [
    ("à 85 °C", 85, 85, ""),
    ("85°C", 85, 85, ""),
    ("45-50 °C", 45, 50, ""),
    ("entre 45 et 50 °C", 45, 50, ""),
    ("80 °C minimum", 80, 80, "min"),
    ("au moins 60 °C", 60, 60, "min"),
    ("moins de 40 °C", 40, 40, "max"),
    ("140 °F", 60, 60, ""),
    ("90 degrés", 90, 90, ""),
])
def test_temperatures(text, low, high, bound):
    [t] = find_temperatures(text)
    assert (t.low, t.high, t.bound) == (pytest.approx(low), pytest.approx(high), bound)


def test_a_temperature_is_not_a_quantity():
    found = scan("eau chaude à 85 °C, environ 300 kW")
    assert [a.unit for a in found.amounts] == ["kW"]
    assert len(found.temperatures) == 1


# --- English ------------------------------------------------------------------------

@pytest.mark.parametrize("text, value, unit", [
    ("about 2 tonnes per month", 24, "t/yr"),
    ("200 litres per month", 2.4, "m3/yr"),
    ("a big bag every two weeks", 26, "m3/yr"),
    ("300 kg a day", 109.5, "t/yr"),
    ("30 t/yr", 30, "t/yr"),
    ("two days a week", 16, "h/week"),
    ("at least 500 m2", 500, "m2"),
    ("a dozen pallets per week", 624, "count/yr"),
])
def test_english_quantities(text, value, unit):
    q = quantity(text, "en")
    assert q.value == pytest.approx(value) and q.unit == unit


# --- properties ---------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), st.sampled_from(["fr", "en"]))
def test_scan_reads_any_text(text, lang):
    found = scan(text, lang)
    for start, end in found.spans():
        assert 0 <= start <= end <= len(text)


_PIECES = ["2", "1 500", "2,5", "deux", "une trentaine", "environ", "à", "-", "ou", "et", "entre",
           "t", "kg", "m³", "stères", "big-bag", "bennes de", "kW", "par", "mois", "an", "/an",
           "tous les", "quinze", "jours", "le lundi", "d'octobre", "avril", "°C", "minimum", ",", " "]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=14).map(" ".join))
def test_quantities_from_any_mix_of_figures_and_units_are_sane(text):
    q = parse_quantity(text)
    if q is not None:
        assert math.isfinite(q.value) and q.value >= 0
        assert q.low is None or q.low <= q.value + 1e-9
        assert q.high is None or q.value <= q.high + 1e-9


@given(st.integers(min_value=1000, max_value=999_999), st.sampled_from([" ", "\u00a0", "\u202f"]))
def test_thousands_with_any_french_space(n, space):
    written = f"{n:,}".replace(",", space)
    assert parse_number(written).value == n


@given(st.integers(min_value=1, max_value=100_000), st.sampled_from(["kg", "kilos", "t", "tonnes"]))
def test_mass_conversion(n, unit):
    expected = n / 1000 if unit.startswith("k") else n
    assert quantity(f"{n} {unit}").value == pytest.approx(expected)
