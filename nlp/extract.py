"""Free text → resource mentions with quantity, frequency, season and temperature.

    >>> [m.head for m in extract("des palettes et environ 2 t de cartons par mois")]
    ['palettes', 'cartons']

One answer is read in five steps: clean it (`nlp.text`), find the figures and
time words with regular expressions (`nlp.units`), parse it with spaCy and sort
its tokens into coarse classes (`nlp.chunks`), pick the noun phrases that name
resources (`nlp.reader`), then give each mention the figures, season,
temperature and negation of its part of the answer (`nlp.mentions`).
"""
from __future__ import annotations

from collections.abc import Sequence

from spacy.tokens import Doc

from data.types import Mention

from .chunks import classify, sentences as split_sentences
from .lang import detect_language
from .lexicon import LEXICONS
from .mentions import Pick, build_mentions
from .models import SUPPORTED_LANGS, check_lang, get_pipeline
from .reader import Reader
from .text import MAX_CHARS, CleanText, clean
from .units import Amount, Attributes, scan

__all__ = ["extract", "extract_many", "warm_up", "MAX_CHARS"]

BATCH_SIZE = 64


def extract(text: str, lang: str | None = None) -> list[Mention]:
    """Every resource mention in one answer (empty list for empty text).

    `lang` is "fr" or "en"; when None it is detected. Input longer than
    `nlp.text.MAX_CHARS` characters is cut. Never raises on any string.
    """
    return extract_many([text], lang)[0]


def warm_up(langs: Sequence[str] = SUPPORTED_LANGS) -> None:
    """Load the pipelines and unit tables now rather than on the first answer."""
    for lang in langs:
        extract("environ 2 t de palettes par mois", lang)


def extract_many(texts: Sequence[str], lang: str | None = None) -> list[list[Mention]]:
    """`extract` for many answers at once, parsed in batches with `nlp.pipe`."""
    if lang is not None:
        check_lang(lang)
    cleaned = [clean(_as_text(t)) for t in texts]
    langs = [lang or detect_language(c.text) for c in cleaned]
    results: list[list[Mention]] = [[] for _ in cleaned]
    for language in sorted(set(langs)):
        positions = [i for i, l in enumerate(langs) if l == language and cleaned[i].text.strip()]
        if not positions:
            continue
        nlp = get_pipeline(language)
        docs = nlp.pipe((cleaned[i].text for i in positions), batch_size=BATCH_SIZE)
        for i, doc in zip(positions, docs):
            results[i] = _mentions(doc, cleaned[i], language)
    return results


def _mentions(doc: Doc, cleaned: CleanText, lang: str) -> list[Mention]:
    lex = LEXICONS[lang]
    tagged = doc.has_annotation("TAG") or doc.has_annotation("POS")
    attrs = scan(cleaned.text, lang)
    attr_items = _attr_items(attrs)
    attr_of = _token_attrs(doc, attr_items)
    classes = classify(doc, attr_of, lex, tagged)

    def is_bare(j: int) -> bool:
        item = attr_items[attr_of[j]] if attr_of[j] >= 0 else None
        return isinstance(item, Amount) and item.bare

    reader = Reader(doc, classes, lex, tagged, is_bare)
    picks: list[Pick] = []
    sentences = split_sentences(doc, classes)
    for n, (s, e) in enumerate(sentences):
        picks.extend(reader.sentence(n, s, e))
    if not picks:
        picks = reader.fallback(sentences)
    return build_mentions(doc, cleaned, lang, classes, attr_of, attr_items, sentences, picks, lex)


def _attr_items(attrs: Attributes) -> list[object]:
    items: list[object] = [*attrs.amounts, *attrs.frequencies, *attrs.seasons, *attrs.temperatures]
    return sorted(items, key=lambda x: (x.start, x.end))  # type: ignore[attr-defined]


def _token_attrs(doc: Doc, items: list[object]) -> list[int]:
    """For each token, the index of the attribute span it falls in, or -1."""
    text = doc.text
    owner = [-1] * (len(text) + 1)
    for index, item in enumerate(items):
        for c in range(item.start, item.end):  # type: ignore[attr-defined]
            if not text[c].isspace():
                owner[c] = index
    result = []
    for t in doc:
        marks = [owner[c] for c in range(t.idx, t.idx + len(t.text)) if owner[c] >= 0]
        result.append(marks[0] if marks else -1)
    return result


def _as_text(text: object) -> str:
    if text is None:
        return ""
    if not isinstance(text, str):
        raise TypeError(f"E002 extract expects text as str, got {type(text).__name__}")
    return text
