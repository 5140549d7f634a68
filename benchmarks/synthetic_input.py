"""Matcher input from a synthetic territory (`synthetic.py`): fast, or through the real normaliser."""
from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from data.answers import quantity_band  # noqa: E402
from data.types import ActorFacts, Resource  # noqa: E402
from synthetic import Answer, SyntheticActor, SyntheticTerritory  # noqa: E402


def answers(territory: SyntheticTerritory) -> Iterator[tuple[SyntheticActor, int, Answer]]:
    for actor in territory.actors:
        for k, answer in enumerate([*actor.offers, *actor.needs]):
            yield actor, k, answer


@lru_cache(maxsize=1)
def term_vectors() -> tuple[dict[tuple[str, str], int], np.ndarray]:
    """(node, term) → row, and the real embeddings of every taxonomy term (the normaliser's cached matrix)."""
    from nlp.normalise import get_normaliser
    from nlp.semantic import node_terms

    normaliser = get_normaliser()
    matrix = normaliser.matrix
    index = {}
    for pos, node_id in enumerate(normaliser.ids):
        for k, term in enumerate(node_terms(normaliser.taxonomy, node_id)):
            index.setdefault((node_id, term), int(matrix.term_starts[pos]) + k)
    return index, np.asarray(matrix.terms, dtype=np.float32)


def fast_resources(territory: SyntheticTerritory, vectors: tuple[dict, np.ndarray] | None = None,
                   noise: float = 0.3, seed: int = 0) -> tuple[list[Resource], list[ActorFacts]]:
    """Resources with the planted node (status proposed, confidence 0.9) and a term embedding plus noise.

    `noise` is the norm of the Gaussian noise added to the unit term vector: 0.3 keeps a
    cosine of about 0.96 with the term, as an answer's own words would.
    """
    from nlp.lexical import fold

    index, matrix = vectors or term_vectors()
    rng = np.random.default_rng(seed)
    rows = [index.get((answer.node_id, answer.term), -1) for _, _, answer in answers(territory)]
    noisy = matrix[np.maximum(rows, 0)] + rng.standard_normal((len(rows), matrix.shape[1])).astype(np.float32) * (
        noise / math.sqrt(matrix.shape[1]))
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    blobs = noisy.astype(np.float16)
    out = []
    for j, (actor, k, answer) in enumerate(answers(territory)):
        band = quantity_band(answer.value) if answer.value else (None, None, None)
        out.append(Resource(
            id=f"{actor.ref}-{k:02d}", actor_id=actor.ref, direction=answer.direction,  # type: ignore[arg-type]
            node_id=answer.node_id, status="proposed", confidence=0.9, head=" ".join(fold(answer.term))[:200],
            quantity_band=band[0], band_low=band[1], band_high=band[2], unit=answer.unit if answer.value else None,
            months=answer.months, embedding=blobs[j].tobytes() if rows[j] >= 0 else None,
        ))
    return out, territory.facts()


def normalised_resources(territory: SyntheticTerritory) -> tuple[list[Resource], list[ActorFacts]]:
    """Resources read from the answer texts by the real normaliser, as `symbiose territory import` would."""
    from interview_bot.ingest import resource_from_item
    from nlp.normalise import get_normaliser

    normaliser = get_normaliser()
    out: list[Resource] = []
    for direction in ("offer", "need"):
        keyed = [(actor, k, answer) for actor, k, answer in answers(territory) if answer.direction == direction]
        results = normaliser.normalise_many([a.text for _, _, a in keyed], lang="fr", direction=direction)
        for (actor, k, _), items in zip(keyed, results):
            for j, item in enumerate(i for i in items if not i.mention.negated):
                resource = resource_from_item(item, direction)
                resource.id, resource.actor_id = f"{actor.ref}-{k:02d}-{j}", actor.ref
                quantity = item.mention.quantity
                if quantity is not None:
                    resource.quantity_band, resource.band_low, resource.band_high = quantity_band(quantity.value)
                    resource.unit = quantity.unit
                if resource.node_id:
                    out.append(resource)
    return out, territory.facts()
