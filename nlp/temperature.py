"""Temperatures of heat and water offers and needs, in °C.

"85 °C" → (85, 85); "45-50 °C" and "entre 45 et 50 °C" → (45, 50); °F is converted.
A bound such as "80 °C minimum" or "moins de 40 °C" gives the figure itself,
(80, 80) and (40, 40): values stay finite for storage, JSON and banding, and the
words "minimum"/"au plus" stay in the mention's text. `Temperature.bound` keeps
which side was open for code that needs it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Temperature:
    """A temperature or a range of them, with its span in the text."""

    start: int
    end: int
    low: float
    high: float
    text: str = ""
    bound: str = ""  # "min" for "80 °C minimum", "max" for "moins de 40 °C", else ""


_TEMPERATURE = re.compile(
    r"(?:(?P<cue>au\s+moins|au\s+minimum|minimum|plus\s+de|sup[ée]rieure?s?\s+à|au-dessus\s+de|"
    r"at\s+least|above|over|more\s+than|jusqu['’]\s*à|au\s+plus|au\s+maximum|maximum|moins\s+de|"
    r"inf[ée]rieure?s?\s+à|en\s+dessous\s+de|below|under|up\s+to|less\s+than)\s+)?"
    r"(?:(?P<between>entre|between)\s+)?(?:(?:à|a|at|de|of)\s+)?"
    r"(?P<a>[-−]?\d+(?:[.,]\d+)?)\s*(?:°\s*[CF]?\s*)?"
    r"(?:(?:-|–|à|a|to|et|and)\s*(?P<b>[-−]?\d+(?:[.,]\d+)?)\s*)?"
    r"(?P<unit>°\s*(?P<scale>[CF])?|degrés?(?:\s+(?:C|celsius))?|degrees?(?:\s+(?P<scale2>C|F|celsius|fahrenheit))?)"
    r"(?![\w])(?:\s*(?P<post>minimum|min\.?|maximum|max\.?|au\s+moins|au\s+plus|environ)(?![\w]))?",
    re.IGNORECASE,
)
_LOWER_CUES = ("au moins", "au minimum", "minimum", "plus de", "sup", "au-dessus", "at least",
               "above", "over", "more than", "min")
_UPPER_CUES = ("jusqu", "au plus", "au maximum", "maximum", "moins de", "inf", "en dessous",
               "below", "under", "up to", "less than", "max")


def find_temperatures(text: str) -> list[Temperature]:
    """Temperatures in °C: "85 °C" → (85, 85); "45-50 °C" → (45, 50); "80 °C minimum" → (80, 80)."""
    found: list[Temperature] = []
    for m in _TEMPERATURE.finditer(text):
        a = _float(m.group("a"))
        b = _float(m.group("b")) if m.group("b") else a
        scale = (m.group("scale") or m.group("scale2") or "C")[0].upper()
        if scale == "F":
            a, b = (a - 32) / 1.8, (b - 32) / 1.8
        cue = (m.group("post") or m.group("cue") or "").lower()
        bound = "min" if cue.startswith(_LOWER_CUES) else "max" if cue.startswith(_UPPER_CUES) else ""
        found.append(Temperature(m.start(), m.end(), min(a, b), max(a, b), m.group(0), bound))
    return found


def _float(raw: str) -> float:
    return float(raw.replace(",", ".").replace("−", "-"))
