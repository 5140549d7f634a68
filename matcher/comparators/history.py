"""What the facilitator decided before on the same pair of resource kinds.

Starts neutral (0.5); each realised exchange between the same two nodes raises
it towards 1, each rejection lowers it towards 0, damped by a prior pseudo-count
so that one decision moves it by a quarter, not all the way.
"""
from __future__ import annotations

import numpy as np

NEUTRAL = 0.5


def scores(realised: np.ndarray, rejected: np.ndarray, prior: float = 1.0) -> np.ndarray:
    """Vectorised: counts of realised and rejected decisions → value in [0, 1]."""
    realised = np.maximum(np.asarray(realised, dtype=np.float64), 0.0)
    rejected = np.maximum(np.asarray(rejected, dtype=np.float64), 0.0)
    prior = max(prior, 1e-9)
    value = NEUTRAL + 0.5 * realised / (realised + prior) - 0.5 * rejected / (rejected + prior)
    return np.clip(value, 0.0, 1.0)


def score(realised: int, rejected: int, prior: float = 1.0) -> float:
    return float(scores(np.array([realised]), np.array([rejected]), prior)[0])
