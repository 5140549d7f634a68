"""Do offer and need happen in the same months?

Months travel as 12-bit masks (bit 0 = January); 0 means all year or unknown,
which scores a neutral 0.5 since the text did not say.
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np

NEUTRAL = 0.5
_POPCOUNT = np.array([bin(i).count("1") for i in range(1 << 12)], dtype=np.int16)


def mask(months: Iterable[int]) -> int:
    """12-bit mask of months 1..12 (other values are ignored)."""
    out = 0
    for m in months:
        if 1 <= int(m) <= 12:
            out |= 1 << (int(m) - 1)
    return out


def months_of(bits: int) -> list[int]:
    return [m for m in range(1, 13) if bits >> (m - 1) & 1]


def coverage(offer: np.ndarray, need: np.ndarray) -> np.ndarray:
    """Share of the need's months in which the offer is available (exchanges: not symmetric)."""
    offer, need = np.asarray(offer, dtype=np.int64), np.asarray(need, dtype=np.int64)
    both = _POPCOUNT[offer & need]
    wanted = _POPCOUNT[need]
    with np.errstate(invalid="ignore", divide="ignore"):
        value = both / np.where(wanted > 0, wanted, 1)
    return np.where((offer == 0) | (need == 0), NEUTRAL, value).astype(np.float64)


def overlap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Jaccard overlap of two sets of months (pooling: symmetric)."""
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    union = _POPCOUNT[a | b]
    value = _POPCOUNT[a & b] / np.where(union > 0, union, 1)
    return np.where((a == 0) | (b == 0), NEUTRAL, value).astype(np.float64)


def score(offer_months: Iterable[int], need_months: Iterable[int]) -> float:
    """Scalar wrapper of `coverage`."""
    return float(coverage(np.array([mask(offer_months)]), np.array([mask(need_months)]))[0])


def status(offer_bits: int, need_bits: int) -> str:
    """covered | partial | none | unknown, for explanations."""
    if not offer_bits or not need_bits:
        return "unknown"
    shared = offer_bits & need_bits
    if shared == need_bits:
        return "covered"
    return "partial" if shared else "none"
