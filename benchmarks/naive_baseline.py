"""The naive baseline of the scale benchmark: every offer text against every need text.

No taxonomy, no blocking, no distance: for each offer, the cosine of the answers'
embeddings with every need's (one matrix product per block of offers) and
RapidFuzz's `ratio` of the two answer texts (every pair, `process.cdist` on all
cores), averaged; each offer keeps its `top` best needs from other actors. This
is what one would write without a matcher, and it is quadratic in the size of
the territory.
"""
from __future__ import annotations

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

from matcher.comparators.text import rescale

BLOCK = 512  # offers per block: bounds the similarity matrices to BLOCK × needs


def unit_rows(blobs: list[bytes]) -> np.ndarray:
    matrix = np.frombuffer(b"".join(blobs), dtype=np.float16).reshape(len(blobs), -1).astype(np.float32)
    return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-9)


def naive_pairs(offer_texts: list[str], offer_vectors: list[bytes], offer_actors: list[str],
                need_texts: list[str], need_vectors: list[bytes], need_actors: list[str], *, top: int = 10,
                floor: float = 0.80, ceiling: float = 0.95, workers: int = -1) -> list[tuple[int, int, float]]:
    """(offer index, need index, score) of each offer's `top` best needs from another actor."""
    offers, needs = unit_rows(offer_vectors), unit_rows(need_vectors)
    need_owner = np.unique(np.array(need_actors), return_inverse=True)
    codes = {a: i for i, a in enumerate(need_owner[0].tolist())}
    need_code = need_owner[1]
    processed_needs = [default_process(t) for t in need_texts]
    out: list[tuple[int, int, float]] = []
    k = min(top, len(need_texts))
    for start in range(0, len(offer_texts), BLOCK):
        stop = min(start + BLOCK, len(offer_texts))
        cosine = rescale(offers[start:stop] @ needs.T, floor, ceiling)
        words = process.cdist([default_process(t) for t in offer_texts[start:stop]], processed_needs,
                              scorer=fuzz.ratio, dtype=np.uint8, workers=workers)
        score = 0.5 * cosine + 0.5 * (words / 100.0)
        own = np.array([codes.get(a, -1) for a in offer_actors[start:stop]])
        score[need_code[None, :] == own[:, None]] = -1.0
        best = np.argpartition(-score, k - 1, axis=1)[:, :k]
        for row, needs_of_offer in enumerate(best.tolist()):
            for j in needs_of_offer:
                out.append((start + row, j, float(score[row, j])))
    return out
