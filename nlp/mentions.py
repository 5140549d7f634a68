"""From picked phrases to `Mention`s: extents, figures, season, temperature, negation.

Each picked phrase owns the part of its sentence up to the next pick (the first
pick of a sentence also owns what comes before it), plus any following sentence
that names no resource but gives figures ("Des palettes. Une centaine par mois.").
The figures inside that extent are its attributes.
"""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from spacy.tokens import Doc

from data.types import Mention

from .chunks import ATTR, COMMA, CONJ, DET, HARD, INNER, JOIN, OF, PART, PREP, SKIP, SUB, Phrase, head_text
from .lexicon import Lexicon
from .periods import Frequency, Season
from .text import CleanText
from .temperature import Temperature
from .rates import to_quantity
from .units import Amount

# Which amount speaks for a mention when its extent holds several: a power or a
# flow rather than a schedule, a count or a dimension ("broyeur (15 cm) 2 jours
# par semaine" is 16 h/week, not 0.15 m).
AMOUNT_RANK = {"power": 7, "energy": 6, "mass": 6, "volume": 6, "area": 5, "time": 4,
               "count": 2, "length": 1}
_TRAILING = frozenset({COMMA, CONJ, HARD, SKIP})
_WORD_EDGE = frozenset({OF, CONJ, JOIN, DET, INNER, PART, SUB})
_NE = frozenset({"ne", "n'", "n’"})


@dataclass
class Pick:
    """A phrase chosen as a resource, with the tokens that will form its head."""

    phrase: Phrase
    words: list[int]
    lead: int  # first token of the mention ("environ" in "environ 2 t de cartons")
    seg_start: int  # start of its clause: the reach of a negation
    end: int  # end of the phrase, extensions included
    sentence: int
    rule: str  # "quantity", "object", "opening", "item", "fallback"
    follows: bool  # directly after the previous pick: "des palettes et des cartons"


def build_mentions(doc: Doc, cleaned: CleanText, lang: str, classes: list[str], attr_of: list[int],
                   items: list[object], sentences: list[tuple[int, int]], picks: list[Pick],
                   lex: Lexicon) -> list[Mention]:
    extents = _extents(classes, sentences, picks)
    first_token: dict[int, int] = {}
    for t in doc:
        if attr_of[t.i] >= 0:
            first_token.setdefault(attr_of[t.i], t.i)
    starts = [item.start for item in items]  # type: ignore[attr-defined]
    owned = [_items_in(doc, items, starts, first_token, classes, a, b, {attr_of[t] for t in p.phrase.described})
             for p, (a, b) in zip(picks, extents)]
    _share_trailing(doc, items, picks, owned)
    mentions = []
    for pick, (a, b), mine in zip(picks, extents, owned):
        mentions.append(_mention(doc, cleaned, lang, classes, pick, a, b, [items[i] for i in mine], lex))
    return mentions


def _extents(classes: list[str], sentences: list[tuple[int, int]], picks: list[Pick]) -> list[tuple[int, int]]:
    with_picks = {p.sentence for p in picks}
    starts: list[int] = []
    for k, pick in enumerate(picks):
        s, _ = sentences[pick.sentence]
        if k == 0 or picks[k - 1].sentence != pick.sentence:
            start = s
        else:
            start = min(max(pick.seg_start, picks[k - 1].end), pick.lead)
        starts.append(start)
    extents = []
    for k, pick in enumerate(picks):
        same = k + 1 < len(picks) and picks[k + 1].sentence == pick.sentence
        end = starts[k + 1] if same else sentences[pick.sentence][1]
        if not same:
            end = _absorb_figure_sentences(classes, sentences, with_picks, picks[k].sentence, end)
        extents.append((_skip_leading(classes, starts[k], end), _trim(classes, starts[k], end)))
    return extents


def _absorb_figure_sentences(classes: list[str], sentences: list[tuple[int, int]], with_picks: set[int],
                             sentence: int, end: int) -> int:
    """Extend over following sentences that name nothing but carry figures."""
    n = sentence + 1
    while n < len(sentences) and n not in with_picks:
        s, e = sentences[n]
        if not any(classes[j] == ATTR for j in range(s, e)):
            break
        end, n = e, n + 1
    return end


def _skip_leading(classes: list[str], a: int, b: int) -> int:
    while a < b - 1 and classes[a] in _TRAILING:
        a += 1
    return a


def _trim(classes: list[str], a: int, b: int) -> int:
    while b - 1 > a and classes[b - 1] in _TRAILING:
        b -= 1
    return b


def _items_in(doc: Doc, items: list[object], starts: list[int], first_token: dict[int, int],
              classes: list[str], a: int, b: int, described: set[int]) -> list[int]:
    """Indices of the attributes that start inside tokens [a, b), minus those in the name."""
    lo = doc[a].idx
    hi = doc[b - 1].idx + len(doc[b - 1].text)
    out = []
    for index in range(bisect_left(starts, lo), bisect_left(starts, hi)):
        item = items[index]
        if index in described:
            continue
        first = first_token.get(index, 0)
        if isinstance(item, Amount) and item.bare and first > 0 and classes[first - 1] in (PREP, SUB):
            continue  # "disponibles entre deux campagnes"
        out.append(index)
    return out


def _share_trailing(doc: Doc, items: list[object], picks: list[Pick], owned: list[list[int]]) -> None:
    """"Des lits et des fauteuils, une dizaine par an": the figure applies to both."""
    for k in range(len(picks) - 2, -1, -1):
        nxt = picks[k + 1]
        if owned[k] or not nxt.follows or nxt.sentence != picks[k].sentence or nxt.lead < nxt.phrase.start:
            continue
        words_end = doc[nxt.end - 1].idx + len(doc[nxt.end - 1].text)
        owned[k] = [i for i in owned[k + 1] if items[i].start >= words_end]  # type: ignore[attr-defined]


def _mention(doc: Doc, cleaned: CleanText, lang: str, classes: list[str], pick: Pick, a: int, b: int,
             mine: list[object], lex: Lexicon) -> Mention:
    amounts = [x for x in mine if isinstance(x, Amount)]
    frequencies = [x for x in mine if isinstance(x, Frequency)]
    seasons = [x for x in mine if isinstance(x, Season)]
    temperatures = [x for x in mine if isinstance(x, Temperature)]
    amount = max(amounts, key=lambda x: (AMOUNT_RANK[x.dimension] - x.per_week, -x.start), default=None)
    frequency = _frequency_for(amount, frequencies)
    months = _months(seasons)
    label = frequency.label if frequency else None
    if amount is not None and amount.per_week and label is None:
        label = "per_week"
    if label is None and any(s.all_year for s in seasons):
        label = "continuous"
    quantity = None
    if amount is not None:
        usable = frequency if frequency is not None and not amount.per_week else None
        quantity = to_quantity(amount, usable, months, _quantity_text(cleaned.text, amount, usable))
    lo, hi = doc[a].idx, doc[b - 1].idx + len(doc[b - 1].text)
    start, end = cleaned.span(lo, hi)
    temperature = (temperatures[0].low, temperatures[0].high) if temperatures else None
    return Mention(
        text=cleaned.text[lo:hi], head=head_text(doc, _tidy_words(classes, pick.words)), start=start, end=end,
        quantity=quantity, frequency=label, months=months, temperature_c=temperature,
        negated=_negated(doc, classes, pick.seg_start, max(pick.words, default=pick.lead), lex), lang=lang,
    )


def _frequency_for(amount: Amount | None, frequencies: list[Frequency]) -> Frequency | None:
    if not frequencies:
        return None
    if amount is None:
        return frequencies[0]
    after = [f for f in frequencies if f.start >= amount.end]
    return after[0] if after else frequencies[-1]


def _months(seasons: list[Season]) -> tuple[int, ...]:
    months: list[int] = []
    for season in seasons:
        months.extend(m for m in season.months if m not in months)
    return tuple(months)


def _quantity_text(text: str, amount: Amount, frequency: Frequency | None) -> str:
    if frequency is None:
        return amount.text
    if 0 <= frequency.start - amount.end <= 40:
        return text[amount.start: frequency.end]
    return f"{amount.text} {frequency.text}"


def _tidy_words(classes: list[str], words: list[int]) -> list[int]:
    words = list(words)
    while words and classes[words[-1]] in _WORD_EDGE:
        words.pop()
    while words and classes[words[0]] in _WORD_EDGE - {SUB}:
        words.pop(0)
    return words


def _negated(doc: Doc, classes: list[str], lo: int, hi: int, lex: Lexicon) -> bool:
    """A negation in the clause before the resource: "on n'a plus de palettes", "no pallets"."""
    if lo > 0 and doc[lo - 1].lower_ in lex.negative_conj:
        return True  # "ni de cartons", "nor cardboard"
    window = [doc[k] for k in range(lo, min(hi + 1, len(doc))) if classes[k] != ATTR]
    lowers = [t.lower_ for t in window]
    has_ne = any(w in _NE for w in lowers)
    for i, word in enumerate(lowers):
        nxt = lowers[i + 1] if i + 1 < len(lowers) else ""
        if nxt in lex.not_negating_after:
            continue
        if word in lex.negations and word not in _NE:
            return True
        if word in lex.weak_negations and has_ne:
            return True
    return False
