"""From a stored answer to stored resources: the language pipeline's edge.

Used by the importer, the interview and the facilitator's edits alike, so every
text goes through the same normalisation. The answer is already committed when
this runs; only the derived public resources (and sealed exact figures) change.
"""
from __future__ import annotations

from data import Store
from data.answers import replace_resources, temp_band
from data.types import Actor, Answer, NormalisedItem, Resource, Sharing
from nlp.lexical import fold
from nlp.normalise import get_normaliser

TOPIC_DIRECTION = {"offers": "offer", "needs": "need"}


def extra_synonyms(store: Store) -> tuple[tuple[str, str, str], ...]:
    """Facilitator-confirmed synonyms stored in public.db."""
    rows = store.public.execute("SELECT node_id, lang, phrase FROM synonym ORDER BY id").fetchall()
    return tuple((r[0], r[1], r[2]) for r in rows)


def resource_from_item(item: NormalisedItem, direction: str, sharing: Sharing = "anonymous",
                       confirmed: bool = False) -> Resource:
    mention = item.mention
    best = item.best
    return Resource(
        id="",
        actor_id="",
        direction=direction,  # type: ignore[arg-type]
        node_id=best.id if best else None,
        status="unknown" if best is None else ("confirmed" if confirmed else "proposed"),
        confidence=best.score if best else (item.candidates[0].score if item.candidates else 0.0),
        head=" ".join(fold(mention.head or mention.text))[:200],
        frequency=mention.frequency,
        months=tuple(mention.months),
        temp_band=temp_band(mention.temperature_c),
        sharing=sharing,
        embedding=item.embedding,
    )


def normalise_answer(store: Store, actor: Actor, answer: Answer, *, sharing: Sharing = "anonymous") -> list[NormalisedItem]:
    """Normalise one stored answer and replace the resources read from it."""
    direction = TOPIC_DIRECTION.get(answer.topic)
    if direction is None:
        return []
    items = get_normaliser(extra_synonyms(store)).normalise(answer.text, lang=answer.lang or None, direction=direction)
    kept = [item for item in items if not item.mention.negated]
    replace_resources(
        store, actor.id, answer.id,
        [(resource_from_item(item, direction, sharing), item.mention.quantity) for item in kept],
    )
    return kept
