"""Numbers as actors write them: digits, words, vague amounts, ranges and hedges.

`find_numbers(text, lang)` returns every figure of a text with its character span:
"2,5", "1 500" (normal or narrow no-break space), "1.5", "deux", "vingt-cinq"
(through `text2num`), "une trentaine" and "quelques" (approximate), "20 à 30",
"15-20", "entre 15 et 20", "6 ou 7" (ranges), "environ", "à peu près", "au moins",
"jusqu'à" (hedges and bounds). Units are the business of `nlp.units`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from text_to_num import text2num

# Relative spread given to a hedged figure ("environ 150" → 135–165) and to a vague
# one ("une trentaine" → 24–36) when the text gives no explicit range.
HEDGE_SPREAD = 0.1
VAGUE_SPREAD = 0.2
# Longest number written in words that is read as one ("deux cent cinquante mille
# trois cent quarante" is 6); a longer run is read in pieces, which keeps it linear.
MAX_NUMBER_WORDS = 8


@dataclass(frozen=True)
class Number:
    """A figure read from text. `kind` tells how much it can be trusted on its own:

    "digits" and "words" are plain figures; "vague" is "une trentaine", "quelques";
    "article" is "un"/"une"/"a"/"one", a figure only when a unit follows it.
    """

    start: int
    end: int
    value: float
    low: float | None = None
    high: float | None = None
    approximate: bool = False
    kind: str = "digits"


_FR_WORDS = (
    "zéro|zero|une|un|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|"
    "quatorze|quinze|seize|vingts?|trente|quarante|cinquante|soixante|cents?|milles?|"
    "millions?|milliards?"
)
_EN_WORDS = (
    "zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
    "fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|"
    "sixty|seventy|eighty|ninety|hundred|thousand|million|billion"
)
_WORD_RUN = {
    lang: re.compile(
        rf"(?<![\w-])(?:{words})(?:(?:[\s-]+(?:{joiner}[\s-]+)?)(?:{words}))*(?![\w-])",
        re.IGNORECASE,
    )
    for lang, words, joiner in (("fr", _FR_WORDS, "et"), ("en", _EN_WORDS, "and"))
}
_ARTICLES = frozenset({"un", "une", "one", "a", "an"})
# A lone "neuf" is mostly the adjective ("un broyeur neuf"): it counts only inside a
# longer run ("dix-neuf") or before a unit, like an article.
_WEAK_WORDS = frozenset({"neuf"})

_VAGUE_NOUNS = {
    "dizaine": 10, "douzaine": 12, "quinzaine": 15, "vingtaine": 20, "trentaine": 30,
    "quarantaine": 40, "cinquantaine": 50, "soixantaine": 60, "centaine": 100,
    "millier": 1000, "dozen": 12, "hundred": 100, "thousand": 1000,
}
# (value, low, high) of vague quantity words used on their own.
_VAGUE_WORDS = {
    "quelques": (3.0, 2.0, 5.0), "plusieurs": (4.0, 2.0, 8.0), "a few": (3.0, 2.0, 5.0),
    "few": (3.0, 2.0, 5.0), "several": (4.0, 2.0, 8.0), "a couple of": (2.0, 2.0, 3.0),
    "couple of": (2.0, 2.0, 3.0), "une paire de": (2.0, 2.0, 3.0),
}
# Multipliers before a vague noun: "quelques centaines", "des milliers", "dozens".
_VAGUE_MULT = {"un": 1.0, "une": 1.0, "a": 1.0, "one": 1.0, "quelques": 3.0,
               "plusieurs": 4.0, "des": 3.0, "few": 3.0, "several": 4.0}
_VAGUE = re.compile(
    r"(?<![\w-])(?:(?P<mult>une?|a|one|quelques|plusieurs|des|few|several|\d+)\s+)?"
    r"(?P<noun>dizaine|douzaine|quinzaine|vingtaine|trentaine|quarantaine|cinquantaine|"
    r"soixantaine|centaine|millier|dozen|hundred|thousand)(?P<plural>s?)(?![\w-])"
    r"|(?<![\w-])(?P<word>quelques|plusieurs|a\s+few|several|a\s+couple\s+of|couple\s+of|"
    r"une\s+paire\s+de)(?![\w-])",
    re.IGNORECASE,
)

_DIGITS = {
    # French: "1 500", "1.500" (thousands), "2,5" and "1.5" (decimals).
    "fr": re.compile(
        r"(?<![\w.,/])(?P<int>\d{1,3}(?:(?:[ \u00a0\u202f]|\.)\d{3})+|\d+)"
        r"(?:,(?P<frac>\d+)|\.(?P<dotfrac>\d{1,2}|\d{4,})(?!\d))?(?![\d])"
    ),
    # English: "1,500" and "1 500" (thousands), "1.5" (decimal), "2,5" (European decimal).
    "en": re.compile(
        r"(?<![\w.,/])(?P<int>\d{1,3}(?:(?:[ \u00a0\u202f]|,)\d{3})+|\d+)"
        r"(?:\.(?P<dotfrac>\d+)|,(?P<frac>\d{1,2})(?!\d))?(?![\d])"
    ),
}
# The look-behinds in _DIGITS refuse digits glued to letters ("C3", "PP5") and to
# slashes (dates). Figures after a code-like word ("NF U 44-051", "classe 4") are
# identifiers, as are runs of bare digit groups (phone numbers, "06 12 34").
_IDENTIFIER_BEFORE = re.compile(
    r"(?:\b[A-Z][A-Z0-9]{0,5}|(?<!\w)(?:classe|class|type|n°|no\.|num[ée]ro|norme|"
    r"catégorie|cat\.|niveau|level|article|art\.|code|version|réf\.?|ref\.?))\s*[-:]?\s*$"
)
_CODE_GAP = re.compile(r"[-/.]|\s+")
_ORDINAL = re.compile(r"(?:er|re|ère|e|ème|eme|nd|nde|st|rd|th)\b", re.IGNORECASE)

_RANGE_SEP = re.compile(r"\s*(?:-|–|—|à|a|au|ou|to|or|jusqu'à|jusqu’à)\s*", re.IGNORECASE)
_BETWEEN_SEP = re.compile(r"\s*(?:et|and)\s*", re.IGNORECASE)
_BETWEEN_BEFORE = re.compile(r"(?<!\w)(?:entre|between)\s*$", re.IGNORECASE)

_HEDGE_BEFORE = re.compile(
    r"(?<!\w)(?:environ|env\.|à\s+peu\s+près|a\s+peu\s+pres|autour\s+d[e'’]|aux\s+alentours\s+d[e'’]|"
    r"approximativement|approx\.?|près\s+d[e'’]|presque|quasiment|grosso\s+modo|"
    r"de\s+l'ordre\s+d[e'’]|dans\s+les|about|around|approximately|roughly|nearly|almost|"
    r"circa|some|~|≈|±)\s*$",
    re.IGNORECASE,
)
_AT_LEAST_BEFORE = re.compile(
    r"(?<!\w)(?:au\s+moins|au\s+minimum|minimum|min\.|plus\s+d[e'’]|pas\s+moins\s+d[e'’]|"
    r"supérieure?s?\s+à|at\s+least|more\s+than|over|upwards\s+of|minimum\s+of)\s*$",
    re.IGNORECASE,
)
_AT_MOST_BEFORE = re.compile(
    r"(?<!\w)(?:jusqu['’]\s*à|jusqu['’]\s*au|au\s+plus|au\s+maximum|maximum|max\.?|moins\s+d[e'’]|"
    r"pas\s+plus\s+d[e'’]|inférieure?s?\s+à|up\s+to|at\s+most|less\s+than|under|"
    r"no\s+more\s+than|maximum\s+of)\s*$",
    re.IGNORECASE,
)
_LOOKBEHIND = 40


# Phone numbers and dates are not quantities: they are blanked out before reading.
_NOT_FIGURES = re.compile(
    r"(?<![\w])(?:\+\d{1,3}[\s.]?)?\(?0?\d\)?(?:[\s.-]?\d{2}){4}(?![\w])"
    r"|(?<![\w/])\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}(?![\w/])"
    r"|(?<![\w/])\d{1,2}/\d{1,2}(?![\w/])"
)
_ENGLISH_ARTICLE = re.compile(r"(?<![\w-])an?(?=\s+[^\W\d_])", re.IGNORECASE)


def find_numbers(text: str, lang: str = "fr") -> list[Number]:
    """Every figure in `text`, in order, with ranges merged and hedges applied."""
    text = _NOT_FIGURES.sub(lambda m: " " * len(m.group(0)), text)
    atoms = sorted(_atoms(text, lang), key=lambda n: n.start)
    return [_apply_hedges(text, n) for n in _merge_ranges(text, atoms)]


def parse_number(text: str, lang: str = "fr") -> Number | None:
    """The first figure in `text`, or None."""
    numbers = find_numbers(text, lang)
    return numbers[0] if numbers else None


def _atoms(text: str, lang: str) -> list[Number]:
    found: list[Number] = []
    used = bytearray(len(text) + 1)

    def free(start: int, end: int) -> bool:
        return not any(used[start:end])

    def take(start: int, end: int) -> None:
        used[start:end] = b"\x01" * (end - start)

    for m in _VAGUE.finditer(text):
        number = _vague(m)
        if number is not None:
            found.append(number)
            take(m.start(), m.end())
    previous_code_end = -1
    for m in _DIGITS.get(lang, _DIGITS["fr"]).finditer(text):
        if not free(m.start(), m.end()) or _ORDINAL.match(text, m.end()):
            continue
        take(m.start(), m.end())
        chained = previous_code_end >= 0 and _CODE_GAP.fullmatch(text, previous_code_end, m.start())
        if chained or _IDENTIFIER_BEFORE.search(text, max(0, m.start() - 25), m.start()):
            previous_code_end = m.end()
            continue
        previous_code_end = -1
        found.append(Number(m.start(), m.end(), _digits_value(m, lang)))
    for m in _WORD_RUN.get(lang, _WORD_RUN["fr"]).finditer(text):
        if free(m.start(), m.end()):
            found.extend(_word_numbers(m.group(0), m.start(), lang))
    if lang == "en":
        for m in _ENGLISH_ARTICLE.finditer(text):
            if free(m.start(), m.end()):
                found.append(Number(m.start(), m.end(), 1.0, kind="article"))
    return found


def _digits_value(m: re.Match[str], lang: str) -> float:
    whole = re.sub(r"[ \u00a0\u202f.,]", "", m.group("int"))
    frac = m.group("frac") or m.group("dotfrac")
    return float(f"{whole}.{frac}") if frac else float(whole)


def _word_numbers(run: str, offset: int, lang: str) -> list[Number]:
    """Parse a run of number words; split it where text2num refuses ("un neuf")."""
    words = list(re.finditer(r"[^\s-]+", run))
    out: list[Number] = []
    i = 0
    while i < len(words):
        for j in range(min(len(words), i + MAX_NUMBER_WORDS), i, -1):
            piece = run[words[i].start(): words[j - 1].end()]
            if words[j - 1].group(0).lower() in ("et", "and"):
                continue
            try:
                value = float(text2num(piece.lower(), lang))
            except ValueError:
                continue
            lower = piece.lower()
            kind = "article" if lower in _ARTICLES or lower in _WEAK_WORDS else "words"
            out.append(Number(offset + words[i].start(), offset + words[j - 1].end(), value, kind=kind))
            i = j
            break
        else:
            i += 1
    return out


def _vague(m: re.Match[str]) -> Number | None:
    if m.group("word"):
        key = re.sub(r"\s+", " ", m.group("word").lower())
        value, low, high = _VAGUE_WORDS[key]
        return Number(m.start(), m.end(), value, low, high, approximate=True, kind="vague")
    noun = m.group("noun").lower()
    mult_word = (m.group("mult") or "").lower()
    plural = bool(m.group("plural"))
    if noun in ("hundred", "thousand") and not plural and mult_word not in ("a", "few", "several"):
        return None  # "one hundred and fifty" is a run of number words, for text2num
    base = float(_VAGUE_NOUNS[noun])
    if mult_word.isdigit():
        mult, vague_mult = float(mult_word), False
    elif mult_word:
        mult = _VAGUE_MULT.get(mult_word, 1.0)
        vague_mult = mult_word not in ("un", "une", "a", "one")
    else:
        mult, vague_mult = (3.0, True) if plural else (1.0, False)
    value = base * mult
    if noun in ("hundred", "thousand") and not vague_mult and not plural:
        return Number(m.start(), m.end(), value, kind="words")  # "a hundred" is exact
    spread = value * VAGUE_SPREAD
    low, high = (base * 2, base * 9) if vague_mult else (value - spread, value + spread)
    return Number(m.start(), m.end(), value, low, high, approximate=True, kind="vague")


def _merge_ranges(text: str, atoms: list[Number]) -> list[Number]:
    out: list[Number] = []
    i = 0
    while i < len(atoms):
        a = atoms[i]
        b = atoms[i + 1] if i + 1 < len(atoms) else None
        merged = _as_range(text, a, b) if b is not None else None
        if merged is not None:
            out.append(merged)
            i += 2
            continue
        if b is not None and _is_code(text, a, b):
            i += 2  # "44-051", "06-12": an identifier, not a range
            continue
        out.append(a)
        i += 1
    return out


def _as_range(text: str, a: Number, b: Number) -> Number | None:
    between = text[a.end: b.start]
    if a.kind == "vague" or b.kind == "vague":
        return None
    start = a.start
    if _RANGE_SEP.fullmatch(between):
        if not a.value < b.value or text[b.start] == "0" and b.end - b.start > 1:
            return None
        if between.strip().lower() in ("a", "au") and a.kind == "article":
            return None
    elif _BETWEEN_SEP.fullmatch(between):
        before = _BETWEEN_BEFORE.search(text, max(0, a.start - 12), a.start)
        if before is None or not a.value < b.value:
            return None
        start = before.start()
    else:
        return None
    kind = "digits" if "digits" in (a.kind, b.kind) else "words"
    return Number(start, b.end, (a.value + b.value) / 2, a.value, b.value, kind=kind)


def _is_code(text: str, a: Number, b: Number) -> bool:
    """"44-051", "06 12": digit groups that read as a code or a phone number."""
    if a.kind != "digits" or b.kind != "digits":
        return False
    between = text[a.end: b.start]
    if between == "-":
        return a.value >= b.value or text[b.start] == "0"
    return between.strip(" .") == "" and text[a.start] == "0"


def _apply_hedges(text: str, n: Number) -> Number:
    window_start = max(0, n.start - _LOOKBEHIND)
    hedge = _HEDGE_BEFORE.search(text, window_start, n.start)
    if hedge is not None:
        spread = n.value * HEDGE_SPREAD
        low = n.low if n.low is not None else n.value - spread
        high = n.high if n.high is not None else n.value + spread
        return replace(n, start=hedge.start(), low=low, high=high, approximate=True)
    at_least = _AT_LEAST_BEFORE.search(text, window_start, n.start)
    if at_least is not None:
        return replace(n, start=at_least.start(), low=n.low if n.low is not None else n.value, high=None)
    at_most = _AT_MOST_BEFORE.search(text, window_start, n.start)
    if at_most is not None:
        return replace(n, start=at_most.start(), high=n.high if n.high is not None else n.value, low=None)
    return n
