"""French wording for synthetic answers: templates, quantities, frequencies, seasons.

Every answer is built from one taxonomy term (a French label or synonym) and a
figure in the node's dimension, phrased in one of several ways an actor might
use in the interview, sometimes with number words ("une vingtaine"), sometimes
with a season. `Phrase.value` is the figure in the canonical unit the normaliser
would read from the text (t/yr, m3/yr, MWh/yr, count/yr, kW, m2, h/week), so the
fast path can fill a resource's band without parsing anything.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

# figure in the canonical unit → (how it can be said per period, periods per year)
PERIODS = (("par an", 1.0), ("par mois", 12.0), ("par semaine", 52.0), ("chaque année", 1.0), ("tous les mois", 12.0))
NUMBER_WORDS = {10: "une dizaine", 12: "une douzaine", 15: "une quinzaine", 20: "une vingtaine",
                30: "une trentaine", 40: "une quarantaine", 50: "une cinquantaine", 100: "une centaine"}
SMALL_WORDS = {1: "un", 2: "deux", 3: "trois", 4: "quatre", 5: "cinq", 6: "six"}
UNIT_WORDS = {"t": "tonnes", "m³": "m³", "MWh": "MWh", "kW": "kW", "m²": "m²", "unités": "pièces"}
SEASONS = (("en hiver", (12, 1, 2)), ("au printemps", (3, 4, 5)), ("l'été", (6, 7, 8)), ("à l'automne", (9, 10, 11)),
           ("d'octobre à mars", (10, 11, 12, 1, 2, 3)), ("de mai à septembre", (5, 6, 7, 8, 9)))
APPROX = ("environ", "à peu près", "autour de", "dans les", "près de", "")

OFFER_FLOW = (
    "{approx} {qty} de {term} {period}{season}, à récupérer sur place",
    "On produit {approx} {qty} de {term} {period}{season} et on ne sait pas trop quoi en faire",
    "{Term} : {approx} {qty} {period}{season}",
    "Il nous reste {approx} {qty} de {term} {period}{season}, on les donnerait volontiers",
    "On a trop de {term} : {approx} {qty} {period}{season}",
    "{Term} disponible{season_comma} {approx} {qty} {period}",
)
NEED_FLOW = (
    "On cherche {approx} {qty} de {term} {period}{season}",
    "Besoin de {term}, {approx} {qty} {period}{season}, si possible pas loin",
    "Nous achetons {approx} {qty} de {term} {period}{season}, on préférerait du local",
    "{Term} : il nous en faudrait {approx} {qty} {period}{season}",
    "{Term} recherché, {approx} {qty} {period}, livré si possible",
)
OFFER_EQUIPMENT = (
    "Notre {term} ne sert que {days} jours par semaine, on peut le prêter ou le louer",
    "{Term} disponible {days} jours par semaine, avec ou sans chauffeur",
    "On a un {term} souvent à l'arrêt, libre {days} jours par semaine",
)
NEED_EQUIPMENT = (
    "Un {term} {days} jours par mois, sans avoir à l'acheter",
    "On aurait besoin d'un {term} environ {days} jours par mois",
    "Emprunter ou louer un {term} {days} jours par mois{season}",
)
OFFER_SPACE = (
    "{Term} de {area} libre, qui pourrait servir à d'autres",
    "On a {area} de {term} inoccupés",
)
NEED_SPACE = (
    "On cherche {area} de {term} pas trop loin",
    "Besoin de {area} de {term}{season}",
)
OFFER_POWER = (
    "{Term} récupérable, environ {power}{season}",
    "On rejette {approx} {power} de {term}, qui pourrait servir à d'autres",
)
NEED_POWER = (
    "Besoin de {term}, environ {power}{season}",
    "On consomme {approx} {power} pour {term}",
)
OFFER_SERVICE = (
    "On peut proposer {term} à d'autres structures du coin",
    "{Term} : on a les compétences et on peut en faire profiter les voisins",
)
NEED_SERVICE = (
    "On voudrait mutualiser {term} avec d'autres entreprises",
    "Besoin de {term}, si possible à plusieurs pour baisser le coût",
    "{Term} : on cherche un prestataire à partager",
)


@dataclass(frozen=True)
class Phrase:
    text: str
    value: float | None  # in the canonical unit, None when the text gives no figure
    unit: str | None
    months: tuple[int, ...]


def as_term(term: str) -> str:
    """A taxonomy label inside a sentence: lower-case first letter unless it is an acronym."""
    if len(term) > 1 and term[1].isupper():
        return term
    return term[:1].lower() + term[1:]


def _elide(text: str) -> str:
    for full, short in ((" de a", " d'a"), (" de e", " d'e"), (" de é", " d'é"), (" de i", " d'i"), (" de o", " d'o"),
                        (" de u", " d'u"), (" de h", " d'h"), ("du a", "de l'a"), ("du e", "de l'e"), ("du é", "de l'é"),
                        ("du h", "de l'h"), ("du o", "de l'o"), ("du i", "de l'i")):
        text = text.replace(full, short)
    return text


def _figure(rnd: random.Random, value: float, unit: str = "") -> tuple[str, float]:
    """A rounded figure as words or digits followed by its unit, and the value it says."""
    for number, words in NUMBER_WORDS.items():
        if abs(value - number) / number < 0.2 and rnd.random() < 0.5:
            return (f"{words} de {UNIT_WORDS.get(unit, unit)}" if unit else words), float(number)
    if not unit and value < 6.5 and round(value) in SMALL_WORDS and rnd.random() < 0.5:
        return SMALL_WORDS[round(value)], float(round(value))
    digits = max(1, len(str(int(value))) - 1)
    rounded = float(round(value, -digits + 1)) if value >= 20 else float(max(1, round(value)))
    return f"{rounded:,.0f} {unit}".replace(",", " ").strip(), rounded


def _season(rnd: random.Random) -> tuple[str, tuple[int, ...]]:
    if rnd.random() < 0.25:
        words, months = rnd.choice(SEASONS)
        return words, months
    return "", ()


def flow_unit(dimension: str | None) -> tuple[str, str]:
    """(unit as written, canonical unit) for a flow of this dimension."""
    return {"mass": ("t", "t/yr"), "volume": ("m³", "m3/yr"), "energy": ("MWh", "MWh/yr")}.get(
        dimension or "", ("unités", "count/yr"))


def phrase(rnd: random.Random, direction: str, root: str, dimension: str | None, term: str, size: float) -> Phrase:
    """One answer about `term`; `size` (a per-year figure in the canonical unit) sets the quantity."""
    offer = direction == "offer"
    term = as_term(term)
    season, months = _season(rnd)
    fields = {"term": term, "Term": term[:1].upper() + term[1:], "approx": rnd.choice(APPROX),
              "season": f" {season}" if season else "", "season_comma": f" {season}," if season else ","}
    value: float | None
    unit: str | None
    if root in ("equipment",):
        days = rnd.choice((1, 2, 3)) if offer else rnd.choice((1, 2, 3, 4, 5, 6))
        fields["days"] = SMALL_WORDS[days] if rnd.random() < 0.5 else str(days)
        template = rnd.choice(OFFER_EQUIPMENT if offer else NEED_EQUIPMENT)
        value, unit = (8.0 * days if offer else 8.0 * days * 12 / 52), "h/week"
    elif root == "space":
        fields["area"], value = _figure(rnd, size, "m²")
        template, unit = rnd.choice(OFFER_SPACE if offer else NEED_SPACE), "m2"
    elif dimension == "power":
        fields["power"], value = _figure(rnd, size, "kW")
        template, unit = rnd.choice(OFFER_POWER if offer else NEED_POWER), "kW"
    elif root in ("service", "skill", "purchasing"):
        template, value, unit = rnd.choice(OFFER_SERVICE if offer else NEED_SERVICE), None, None
    else:
        written, unit = flow_unit(dimension)
        period, per_year = rnd.choice(PERIODS)
        figure, said = _figure(rnd, max(1.0, size / per_year), written)
        fields["qty"] = figure
        fields["period"] = period
        if not figure[0].isdigit():
            fields["approx"] = ""  # "une vingtaine" is approximate already
        value = said * per_year
        template = rnd.choice(OFFER_FLOW if offer else NEED_FLOW)
    text = " ".join(_elide(template.format(**fields)).split())
    return Phrase(text=text[:1].upper() + text[1:], value=value, unit=unit, months=months)
