"""Ranking candidate pairs per offer with numpy: best receivers first, deterministic ties."""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np


def _sorted_by_offer(offer: np.ndarray, score: np.ndarray, tiebreak: np.ndarray) -> np.ndarray:
    """Order by offer, then descending score (to about 1e-7), then tiebreak.

    Scores are quantised so that the order is the same whichever sort runs: one
    packed int64 sort when the values fit, a lexicographic sort otherwise.
    """
    quantised = np.rint((1.0 - np.clip(score, 0.0, 1.0)) * ((1 << 22) - 1)).astype(np.int64)
    if offer.max() < (1 << 20) and tiebreak.min() >= 0 and tiebreak.max() < (1 << 21):
        return np.argsort((offer.astype(np.int64) << 43) | (quantised << 21) | tiebreak.astype(np.int64), kind="stable")
    return np.lexsort((tiebreak, quantised, offer))


def _ranks(groups: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For an array sorted by group: (rank within group, group starts, group sizes)."""
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    sizes = np.diff(np.r_[starts, groups.size])
    return np.arange(groups.size) - np.repeat(starts, sizes), starts, sizes


def ranked(offer: np.ndarray, receiver: np.ndarray, score: np.ndarray, tiebreak: np.ndarray, limit: int) -> np.ndarray:
    """Positions of each offer's best pair per receiver, best first, at most `limit` per offer.

    Ties are broken by `tiebreak` (a row index), so the choice never depends on input order.
    Receivers are de-duplicated among each offer's first few candidates only, falling back
    to all of them for the rare offer where that leaves fewer than `limit`.
    """
    if offer.size == 0:
        return np.zeros(0, dtype=np.int64)
    order = _sorted_by_offer(offer, score, tiebreak)
    groups = offer[order]
    rank, starts, sizes = _ranks(groups)
    span = int(receiver.max() - receiver.min()) + 1
    low = int(receiver.min())

    def first_per_receiver(positions: np.ndarray) -> np.ndarray:
        chosen = order[positions]
        _, first = np.unique(groups[positions].astype(np.int64) * span + (receiver[chosen] - low), return_index=True)
        return positions[np.sort(first)]

    wide = 2 * limit + 8
    kept = first_per_receiver(np.flatnonzero(rank < wide))
    kept_groups = groups[kept]
    counts = np.bincount(np.searchsorted(groups[starts], kept_groups), minlength=starts.size)
    short = np.flatnonzero((sizes > wide) & (counts < limit))
    if short.size:
        redo = np.concatenate([np.arange(starts[g], starts[g] + sizes[g]) for g in short.tolist()])
        kept = np.sort(np.concatenate([kept[~np.isin(kept_groups, groups[starts[short]])], first_per_receiver(redo)]))
    kept_rank, _, _ = _ranks(groups[kept])
    return order[kept[kept_rank < limit]]


def per_offer(offer: np.ndarray) -> Iterator[np.ndarray]:
    """Split positions of an array grouped by offer into one slice per offer."""
    if offer.size == 0:
        return
    starts = np.flatnonzero(np.r_[True, offer[1:] != offer[:-1]])
    for s, e in zip(starts, np.r_[starts[1:], offer.size]):
        yield np.arange(s, e)


def prune(offer: np.ndarray, receiver: np.ndarray, lower: np.ndarray, upper: np.ndarray, tiebreak: np.ndarray,
          limit: int, floor: float, margin: float = 1e-6) -> np.ndarray:
    """Mask of the pairs that can still be among their offer's `limit` best receivers.

    A pair whose best possible score (`upper`) stays below the worst of `limit`
    receivers already certain to score at least `lower` (and at least `floor`)
    can never be ranked: dropping it before the costly comparators changes
    nothing. `margin` covers the quantised ordering used by `ranked`.
    """
    keep = upper >= floor
    eligible = np.flatnonzero(lower >= floor)
    if eligible.size == 0:
        return keep
    top = eligible[ranked(offer[eligible], receiver[eligible], lower[eligible], tiebreak[eligible], limit)]
    size = int(offer.max()) + 1
    worst = np.full(size, np.inf)
    np.minimum.at(worst, offer[top], lower[top])
    counts = np.bincount(offer[top], minlength=size)
    threshold = np.where(counts >= limit, worst, -np.inf)
    return keep & (upper >= threshold[offer] - margin)
