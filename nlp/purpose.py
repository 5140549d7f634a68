"""What a need is for: "… pour la litière des box", "… for animal bedding".

Offers reach use targets through the taxonomy's `uses`, so a need named by its
purpose meets every offer that can serve it, not only the examples the actor
happened to list ("drêches ou pulpes"). `Normaliser.normalise_many` ranks the
clause found here beside the need itself.
"""
from __future__ import annotations

import re

PURPOSE_PATTERNS = {
    "fr": re.compile(r"\b(?:pour|comme|en guise de|à utiliser en)\s+(?:faire\s+|fabriquer\s+)?(.{4,}?)\s*(?:[,;.(]|$)", re.IGNORECASE),
    "en": re.compile(r"\b(?:for|as|to use as|to make)\s+(.{4,}?)\s*(?:[,;.(]|$)", re.IGNORECASE),
}


def purpose_clause(text: str, lang: str) -> str | None:
    """The purpose a need states ("la ration des vaches"), or None."""
    pattern = PURPOSE_PATTERNS.get(lang)
    found = pattern.search(text) if pattern else None
    return found.group(1).strip() if found else None
