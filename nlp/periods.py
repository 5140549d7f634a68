"""When a resource flows: frequencies, weekly schedules and seasons.

- `find_frequencies`: "par mois", "t/an", "tous les quinze jours", "deux fois par
  semaine", "hebdomadaire", "en continu", "every other week" → per-year factor.
- `find_schedules`: "le lundi", "du lundi au vendredi", "le week-end" → hours per
  week of use (8 h per working day, 4 h for a morning or an afternoon).
- `find_seasons`: "d'octobre à avril", "en hiver", "pendant les vendanges",
  "au moment de la récolte", "toute l'année" → months 1..12.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .numbers import find_numbers

HOURS_PER_DAY = 8.0
HOURS_PER_HALF_DAY = 4.0
DAYS_PER_YEAR = 365.0
WORKING_DAYS_PER_YEAR = 250.0
WORKING_DAYS_PER_WEEK = 5.0
WEEKS_PER_YEAR = 52.0

ALL_YEAR: tuple[int, ...] = tuple(range(1, 13))


@dataclass(frozen=True)
class Frequency:
    """How often an amount recurs. `per_year` is None for "continuous" and "once"."""

    start: int
    end: int
    per_year: float | None
    label: str  # "per_day", "per_week", "per_month", "per_year", "continuous", "once"
    period: str = ""  # "day", "working_day", "week", "month", ..., as written
    text: str = ""


@dataclass(frozen=True)
class Schedule:
    """Recurring weekly use: "le lundi" is 8 h per week."""

    start: int
    end: int
    hours_per_week: float
    text: str = ""


@dataclass(frozen=True)
class Season:
    """Months of the year a text points at; `all_year` for "toute l'année"."""

    start: int
    end: int
    months: tuple[int, ...]
    all_year: bool = False
    text: str = ""


# period word → (occurrences per year, length in days)
_PERIODS: dict[str, tuple[float, float]] = {
    "hour": (DAYS_PER_YEAR * 24, 1 / 24), "day": (DAYS_PER_YEAR, 1.0),
    "working_day": (WORKING_DAYS_PER_YEAR, 1.0), "week": (WEEKS_PER_YEAR, 7.0),
    "month": (12.0, 30.4), "quarter": (4.0, 91.0), "half_year": (2.0, 182.0),
    "year": (1.0, 365.0), "season": (1.0, 365.0),
}
_PERIOD_WORDS = [
    ("working_day", r"jours?\s+ouvr[ée]s|jours?\s+ouvrables?|working\s+days?|business\s+days?"),
    ("day", r"jours?|journées?|days?"),
    ("week", r"semaines?|weeks?"),
    ("month", r"mois|months?"),
    ("quarter", r"trimestres?|quarters?"),
    ("half_year", r"semestres?|half[\s-]years?"),
    ("year", r"ans?|années?|annees?|years?|annum"),
    ("season", r"saisons?|campagnes?|récoltes?|seasons?|harvests?"),
    ("hour", r"heures?|hours?"),
]
# Abbreviations are read only after a slash ("t/an", "m3/j", "kWh/yr").
_ABBREVIATIONS = {"day": "j|d", "week": "sem|wk", "month": "mo", "year": "a|yr|y", "hour": "h|hr"}
_PERIOD = "|".join(f"(?P<{key}>{words})" for key, words in _PERIOD_WORDS)
_SLASH_PERIOD = "|".join(
    f"(?P<{key}>{words}|{_ABBREVIATIONS[key]})" if key in _ABBREVIATIONS else f"(?P<{key}>{words})"
    for key, words in _PERIOD_WORDS
)
_B = r"(?<![\w])"  # start of a word
_E = r"(?![\w])"  # end of a word

_PER = re.compile(
    rf"{_B}(?:par|chaque|per|each|every|a)\s+(?:{_PERIOD}){_E}|{_B}l['’]an{_E}",
    re.IGNORECASE,
)
_SLASH = re.compile(rf"/\s*(?:{_SLASH_PERIOD})\.?{_E}", re.IGNORECASE)
_EVERY_N = re.compile(
    rf"{_B}(?:tou(?:te)?s\s+les|every)\s+(?:(?P<n>\d+|other|deux|trois|quatre|cinq|six|huit|dix|"
    rf"quinze|vingt|trente|two|three|four|five|six|ten|fifteen)\s+)?(?P<unit>jours|semaines|mois|ans|"
    rf"années|days?|weeks?|months?|years?){_E}",
    re.IGNORECASE,
)
_TIMES = re.compile(
    rf"{_B}(?:(?P<once>once|twice)|fois|times|x)\s+(?:par|chaque|/|per|a|each|every)\s*(?:{_PERIOD}){_E}",
    re.IGNORECASE,
)
_ADVERBS: list[tuple[str, str]] = [
    ("day", r"quotidien(?:ne)?s?|quotidiennement|journali(?:er|ère)s?|journellement|daily|"
            r"tous\s+les\s+jours|every\s+day"),
    ("fortnight", r"bimensuel(?:le)?s?|bimensuellement|fortnightly|bi-?weekly|tous\s+les\s+quinze\s+jours"),
    ("week", r"hebdomadaires?|hebdomadairement|hebdo|weekly"),
    ("month", r"mensuel(?:le)?s?|mensuellement|monthly"),
    ("quarter", r"trimestriel(?:le)?s?|trimestriellement|quarterly"),
    ("half_year", r"semestriel(?:le)?s?|semestriellement|half-yearly|biannually"),
    ("year", r"annuel(?:le)?s?|annuellement|yearly|annually|p\.\s?a\."),
    ("continuous", r"en\s+continu|en\s+permanence|24\s*h?\s*/\s*24|24\s*/\s*7|7\s*j?\s*/\s*7|"
                   r"non[\s-]stop|continuously|continuous|around\s+the\s+clock|constamment"),
    ("once", r"une\s+seule\s+fois|ponctuel(?:le)?(?:ment)?|one[\s-]off|one[\s-]time"),
]
_ADVERB = re.compile(
    "|".join(f"{_B}(?P<{key}>{words}){_E}" for key, words in _ADVERBS), re.IGNORECASE
)
_SMALL_N = {"other": 2, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "huit": 8,
            "dix": 10, "quinze": 15, "vingt": 20, "trente": 30, "two": 2, "three": 3, "four": 4,
            "five": 5, "ten": 10, "fifteen": 15}
_UNIT_PERIOD = {"jours": "day", "days": "day", "day": "day", "semaines": "week", "weeks": "week",
                "week": "week", "mois": "month", "months": "month", "month": "month", "ans": "year",
                "années": "year", "years": "year", "year": "year"}


def find_frequencies(text: str, lang: str = "fr") -> list[Frequency]:
    """Every frequency expression in `text`, in order, without overlaps."""
    found: list[Frequency] = []
    for m in _TIMES.finditer(text):
        found.append(_times(text, m, lang))
    for m in _EVERY_N.finditer(text):
        found.append(_every_n(m))
    for m in _ADVERB.finditer(text):
        found.append(_adverb(m))
    for m in (*_PER.finditer(text), *_SLASH.finditer(text)):
        found.append(_frequency(m.start(), m.end(), _period_key(m), 1.0, text))
    return _without_overlaps(found)


def _period_key(m: re.Match[str]) -> str:
    for key, _ in _PERIOD_WORDS:
        if m.groupdict().get(key):
            return key
    return "year"  # "l'an"


def _frequency(start: int, end: int, period: str, times: float, text: str) -> Frequency:
    per_year, days = _PERIODS[period]
    return Frequency(start, end, per_year * times, _label(days / times), period, text[start:end])


def _label(days_between: float) -> str:
    if days_between <= 1.5:
        return "per_day"
    if days_between <= 7.5:
        return "per_week"
    if days_between <= 31.5:
        return "per_month"
    return "per_year"


def _times(text: str, m: re.Match[str], lang: str) -> Frequency:
    period = _period_key(m)
    if m.group("once"):
        return _frequency(m.start(), m.end(), period, 1.0 if m.group("once").lower() == "once" else 2.0, text)
    start, times = m.start(), 1.0
    before = [n for n in find_numbers(text[max(0, m.start() - 30): m.start()], lang)]
    if before and text[max(0, m.start() - 30) + before[-1].end: m.start()].strip() == "":
        times = before[-1].value
        start = max(0, m.start() - 30) + before[-1].start
    return _frequency(start, m.end(), period, times, text)


def _every_n(m: re.Match[str]) -> Frequency:
    period = _UNIT_PERIOD[m.group("unit").lower()]
    n_word = (m.group("n") or "").lower()
    n = float(n_word) if n_word.isdigit() else float(_SMALL_N.get(n_word, 1))
    if period == "day" and n in (8.0, 15.0):
        period, n = "week", n // 7  # "tous les huit/quinze jours": weekly, fortnightly
    per_year, days = _PERIODS[period]
    return Frequency(m.start(), m.end(), per_year / n, _label(days * n), period, m.group(0))


def _adverb(m: re.Match[str]) -> Frequency:
    key = next(k for k, v in m.groupdict().items() if v)
    if key == "continuous":
        return Frequency(m.start(), m.end(), None, "continuous", "", m.group(0))
    if key == "once":
        return Frequency(m.start(), m.end(), None, "once", "", m.group(0))
    if key == "fortnight":
        return Frequency(m.start(), m.end(), 26.0, "per_month", "week", m.group(0))
    per_year, days = _PERIODS[key]
    return Frequency(m.start(), m.end(), per_year, _label(days), key, m.group(0))


_FR_DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
_EN_DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_DAY_INDEX = {name: i for names in (_FR_DAYS, _EN_DAYS) for i, name in enumerate(names)}
_DAY = "|".join(_FR_DAYS + _EN_DAYS)
_HALF = r"(?:\s+(?P<half>matin|après-midi|apres-midi|morning|afternoon)s?)?"
_DAY_SPAN = re.compile(
    rf"{_B}(?:du|from|de)?\s*(?P<a>{_DAY})\s*(?:au|à|a|-|–|to|through|till|until)\s*(?P<b>{_DAY}){_E}"
    rf"|{_B}(?:(?:le|les|tous\s+les|chaque|every|on)\s+)?(?P<day>{_DAY})s?{_HALF}{_E}"
    rf"|{_B}(?P<weekend>(?:le|les|the|at|on)?\s*week-?ends?){_E}"
    rf"|{_B}(?P<weekdays>en\s+semaine|on\s+weekdays|weekdays){_E}",
    re.IGNORECASE,
)
_SCHEDULE_JOIN = re.compile(r"\s*(?:,|et|and|&)\s*", re.IGNORECASE)


def find_schedules(text: str, lang: str = "fr") -> list[Schedule]:
    """Weekly schedules, consecutive day expressions merged ("le lundi et le mardi")."""
    pieces: list[tuple[int, int, dict[int, float]]] = []
    for m in _DAY_SPAN.finditer(text):
        pieces.append((m.start(), m.end(), _days_of(m)))
    merged: list[tuple[int, int, dict[int, float]]] = []
    for start, end, days in pieces:
        if merged and _SCHEDULE_JOIN.fullmatch(text, merged[-1][1], start):
            prev_start, _, prev_days = merged[-1]
            merged[-1] = (prev_start, end, {**prev_days, **days})
        else:
            merged.append((start, end, days))
    return [Schedule(s, e, sum(days.values()), text[s:e]) for s, e, days in merged]


def _days_of(m: re.Match[str]) -> dict[int, float]:
    if m.group("a"):
        a, b = _DAY_INDEX[m.group("a").lower()], _DAY_INDEX[m.group("b").lower()]
        return {(a + i) % 7: HOURS_PER_DAY for i in range((b - a) % 7 + 1)}
    if m.group("day"):
        hours = HOURS_PER_HALF_DAY if m.group("half") else HOURS_PER_DAY
        return {_DAY_INDEX[m.group("day").lower()]: hours}
    if m.group("weekend"):
        return {5: HOURS_PER_DAY, 6: HOURS_PER_DAY}
    return {i: HOURS_PER_DAY for i in range(int(WORKING_DAYS_PER_WEEK))}


_FR_MONTHS = [
    r"janvier|janv\.?", r"février|fevrier|févr\.?|fevr\.?", r"mars", r"avril|avr\.?", r"mai",
    r"juin", r"juillet|juil\.?", r"août|aout", r"septembre|sept\.", r"octobre|oct\.?",
    r"novembre|nov\.?", r"décembre|decembre|déc\.?|dec\.",
]
_EN_MONTHS = [
    r"January|Jan\.?", r"February|Feb\.?", r"March", r"April|Apr\.?", r"May", r"June|Jun\.?",
    r"July|Jul\.?", r"August|Aug\.?", r"September|Sept?\.?", r"October|Oct\.?",
    r"November|Nov\.?", r"December|Dec\.?",
]


def _month_pattern(lang: str) -> str:
    months = _FR_MONTHS if lang == "fr" else _EN_MONTHS
    return "|".join(f"(?P<m{i + 1}_{{tag}}>{alts})" for i, alts in enumerate(months))


_SEASON_WORDS: list[tuple[tuple[int, ...], str]] = [
    ((12, 1, 2), r"(?:l['’]|en\s+|cet\s+|d['’])?hiver|hivernale?s?|(?:in\s+|during\s+|the\s+|this\s+)?winter"),
    ((3, 4, 5), r"(?:au\s+|le\s+|ce\s+)?printemps|(?:in\s+|during\s+|the\s+|this\s+)?spring(?:time)?"),
    ((6, 7, 8), r"(?:l['’]|en\s+|cet\s+|d['’])été|estivale?s?|(?:in\s+|during\s+|the\s+|this\s+)?summer"),
    ((9, 10, 11), r"(?:l['’]|en\s+|à\s+l['’]|cet\s+|d['’])?automne|(?:in\s+|during\s+)?(?:the\s+)?autumn"
                  r"|(?:in|during|this)\s+(?:the\s+)?fall"),
    ((9, 10), r"(?:pendant\s+|au\s+moment\s+des\s+|lors\s+des\s+|aux\s+|après\s+)?(?:les\s+)?vendanges?"
              r"|(?:during\s+|at\s+|after\s+)?(?:the\s+)?grape\s+harvest"),
    # "résidus de récolte" names a resource, not a season: harvests need a time word.
    ((7, 8), r"(?:pendant|au\s+moment\s+de|lors\s+de|après|à)\s+(?:la|les)\s+moissons?"
             r"|(?:pendant|au\s+moment\s+des|lors\s+des|après|aux)\s+moissons"),
    ((7, 8, 9, 10), r"(?:pendant|au\s+moment\s+de|lors\s+de|après|à)\s+(?:la|les)\s+récoltes?"
                    r"|(?:pendant|au\s+moment\s+des|lors\s+des|après|aux)\s+récoltes"
                    r"|(?:during|at|after)\s+(?:the\s+)?harvests?|harvest[\s-]time"),
    ((10, 11, 12, 1, 2, 3, 4), r"(?:la\s+|en\s+)?(?:saison|période)\s+de\s+chauffe|(?:the\s+)?heating\s+season"),
]
_SEASON = re.compile(
    "|".join(f"{_B}(?P<s{i}>{words}){_E}" for i, (_, words) in enumerate(_SEASON_WORDS)),
    re.IGNORECASE,
)
_ALL_YEAR = re.compile(
    rf"{_B}(?:toute\s+l['’]année|tout\s+au\s+long\s+de\s+l['’]année|à\s+l['’]année|"
    rf"all\s+year(?:\s+round|\s+long)?|year[\s-]round|throughout\s+the\s+year){_E}",
    re.IGNORECASE,
)
_MONTH_RES: dict[str, re.Pattern[str]] = {}


def _month_re(lang: str) -> re.Pattern[str]:
    if lang not in _MONTH_RES:
        pattern = _month_pattern(lang)
        a, b = pattern.replace("{tag}", "a"), pattern.replace("{tag}", "b")
        flags = re.IGNORECASE if lang == "fr" else 0
        _MONTH_RES[lang] = re.compile(
            rf"{_B}(?:(?P<between>entre|between)\s+|(?:(?:en|in|during|pendant|durant|dès|until|"
            rf"jusqu['’]\s*en|à\s+partir\s+d['’]|de|d['’]|du\s+mois\s+de|au\s+mois\s+de|from)\s*))?(?:{a})"
            rf"(?:\s*(?P<sep>-|–|à|au|jusqu['’]\s*(?:à|en)|to|till|until|through|et|and)\s*(?:{b}))?"
            r"(?![\w])",
            flags,
        )
    return _MONTH_RES[lang]


def find_seasons(text: str, lang: str = "fr") -> list[Season]:
    """Months and seasons in `text`, in order."""
    found: list[Season] = []
    for m in _month_re("en" if lang == "en" else "fr").finditer(text):
        a = _month_number(m, "a")
        b = _month_number(m, "b")
        if b is None:
            months: tuple[int, ...] = (a,)
        elif m.group("sep").lower() in ("et", "and") and not m.group("between"):
            months = (a, b)
        else:
            months = tuple((a - 1 + i) % 12 + 1 for i in range((b - a) % 12 + 1))
        found.append(Season(m.start(), m.end(), months, text=m.group(0)))
    for m in _SEASON.finditer(text):
        index = int(next(k for k, v in m.groupdict().items() if v)[1:])
        found.append(Season(m.start(), m.end(), _SEASON_WORDS[index][0], text=m.group(0)))
    for m in _ALL_YEAR.finditer(text):
        found.append(Season(m.start(), m.end(), (), all_year=True, text=m.group(0)))
    return _without_overlaps(found)


def _month_number(m: re.Match[str], tag: str) -> int | None:
    for i in range(1, 13):
        if m.group(f"m{i}_{tag}"):
            return i
    return None


def _without_overlaps(items: list) -> list:
    """Keep the earliest, then longest, of overlapping spans; return them in order."""
    kept: list = []
    for item in sorted(items, key=lambda x: (x.start, -(x.end - x.start))):
        if not kept or item.start >= kept[-1].end:
            kept.append(item)
    return kept
