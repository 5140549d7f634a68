"""Distance between two sites, scored against how far that kind of resource travels.

Each taxonomy node inherits a `max_km`: heat a few km, bulky low-value wastes a
few tens, hazardous wastes far (to licensed sites). Beyond it nothing is
proposed; within it the score falls linearly from 1 at zero km to `floor` at
`max_km`. An unknown location scores a neutral 0.5, so matching degrades
gracefully instead of dropping the actor.
"""
from __future__ import annotations

import math

import numpy as np

EARTH_RADIUS_KM = 6371.0088
NEUTRAL = 0.5


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km between arrays of points in degrees; NaN where one is unknown."""
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(x, dtype=np.float64)) for x in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Points in degrees as unit vectors (n, 3): their dot product is the cosine of the angle between them."""
    phi, lam = np.radians(np.asarray(lat, dtype=np.float64)), np.radians(np.asarray(lon, dtype=np.float64))
    return np.stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)], axis=1)


def scores(km: np.ndarray, max_km: np.ndarray, floor: float = 0.1) -> np.ndarray:
    """Vectorised score: 1 at 0 km, `floor` at `max_km`, 0 beyond, NEUTRAL when unknown."""
    km = np.asarray(km, dtype=np.float64)
    max_km = np.broadcast_to(np.asarray(max_km, dtype=np.float64), km.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.clip(km / np.where(max_km > 0, max_km, np.inf), 0.0, 1.0)
    out = 1.0 - (1.0 - floor) * frac
    out = np.where(km > max_km, 0.0, out)
    return np.where(np.isnan(km), NEUTRAL, out)


def score(km: float | None, max_km: float, floor: float = 0.1) -> float:
    """Scalar wrapper of `scores`; `km=None` means a location is unknown."""
    value = scores(np.array([np.nan if km is None else km]), np.array([max_km]), floor)
    return float(value[0])


def rough_km(km: float, *, upper: bool = False) -> int:
    """Distance as told to people: to the km below 5 km, then in 5 km steps.

    `upper` rounds up instead, for "within X km" statements that must stay true.
    """
    step = 1 if km < 5 else 5
    if upper:
        return max(1, int(step * math.ceil(km / step - 1e-9)))
    return max(1, int(step * math.floor(km / step + 0.5)))
