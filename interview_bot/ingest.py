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


Normalised = dict[tuple[str, str | None, str], list[NormalisedItem]]


def normalise_texts(store: Store, answers: list[tuple[str, str, str | None]]) -> Normalised:
    """Normalise many (topic, text, lang) at once, in batches, for `normalise_answer(..., known=…)`.

    The importer calls this before it takes its write locks: the language models are
    the slow part, and the web service should not wait on them.
    """
    groups: dict[tuple[str | None, str], list[str]] = {}
    for topic, text, lang in answers:
        direction = TOPIC_DIRECTION.get(topic)
        if direction is not None:
            groups.setdefault((lang or None, direction), []).append(text)
    normaliser = get_normaliser(extra_synonyms(store))
    known: Normalised = {}
    for (lang, direction), texts in groups.items():
        texts = list(dict.fromkeys(texts))
        for text, items in zip(texts, normaliser.normalise_many(texts, lang=lang, direction=direction)):
            known[(text, lang, direction)] = items
    return known


def normalise_answer(store: Store, actor: Actor, answer: Answer, *, sharing: Sharing = "anonymous",
                     known: Normalised | None = None) -> list[NormalisedItem]:
    """Normalise one stored answer and replace the resources read from it (`known`: from normalise_texts)."""
    direction = TOPIC_DIRECTION.get(answer.topic)
    if direction is None:
        return []
    items = (known or {}).get((answer.text, answer.lang or None, direction))
    if items is None:
        items = get_normaliser(extra_synonyms(store)).normalise(answer.text, lang=answer.lang or None,
                                                                direction=direction)
    kept = [item for item in items if not item.mention.negated]
    replace_resources(
        store, actor.id, answer.id,
        [(resource_from_item(item, direction, sharing), item.mention.quantity) for item in kept],
    )
    return kept
