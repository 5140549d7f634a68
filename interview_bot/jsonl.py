"""The JSON Lines shapes of ARCHITECTURE.md's contracts, built from core results."""
from __future__ import annotations

from data.types import NormalisedItem


def normalised_line(text: str, items: list[NormalisedItem]) -> dict:
    """One output line of `symbiose normalise --jsonl`."""
    out = []
    for item in items:
        quantity = item.mention.quantity
        out.append({
            "mention": item.mention.text,
            "quantity": quantity.value if quantity else None,
            "unit": quantity.unit if quantity else None,
            "negated": item.mention.negated,
            "unknown": item.unknown,
            "candidates": [
                {"id": c.id, "label": c.label, "low_codes": list(c.low_codes), "hazardous": c.hazardous, "score": c.score}
                for c in item.candidates
            ],
        })
    return {"text": text, "items": out}
