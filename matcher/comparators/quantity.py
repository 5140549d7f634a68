"""Does the offered quantity cover the need?

Quantities reach the public partition as coarse bands (1-3, 3-10, 10-30 … of a
canonical unit such as t/yr, m3/yr, kW, m2, h/week). Bands are compared through
their geometric middle, since they are spaced by factors of about three. Supply
covering the demand scores 1; a fraction of it scores its square root (a third of
the need is still worth a conversation), never below `FLOOR`. Different units
(t/yr against m3/yr needs a density we do not have) or a missing band score a
neutral 0.5.
"""
from __future__ import annotations

import numpy as np

NEUTRAL = 0.5
FLOOR = 0.2
PARTIAL = 0.25  # below this share of the need, the supply is "small"


def middle(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Geometric middle of a band, arithmetic when its low end is zero; NaN when unknown or empty."""
    low, high = np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        geometric = np.sqrt(np.where(low > 0, low * high, np.nan))
    mid = np.where(low > 0, geometric, (low + high) / 2)
    return np.where(mid > 0, mid, np.nan)


def ratios(offer_low, offer_high, need_low, need_high, offer_unit, need_unit) -> np.ndarray:
    """Supply over demand; NaN when not comparable (unknown band, zero, or different units)."""
    supply, demand = middle(offer_low, offer_high), middle(need_low, need_high)
    offer_unit, need_unit = np.asarray(offer_unit), np.asarray(need_unit)
    same = (offer_unit == need_unit) & (offer_unit >= 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(same, supply / demand, np.nan)


def scores_from_ratios(ratio: np.ndarray) -> np.ndarray:
    ratio = np.asarray(ratio, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        value = np.where(ratio >= 1.0, 1.0, np.maximum(FLOOR, np.sqrt(np.clip(ratio, 0.0, 1.0))))
    return np.where(np.isnan(ratio), NEUTRAL, value)


def scores(offer_low, offer_high, need_low, need_high, offer_unit, need_unit) -> np.ndarray:
    """Vectorised score of supply against demand (not symmetric: the offer covers the need)."""
    return scores_from_ratios(ratios(offer_low, offer_high, need_low, need_high, offer_unit, need_unit))


def score(offer: tuple[float, float] | None, need: tuple[float, float] | None,
          offer_unit: str | None = None, need_unit: str | None = None) -> float:
    """Scalar wrapper: bands as (low, high) in units given as strings."""
    codes = {u: i for i, u in enumerate(sorted({u for u in (offer_unit, need_unit) if u}))}
    olo, ohi = offer if offer else (np.nan, np.nan)
    nlo, nhi = need if need else (np.nan, np.nan)
    value = scores(np.array([olo]), np.array([ohi]), np.array([nlo]), np.array([nhi]),
                   np.array([codes.get(offer_unit, -1) if offer_unit else -1]),
                   np.array([codes.get(need_unit, -1) if need_unit else -1]))
    return float(value[0])


def status(ratio: float, offer_known: bool, need_known: bool, same_unit: bool) -> str:
    """covers | partial | small | units_differ | unknown, for explanations."""
    if not (offer_known and need_known):
        return "unknown"
    if not same_unit:
        return "units_differ"
    if np.isnan(ratio):
        return "unknown"
    if ratio >= 1.0:
        return "covers"
    return "partial" if ratio >= PARTIAL else "small"
