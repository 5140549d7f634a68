"""Quantities with units, converted to one canonical unit per dimension.

`scan(text, lang)` reads every quantity-like expression of an answer: amounts
("environ 2 t", "20 à 30 stères", "2 bennes de 30 m³", "une trentaine de tonnes"),
frequencies, weekly schedules and seasons (`nlp.periods`) and temperatures
(`nlp.temperature`). `nlp.rates` turns an amount into the canonical
`data.types.Quantity` (per year, per week).

Conversion factors come from `pint`, computed once on first use; trade units
(stère, big-bag, quintal, "jour" of work) are defined here in pint terms.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache

from data.types import Dimension

from .lexicon import CONTAINERS
from .numbers import HEDGE_SPREAD, Number, find_numbers
from .periods import (
    HOURS_PER_DAY, WORKING_DAYS_PER_WEEK, Frequency, Schedule, Season, find_frequencies, find_schedules,
    find_seasons,
)
from .temperature import Temperature, find_temperatures

# Canonical unit of each dimension: (pint expression, label used in Quantity.unit).
CANONICAL: dict[str, tuple[str, str]] = {
    "mass": ("tonne", "t"), "volume": ("meter**3", "m3"), "energy": ("megawatt_hour", "MWh"),
    "power": ("kilowatt", "kW"), "area": ("meter**2", "m2"), "length": ("meter", "m"),
    "time": ("hour", "h"), "count": ("", "count"),
}
# Dimensions whose amounts are flows: with a frequency they become per-year figures.
FLOW_DIMENSIONS = frozenset({"mass", "volume", "energy", "count"})


@dataclass(frozen=True)
class Unit:
    """A unit as actors write it. `definition` is a pint expression for one of it."""

    key: str
    dimension: Dimension
    definition: str
    words: str  # regex alternation of the written forms
    container: bool = False  # "benne", "cuve": sized by "de 30 m³"


UNITS: tuple[Unit, ...] = (
    Unit("t", "mass", "tonne", r"t|tonnes?|tonne\(s\)|tons?|tn"),
    Unit("kt", "mass", "1000 * tonne", r"kt|kilotonnes?|kilotons?"),
    Unit("kg", "mass", "kilogram", r"kgs?|kilos?|kilogrammes?|kilograms?"),
    Unit("g", "mass", "gram", r"g|grammes?|grams?"),
    Unit("q", "mass", "100 * kilogram", r"q|qx|quintal|quintaux|quintals"),
    Unit("lb", "mass", "pound", r"lbs?|pounds?"),
    Unit("m3", "volume", "meter**3",
         r"m3|m³|m\s?cubes?|mètres?\s+cubes?|metres?\s+cubes?|cubic\s+met(?:re|er)s?|cu\.?\s?m|cbm"),
    Unit("l", "volume", "liter", r"l|litres?|liters?|lt"),
    Unit("hl", "volume", "hectoliter", r"hl|hectolitres?|hectoliters?"),
    Unit("gal", "volume", "gallon", r"gallons?|gal"),
    # A stère is one cubic metre of stacked wood; a big-bag or an IBC holds about 1 m³.
    Unit("stere", "volume", "meter**3", r"stères?|steres?"),
    Unit("big_bag", "volume", "meter**3", r"big[\s-]?bags?|bigbags?|ibcs?|grv", container=True),
    Unit("kwh", "energy", "kilowatt_hour", r"kwh|kw\.h|kilowatt[\s-]?heures?|kilowatt[\s-]?hours?"),
    Unit("mwh", "energy", "megawatt_hour", r"mwh|mégawatt[\s-]?heures?|megawatt[\s-]?hours?"),
    Unit("gwh", "energy", "gigawatt_hour", r"gwh|gigawatt[\s-]?heures?|gigawatt[\s-]?hours?"),
    Unit("wh", "energy", "watt_hour", r"wh"),
    Unit("tep", "energy", "11.63 * megawatt_hour", r"tep|toe"),
    Unit("w", "power", "watt", r"w|watts?"),
    Unit("kw", "power", "kilowatt", r"kw(?:th|e|c)?|kilowatts?"),
    Unit("mw", "power", "megawatt", r"mw(?:th|e|c)?|mégawatts?|megawatts?"),
    Unit("ch", "power", "metric_horsepower", r"ch|cv|chevaux"),
    Unit("hp", "power", "horsepower", r"hp|horsepower"),
    Unit("m2", "area", "meter**2",
         r"m2|m²|m\s?carrés?|mètres?\s+carrés?|metres?\s+carres?|square\s+met(?:re|er)s?|sq\.?\s?m|sqm"),
    Unit("ha", "area", "hectare", r"ha|hectares?"),
    Unit("are", "area", "are", r"ares"),
    Unit("km2", "area", "kilometer**2", r"km2|km²"),
    Unit("acre", "area", "acre", r"acres?"),
    Unit("sqft", "area", "foot**2", r"sq\.?\s?ft|square\s+feet|ft2"),
    Unit("km", "length", "kilometer", r"km|kilomètres?|kilometres?|kilometers?"),
    Unit("cm", "length", "centimeter", r"cm|centimètres?|centimeters?|centimetres?"),
    Unit("mm", "length", "millimeter", r"mm|millimètres?"),
    Unit("m", "length", "meter", r"m|mètres?|metres?|meters?|ml"),  # "ml": mètre linéaire (hedges)
    Unit("h", "time", "hour", r"h|heures?|hrs?|hours?"),
    Unit("half_day", "time", f"{HOURS_PER_DAY / 2} * hour",
         r"demi[\s-]journées?|half[\s-]days?|matinées?|après-midis?"),
    Unit("day", "time", f"{HOURS_PER_DAY} * hour",
         r"jours?(?:[\s-]hommes?)?|journées?|j|(?:man|person)[\s-]days?|days?"),
    Unit("week", "time", f"{WORKING_DAYS_PER_WEEK * HOURS_PER_DAY} * hour", r"semaines?|weeks?"),
)
_UNIT_BY_KEY = {u.key: u for u in UNITS}
_UNIT_RE = re.compile(
    r"\s*(?:" + "|".join(f"(?P<{u.key}>{u.words})" for u in UNITS) + r")(?![\w'’])",
    re.IGNORECASE,
)
_CONTAINER_RE = re.compile(
    r"\s*(?P<word>" + "|".join(sorted(map(re.escape, CONTAINERS), key=len, reverse=True)) + r")(?![\w'’-])",
    re.IGNORECASE,
)
_OF = re.compile(r"\s*(?:de|d['’]|of)\s*", re.IGNORECASE)
_LABOUR = re.compile(r"\s*(?:de\s+travail|de\s+main[\s-]d['’]\s*(?:œ|oe)uvre|of\s+work|of\s+labou?r)",
                     re.IGNORECASE)
_HEDGE_AFTER = re.compile(r"\s*(?P<hedge>environ|approximativement|or\s+so|ish|à\s+peu\s+près)(?![\w])"
                          r"|\s*(?P<min>minimum|min\.?|au\s+minimum|au\s+moins|at\s+least)(?![\w])"
                          r"|\s*(?P<max>maximum|max\.?|au\s+maximum|au\s+plus|at\s+most)(?![\w])",
                          re.IGNORECASE)
_NOT_AMOUNT_AFTER = re.compile(
    r"\s*(?:%|pour\s?cents?|percent|€|euros?|eur\b|k€|m€|\$|dollars?|£|ht\b|ttc\b|h\s?\d{2}\b)",
    re.IGNORECASE,
)
_CLOCK_BEFORE = re.compile(r"(?<![\w])(?:à|a|vers|dès|avant|après|at|by|until|till)\s*$", re.IGNORECASE)
_CLOCK_AFTER = re.compile(r"\s*(?:à|-|–|to)\s*\d{1,2}\s*h(?![\w])", re.IGNORECASE)
_NEXT_WORD = re.compile(r"\s*(?:(?:de|d['’]|of)\s*)?([^\W\d_][\w'’-]*)", re.IGNORECASE)
# Nouns after a bare figure that make it a duration or a ratio, not a count.
_NOT_COUNTED = frozenset(
    "mois an ans année années fois times months month years year".split()
)
_RANGE_JOIN = re.compile(r"\s*(?:-|–|à|a|ou|to|or)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Amount:
    """A figure with its unit, in the canonical unit of its dimension (not yet per year)."""

    start: int
    end: int
    value: float
    unit: str  # canonical: "t", "m3", "MWh", "kW", "m2", "m", "h", "count"
    dimension: Dimension
    low: float | None = None
    high: float | None = None
    approximate: bool = False
    original_unit: str = ""
    text: str = ""
    bare: bool = False  # no unit: a count of the following noun, if anything
    per_week: bool = False  # a weekly schedule ("le lundi"): hours per week already


@dataclass(frozen=True)
class Attributes:
    """Everything `scan` found in a text; spans never overlap across kinds."""

    amounts: tuple[Amount, ...] = ()
    frequencies: tuple[Frequency, ...] = ()
    seasons: tuple[Season, ...] = ()
    temperatures: tuple[Temperature, ...] = ()

    def spans(self) -> list[tuple[int, int]]:
        items = (*self.amounts, *self.frequencies, *self.seasons, *self.temperatures)
        return sorted((x.start, x.end) for x in items)


@cache
def factor(unit_key: str) -> float:
    """How many canonical units one `unit_key` is worth (pint, computed once per unit)."""
    unit = _UNIT_BY_KEY[unit_key]
    base = CANONICAL[unit.dimension][0]
    magnitude = _registry().Quantity(unit.definition).to(base).magnitude
    return float(f"{magnitude:.12g}")


@cache
def _registry():  # type: ignore[no-untyped-def]
    import pint  # loading the registry takes a moment: only when first needed

    return pint.UnitRegistry()


def scan(text: str, lang: str = "fr") -> Attributes:
    """Find amounts, frequencies, schedules, seasons and temperatures in `text`.

    Each kind is masked out of the text once found, in the order temperatures,
    seasons, schedules, frequencies, amounts, so that "par mois" is never read as
    an amount of "mois" and "85 °C" never as a count.
    """
    temperatures = find_temperatures(text)
    masked = _mask(text, temperatures)
    seasons = find_seasons(masked, lang)
    masked = _mask(masked, seasons)
    schedules = find_schedules(masked, lang)
    masked = _mask(masked, schedules)
    frequencies = find_frequencies(masked, lang)
    masked = _mask(masked, frequencies)
    amounts = find_amounts(masked, lang) + [_schedule_amount(s) for s in schedules]
    return Attributes(
        tuple(sorted(amounts, key=lambda a: a.start)), tuple(frequencies), tuple(seasons),
        tuple(temperatures),
    )


def find_amounts(text: str, lang: str = "fr") -> list[Amount]:
    """Figures with their units ("2 t", "20 à 30 stères"); bare counts are marked `bare`."""
    amounts: list[Amount] = []
    for number in find_numbers(text, lang):
        if amounts and number.start < amounts[-1].end:
            continue  # already read as part of "2 bennes de 30 m³"
        amount = _amount(text, number, lang)
        if amount is None:
            continue
        if amounts and _same_unit_range(text, amounts[-1], amount):
            first = amounts.pop()
            amount = Amount(first.start, amount.end, (first.value + amount.value) / 2, amount.unit,
                            amount.dimension, first.value, amount.value, False,
                            amount.original_unit, text[first.start: amount.end])
        amounts.append(amount)
    return amounts


def _amount(text: str, n: Number, lang: str) -> Amount | None:
    if _NOT_AMOUNT_AFTER.match(text, n.end):
        return None
    pos = n.end
    of = _OF.match(text, pos) if n.kind in ("vague", "words") else None
    unit_match = _UNIT_RE.match(text, of.end() if of else pos)
    if unit_match is None and of is not None:
        unit_match, of = _UNIT_RE.match(text, pos), None
    if unit_match is not None:
        unit = _UNIT_BY_KEY[unit_match.lastgroup or ""]
        if unit.key == "h" and (_CLOCK_BEFORE.search(text, max(0, n.start - 12), n.start)
                                or _CLOCK_AFTER.match(text, unit_match.end())):
            return None  # "à 14 h", "de 8 h à 12 h": times of day
        return _with_unit(text, n, unit, unit_match, lang)
    container = _CONTAINER_RE.match(text, pos)
    if container is not None:
        sized = _sized_container(text, n, container, lang)
        if sized is not None:
            return sized
        if n.kind == "article":  # "une benne par mois": one container, size unknown
            return Amount(n.start, n.end, 1.0, "count", "count", original_unit=container.group("word"),
                          text=text[n.start:n.end], bare=True)
    return _bare(text, n)


def _with_unit(text: str, n: Number, unit: Unit, m: re.Match[str], lang: str) -> Amount:
    end = m.end()
    if unit.container:
        inner = _container_size(text, end, lang)
        if inner is not None:
            size, end = inner
            return _scaled(text, n, size, end, m.group(0).strip())
    labour = _LABOUR.match(text, end) if unit.dimension == "time" else None
    end = labour.end() if labour else end
    f = factor(unit.key)
    low = n.low * f if n.low is not None else None
    high = n.high * f if n.high is not None else None
    amount = Amount(n.start, end, n.value * f, CANONICAL[unit.dimension][1], unit.dimension,
                    low, high, n.approximate, m.group(0).strip(), text[n.start:end])
    return _hedge_after(text, amount)


def _container_size(text: str, pos: int, lang: str) -> tuple[Amount, int] | None:
    """"de 30 m³" after a container word: the size of one container."""
    of = _OF.match(text, pos)
    if of is None:
        return None
    numbers = find_numbers(text[of.end(): of.end() + 40], lang)
    if not numbers or numbers[0].start != 0:
        return None
    n = numbers[0]
    shifted = Number(of.end() + n.start, of.end() + n.end, n.value, n.low, n.high, n.approximate, n.kind)
    m = _UNIT_RE.match(text, shifted.end)
    if m is None or _UNIT_BY_KEY[m.lastgroup or ""].container:
        return None
    size = _with_unit(text, shifted, _UNIT_BY_KEY[m.lastgroup or ""], m, lang)
    return size, size.end


def _sized_container(text: str, n: Number, container: re.Match[str], lang: str) -> Amount | None:
    inner = _container_size(text, container.end(), lang)
    if inner is None:
        return None
    size, end = inner
    return _scaled(text, n, size, end, container.group("word"))


def _scaled(text: str, n: Number, size: Amount, end: int, word: str) -> Amount:
    """N containers of a given size: "2 bennes de 30 m³" is 60 m³."""
    low = n.low * size.value if n.low is not None else None
    high = n.high * size.value if n.high is not None else None
    return Amount(n.start, end, n.value * size.value, size.unit, size.dimension, low, high,
                  n.approximate or size.approximate, word, text[n.start:end])


def _bare(text: str, n: Number) -> Amount | None:
    if n.kind == "article":
        return None
    raw = text[n.start:n.end]
    digits = re.sub(r"\D", "", raw)
    if n.kind == "digits" and n.low is None and n.high is None and float(n.value).is_integer():
        if 1900 <= n.value <= 2100 and len(digits) == 4:
            return None  # a year
        if len(digits) >= 5 and raw.strip().isdigit():
            return None  # a postcode or a reference, not a count
    word = _NEXT_WORD.match(text, n.end)
    noun = word.group(1) if word else ""
    if noun.lower() in _NOT_COUNTED:
        return None
    return Amount(n.start, n.end, n.value, "count", "count", n.low, n.high, n.approximate,
                  noun, raw, bare=True)


def _hedge_after(text: str, a: Amount) -> Amount:
    m = _HEDGE_AFTER.match(text, a.end)
    if m is None:
        return a
    end = m.end()
    if m.group("hedge"):
        spread = a.value * HEDGE_SPREAD
        return replace(a, end=end, text=text[a.start:end], approximate=True,
                        low=a.low if a.low is not None else a.value - spread,
                        high=a.high if a.high is not None else a.value + spread)
    if m.group("min"):
        return replace(a, end=end, text=text[a.start:end], low=a.value, high=None)
    return replace(a, end=end, text=text[a.start:end], high=a.value, low=None)


def _same_unit_range(text: str, a: Amount, b: Amount) -> bool:
    """"2 t à 3 t": two amounts of the same unit joined as a range."""
    return (
        not a.bare and a.unit == b.unit and a.original_unit.lower() == b.original_unit.lower()
        and a.value < b.value and _RANGE_JOIN.fullmatch(text, a.end, b.start) is not None
    )


def _schedule_amount(s: Schedule) -> Amount:
    return Amount(s.start, s.end, s.hours_per_week, "h", "time", original_unit="h/week",
                  text=s.text, per_week=True)


def _mask(text: str, items: list) -> str:
    if not items:
        return text
    chars = list(text)
    for item in items:
        for i in range(item.start, item.end):
            if chars[i] != "\n":
                chars[i] = " "
    return "".join(chars)
